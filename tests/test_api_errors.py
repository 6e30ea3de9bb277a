"""The Python API fails as clearly as the CLI: an F1nbError subclass, one line, the valid choices."""

from __future__ import annotations

import pytest

import f1nb
from f1nb.demo import DemoConfig
from f1nb.errors import F1nbError, InvalidChoice, SessionNotFound
from f1nb.lake.lake import Lake

SMALL = DemoConfig(drivers=6, race_laps=6, quali_minutes=(6.0, 5.0, 4.0))


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    with Lake(tmp_path_factory.mktemp("api") / "lake.duckdb") as lk:
        f1nb.demo_session("Race", lake=lk, config=SMALL)
        yield lk


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text
    return text


@pytest.mark.parametrize("name, expected", [("race", "Race"), ("R", "Race"), ("Rcae", "Race"), ("Q", "Qualifying"),
                                            ("Qualy", "Qualifying"), ("quali", "Qualifying")])
def test_demo_session_names_resolve_like_archive_names(lake, name, expected):
    assert f1nb.demo_session(name, lake=lake, config=SMALL).ref.session_name == expected


def test_a_session_the_demo_lacks_lists_the_ones_it_has(lake, monkeypatch):
    import f1nb.ingest

    def never(*a, **k):  # the name is checked before anything is generated
        raise AssertionError("the demo was generated for a session it does not have")

    monkeypatch.setattr(f1nb.ingest, "ingest", never)
    with pytest.raises(SessionNotFound) as info:
        f1nb.demo_session("Sprint", lake=lake, config=SMALL)
    assert "'Qualifying', 'Race'" in _one_line(info.value)


def test_lap_arguments(lake):
    race = f1nb.demo_session("R", lake=lake, config=SMALL)
    driver = race.get_results().abbreviation.iloc[0]
    with pytest.raises(InvalidChoice, match="'fastest'"):
        race.get_car_telemetry(driver, lap="fastst")
    with pytest.raises(InvalidChoice, match=r"no lap 999 .*\(laps 1–6\)"):
        race.get_car_telemetry(driver, lap=999)
    with pytest.raises(InvalidChoice, match="needs a driver"):
        race.get_car_telemetry(lap="fastest")
    assert not race.get_car_telemetry(driver, lap="fastest").empty
    assert race.get_car_telemetry(driver, lap="3").lap_number.unique().tolist() == [3]
    assert isinstance(InvalidChoice("x"), ValueError)  # code that caught ValueError still does


def test_drivers_by_number_abbreviation_or_numpy_integer(lake):
    race = f1nb.demo_session("R", lake=lake, config=SMALL)
    results = race.get_results()
    number = results.driver_number.iloc[0]  # a numpy integer
    assert race.driver_number(number) == int(number) == race.driver_number(results.abbreviation.iloc[0].lower())
    with pytest.raises(InvalidChoice) as info:
        race.get_laps(99)
    assert all(a in _one_line(info.value) for a in results.abbreviation)


def test_lineage_of_an_unknown_table_lists_the_known_ones(lake):
    with pytest.raises(InvalidChoice) as info:
        lake.lineage("nope")
    assert "gold.results" in _one_line(info.value)


def test_sql_placeholders(lake):
    race = f1nb.demo_session("R", lake=lake, config=SMALL)
    with pytest.raises(F1nbError, match=r"unknown placeholder \{foo\}"):
        race.sql("SELECT * FROM silver.laps WHERE {foo}")
    assert race.sql("SELECT count(*) AS n FROM silver.laps WHERE session_key = {session_key}").n.iloc[0] > 0
    assert race.sql("SELECT {'a': 1} AS s").s.iloc[0] == {"a": 1}  # a struct literal is not a placeholder


def test_a_season_not_in_the_lake_says_so(lake):
    with pytest.raises(F1nbError) as info:
        f1nb.get_season(1950, lake=lake).driver_standings()
    assert "no sessions of 1950" in _one_line(info.value) and "2099" in str(info.value)
