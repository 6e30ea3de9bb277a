"""`session.bronze`, `session.silver`, `session.gold`: one small object per layer,
and the seed's and livef1's names for tables and keywords.

    s.silver.tables()                 # ['car_telemetry', 'drivers', 'laps', ...]
    s.silver.get_table("Laps")        # pandas, this session's rows (the seed's name)
    s.bronze.get_table("TimingData")  # the decoded rows of one feed (bronze.fields)
    s.gold.table("results")           # Ibis, for further composition
    s.get_data("CarData", level="bronze")   # livef1's spelling

f1nb's own names (`laps`, `car_telemetry`, `weather`, ...) are the documented
ones; the aliases only translate. A name is matched in any spelling of case,
spaces and CamelCase ("Car Telemetry", "CarTelemetry", "car_telemetry").
"""

from __future__ import annotations

import html
import re

import pandas as pd

from .errors import F1nbError

LEVELS = ("bronze", "silver", "gold")

# the seed's BronzeLake names: a feed's decoded rows
BRONZE_SAMPLE_ALIASES = {"car_data": "car_samples", "car_data_z": "car_samples", "position_data": "position_samples",
                         "position": "position_samples", "position_z": "position_samples"}
# the seed's SilverLake names, once normalised
SILVER_ALIASES = {"weather_data": "weather", "car_data": "car_telemetry", "position_data": "positions",
                  "timing_data": "laps", "race_control": "race_control_messages", "lap": "laps"}


def normalise(name: str) -> str:
    """'Car Telemetry', 'CarTelemetry', 'car-telemetry', 'CarData.z' -> snake_case."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name).strip())
    return re.sub(r"[^0-9a-z]+", "_", s.lower()).strip("_")


class Layer:
    """The tables of one layer, seen from one session."""

    def __init__(self, session, level: str):
        if level not in LEVELS:
            raise F1nbError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
        self.session, self.level = session, level

    def __repr__(self) -> str:
        return f"<{self.level} layer of {self.session.label}: {', '.join(self.tables()) or 'no tables yet'}>"

    def tables(self) -> list[str]:
        """The layer's table names in the lake (f1nb's names)."""
        return self.session.lake.table_names(self.level)

    def _topics(self) -> list[str]:
        if "fields" not in self.tables():
            return []
        rows = self.session.lake.raw.execute("SELECT DISTINCT topic FROM bronze.fields WHERE session_key = ? "
                                             "ORDER BY 1", [int(self.session.session_key)]).fetchall()
        return [r[0] for r in rows]

    def resolve(self, name: str) -> tuple[str, str | None]:
        """(table, topic): f1nb's table for `name`; for a Bronze feed name, ('fields', topic)."""
        tables = self.tables()
        if name in tables:
            return name, None
        key = normalise(name)
        if self.level == "bronze":
            if BRONZE_SAMPLE_ALIASES.get(key) in tables:
                return BRONZE_SAMPLE_ALIASES[key], None
            topic = {normalise(t): t for t in self._topics()}.get(key)
            if topic:
                return "fields", topic
        candidates = [key, SILVER_ALIASES.get(key) if self.level == "silver" else None]
        if not key.endswith("s"):
            candidates.append(key + "s")  # 'Lap' -> laps, 'Stint' -> stints
        for c in candidates:
            if c in tables:
                return c, None
        known = ", ".join(tables) + (" or a feed name (TimingData, CarData, PositionData, ...)"
                                     if self.level == "bronze" else "")
        raise F1nbError(f"no {self.level} table {name!r}; {self.level} has: {known or 'nothing yet'}")

    def get_table(self, name: str) -> pd.DataFrame:
        """This session's rows of `name` as pandas (all columns, full precision)."""
        if self.level != "bronze":
            self.session.ensure_built()
        elif not self.session.is_loaded:
            self.session.load_data()
        table, topic = self.resolve(name)
        columns = self.session.lake.columns(self.level, table)
        order = tuple(c for c in ("driver_number", "lap_number", "seq", "utc") if c in columns)
        where = {"topic": topic} if topic else {}
        return self.session.frame(f"{self.level}.{table}", order=order, **where)

    def table(self, name: str):
        """This session's rows of `name` as an Ibis table."""
        self.session.ensure_built()
        table, topic = self.resolve(name)
        t = self.session.table(f"{self.level}.{table}")
        return t.filter(t.topic == topic) if topic else t

    def counts(self) -> list[tuple[str, int]]:
        """(table, this session's rows) for every table of the layer; no load, no build."""
        lake, key = self.session.lake, int(self.session.session_key)
        out = []
        for name in self.tables():
            where = " WHERE session_key = ?" if "session_key" in lake.columns(self.level, name) else ""
            (n,) = lake.raw.execute(f'SELECT count(*) FROM {self.level}."{name}"{where}',
                                    [key] if where else []).fetchone()
            out.append((name, int(n)))
        return out

    def _repr_html_(self) -> str:
        return layers_html(self.session, (self.level,))


def layers_html(session, levels=LEVELS) -> str:
    """The layers side by side: each table with this session's row count."""
    from .display.views import CSS

    cols = []
    for level in levels:
        rows = Layer(session, level).counts()
        body = "".join(f"<tr><td>{html.escape(n)}</td><td class='num'>{c:,}</td></tr>" for n, c in rows)
        cols.append(f"<td style='vertical-align:top;padding-right:18px'><div class='layer'>{level} "
                    f"<span class='sub'>({len(rows)} tables)</span></div><table class='f1nb-table'>"
                    f"<tr><th>table</th><th>rows</th></tr>{body or '<tr><td><i>empty</i></td></tr>'}</table></td>")
    return (f"{CSS}<div class='f1nb-card f1nb-layers' style='max-width:1000px'><h3>{html.escape(session.label)}</h3>"
            f"<div class='sub'>rows of this session per table</div><table><tr>{''.join(cols)}</tr></table></div>")


class Layers:
    """All three layers side by side (`session.layers`)."""

    def __init__(self, session):
        self.session = session

    def _repr_html_(self) -> str:
        return layers_html(self.session)

    def __repr__(self) -> str:
        lines = [self.session.label]
        for level in LEVELS:
            lines.append(f"  {level}: " + ", ".join(f"{n} {c:,}" for n, c in Layer(self.session, level).counts()))
        return "\n".join(lines)


class LayerAccess:
    """Mixed into Session: the three layer objects and livef1's `get_data`."""

    @property
    def bronze(self) -> Layer:
        return Layer(self, "bronze")

    @property
    def silver(self) -> Layer:
        return Layer(self, "silver")

    @property
    def gold(self) -> Layer:
        return Layer(self, "gold")

    @property
    def layers(self) -> Layers:
        return Layers(self)

    def get_data(self, dataName: str, level: str = "bronze") -> pd.DataFrame:  # noqa: N803 (livef1's name)
        """livef1's spelling of `session.<level>.get_table(dataName)`."""
        return Layer(self, level).get_table(dataName)
