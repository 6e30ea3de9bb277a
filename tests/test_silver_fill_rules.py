"""Edge cases of the "latest value" and forward-fill rules the Silver models share,
on small synthetic feeds, with the values expected and DuckDB equal to a second
engine: the last value DriverList gave per field (silver.drivers), a portable
forward fill (common.ffill, through silver.lap_count), the feed's last value per
driver (silver.timing_final), a stint item F1 reused vs corrected (silver.stints)
and the top speed per trap (gold.speed_traps)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from f1nb.bronze.fields import as_number
from f1nb.bronze.schema import FIELDS

from .backend_compare import SUBSECOND_ENGINE, assert_same, on_both, one_session


T0 = pd.Timestamp("2099-03-01 12:00:00.250", tz="UTC")  # past 2038, with milliseconds, on purpose


def _fields(rows) -> pa.Table:
    """rows: (topic, seq, driver, item, field, value, kind); offset = seq seconds."""
    out = []
    for topic, seq, driver, item, field, value, kind in rows:
        out.append(dict(session_key=1, topic=topic, seq=seq, offset_ms=seq * 1000, utc=None, driver_number=driver,
                        item=item, field=field, value=value, value_type=kind, value_num=as_number(value, kind)))
    return pa.Table.from_pylist(out, schema=FIELDS)


def test_drivers_keep_the_last_value_of_each_field():
    dl = "DriverList"
    rows = [
        (dl, 1, 44, None, "Tla", "HAM", "str"), (dl, 1, 44, None, "TeamName", "Mercedes", "str"),
        (dl, 1, 44, None, "Line", "3", "num"), (dl, 1, 44, None, "TeamColour", "00D2BE", "str"),
        (dl, 2, 44, None, "Line", "1", "num"),                     # a later line wins
        (dl, 3, 44, None, "TeamName", None, "null"),               # JSON null: not a value, the name stays
        (dl, 4, 44, None, "FullName", "Lewis HAMILTON", "str"),    # a field sent only later
        (dl, 5, 44, None, "Tla", "HAM", "str"),
        (dl, 1, 5, None, "Tla", "VET", "str"), (dl, 1, 5, None, "TeamColour", "", "str"),
        (dl, 2, 5, None, "Tla", "VE5", "str"),                     # the latest of two values
        (dl, 1, 99, None, "FirstName", "Nobody", "str"),          # never an abbreviation: no row
        (dl, 1, 77, None, "Tla", "SUP", "str"),                    # support race: not in TimingData
        ("TimingData", 1, 44, None, "Position", "1", "num"), ("TimingData", 1, 5, None, "Position", "2", "num"),
    ]
    a, b = on_both("silver.drivers", {"bronze.fields": _fields(rows)})
    assert_same(a, b)
    got = {r.driver_number: r for r in a.itertuples()}
    assert sorted(got) == [5, 44, 77]
    ham, vet, sup = got[44], got[5], got[77]
    assert (ham.abbreviation, ham.team_name, ham.line, ham.full_name, ham.team_colour) == (
        "HAM", "Mercedes", 1, "Lewis HAMILTON", "#00D2BE")
    assert vet.abbreviation == "VE5" and pd.isna(vet.team_colour) and vet.in_timing  # null: None or NaN by pandas version
    assert sup.in_timing == False  # noqa: E712 (numpy bool)


def test_forward_fill_runs_and_gaps():
    lc = "LapCount"
    rows = [  # (a message without CurrentLap before the first one would have no row)
        (lc, 1, None, None, "CurrentLap", "1", "num"),                 # no total yet: null
        (lc, 2, None, None, "TotalLaps", "51", "num"),                 # the current lap carried forward
        (lc, 3, None, None, "CurrentLap", "2", "num"),
        (lc, 4, None, None, "CurrentLap", "3", "num"), (lc, 4, None, None, "TotalLaps", "50", "num"),
        (lc, 5, None, None, "CurrentLap", "4", "num"),
        (lc, 6, None, None, "TotalLaps", None, "null"),                # null is not a value: 50 stays
        (lc, 7, None, None, "CurrentLap", "5", "num"),
    ]
    a, b = on_both("silver.lap_count", {"bronze.fields": _fields(rows), "bronze.sessions": one_session(1, T0)},
                   other=SUBSECOND_ENGINE)
    assert_same(a, b)
    assert (a.utc - T0).dt.total_seconds().tolist() == [float(s) for s in range(1, 8)]
    assert a.seq.tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert a.current_lap.tolist() == [1, 1, 2, 3, 4, 4, 5]
    assert a.total_laps.isna().tolist() == [True] + [False] * 6
    assert a.total_laps.tolist()[1:] == [51, 51, 50, 50, 50, 50]


def test_timing_final_takes_each_drivers_latest_values():
    td, tad = "TimingData", "TimingAppData"
    rows = [
        (td, 1, 44, None, "Position", "3", "num"), (td, 5, 44, None, "Position", "1", "num"),
        (td, 9, 44, None, "Position", "", "str"),                       # cleared: not a position
        (td, 2, 5, None, "Position", "2", "num"), (td, 3, 5, None, "Stopped", "true", "bool"),
        (tad, 1, 44, None, "GridPos", "2", "str"), (tad, 4, 44, None, "GridPos", "1", "str"),
        (tad, 1, 5, None, "GridPos", "", "str"),
    ]
    a, b = on_both("silver.timing_final", {"bronze.fields": _fields(rows), "bronze.sessions": one_session(1, T0)},
                   other=SUBSECOND_ENGINE)
    assert_same(a, b)
    got = {r.driver_number: r for r in a.itertuples()}
    assert (got[44].final_position, got[44].grid_position, got[44].stopped) == (1, 1, False)
    assert got[5].final_position == 2 and got[5].grid_position != got[5].grid_position and got[5].stopped
    assert got[5].stopped_session_s == 3.0 and got[5].stopped_utc == T0 + pd.Timedelta(seconds=3)
    assert pd.isna(got[44].stopped_utc)


def test_stint_item_reused_or_corrected():
    tad = "TimingAppData"
    rows = [
        # driver 44: item 0 reused for a new stint: compound changes and TotalLaps drops to StartLaps
        (tad, 1, 44, 0, "Compound", "SOFT", "str"), (tad, 1, 44, 0, "New", "true", "bool"),
        (tad, 1, 44, 0, "StartLaps", "0", "num"), (tad, 1, 44, 0, "TotalLaps", "0", "num"),
        (tad, 100, 44, 0, "TotalLaps", "10", "num"),
        (tad, 200, 44, 0, "Compound", "MEDIUM", "str"), (tad, 200, 44, 0, "TotalLaps", "0", "num"),
        (tad, 210, 44, 0, "TotalLaps", "1", "num"),
        # driver 16: a drop alone, then a compound change alone: corrections, not a new stint
        (tad, 1, 16, 0, "Compound", "HARD", "str"), (tad, 1, 16, 0, "StartLaps", "3", "num"),
        (tad, 1, 16, 0, "TotalLaps", "3", "num"),
        (tad, 50, 16, 0, "TotalLaps", "8", "num"), (tad, 60, 16, 0, "TotalLaps", "5", "num"),
        (tad, 70, 16, 0, "Compound", "MEDIUM", "str"),
    ]
    a, b = on_both("silver.stints", {"bronze.fields": _fields(rows), "bronze.sessions": one_session()},
                   other="datafusion")  # a session with no clock: start_utc is null
    assert_same(a, b)
    got = {r.driver_number: r for r in a.itertuples()}
    assert (got[44].compound, got[44].total_tyre_laps, got[44].start_session_s) == ("MEDIUM", 1, 200.0)
    assert (got[16].compound, got[16].total_tyre_laps, got[16].start_session_s) == ("MEDIUM", 5, 1.0)
    assert got[44].fresh_tyre and got[16].tyre_age_at_start_laps == 3 and a.start_utc.isna().all()


def test_speed_traps_top_speed_earliest_lap_on_ties():
    from .backend_compare import build_on

    laps = pa.Table.from_pylist([
        dict(session_key=1, driver_number=44, lap_number=n, speed_i1=i1, speed_i2=None, speed_fl=fl, speed_st=st)
        for n, i1, fl, st in ((1, 300.0, 280.0, None), (2, 310.0, 0.0, 330.0), (3, 310.0, 281.0, 329.0))
    ] + [dict(session_key=1, driver_number=5, lap_number=1, speed_i1=305.0, speed_i2=None, speed_fl=None,
              speed_st=330.0)])
    from f1nb.engine.registry import registry

    schema = registry()["silver.laps"].schema.to_pyarrow()
    laps = pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in laps.to_pylist()], schema=schema)
    drivers_schema = registry()["silver.drivers"].schema.to_pyarrow()
    drivers = pa.Table.from_pylist([{c: None for c in drivers_schema.names} | dict(
        session_key=1, driver_number=d, abbreviation=a, in_timing=True) for d, a in ((44, "HAM"), (5, "VET"))],
        schema=drivers_schema)
    tables = {"silver.laps": laps, "silver.drivers": drivers}
    a, b = build_on("duckdb", "gold.speed_traps", tables), build_on("sqlite", "gold.speed_traps", tables)
    assert_same(a, b)
    got = {(r.driver_number, r.trap): (r.top_speed_kph, r.lap_number, r.rank) for r in a.itertuples()}
    assert got == {(44, "I1"): (310.0, 2, 1), (5, "I1"): (305.0, 1, 2), (44, "FL"): (281.0, 3, 1),
                   (44, "ST"): (330.0, 2, 2), (5, "ST"): (330.0, 1, 1)}
