"""silver.car_telemetry and silver.positions against a plain reference: the
models work out session times once per distinct utc and join laps through time
buckets (f1nb/silver/car_telemetry.py); the reference below is the direct
formulation (per-sample session time, range join on the driver alone, the
same-lap test in the distance step). Both must give the same rows on samples
built to sit on every edge: bucket and lap boundaries, midnight, before t0,
long laps, a lap without a start, the open last lap, telemetry gaps, repeated
times, overlapping lap periods, a session missing from bronze.sessions.
The models must also give the same rows on SQLite and PySpark."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from f1nb.bronze.schema import CAR_SAMPLES, POSITION_SAMPLES, SESSIONS
from f1nb.engine.registry import registry

from .backend_compare import assert_same, build_on, load_all

KEY = ["session_key", "driver_number"]
SENTINEL_S = 1.0e9

# -- the reference ---------------------------------------------------------------------------------


def _clock_s(ts):
    return (ts.hour() * 3600 + ts.minute() * 60 + ts.second()).cast("float64") + ts.millisecond().cast("float64") / 1000.0


def _ref_with_laps(samples, sessions, laps):
    t = samples.join(sessions.select("session_key", "t0_utc"), "session_key")
    days = t.utc.date().delta(t.t0_utc.date(), unit="day").cast("float64")
    t = t.mutate(session_time_s=days * 86400.0 + _clock_s(t.utc) - _clock_s(t.t0_utc)).drop("t0_utc")
    l = laps.filter(laps.lap_start_session_s.notnull())
    nxt = l.lap_start_session_s.lead().over(ibis.window(group_by=KEY, order_by=["lap_number"]))
    p = l.select(*KEY, "lap_number", "lap_start_session_s",
                 lap_upper_s=ibis.coalesce(nxt, l.lap_end_session_s, ibis.literal(SENTINEL_S)))
    j = t.left_join(p, [t.session_key == p.session_key, t.driver_number == p.driver_number,
                        t.session_time_s >= p.lap_start_session_s, t.session_time_s < p.lap_upper_s])
    return j.select(*[t[c] for c in t.columns], lap_number=p.lap_number, lap_start_session_s=p.lap_start_session_s)


def _ref_car_telemetry(car_samples, sessions, laps, positions):
    t = _ref_with_laps(car_samples, sessions, laps)
    w = ibis.window(group_by=KEY, order_by=["utc", "seq"])
    t = t.mutate(_v=ibis.ifelse((t.speed >= 0) & (t.speed <= 400), t.speed.cast("float64"), None))
    t = t.mutate(_prev_t=t.session_time_s.lag().over(w), _prev_v=t._v.lag().over(w),
                 _prev_lap=t.lap_number.lag().over(w))
    mean_ms = (t._v + t._prev_v) / 2.0 / 3.6
    same_lap = t._prev_lap.notnull() & (t._prev_lap == t.lap_number)
    crossing = ibis.least(t.session_time_s - t.lap_start_session_s, t.session_time_s - t._prev_t)
    step = ibis.cases((t.lap_number.isnull(), None), (t._prev_t.isnull(), 0.0),
                      (same_lap, (t.session_time_s - t._prev_t) * mean_ms), else_=crossing * mean_ms)
    t = t.mutate(_step=(step * 1e6).round(0).cast("float64"))  # whole micrometres: an exact sum
    run = ibis.window(group_by=[*KEY, "lap_number"], order_by=["utc", "seq"], preceding=None, following=0)
    dist = ibis.ifelse(t.lap_number.isnull(), None, (t._step.sum().over(run) / 1e6).fill_null(0.0))
    t = t.mutate(distance_m=dist)
    ok = lambda c, lo, hi: (c >= lo) & (c <= hi)  # noqa: E731
    valid = (ok(t.throttle, 0, 100) & ok(t.brake, 0, 100) & (t.throttle != 104) & (t.brake != 104)
             & ok(t.speed, 0, 400) & ok(t.gear, 0, 8) & ok(t.rpm, 0, 20000)).fill_null(False)
    # no position samples in these inputs (the merge has its own tests in test_silver_tables): x, y, z
    # null; relative_distance is the distance over the lap's greatest distance
    lap_m = t.distance_m.max().over(ibis.window(group_by=["session_key", "driver_number", "lap_number"]))
    t = t.mutate(_lap_m=lap_m)
    share = ibis.ifelse(t.lap_number.notnull() & (t._lap_m > 0), ibis.least(t.distance_m / t._lap_m, 1.0), None)
    nothing = ibis.null().cast("float64")
    t = t.mutate(sample_valid=valid, relative_distance=share, x=nothing, y=nothing, z=nothing).drop("_lap_m")
    return t.rename(speed_kph="speed")


REFERENCE = {"silver.car_telemetry": _ref_car_telemetry, "silver.positions": _ref_with_laps}

# -- the edge cases --------------------------------------------------------------------------------

T0 = {1: dt.datetime(2099, 3, 1, 23, 59, 30, 250_700, tzinfo=dt.timezone.utc),  # samples cross midnight
      2: dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=dt.timezone.utc)}
# (session, driver): lap -> (start, end); None = no start. Starts on bucket edges (64 s), on sample
# times, a 544 s lap, a lap without a start (the one before it runs on to the next start), an open
# last lap (no end: the sentinel) and a closed one (samples after its end have no lap).
LAPS = {
    (1, 1): {1: (0.0, 64.0), 2: (64.0, 128.0), 3: (128.0, 191.75), 4: (191.75, 256.0), 5: (256.0, 800.0),
             6: (800.0, None)},
    (1, 2): {1: (3.1, 70.0), 2: (70.0, 130.0), 3: (None, 200.0), 4: (200.0, 263.5), 5: (263.5, 700.0)},
    (1, 3): {1: (-5.0, 127.999), 2: (127.999, 383.0), 3: (383.0, 512.0), 4: (512.0, 640.0)},
    (2, 7): {1: (10.0, 100.0), 2: (100.0, 190.0), 3: (190.0, None)},
}
OVERLAPPING = {(1, 4): {1: (0.0, 100.0), 2: (150.0, 200.0), 3: (120.0, 300.0), 4: (120.0, 400.0)}}


def _samples(micro: bool):
    """Car and position rows. Drivers 1, 2 (and 4 for positions) share frame times, every 0.25 s
    from 10 s before t0 to 900 s after; driver 3 has its own times, a gap from 300 s to 500 s and
    a time sent twice; session 2 has one driver; session 3 is not in bronze.sessions."""
    rows = []
    for i in range(-40, 3601):
        s = i * 0.25
        for driver in (1, 2, 4):
            rows.append((1, driver, s, i // 8))
        if not 300.0 <= s <= 500.0:
            rows.append((1, 3, s + 0.137 + (0.000_413 if micro else 0.0), i // 8))
    rows.append((1, 3, 50.137 + (0.000_413 if micro else 0.0), 99_999))  # the same time again, a later message
    rows += [(2, 7, i * 0.375, i) for i in range(900)]
    rows += [(3, 1, i * 0.25, i) for i in range(100)]
    cars, pos = [], []
    for n, (session, driver, s, seq) in enumerate(rows):
        utc = _ms(T0.get(session, T0[2]) + dt.timedelta(microseconds=round(s * 1e6)), micro)
        speed = [180, 250, 0, 500, -1, None, 399][n % 7]  # out-of-range and missing speeds add nothing
        if driver != 4:
            cars.append(dict(session_key=session, seq=seq, utc=utc, driver_number=driver, rpm=11000, speed=speed,
                             gear=n % 9, throttle=[100, 104, 50][n % 3], brake=0, drs=0))
        pos.append(dict(session_key=session, seq=seq, utc=utc, driver_number=driver, x=n, y=-n, z=3,
                        status="OnTrack"))
    return pa.Table.from_pylist(cars, schema=CAR_SAMPLES), pa.Table.from_pylist(pos, schema=POSITION_SAMPLES)


def _laps(periods: dict):
    rows = [dict(session_key=s, driver_number=d, lap_number=n, lap_start_session_s=a, lap_end_session_s=b)
            for (s, d), laps in periods.items() for n, (a, b) in laps.items()]
    return pa.table({"session_key": pa.array([r["session_key"] for r in rows], pa.int64()),
                     "driver_number": pa.array([r["driver_number"] for r in rows], pa.int32()),
                     "lap_number": pa.array([r["lap_number"] for r in rows], pa.int32()),
                     "lap_start_session_s": pa.array([r["lap_start_session_s"] for r in rows], pa.float64()),
                     "lap_end_session_s": pa.array([r["lap_end_session_s"] for r in rows], pa.float64())})


def _ms(t: dt.datetime, micro: bool) -> dt.datetime:
    return t if micro else t.replace(microsecond=t.microsecond // 1000 * 1000)


def _sessions(micro: bool):
    rows = []
    for key, t0 in T0.items():
        t0 = _ms(t0, micro)
        row = {n: None for n in SESSIONS.names}
        row.update(session_key=key, year=t0.year, t0_utc=t0)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=SESSIONS)


def _inputs(name: str, micro: bool):
    cars, pos = _samples(micro)
    if name == "silver.car_telemetry":  # overlapping laps double samples, and their order in time is a tie
        no_positions = registry()["silver.positions"].schema.to_pyarrow().empty_table()
        return {"bronze.car_samples": cars, "bronze.sessions": _sessions(micro), "silver.laps": _laps(LAPS),
                "silver.positions": no_positions}
    return {"bronze.position_samples": pos, "bronze.sessions": _sessions(micro),
            "silver.laps": _laps({**LAPS, **OVERLAPPING})}


def _reference_frame(name: str, tables: dict):
    model = registry()[name]
    _, inputs = load_all("duckdb", tables)
    expr = REFERENCE[name](*(inputs[full] for full in model.inputs))
    expr = expr.select(*(expr[c].cast(t).name(c) for c, t in model.schema.items()))
    df = expr.to_pyarrow().to_pandas()
    keys = ["session_key", "driver_number", "utc", "lap_number"]
    return df.sort_values(keys + [c for c in df.columns if c not in keys]).reset_index(drop=True)


@pytest.mark.parametrize("micro", [True, False], ids=["microseconds", "milliseconds"])
@pytest.mark.parametrize("name", ["silver.car_telemetry", "silver.positions"])
def test_model_equals_the_plain_range_join(name, micro):
    tables = _inputs(name, micro)
    got = build_on("duckdb", name, tables)
    want = _reference_frame(name, tables)
    assert_same(got, want, atol=1e-9)
    assert 3 not in set(got.session_key)  # a session missing from bronze.sessions has no rows
    lap = got.lap_number
    assert lap.isna().any() and lap.notna().sum() > 0.7 * len(got)
    if name == "silver.positions":  # overlapping periods: a sample in two laps is on two rows
        assert got.duplicated(["session_key", "driver_number", "utc"]).any()
    else:
        longest = got.loc[got.distance_m.idxmax()]
        assert (longest.driver_number, longest.lap_number) == (1, 5)  # the 544 s lap


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("pyspark", marks=pytest.mark.spark)])
@pytest.mark.parametrize("name", ["silver.car_telemetry", "silver.positions"])
def test_model_same_on_other_backends(name, backend):
    # whole milliseconds: SQLite rounds times to the millisecond where DuckDB truncates
    tables = _inputs(name, micro=False)
    assert_same(build_on("duckdb", name, tables), build_on(backend, name, tables), atol=1e-9)
