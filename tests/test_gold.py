"""Gold on the real sessions: the 2018 Azerbaijan GP classification against the
official result, every declared check, and the season roll-ups against a
hand computation from gold.results. See docs/results_check.md."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from f1nb.gold.clean_laps import clean_laps
from f1nb.gold.points import points_expr, points_table
from f1nb.engine.duckdb_build import run_checks

BAKU = 5090
# Official classification, 2018 Azerbaijan GP (FIA / Wikipedia), positions 1-10
BAKU_TOP10 = [44, 7, 11, 5, 55, 16, 14, 18, 2, 28]  # HAM RAI PER VET SAI LEC ALO STR VAN HAR
# Did not take the chequered flag: BOT (puncture, lap 49; still classified 14th),
# GRO (crash behind the SC, lap 43), RIC and VER (collision, lap 40), HUL (lap 11), OCO and SIR (lap 1)
BAKU_DNF = {77: 49, 8: 43, 3: 40, 33: 40, 27: 11, 31: 1, 35: 1}


@pytest.fixture(scope="module")
def results(real_lake):
    return real_lake.sql("SELECT * FROM gold.results").to_pandas()


def test_baku_2018_classification(results):
    r = results[results.session_key == BAKU].sort_values("position")
    assert r.session_kind.unique().tolist() == ["race"]
    assert r.driver_number.head(10).tolist() == BAKU_TOP10
    assert r.abbreviation.head(13).tolist() == ["HAM", "RAI", "PER", "VET", "SAI", "LEC", "ALO", "STR", "VAN",
                                                "HAR", "ERI", "GAS", "MAG"]
    dnf = r[r.status == "dnf"]
    assert dict(zip(dnf.driver_number, dnf.dnf_lap)) == BAKU_DNF
    # classified: the 13 finishers and BOT (48 of 51 laps >= 90 %)
    assert set(r[r.classified].driver_number) == set(r.head(14).driver_number)
    assert r.iloc[13].abbreviation == "BOT" and r.iloc[13].position == 14
    assert (r.head(13).status == "finished").all() and (r.head(13).laps_completed == 51).all()
    assert r.points.head(10).tolist() == [25, 18, 15, 12, 10, 8, 6, 4, 2, 1] and r.points.sum() == 101
    # the feed's own final Position agrees everywhere
    assert (r.position == r.feed_position).all()
    # official gaps (FIA): RAI +2.460, PER +4.024, VET +5.329 ... MAG +30.663
    assert r.gap_s.head(13).round(3).tolist() == [0.0, 2.460, 4.024, 5.329, 7.515, 9.158, 10.931, 12.546, 14.152,
                                                  18.030, 18.512, 24.720, 30.663]
    assert abs(r.iloc[0].total_time_s - (3600 + 43 * 60 + 44.291)) < 1.0  # 1:43:44.291 officially
    assert r.grid_position.notna().all() and r.set_index("abbreviation").grid_position["VET"] == 1
    fl = r[r.fastest_lap]
    assert fl.abbreviation.tolist() == ["BOT"]  # 1:45.149, lap 37 (no fastest-lap point in 2018)


def test_positions_match_the_feed_in_every_session(results):
    assert (results.position == results.feed_position).all()


def test_qualifying_parts(results):
    q = results[results.session_key == 5502].sort_values("position")  # 2019 Italy
    assert q.head(3).abbreviation.tolist() == ["LEC", "HAM", "BOT"]
    assert q.knocked_out_part.isna().sum() == 10
    assert (q.knocked_out_part == 2).sum() == 5 and (q.knocked_out_part == 1).sum() == 5
    assert q.iloc[0].q3_s == pytest.approx(79.307)
    # the in-laps after the Q3 chequered flag are not times: ALB, STR, RAI have no Q3 time
    assert q.set_index("abbreviation").q3_s[["ALB", "STR", "RAI"]].isna().all()
    s = results[results.session_key == 9668].sort_values("position")  # 2024 China sprint shootout
    assert s.session_kind.unique().tolist() == ["sprint_shootout"]
    assert s.iloc[0].abbreviation == "NOR" and s.iloc[0].q3_s == pytest.approx(117.940)


def test_gold_checks_pass_on_real_sessions(real_lake):
    rows = run_checks(real_lake)
    gold = [r for r in rows if r["table"].startswith("gold.") or r["table"] == "silver.timing_final"]
    assert len({r["table"] for r in gold}) >= 16
    assert [r for r in gold if r["violations"]] == []


def season_by_hand(results: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (year, abbr), g in results.groupby(["year", "abbreviation"]):
        race = g[g.session_kind == "race"]
        quali = g[g.session_kind == "qualifying"]
        rows.append({"year": year, "abbreviation": abbr, "points": g.points.sum(),
                     "wins": int((race.position == 1).sum()), "podiums": int((race.position <= 3).sum()),
                     "poles": int((quali.position == 1).sum()), "races": race.session_key.nunique()})
    return pd.DataFrame(rows).sort_values(["year", "abbreviation"]).reset_index(drop=True)


def compare_season(lake):
    results = lake.sql("SELECT * FROM gold.results").to_pandas()
    got = lake.sql("SELECT * FROM gold.driver_season").to_pandas()
    want = season_by_hand(results)
    got = got[want.columns].sort_values(["year", "abbreviation"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    team = lake.sql("SELECT * FROM gold.team_season").to_pandas()
    by_team = results.groupby(["year", "team_name"]).points.sum()
    assert team.set_index(["year", "team_name"]).points.sort_index().tolist() == by_team.sort_index().tolist()
    return got


def test_season_rollups_match_hand_computation(real_lake):
    got = compare_season(real_lake)
    ham18 = got[(got.year == 2018) & (got.abbreviation == "HAM")].iloc[0]
    assert ham18.points == 25 and ham18.wins == 1
    lec19 = got[(got.year == 2019) & (got.abbreviation == "LEC")].iloc[0]
    assert lec19.poles == 1 and lec19.races == 0


def test_points_rules_portable_table():
    rules = points_table().to_pandas()
    assert rules[(rules.kind == "race") & (rules.first_year == 2010)].points.tolist() == [25, 18, 15, 12, 10, 8, 6, 4, 2, 1]
    assert rules[(rules.kind == "sprint") & (rules.first_year == 2021)].points.tolist() == [3, 2, 1]
    t = ibis.memtable({"year": [2008, 2018, 2021, 2023, 2023], "kind": ["race", "race", "sprint", "sprint", "race"],
                       "position": [1, 11, 3, 8, 10]})
    got = t.mutate(p=points_expr(t.year, t.kind, t.position)).p.to_pandas().tolist()
    assert got == [10, 0, 1, 1, 1]


def test_clean_laps_one_definition(real_lake):
    laps = real_lake.table("silver.laps")
    c = clean_laps(laps).to_pandas()
    assert len(c) > 1000
    assert (c.track_status == "1").all() and c.is_accurate.all() and not c.deleted.any()
    assert c.pit_in_session_s.isna().all() and c.pit_out_session_s.isna().all()
    # the same set when green is re-derived from silver.track_status periods
    alt = clean_laps(laps, real_lake.table("silver.track_status")).to_pandas()
    assert abs(len(alt) - len(c)) <= 0.01 * len(c)
