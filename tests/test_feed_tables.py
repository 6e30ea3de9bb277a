"""Silver tables of the feeds no other table read: TimingStats, TopThree, TeamRadio
(real: the 2024 British FP1 live recording, and the demo's TimingStats), LapSeries,
TyreStintSeries (cross-checked against silver.stints), DriverRaceInfo and
ChampionshipPrediction (synthetic feeds in F1's wire shape, through the real
decoder and Bronze). A session without the topic gives an empty table."""

from __future__ import annotations

import json

import orjson
import pandas as pd
import pytest

from f1nb.bronze.build import SessionSource, build_bronze
from f1nb.decode.jsonstream import parse_jsonstream
from f1nb.decode.merge import merge_value
from f1nb.engine.duckdb_build import build_layers, run_checks
from f1nb.lake.lake import Lake

from .backend_compare import assert_same, on_both
from .conftest import REAL_LIVE

NEW = ["silver.timing_stats", "silver.top_three", "silver.team_radio", "silver.lap_series",
       "silver.tyre_stint_series", "silver.driver_race_info", "silver.championship_prediction"]
LIVE = REAL_LIVE / "2024_Silverstone_Practice_1"


@pytest.fixture(scope="module")
def live_lake(tmp_path_factory):
    if not LIVE.is_dir():
        pytest.skip(f"real data not present: {LIVE}")
    from f1nb.bronze.load import load_recording

    lake = Lake(tmp_path_factory.mktemp("feeds-live") / "lake.duckdb")
    load_recording(lake, LIVE / "live.txt")
    build_layers(lake)
    yield lake
    lake.close()


def _final_state(topic: str):
    """The topic's state after the subscribe reply and every live patch, merged in Python."""
    state = orjson.loads((LIVE / "subscribe.txt").read_bytes()).get(topic)
    for line in (LIVE / "live.txt").read_text().splitlines():
        frame = json.loads(line)
        if frame["Type"] == topic:
            state = merge_value(state, frame["Json"])
    return state


def _entries(x):
    return x.items() if isinstance(x, dict) else enumerate(x)


def _seconds(text: str) -> float:
    m, _, s = text.rpartition(":")
    return (int(m) * 60 if m else 0) + float(s)


def test_timing_stats_equal_the_merged_live_state(live_lake):
    got = live_lake.sql("SELECT * FROM silver.timing_stats").to_pandas().set_index("driver_number")
    lines = _final_state("TimingStats")["Lines"]
    assert len(got) == len(lines) == 20
    for number, line in lines.items():
        row = got.loc[int(number)]
        pb = line["PersonalBestLapTime"]
        assert row.personal_best_lap_time_s == pytest.approx(_seconds(pb["Value"]))
        assert (row.personal_best_lap_number, row.personal_best_lap_rank) == (pb["Lap"], pb["Position"])
        for i, sector in _entries(line["BestSectors"]):
            assert row[f"best_sector_{int(i) + 1}_s"] == pytest.approx(float(sector["Value"]))
            assert row[f"best_sector_{int(i) + 1}_rank"] == sector["Position"]
        for trap, speed in line["BestSpeeds"].items():
            assert row[f"best_speed_{trap.lower()}_kph"] == float(speed["Value"])
            assert row[f"best_speed_{trap.lower()}_rank"] == speed["Position"]
    # the fastest lap's rank is 1, and it is the fastest lap
    assert got.sort_values("personal_best_lap_time_s").personal_best_lap_rank.tolist()[:3] == [1, 2, 3]


def test_top_three_and_team_radio_equal_the_merged_live_state(live_lake):
    top = live_lake.sql("SELECT * FROM silver.top_three ORDER BY position").to_pandas()
    lines = [line for _, line in _entries(_final_state("TopThree")["Lines"])]
    assert top.position.tolist() == [1, 2, 3]
    assert top.driver_number.tolist() == [int(x["RacingNumber"]) for x in lines]
    assert top.abbreviation.tolist() == [x["Tla"] for x in lines]
    assert top.lap_time_s.tolist() == pytest.approx([_seconds(x["LapTime"]) for x in lines])
    assert top.diff_to_leader_s.tolist()[1:] == pytest.approx([float(x["DiffToLeader"]) for x in lines[1:]])
    radio = live_lake.sql("SELECT * FROM silver.team_radio ORDER BY capture_index").to_pandas()
    captures = [c for _, c in _entries(_final_state("TeamRadio")["Captures"])]
    assert len(radio) == len(captures) > 30
    assert radio.path.tolist() == [c["Path"] for c in captures]
    assert radio.driver_number.tolist() == [int(c["RacingNumber"]) for c in captures]
    first = pd.Timestamp(captures[0]["Utc"])
    assert radio.utc[0] == first
    assert radio.path.str.match(r"TeamRadio/[A-Z]{6}\d\d_\d+_\d{8}_\d{6}\.mp3").all()


