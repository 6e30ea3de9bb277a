"""HTML and plain-text views for notebooks: the session card, the lake overview,
tables with team colours on the driver cells, and the IPython hook that shows
f1nb's DataFrames (`tag`) with the formats of `tables.py`.

Below the Python API (`Session`, `Season` and the layers use it), above nothing
but `plots.common` (compound colours): it never imports the notebook package.

Nothing here loads or builds data: a card of a session that is not in the lake
says so, and a gold table the lake has not got is simply left out.
"""

from __future__ import annotations

import html
import sys
from dataclasses import dataclass, field

import pandas as pd

from .tables import MAX_ROWS, SCROLL_ROWS, TAG, default_columns, format_column

CSS = """<style>
.f1nb-card{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;border:1px solid #d0d0d8;border-radius:8px;
 padding:10px 14px;max-width:760px;border-left:6px solid #e10600;background:rgba(127,127,127,0.04)}
.f1nb-card h3{margin:0 0 2px 0;font-size:15px}.f1nb-card .sub{color:#777;font-size:12px;margin-bottom:8px}
.f1nb-card table{border-collapse:collapse;font-size:12px;margin-top:6px}
.f1nb-card td,.f1nb-card th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
.f1nb-card .k{color:#777;white-space:nowrap}.f1nb-card .layer{font-weight:600;text-transform:uppercase;font-size:11px}
.f1nb-pill{display:inline-block;border-radius:9px;padding:0 7px;margin:1px 2px;font-size:11px;
 background:rgba(127,127,127,0.15)}
.f1nb-table{border-collapse:collapse;font-size:12px;font-family:system-ui,sans-serif}
.f1nb-table th{text-align:left;border-bottom:1px solid #999;padding:3px 8px;vertical-align:bottom}
.f1nb-table td{padding:2px 8px;border-bottom:1px solid rgba(127,127,127,0.2)}
.f1nb-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.f1nb-drv{font-weight:600;border-left:4px solid transparent;padding-left:6px}
.f1nb-scroll{max-height:420px;overflow:auto;display:inline-block;max-width:100%}
.f1nb-scroll thead th{position:sticky;top:0;background:var(--jp-layout-color0,#fff)}
.f1nb-note{color:#888;font-size:11px;margin-top:3px}
</style>"""

_LAYER_ORDER = ("bronze", "silver", "gold")


def _esc(v) -> str:
    return html.escape("" if v is None else str(v))


