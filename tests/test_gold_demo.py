"""Gold on a synthetic season (f1nb.demo: two rounds of qualifying and race):
every declared check passes, and the season roll-ups equal a hand computation."""

from __future__ import annotations

import pytest

from f1nb.engine.duckdb_build import run_checks

from .test_gold import compare_season


@pytest.fixture(scope="module")
def demo_lake(tmp_path_factory):
    demo = pytest.importorskip("f1nb.demo")
    from f1nb.lake.lake import Lake
    from f1nb.ingest import Demo, ingest

    root = tmp_path_factory.mktemp("gold-demo")
    lake = Lake(root / "lake.duckdb")
    ingest(Demo(demo.DemoConfig(drivers=10, race_laps=8, rounds=2, telemetry=False), root / "tree",
                progress=False), lake)
    yield lake
    lake.close()


def test_demo_has_races_and_qualifying(demo_lake):
    kinds = demo_lake.sql("SELECT session_kind, count(DISTINCT session_key) n FROM gold.results GROUP BY 1").to_pandas()
    n = dict(zip(kinds.session_kind, kinds.n))
    if not n:
        pytest.skip("the demo produced no sessions")
    assert n == {"race": 2, "qualifying": 2}


def test_gold_checks_pass_on_demo(demo_lake):
    rows = [r for r in run_checks(demo_lake) if r["table"].startswith("gold.")]
    assert rows and [r for r in rows if r["violations"]] == []
    for table in ("results", "lap_chart", "gaps", "stint_summary", "weather_by_lap", "driver_season"):
        assert demo_lake.sql(f"SELECT count(*) n FROM gold.{table}").to_pandas().n[0] > 0, table


def test_demo_season_rollups_match_hand_computation(demo_lake):
    got = compare_season(demo_lake)
    results = demo_lake.sql("SELECT * FROM gold.results WHERE session_kind = 'race'").to_pandas()
    table = [25, 18, 15, 12, 10, 8, 6, 4, 2, 1]  # 2010+ rules (the demo season is 2099; no fastest-lap point)
    by_hand = sum(sum(table[:n]) for n in results.groupby("session_key").classified.sum())
    assert got.races.max() == 2 and got.points.sum() == by_hand
    h2h = demo_lake.sql("SELECT * FROM gold.quali_head_to_head").to_pandas()
    assert (h2h.sessions == 2).all() and (h2h.a_ahead + h2h.b_ahead == 2).all()