def test_checks_pass_and_missing_topics_give_empty_tables(live_lake, real_lake):
    results = run_checks(live_lake, names=NEW)
    assert results and all(r["violations"] == 0 for r in results), [r for r in results if r["violations"]]
    for name in NEW:  # the real archive sessions have none of these topics
        assert real_lake.sql(f"SELECT count(*) n FROM {name}").to_pylist()[0]["n"] == 0, name


def test_lineage_names_each_feed(live_lake):
    feeds = {"timing_stats": "TimingStats", "top_three": "TopThree", "team_radio": "TeamRadio",
             "lap_series": "LapSeries", "tyre_stint_series": "TyreStintSeries", "driver_race_info": "DriverRaceInfo",
             "championship_prediction": "ChampionshipPrediction"}
    for table, topic in feeds.items():
        assert topic in str(live_lake.lineage(table)), table


# -- synthetic feeds in F1's shape, through the decoder and Bronze ---------------------------------

def _stream(records) -> bytes:
    def hms(s):
        return f"{int(s // 3600):02d}:{int(s % 3600 // 60):02d}:{s % 60:06.3f}"
    return ("\ufeff" + "".join(f"{hms(s)}{json.dumps(v)}\r\n" for s, v in records)).encode()


def _bronze(topics: dict) -> dict:
    msgs = [m for topic, records in topics.items() for m in parse_jsonstream(topic, _stream(records))[0]]
    return build_bronze(SessionSource(1, {"session_type": "Race"}, msgs))


def _stint(compound, new, start, total):
    return {"Compound": compound, "New": new, "TyresNotChanged": "0", "StartLaps": start, "TotalLaps": total}


def test_tyre_stint_series_agrees_with_silver_stints():
    """Both feeds carry the same stints, each with its own shape and patches."""
    app = [(1.0, {"Lines": {"1": {"RacingNumber": "1", "Stints": [_stint("MEDIUM", "true", 0, 0)]},
                            "44": {"RacingNumber": "44", "Stints": [_stint("SOFT", "false", 3, 3)]}}}),
           (300.0, {"Lines": {"1": {"Stints": {"0": {"TotalLaps": 12}}}, "44": {"Stints": {"0": {"TotalLaps": 15}}}}}),
           (310.0, {"Lines": {"1": {"Stints": {"1": _stint("HARD", "true", 0, 0)}}}}),
           (600.0, {"Lines": {"1": {"Stints": {"1": {"TotalLaps": 9}}}}})]
    series = [(1.0, {"Stints": {"1": [_stint("MEDIUM", "true", 0, 0)], "44": [_stint("SOFT", "false", 3, 3)]}}),
              (300.0, {"Stints": {"1": {"0": {"TotalLaps": 12}}, "44": {"0": {"TotalLaps": 15}}}}),
              (310.0, {"Stints": {"1": {"1": _stint("HARD", "true", 0, 0)}}}),
              (600.0, {"Stints": {"1": {"1": {"TotalLaps": 9}}}})]
    b = _bronze({"TimingAppData": app, "TyreStintSeries": series})
    tables = {"bronze.fields": b["fields"], "bronze.sessions": b["sessions"]}
    a, other = on_both("silver.tyre_stint_series", tables, other="datafusion")
    assert_same(a, other)
    stints, _ = on_both("silver.stints", tables, other="datafusion")
    cols = ["driver_number", "stint", "compound", "fresh_tyre", "tyre_age_at_start_laps", "total_tyre_laps"]
    assert a[cols].to_dict("records") == stints[cols].to_dict("records")
    assert a[cols].values.tolist() == [[1, 1, "MEDIUM", True, 0, 12], [1, 2, "HARD", True, 0, 9],
                                       [44, 1, "SOFT", False, 3, 15]]
    assert not a.tyres_not_changed.any()


