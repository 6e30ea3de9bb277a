"""The seed's Session API in full (issue 14): session.bronze/.silver/.gold with
tables(), get_table(), table() and an HTML repr; the seed's table names and
livef1's keywords as aliases. On the small demo lake shared with test_notebook."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from f1nb.errors import F1nbError

from .test_notebook import demo  # noqa: F401  (the demo lake shared with the notebook tests)


@pytest.fixture
def race(demo):
    from f1nb.session_lookup import session_from_lake

    return session_from_lake(demo["race"].session_key, demo["lake"])


def test_layer_tables_are_the_lake_tables(race):
    for level in ("bronze", "silver", "gold"):
        assert getattr(race, level).tables() == race.lake.table_names(level)
    assert {"laps", "car_telemetry", "weather"} <= set(race.silver.tables())
    assert {"messages", "fields", "car_samples", "position_samples"} <= set(race.bronze.tables())


@pytest.mark.parametrize("alias, table", [
    ("Laps", "laps"), ("Car Telemetry", "car_telemetry"), ("CarTelemetry", "car_telemetry"),
    ("Weather", "weather"), ("Weather Data", "weather"), ("laps", "laps")])
def test_silver_aliases_return_the_table(race, alias, table):
    got = race.silver.get_table(alias)
    want = race.sql(f"SELECT * FROM silver.{table} WHERE session_key = {{session_key}}")
    assert len(got) == len(want) > 0
    assert list(got.columns) == list(want.columns)
    assert (got.session_key == race.session_key).all()


def test_bronze_aliases_are_decoded_rows_of_the_topic(race):
    timing = race.bronze.get_table("TimingData")
    assert len(timing) > 100 and set(timing.topic) == {"TimingData"}
    n = race.lake.raw.execute("SELECT count(*) FROM bronze.fields WHERE session_key = ? AND topic = 'TimingData'",
                              [race.session_key]).fetchone()[0]
    assert len(timing) == n
    car = race.bronze.get_table("CarData")
    assert len(car) == race.sql("SELECT count(*) n FROM bronze.car_samples WHERE session_key = {session_key}").n[0]
    assert len(race.bronze.get_table("PositionData")) > 0
    assert len(race.bronze.get_table("CarData.z")) == len(car)
    assert race.bronze.table("TimingData").count().execute() == n


def test_ibis_table_is_this_sessions_rows(race):
    t = race.gold.table("results")
    df = t.to_pandas()
    assert len(df) == 6 and set(df.session_key) == {race.session_key}


def test_unknown_name_lists_the_layer(race):
    with pytest.raises(F1nbError, match=r"no silver table 'Tyres'; silver has: .*laps"):
        race.silver.get_table("Tyres")
    with pytest.raises(F1nbError, match="level must be one of"):
        race.get_data("laps", level="platinum")


def test_html_repr_lists_tables_with_this_sessions_row_counts(race):
    html = race.silver._repr_html_()
    n = len(race.get_laps())
    assert re.search(rf"<td>laps</td><td class='num'>{n:,}</td>", html)
    both = race.layers._repr_html_()
    for level in ("bronze", "silver", "gold"):
        assert f"<div class='layer'>{level} " in both
    assert "car_samples" in both and "results" in both
    assert "laps" in repr(race.layers)


def test_livef1_get_data_and_generate(race):
    assert len(race.get_data("TimingData")) == len(race.bronze.get_table("TimingData"))
    laps = race.get_data("Laps", level="silver")
    pd.testing.assert_frame_equal(laps, race.get_laps())
    assert race.generate(silver=True, gold=True) is not None
    assert len(race.get_data("results", level="gold")) == 6


def test_livef1_get_session_keywords(demo):
    import f1nb

    race = demo["race"]
    by_ids = f1nb.get_session(race.ref.year, meeting_identifier=race.ref.meeting_name,
                              session_identifier="Race", lake=demo["lake"])
    assert by_ids.session_key == race.session_key
    by_key = f1nb.get_session(race.ref.year, session_key=race.session_key, lake=demo["lake"])
    assert by_key.session_key == race.session_key and by_key.label == race.label
    with pytest.raises(F1nbError, match="needs a meeting and a session"):
        f1nb.get_session(race.ref.year, lake=demo["lake"])


def test_livef1_load_data_datanames(tmp_path):
    """load_data(dataNames=[...]) loads only those feeds, as topics= does."""
    from f1nb.archive.client import ArchiveClient
    from f1nb.archive.serve import ArchiveServer
    from f1nb.demo import DemoConfig
    from f1nb.lake.lake import Lake
    from f1nb.demo.tree import demo_tree
    from f1nb.session import Session

    tree = demo_tree(DemoConfig(drivers=4, race_laps=3, quali_minutes=(3.0, 2.0, 2.0)))
    with ArchiveServer(tree) as server:
        client = ArchiveClient(base_url=server.url, cache_dir=tmp_path / "cache", progress=False)
        ref = [r for r in client.season(2099) if r.session_type == "Race"][0]
        s = Session(ref, Lake(tmp_path / "lake.duckdb"), client)
        s.load_data(dataNames=["SessionInfo", "DriverList", "TimingData"])
        topics = set(s.sql("SELECT DISTINCT topic FROM bronze.messages WHERE session_key = {session_key}").topic)
        client.close()
    assert topics == {"SessionInfo", "DriverList", "TimingData"}


def test_close_releases_what_the_session_opened(demo, demo_tree, tmp_path):
    import duckdb

    import f1nb

    race = demo["race"]
    # a Lake passed in belongs to the caller: closing the Session leaves it open
    with f1nb.get_session(race.ref.year, session_key=race.session_key, lake=demo["lake"]) as shared:
        assert shared.lake is demo["lake"]
    assert demo["lake"].raw.execute("SELECT count(*) FROM bronze.sessions").fetchone()[0] >= 1

    # a lake path and an archive URL: the Session opened both, and close() releases both
    url = demo_tree.resolve().as_uri() + "/"
    own = f1nb.get_session(2099, 1, "Race", lake=str(tmp_path / "own.duckdb"), archive_url=url)
    own.load_data(build=False)
    assert "client" in own._owns and own._client is not None
    own.close()
    assert own._client is None
    with pytest.raises(duckdb.ConnectionException):
        own.lake.raw.execute("SELECT 1")
    again = f1nb.session_from_lake(own.session_key, str(tmp_path / "own.duckdb"))  # the file is free again
    assert again.is_loaded
    again.close()