def _is_na(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _laptime(s) -> str:
    if _is_na(s):
        return ""
    h, rest = divmod(float(s), 3600)
    m, r = divmod(rest, 60)
    if h:
        return f"{int(h)}:{int(m):02d}:{r:06.3f}"
    return f"{int(m)}:{r:06.3f}" if m else f"{r:.3f}"


# ------------------------------------------------------------------ session card


@dataclass
class SessionSummary:
    label: str
    session_key: int
    state: str  # "built" | "loaded" | "not loaded"
    event: str = ""
    session: str = ""
    date: str = ""
    place: str = ""
    weather: str = ""
    headline: tuple[str, str] | None = None  # ("Winner", "VER — Red Bull Racing")
    tables: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # layer -> [(table, rows)]
    notes: list[str] = field(default_factory=list)


def _query(lake, sql: str, params=()) -> list[tuple]:
    return lake.raw.execute(sql, list(params)).fetchall()


def _count_rows(lake, key: int) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for layer in _LAYER_ORDER:
        for name in lake.table_names(layer):
            if "session_key" not in lake.columns(layer, name):
                continue
            (n,) = _query(lake, f"SELECT count(*) FROM {layer}.{name} WHERE session_key = ?", [key])[0]
            if n:
                out.setdefault(layer, []).append((name, int(n)))
    return out


def _headline(lake, key: int, session_type: str) -> tuple[str, str] | None:
    race = (session_type or "").lower() in ("race", "sprint")
    if "results" in lake.table_names("gold"):
        cols = lake.columns("gold", "results")
        extra = ", total_time_s" if "total_time_s" in cols else ", NULL"
        extra += ", best_lap_s" if "best_lap_s" in cols else ", NULL"
        rows = _query(lake, f"SELECT abbreviation, team_name{extra} FROM gold.results WHERE session_key = ? "
                            "AND position = 1", [key])
        if rows:
            abbr, team, total, best = rows[0]
            if race:
                return "Winner", f"{abbr} — {team}" + (f" ({_laptime(total)})" if not _is_na(total) else "")
            kind = "Pole" if "qualifying" in (session_type or "").lower() else "Fastest"
            return kind, f"{abbr} — {team}" + (f" ({_laptime(best)})" if not _is_na(best) else "")
    if "laps" in lake.table_names("silver"):
        rows = _query(lake, "SELECT d.abbreviation, d.team_name, l.lap_time_s, l.lap_number FROM silver.laps l "
                            "LEFT JOIN silver.drivers d USING (session_key, driver_number) WHERE l.session_key = ? "
                            "AND l.lap_time_s IS NOT NULL AND NOT coalesce(l.deleted, false) "
                            "ORDER BY l.lap_time_s LIMIT 1", [key])
        if rows:
            abbr, team, t, lap = rows[0]
            return "Best lap", f"{abbr} — {team} ({_laptime(t)}, lap {lap})"
    return None


def session_summary(session) -> SessionSummary:
    lake, key = session.lake, int(session.session_key)
    ref = session.ref
    s = SessionSummary(label=session.label, session_key=key, state="not loaded",
                       event=ref.meeting_official_name or ref.meeting_name or "", session=ref.session_name or "")
    # through Arrow: fetchall() of tz-aware timestamps needs pytz
    found = lake.raw.execute("SELECT * FROM bronze.sessions WHERE session_key = ?", [key]).to_arrow_table().to_pylist()
    info = dict(found[0]) if found else {}
    merged = {**{k: getattr(ref, k, None) for k in ("year", "round", "location", "country", "circuit", "start_date",
                                                    "gmt_offset", "meeting_name", "session_type")}, **{
        k: v for k, v in info.items() if v not in (None, "")}}
    s.event = merged.get("meeting_official_name") or s.event
    if merged.get("round"):
        s.event = f"{s.event} (round {merged['round']})"
    date = str(merged.get("start_date") or "")
    s.date = date.replace("T", " ")[:16] + (f" local (UTC+{str(merged['gmt_offset'])[:5]})"
                                            if merged.get("gmt_offset") and date else "")
    s.place = ", ".join(str(merged[k]) for k in ("circuit", "location", "country") if merged.get(k))
    if not found:
        s.notes.append("not in the lake yet: call session.load_data() (or any get_* method) to load it")
        return s
    s.state = "built" if session.is_built else "loaded"
    if "weather" in lake.table_names("silver"):
        w = _query(lake, "SELECT min(air_temp_c), max(air_temp_c), min(track_temp_c), max(track_temp_c), "
                         "bool_or(coalesce(rainfall, false)) FROM silver.weather WHERE session_key = ?", [key])[0]
        if w[0] is not None:
            s.weather = f"air {w[0]:.1f}–{w[1]:.1f} °C, track {w[2]:.1f}–{w[3]:.1f} °C" + ("; rain" if w[4] else "")
    s.headline = _headline(lake, key, merged.get("session_type") or "")
    s.tables = _count_rows(lake, key)
    if s.state == "loaded":
        s.notes.append("Silver/Gold not built yet: session.generate()")
    if merged.get("feeds_absent"):
        s.notes.append(f"absent feeds: {merged['feeds_absent']}")
    return s


def session_card(session) -> str:
    """The HTML card of a Session (what `Session._repr_html_` shows)."""
    try:
        s = session_summary(session)
    except Exception as exc:  # a card must never break the display of a Session
        return f"<b>{_esc(getattr(session, 'label', session))}</b> <i>({_esc(exc)})</i>"
    rows = [("Event", s.event), ("Session", f"{s.session} · key {s.session_key} · {s.state}"), ("Date", s.date),
            ("Circuit", s.place), ("Weather", s.weather)]
    if s.headline:
        rows.append(s.headline)
    body = "".join(f"<tr><td class='k'>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in rows if v)
    tables = ""
    for layer in _LAYER_ORDER:
        if layer in s.tables:
            pills = "".join(f"<span class='f1nb-pill'>{_esc(n)} {r:,}</span>" for n, r in s.tables[layer])
            tables += f"<tr><td class='k layer'>{layer}</td><td>{pills}</td></tr>"
    notes = "".join(f"<div class='sub'>{_esc(n)}</div>" for n in s.notes)
    return (f"{CSS}<div class='f1nb-card'><h3>{_esc(s.label)}</h3>"
            f"<table>{body}{tables}</table>{notes}</div>")


def session_text(session) -> str:
    """The card as plain text, for terminals."""
    s = session_summary(session)
    lines = [s.label, "=" * len(s.label)]
    for k, v in [("event", s.event), ("session", f"{s.session} (key {s.session_key}, {s.state})"), ("date", s.date),
                 ("circuit", s.place), ("weather", s.weather)] + ([s.headline] if s.headline else []):
        if v:
            lines.append(f"{k.lower():>9}: {v}")
    for layer in _LAYER_ORDER:
        if layer in s.tables:
            lines.append(f"{layer:>9}: " + ", ".join(f"{n} {r:,}" for n, r in s.tables[layer]))
    lines += [f"     note: {n}" for n in s.notes]
    return "\n".join(lines)


class SessionCard:
    """A Session shown as its card (HTML in notebooks, text in terminals)."""

    def __init__(self, session):
        self.session = session

    def _repr_html_(self) -> str:
        return session_card(self.session)

    def __repr__(self) -> str:
        return session_text(self.session)


# ------------------------------------------------------------------ lake overview


class LakeOverview:
    """Layers, tables with row counts, and the sessions loaded in a lake."""

    def __init__(self, lake):
        self.lake = lake
        self.tables = lake.tables().to_pandas()
        self.sessions = lake.sessions().to_pandas()

    def _layer_rows(self) -> list[tuple[str, list[tuple[str, int]]]]:
        return [(layer, [(r.table, int(r.rows)) for r in self.tables[self.tables.layer == layer].itertuples()])
                for layer in _LAYER_ORDER]

    def __repr__(self) -> str:
        lines = [f"Lake {self.lake.location} ({self.lake.backend_name})"]
        for layer, rows in self._layer_rows():
            lines.append(f"  {layer} ({len(rows)} tables)")
            lines += [f"    {name:<24}{count:>12,}" for name, count in rows]
        lines.append(f"  sessions loaded: {len(self.sessions)}")
        for r in self.sessions.itertuples():
            lines.append(f"    {r.session_key:>6}  {r.year or ''} {r.meeting_name or ''} — {r.session_name or ''}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cols = ""
        for layer, rows in self._layer_rows():
            items = "".join(f"<tr><td>{_esc(n)}</td><td class='num'>{c:,}</td></tr>" for n, c in rows) or \
                "<tr><td><i>empty</i></td></tr>"
            cols += (f"<td style='vertical-align:top;padding-right:18px'><div class='layer'>{layer} "
                     f"<span class='sub'>({len(rows)} tables)</span></div>"
                     f"<table class='f1nb-table'>{items}</table></td>")
        if len(self.sessions):
            srows = "".join(
                f"<tr><td class='num'>{r.session_key}</td><td>{_esc(r.year)}</td><td>{_esc(r.meeting_name)}</td>"
                f"<td>{_esc(r.session_name)}</td><td>{_esc(r.source)}</td></tr>" for r in self.sessions.itertuples())
            sessions = ("<table class='f1nb-table'><tr><th>key</th><th>year</th><th>meeting</th><th>session</th>"
                        f"<th>source</th></tr>{srows}</table>")
        else:
            sessions = "<div class='sub'>no sessions yet: <code>%f1 load 2024 Monaco Race</code> or <code>%f1 demo</code></div>"
        return (f"{CSS}<div class='f1nb-card' style='max-width:1000px'><h3>Lake</h3>"
                f"<div class='sub'>{_esc(self.lake.location)} · {_esc(self.lake.backend_name)}</div>"
                f"<table><tr>{cols}</tr></table><div class='layer' style='margin-top:8px'>sessions loaded "
                f"({len(self.sessions)})</div>{sessions}</div>")


def lake_overview(lake) -> LakeOverview:
    return LakeOverview(lake)


# ------------------------------------------------------------------ driver-coloured tables

_DRIVER_COLUMNS = ("abbreviation", "driver", "driver_number", "full_name", "broadcast_name")


def _driver_lookup(drivers: pd.DataFrame | None) -> dict:
    """abbreviation / number (as str) -> (team colour, team name)."""
    out: dict = {}
    if drivers is None or len(drivers) == 0:
        return out
    for r in drivers.itertuples():
        colour = getattr(r, "team_colour", None)
        colour = colour if isinstance(colour, str) and colour.startswith("#") else None
        team = getattr(r, "team_name", None)
        for key in (getattr(r, "abbreviation", None), getattr(r, "driver_number", None)):
            if key is not None and not _is_na(key):
                out[str(key).upper()] = (colour, team)
    return out


def styled_table(df: pd.DataFrame, drivers: pd.DataFrame | None = None, max_rows: int = 60,
                 columns: list[str] | None = None) -> str:
    """`df` as an HTML table where driver cells (abbreviation, driver_number, …) carry their team colour.
    `drivers` is silver.drivers (Session.get_drivers()); the team colour is also read from `df` itself
    when it has `team_colour`. Values are formatted per column (tables.format_column); a table
    taller than tables.SCROLL_ROWS scrolls in a box."""
    from ..plots.common import compound_colour

    lookup = _driver_lookup(drivers)
    if "team_colour" in df.columns and ("abbreviation" in df.columns or "driver_number" in df.columns):
        lookup.update({k: v for k, v in _driver_lookup(df).items() if k not in lookup})
    view = df[columns] if columns else df
    shown = view.head(max_rows)
    # long snake_case names may wrap after an underscore instead of widening the table
    heads = "".join(f"<th>{_esc(c).replace('_', '_<wbr>')}</th>" for c in shown.columns)
    texts = {i: format_column(c, shown.iloc[:, i]) for i, c in enumerate(shown.columns)}
    abbrevs = [str(a).upper() for a in df.loc[shown.index, "abbreviation"]] if "abbreviation" in df.columns \
        and df.index.is_unique else [None] * len(shown)
    body = []
    for r in range(len(shown)):
        cells = []
        for i, col in enumerate(shown.columns):
            strings, numeric = texts[i]
            text = strings[r]
            if col in _DRIVER_COLUMNS and text:
                colour, team = lookup.get(text.upper(), (None, None))
                if colour is None and abbrevs[r]:
                    colour, team = lookup.get(abbrevs[r], (None, None))
                style = f" style='border-left-color:{colour}'" if colour else ""
                title = f" title='{_esc(team)}'" if team else ""
                cells.append(f"<td class='f1nb-drv'{style}{title}>{_esc(text)}</td>")
            elif col == "team_colour" and text.startswith("#"):
                cells.append(f"<td><span style='color:{_esc(text)}'>■</span> {_esc(text)}</td>")
            elif col == "compound" and text:
                c = compound_colour(text)
                cells.append(f"<td><span style='color:{c}'>●</span> {_esc(text)}</td>")
            else:
                cells.append(f"<td class='num'>{_esc(text)}</td>" if numeric else f"<td>{_esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<div class='sub'>… {len(view) - max_rows} more rows ({len(view)} in all)</div>" if len(view) > max_rows else ""
    table = f"<table class='f1nb-table'><thead><tr>{heads}</tr></thead>{''.join(body)}</table>"
    if len(shown) > SCROLL_ROWS:
        table = f"<div class='f1nb-scroll'>{table}</div>"
    return f"{CSS}{table}{more}"


class DriverTable:
    """A DataFrame displayed with team colours (HTML) or aligned text; `.df` is the frame."""

    def __init__(self, df: pd.DataFrame, drivers: pd.DataFrame | None = None, max_rows: int = 60):
        self.df, self.drivers, self.max_rows = df, drivers, max_rows

    def _repr_html_(self) -> str:
        return styled_table(self.df, self.drivers, self.max_rows)

    def __repr__(self) -> str:
        return self.df.to_string(max_rows=self.max_rows)


def with_abbreviations(df: pd.DataFrame, drivers: pd.DataFrame) -> pd.DataFrame:
    """`df` with the driver's abbreviation and team as its first columns (joined on driver_number)."""
    if "driver_number" not in df.columns or "abbreviation" in df.columns or drivers is None:
        return df
    d = drivers[["driver_number", "abbreviation", "team_name"]].drop_duplicates("driver_number")
    out = df.merge(d, on="driver_number", how="left")
    first = ["driver_number", "abbreviation", "team_name"]
    return out[first + [c for c in out.columns if c not in first]]


# ------------------------------------------------------------------ f1nb's DataFrames in IPython


def tag(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Mark `df` as f1nb's table `name` (e.g. 'gold.results') for the notebook display."""
    df.attrs[TAG] = name
    install_formatter()
    return df


def frame_html(df: pd.DataFrame, drivers: pd.DataFrame | None = None, max_rows: int = MAX_ROWS) -> str:
    """A tagged frame as an f1nb table: formatted, compact, team-coloured, scrolling when tall."""
    view = df if isinstance(df.index, pd.RangeIndex) else df.reset_index()
    columns = default_columns(view)
    html_table = styled_table(view, drivers, max_rows=max_rows, columns=columns)
    hidden = len(view.columns) - len(columns)
    note = (f"<div class='f1nb-note'>{len(columns)} of {len(view.columns)} columns shown; the DataFrame has them "
            f"all (<code>df.columns</code>)</div>" if hidden else "")
    return html_table + note


def html_for_frame(df: pd.DataFrame):
    if df.attrs.get(TAG):
        return frame_html(df)
    return df._repr_html_()


def install_formatter(ip=None) -> bool:
    """Register the DataFrame HTML formatter with the running IPython (once); False outside IPython."""
    if ip is None and "IPython" not in sys.modules:  # a script: nothing to register, and no IPython import
        return False
    from IPython import get_ipython

    ip = ip or get_ipython()
    if ip is None:
        return False
    fmt = ip.display_formatter.formatters["text/html"]
    if fmt.type_printers.get(pd.DataFrame) is not html_for_frame:
        fmt.for_type(pd.DataFrame, html_for_frame)
    return True