def test_lap_series_driver_race_info_and_championship_prediction():
    lap_series = [(1.0, {"1": {"RacingNumber": "1", "LapPosition": ["2"]}, "44": {"RacingNumber": "44", "LapPosition": ["1"]}}),
                  (90.0, {"1": {"LapPosition": {"1": "1"}}, "44": {"LapPosition": {"1": "2"}}}),
                  (180.0, {"1": {"LapPosition": {"2": "1"}}, "44": {"LapPosition": {"2": "2"}}}),
                  (181.0, {"44": {"LapPosition": {"2": "3"}}})]  # a correction: the latest wins
    info = [(1.0, {"1": {"RacingNumber": "1", "Position": "2", "Gap": "", "Interval": "", "PitStops": 0,
                         "Catching": 0, "OvertakeState": 2, "IsOut": False},
                   "44": {"RacingNumber": "44", "Position": "1", "PitStops": 0, "IsOut": False}}),
            (90.0, {"1": {"Position": "1", "Gap": "LAP 2"}, "44": {"Position": "2", "Gap": "+0.8"}}),
            (95.0, {"44": {"Interval": "+0.8", "Catching": 1}}),
            (200.0, {"44": {"PitStops": 1}})]
    champ = [(1.0, {"Drivers": {"1": {"RacingNumber": "1", "CurrentPosition": 1, "PredictedPosition": 1,
                                      "CurrentPoints": 100, "PredictedPoints": 125}},
                    "Teams": {"Red Bull Racing": {"TeamName": "Red Bull Racing", "CurrentPosition": 2,
                                                  "PredictedPosition": 1, "CurrentPoints": 150, "PredictedPoints": 193}}}),
             (300.0, {"Drivers": {"1": {"PredictedPoints": 126}}})]
    b = _bronze({"LapSeries": lap_series, "DriverRaceInfo": info, "ChampionshipPrediction": champ})
    tables = {"bronze.fields": b["fields"], "bronze.sessions": b["sessions"]}

    ls, other = on_both("silver.lap_series", tables, other="datafusion")
    assert_same(ls, other)
    assert ls.values.tolist() == [[1, 1, 0, 2], [1, 1, 1, 1], [1, 1, 2, 1], [1, 44, 0, 1], [1, 44, 1, 2], [1, 44, 2, 3]]

    dri, other = on_both("silver.driver_race_info", tables, other="datafusion")
    assert_same(dri, other)
    ham = dri[dri.driver_number == 44].reset_index(drop=True)
    assert ham.position.tolist() == [1, 2, 2, 2] and ham.pit_stops.tolist() == [0, 0, 0, 1]
    assert ham.gap_text.tolist()[1] == "+0.8" and ham.catching.tolist()[2] == 1 and not ham.is_out.any()
    assert ham.session_time_s.tolist() == [1.0, 90.0, 95.0, 200.0]

    cp, other = on_both("silver.championship_prediction", tables, other="datafusion")
    assert_same(cp, other)
    rows = {r.entry_type: r for r in cp.itertuples()}
    assert (rows["driver"].driver_number, rows["driver"].predicted_points, rows["driver"].current_position) == (1, 126.0, 1)
    assert (rows["team"].team_name, rows["team"].predicted_points, rows["team"].current_position) == (
        "Red Bull Racing", 193.0, 2)
    assert pd.isna(rows["team"].driver_number) and pd.isna(rows["driver"].team_name)


def test_demo_timing_stats_personal_bests_match_the_laps(tmp_path):
    demo = pytest.importorskip("f1nb.demo")
    from f1nb.ingest import Demo, ingest

    with Lake(tmp_path / "lake.duckdb") as lake:
        ingest(Demo(demo.DemoConfig(drivers=6, race_laps=5, rounds=1, telemetry=False), tmp_path / "tree",
                    progress=False), lake)
        got = lake.sql("SELECT s.session_key, s.driver_number, s.personal_best_lap_time_s pb, min(l.lap_time_s) best "
                       "FROM silver.timing_stats s JOIN silver.laps l USING (session_key, driver_number) "
                       "WHERE NOT l.deleted GROUP BY ALL").to_pandas()
        assert len(got) >= 10
        assert (got.pb - got.best).abs().max() < 0.0005
        assert run_checks(lake, names=["silver.timing_stats"])[0]["violations"] == 0
