"""The Session API: one call from a season/meeting/session name to DataFrames.

    s = f1nb.get_session(2024, "Monaco", "R")
    laps = s.get_laps()            # loads Bronze and builds the layers on first use

Loading is lazy and cached: the first `get_*` call loads and builds what is
missing; later calls read the built tables, and a second `get_laps()` on the
same Session returns the DataFrame it already has.
"""

from __future__ import annotations

import html
import numbers
from typing import Any

import pandas as pd

from .session_ref import SessionRef
from .errors import F1nbError, InvalidChoice, LakeError
from .lake.lake import Lake
from .layers import LayerAccess
from .display.views import tag


def ref_from_row(row: dict) -> SessionRef:
    """A bronze.sessions row as a SessionRef."""
    fields = SessionRef.__dataclass_fields__
    return SessionRef(**{k: row.get(k) for k in fields})


class Session(LayerAccess):
    """One session of one meeting, backed by a lake. `session.bronze/.silver/.gold`
    are the layers (see f1nb.layers)."""

    def __init__(self, ref: SessionRef, lake: Lake | None = None, client=None, *, owns: tuple[str, ...] = ()):
        """`owns` names what the Session opened for itself ("lake", "client") and so closes in
        `close()`; a lake or client the caller passed in stays open. Without a lake it opens
        (and owns) the default one."""
        self.ref = ref
        self.lake = lake if lake is not None else Lake()
        self._client = client
        self._owns = set(owns) | ({"lake"} if lake is None else set())
        self._frames: dict[tuple, pd.DataFrame] = {}
        self._ready = False  # loaded and built, checked once

    def close(self) -> None:
        """Release what this Session opened: its archive client's connections, and the lake
        when it opened that itself (get_session(..., lake=path) or no lake); a Lake passed in
        is left open for its owner. `with get_session(...) as s:` closes at the end."""
        if "client" in self._owns and self._client is not None:
            self._client.close()
            self._client = None
        if "lake" in self._owns:
            self.lake.close()
        self._frames.clear()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- identity ------------------------------------------------------------------
    @property
    def session_key(self) -> int:
        return self.ref.session_key

    @property
    def label(self) -> str:
        return self.ref.label

    def __repr__(self) -> str:
        state = "built" if self.is_built else "loaded" if self.is_loaded else "not loaded"
        return f"<Session {self.label} (key {self.session_key}, {state})>"

    def _repr_html_(self) -> str:
        try:
            from .display.views import session_card
        except ImportError:
            return f"<b>{html.escape(self.label)}</b>"
        return session_card(self)

    # -- state ---------------------------------------------------------------------
    @property
    def is_loaded(self) -> bool:
        row = self.lake.raw.execute("SELECT count(*) FROM bronze.sessions WHERE session_key = ?",
                                    [self.session_key]).fetchone()
        return bool(row[0])

    @property
    def is_built(self) -> bool:
        if not self.lake.columns("silver", "laps"):  # one table bound, not the whole catalogue listed
            return False
        row = self.lake.raw.execute("SELECT count(*) FROM silver.drivers WHERE session_key = ?",
                                    [self.session_key]).fetchone()
        if not row[0]:
            return False
        from .engine.duckdb_build import outdated_tables

        # a lake built by an older f1nb (columns renamed since) is rebuilt on first use, like an unbuilt one
        return not outdated_tables(self.lake)

    @property
    def session_kind(self) -> str:
        """'race', 'sprint', 'qualifying', 'sprint_shootout' or 'practice': Gold's one rule
        (gold.common.session_kind, gold.results' `session_kind`) on this session's bronze.sessions
        row, run in the engine."""
        from .gold.common import session_kinds

        kinds = session_kinds(self.table("bronze.sessions")).session_kind.to_pyarrow().to_pylist()
        return kinds[0] if kinds else "practice"

    def info(self) -> dict:
        """The session's row in bronze.sessions."""
        rows = self.lake.sql(f"SELECT * FROM bronze.sessions WHERE session_key = {int(self.session_key)}").to_pylist()
        if not rows:
            raise LakeError(f"{self.label} is not loaded; call load_data() first")
        return rows[0]

    # -- loading -------------------------------------------------------------------
    def archive_client(self):
        if self._client is None:
            from .archive.client import ArchiveClient

            self._client = ArchiveClient()
            self._owns.add("client")
        return self._client

    def load_data(self, topics: list[str] | None = None, force: bool = False, refresh: bool = False, *,
                  dataNames=None, build: bool | None = None, report=None):  # noqa: N803
        """Fill Bronze for this session (downloads, or reads the raw cache), through
        `f1nb.ingest`. Returns a LoadReport, or None when it was already loaded and `force`
        is false. `refresh` downloads every file again (and implies `force`).

        With `topics`, only those feeds are (re)loaded: their rows are replaced and the
        session's other feeds stay. `build`: build Silver and Gold after the load; by default
        only layers that were built are rebuilt, so they never lag behind Bronze.
        `report(done, text)` (f1nb.progress) hears of the job. `dataNames` is livef1's name
        for `topics`."""
        topics = topics if topics is not None else dataNames
        if self.is_loaded and not (force or refresh):
            return None
        from .ingest import ArchiveSession, ingest

        build = self.is_built if build is None else build
        self._frames.clear()
        self._ready = False
        source = ArchiveSession(self.ref, self.archive_client(), tuple(topics) if topics is not None else None, refresh)
        return ingest(source, self.lake, build=build, report=report).loads[0]

    def generate(self, silver: bool = True, gold: bool = True, report=None):
        """Build this session's Silver and Gold tables (one transaction): the Session's one
        verb for building. `report(done, text)` (f1nb.progress) hears of each model."""
        layers = tuple(name for name, on in (("silver", silver), ("gold", gold)) if on)
        self._frames.clear()
        self._ready = False
        return self.lake.build([self.session_key], layers, report=report)

    def ensure_built(self) -> None:
        if not self.is_loaded:
            self.load_data(build=True)
        elif not self.is_built:
            self.generate()

    def _ensure_ready(self) -> None:
        """ensure_built once per Session (until the next load or build): its checks read the
        catalogue, which every table read would otherwise pay again."""
        if not self._ready:
            self.ensure_built()
            self._ready = True

    # -- tables --------------------------------------------------------------------
    def table(self, name: str):
        """The Ibis table `name` (e.g. 'laps', 'gold.results') filtered to this session."""
        self._ensure_ready()
        t = self.lake.table(name)
        return t.filter(t.session_key == self.session_key) if "session_key" in t.columns else t

    def sql(self, query: str, write: bool = False) -> pd.DataFrame:
        """SQL on the whole lake; `{session_key}` in the query is this session's key.
        Read-only unless `write=True` (a statement that would change the lake is refused)."""
        from .lake.user_sql import fill_placeholders

        return tag(self.lake.sql(fill_placeholders(query, self.session_key), write=write).to_pandas(), "sql")

    def driver_number(self, driver: int | str) -> int:
        """A racing number from a number, '44' or an abbreviation ('HAM')."""
        d = self.frame("drivers")
        if isinstance(driver, numbers.Integral) or (isinstance(driver, str) and driver.strip().isdecimal()):
            match = d[d.driver_number == int(driver)]
        else:
            match = d[d.abbreviation.str.upper() == str(driver).strip().upper()]
        if match.empty:  # name the drivers who drove (not a reserve listed in DriverList only)
            drove = d[d.in_timing.fillna(False).astype(bool)] if "in_timing" in d.columns else d
            names = sorted(a for a in (drove if len(drove) else d).abbreviation if isinstance(a, str))
            raise InvalidChoice(f"no driver {driver!r} in {self.label}; drivers: {', '.join(names)}")
        return int(match.driver_number.iloc[0])

    def frame(self, name: str, order: tuple[str, ...] = (), **where: Any) -> pd.DataFrame:
        """A built table's rows for this session. Plain parameterised SQL rather than
        an Ibis expression: compiling Ibis costs more than these reads."""
        key = (name, tuple(sorted(where.items())))
        if key not in self._frames:
            self._ensure_ready()
            layer, table = name.split(".") if "." in name else ("silver", name)
            columns = self.lake.columns(layer, table)
            if not columns:
                raise LakeError(f"no table {layer}.{table} in the lake; build it with session.generate()")
            conds, params = [], []
            for column, value in (("session_key", self.session_key), *where.items()):
                if value is not None and column in columns:
                    conds.append(f'"{column}" = ?')
                    params.append(value)
            sql = f"SELECT * FROM {layer}.{table}"
            sql += f" WHERE {' AND '.join(conds)}" if conds else ""
            sql += f" ORDER BY {', '.join(chr(34) + c + chr(34) for c in order)}" if order else ""
            self._frames[key] = tag(self.lake.raw.execute(sql, params).df(), f"{layer}.{table}")
        return self._frames[key]

    def _driver_filter(self, driver) -> int | None:
        return None if driver is None else self.driver_number(driver)

    def _lap_filter(self, driver, lap) -> int | None:
        """A lap number from `lap`: None (every lap), a number, or 'fastest' (needs a driver).
        A lap the driver did not drive is an error that names the laps they did."""
        if lap is None:
            return None
        if isinstance(lap, str) and not lap.strip().isdigit():
            if lap.strip().lower() != "fastest":
                raise InvalidChoice(f"lap={lap!r}: pass a lap number, 'fastest', or None for every lap")
            if driver is None:
                raise InvalidChoice("lap='fastest' needs a driver, e.g. get_car_telemetry('VER', lap='fastest')")
            fastest = self.frame("gold.fastest_laps", driver_number=self.driver_number(driver))
            if fastest.empty:
                raise F1nbError(f"{driver} has no timed lap in {self.label}, so no fastest lap")
            return int(fastest.lap_number.iloc[0])
        try:
            number = int(lap)
        except (TypeError, ValueError):
            raise InvalidChoice(f"lap={lap!r}: pass a lap number, 'fastest', or None for every lap") from None
        laps = self.frame("laps", driver_number=self._driver_filter(driver)).lap_number
        if number not in set(laps):
            who = f"{driver} has" if driver is not None else "no driver has"
            span = f"laps {int(laps.min())}–{int(laps.max())}" if len(laps) else "no laps"
            raise InvalidChoice(f"{who} no lap {number} in {self.label} ({span})")
        return number

    def get_drivers(self) -> pd.DataFrame:
        return self.frame("drivers", order=("driver_number",))

    def get_laps(self, driver: int | str | None = None) -> pd.DataFrame:
        return self.frame("laps", order=("driver_number", "lap_number"), driver_number=self._driver_filter(driver))

    def get_car_telemetry(self, driver=None, lap=None) -> pd.DataFrame:
        return self.frame("car_telemetry", order=("driver_number", "utc"),
                           driver_number=self._driver_filter(driver), lap_number=self._lap_filter(driver, lap))

    def get_positions(self, driver=None, lap=None) -> pd.DataFrame:
        return self.frame("positions", order=("driver_number", "utc"),
                           driver_number=self._driver_filter(driver), lap_number=self._lap_filter(driver, lap))

    def get_weather(self) -> pd.DataFrame:
        return self.frame("weather", order=("seq",))

    def get_race_control_messages(self) -> pd.DataFrame:
        return self.frame("race_control_messages", order=("message_index",))

    def get_track_status(self) -> pd.DataFrame:
        return self.frame("track_status", order=("seq",))

    def get_stints(self) -> pd.DataFrame:
        return self.frame("stints", order=("driver_number", "stint"))

    def get_results(self) -> pd.DataFrame:
        return self.frame("gold.results", order=("position",))

    def get_fastest_laps(self) -> pd.DataFrame:
        return self.frame("gold.fastest_laps")

    def compare_laps(self, driver_a, driver_b, lap="fastest", lap_b=None, step_m: float = 10.0) -> pd.DataFrame:
        """`driver_b`'s lap against `driver_a`'s along the distance: one row per `step_m`
        with `distance_m` and `delta_s` (b − a, time to reach that distance; the last
        row's is the difference of the lap times). See f1nb.analysis.lap_delta."""
        from .analysis.lap_delta import compare_laps

        return compare_laps(self, driver_a, driver_b, lap, lap_b, step_m)

    def compare_mini_sectors(self, driver_a, driver_b, lap="fastest", lap_b=None, mini_sectors: int = 25):
        """Who was faster in each of `mini_sectors` equal parts of two laps: one row per mini-sector
        with `time_a_s`, `time_b_s`, `delta_s` (b − a) and `faster_driver`, computed in the engine
        (f1nb.analysis.mini_sectors; `plots.mini_sector_map` draws it on the track)."""
        from .analysis.mini_sectors import compare_mini_sectors

        return compare_mini_sectors(self, driver_a, driver_b, lap, lap if lap_b is None else lap_b, mini_sectors)

    def car_ahead_gaps(self, drivers=None) -> pd.DataFrame:
        """The gap to the car ahead over a race (`driver_number`, `lap`, `gap_s`) from gold.car_ahead,
        or F1's interval at each line crossing where the session has no car data; `attrs["source"]`
        names the table (f1nb.analysis.car_ahead_gaps; `plots.gap_to_car_ahead` draws it)."""
        from .analysis.car_ahead_gaps import car_ahead_gaps

        if drivers is None:
            drivers = list(self.get_drivers().driver_number)
        elif isinstance(drivers, (str, int)):
            drivers = [drivers]
        return car_ahead_gaps(self, drivers)

    # -- lineage -------------------------------------------------------------------
    def raw_messages(self, driver, lap: int, topic: str = "TimingData") -> pd.DataFrame:
        """The raw messages behind one lap: every `topic` message carrying this
        driver between the lap's window start and 25 s after its end (where
        late sector 3 and lap times arrive) — the numbers in silver.laps come
        from these rows of bronze.messages."""
        number = self.driver_number(driver)
        laps = self.get_laps(number)
        row = laps[laps.lap_number == int(lap)]
        if row.empty:
            raise F1nbError(f"{self.label}: driver {driver} has no lap {lap}")
        start = row.lap_start_session_s.iloc[0]
        start = row.lap_end_session_s.iloc[0] - 600 if pd.isna(start) else start
        end = row.lap_end_session_s.iloc[0] + 25
        return self.lake.raw.execute(
            "SELECT m.topic, m.seq, m.offset_ms, m.payload FROM bronze.messages m "
            "WHERE m.session_key = ? AND m.topic = ? AND m.offset_ms > ? AND m.offset_ms <= ? "
            "AND EXISTS (SELECT 1 FROM bronze.fields f WHERE f.session_key = m.session_key AND f.topic = m.topic "
            "AND f.seq = m.seq AND f.driver_number = ?) ORDER BY m.seq",
            [int(self.session_key), topic, int(start * 1000), int(end * 1000), number]).df()
