"""The `%f1` subcommands. Each registers itself with `@subcommand` (subcommands.py);
importing this module (done by `magics.py`) makes them available. A handler gets
the F1Magics instance as `m`."""

from __future__ import annotations

import re
import sys

from ..errors import F1nbError
from .subcommands import SUBCOMMANDS, MagicUsageError, first_line, session_arg, style_arg, subcommand, usage_text
from .names import check_free_name

TELEMETRY_TOPICS = ("CarData.z", "Position.z")


def _load_args(p):
    p.add_argument("year", type=int, help="e.g. 2024")
    p.add_argument("meeting", nargs="?", help="meeting name, place, country or round number (none: the season)")
    p.add_argument("session", nargs="?", help="session name or R, Q, S, SQ, FP1… (none: the whole meeting)")
    p.add_argument("--as", dest="name", help="variable to bind (default: session; season for many sessions)")
    p.add_argument("--topics", nargs="+", help="only these feeds (default: all the session has)")
    p.add_argument("--no-telemetry", action="store_true", help="skip CarData.z and Position.z")
    p.add_argument("--session-types", nargs="+", metavar="TYPE",
                   help="without SESSION: Race, Qualifying, Practice or All (default: Race Qualifying for a season, "
                        "All for a meeting)")
    p.add_argument("--force", action="store_true", help="download and rebuild even if already loaded")


@subcommand("load", "load YEAR [MEETING [SESSION]] [--as NAME] [--topics ...] [--no-telemetry] [--session-types ...]",
            _load_args)
def _load(m, args, cell):
    from ..session import Session
    from ..session_lookup import get_session

    usage = SUBCOMMANDS["load"].parser().format_usage()
    if args.session is None:
        return _load_many(m, args, usage)
    if args.session_types:
        raise MagicUsageError(usage, "--session-types chooses among a meeting's or a season's sessions: "
                                     "leave SESSION out")
    args.name = args.name or "session"
    check_free_name(m.shell, args.name, (Session,), usage)
    lake = m.get_lake()
    print(f"Finding {args.year} {args.meeting} {args.session}…", flush=True)
    session = get_session(args.year, args.meeting, args.session, lake=lake, archive_url=m.archive_url_or_default())
    topics = args.topics
    if args.no_telemetry:
        if topics is None:
            feeds, _ = session.archive_client().session_feeds(session.ref)
            topics = list(feeds)
        topics = [t for t in topics if t not in TELEMETRY_TOPICS]
    if session.is_loaded and not args.force:
        print(f"{session.label}: already in the lake")
        if not session.is_built:
            print("Building Silver and Gold…", flush=True)
            session.generate()
    else:
        print(f"Downloading {session.label}, then building Silver and Gold…", flush=True)
        print(session.load_data(topics=topics, force=True, build=True))
    return _bind_and_show(m, session, args.name)


def _load_many(m, args, usage: str):
    """`%f1 load YEAR [MEETING]`: the sessions, in one job (`Season.load`), bound as a Season."""
    from ..season import Season

    if args.topics or args.no_telemetry:
        raise MagicUsageError(usage, "--topics and --no-telemetry are for one session: name it (YEAR MEETING SESSION)")
    name = args.name or "season"
    check_free_name(m.shell, name, (Season,), usage)
    season = Season(args.year, m.get_lake(), archive_url=m.archive_url_or_default())
    what = f"{args.year} {args.meeting}" if args.meeting else f"the {args.year} season"
    print(f"Loading {what}: each session downloads while the one before is written, then Silver and Gold…",
          flush=True)
    season.load(args.session_types, reload=args.force, meeting=args.meeting)
    print(season.last_load)
    m.shell.user_ns[name] = season
    print(f"bound to `{name}`")
    return season.sessions()


def _bind_and_show(m, session, name: str) -> None:
    m.bind(session, name)
    print(f"bound to `{name}`")
    m.show(session)


def _sessions_args(p):
    p.add_argument("year", type=int, nargs="?", help="default: every year in the lake")
    p.add_argument("--lake", action="store_true", help="only sessions already in the lake (offline)")


@subcommand("sessions", "sessions [YEAR] [--lake]: the year's sessions (archive index, else the lake)",
            _sessions_args)
def _sessions(m, args, cell):
    import pandas as pd

    lake = m.get_lake()
    loaded = lake.sessions().to_pandas()
    if args.year is None or args.lake:
        return loaded if args.year is None else loaded[loaded.year == args.year].reset_index(drop=True)
    from ..archive.client import ArchiveClient

    try:
        with ArchiveClient(base_url=m.archive_url_or_default(), progress=False, retries=1, timeout=8) as client:
            refs = client.season(args.year)
    except Exception as exc:
        if loaded[loaded.year == args.year].empty:
            raise
        print(f"f1: archive index unavailable ({first_line(str(exc))}); showing sessions in the lake",
              file=sys.stderr)
        return loaded[loaded.year == args.year].reset_index(drop=True)
    keys = set(loaded.session_key)
    return pd.DataFrame([{"round": r.round, "meeting": r.meeting_name, "session": r.session_name,
                          "type": r.session_type, "start": r.start_date, "session_key": r.session_key,
                          "in_lake": r.session_key in keys} for r in refs])


def _demo_args(p):
    p.add_argument("--as", dest="name", default="session", help="variable to bind (default: session)")
    p.add_argument("--session", dest="kind", choices=["Race", "Qualifying"], default="Race")
    p.add_argument("--drivers", type=int, help="grid size (default 20)")
    p.add_argument("--laps", type=int, help="race laps (default 57)")


@subcommand("demo", "demo [--as NAME] [--session Race|Qualifying]: the offline demo session", _demo_args)
def _demo(m, args, cell):
    from ..demo import DemoConfig
    from ..season import demo_session
    from ..session import Session

    check_free_name(m.shell, args.name, (Session,), SUBCOMMANDS["demo"].parser().format_usage())
    kw = {}
    if args.drivers:
        kw["drivers"] = args.drivers
    if args.laps:
        kw["race_laps"] = args.laps
    print("Preparing the demo session (generated offline; the first time takes a few seconds)…", flush=True)
    session = demo_session(args.kind, lake=m.get_lake(), config=DemoConfig(**kw))
    return _bind_and_show(m, session, args.name)


def _laps_args(p):
    p.add_argument("drivers", nargs="*", help="abbreviations or numbers (default: all)")
    p.add_argument("--all-columns", action="store_true", help="every column of silver.laps")
    session_arg(p)


@subcommand("laps", "laps [DRIVER ...]: the session's laps as a DataFrame", _laps_args)
def _laps(m, args, cell):
    import pandas as pd

    from ..display.tables import LAP_COLUMNS  # (pandas comes with the first frame, never with %load_ext)
    from ..display.views import tag, with_abbreviations

    s = m.session(args)
    frames = [s.get_laps(d) for d in args.drivers] if args.drivers else [s.get_laps()]
    laps = with_abbreviations(pd.concat(frames, ignore_index=True), s.get_drivers())
    if not args.all_columns:
        laps = laps[[c for c in LAP_COLUMNS if c in laps.columns]]
    return tag(laps, "silver.laps")


@subcommand("results", "results: the classification (gold.results)", session_arg)
def _results(m, args, cell):
    s = m.session(args)
    if "results" not in s.lake.table_names("gold"):
        raise F1nbError("gold.results is not in this lake yet: rebuild with session.generate()")
    r = s.get_results()
    return r.drop(columns=[c for c in ("session_key", "year") if c in r.columns])


def _telemetry_args(p):
    p.add_argument("drivers", nargs="+", help="one driver (returns the telemetry) or two (shows the comparison)")
    p.add_argument("--lap", default=["fastest"], help="'fastest' (default) or a lap number; one per driver: --lap 12 14",
                   nargs="+")
    session_arg(p)
    style_arg(p)


@subcommand("telemetry", "telemetry DRIVER [DRIVER] [--lap fastest|N]: one lap's telemetry, or two compared",
            _telemetry_args)
def _telemetry(m, args, cell):
    from ..plots import telemetry_comparison
    from ..plots.common import lap_telemetry

    if len(args.drivers) > 2:
        raise MagicUsageError(SUBCOMMANDS["telemetry"].parser().format_usage(), "give one or two drivers")
    s = m.session(args)
    laps = args.lap if len(args.lap) == len(args.drivers) else [args.lap[0]] * len(args.drivers)
    if len(args.drivers) == 1:
        tel, _ = lap_telemetry(s, args.drivers[0], laps[0])
        return tel.drop(columns=["t_s"])
    fig = telemetry_comparison(s, args.drivers[0], args.drivers[1], laps[0], laps[1], style=args.style or m.style)
    m.show_figure(fig)
    return None


# The names of f1nb.plots.KINDS (a test keeps them equal): `%f1 help plot` and a usage error
# then answer without importing matplotlib and pandas (seconds on a cold kernel).
PLOT_KINDS = ("ahead", "gaps", "laps", "minisectors", "positions", "quali", "strategy", "telemetry", "track",
              "weather")
TWO_DRIVERS = {"telemetry": "%f1 plot telemetry VER LEC", "minisectors": "%f1 plot minisectors VER LEC"}


def _plot_args(p):
    p.add_argument("kind", choices=PLOT_KINDS, help="what to plot")
    p.add_argument("drivers", nargs="*", help="drivers (laps, positions, gaps, ahead, strategy: default all or "
                                              "the top 6; telemetry, minisectors: two; track: one)")
    p.add_argument("--lap", default="fastest", help="telemetry/track/minisectors: 'fastest' or a lap number")
    p.add_argument("--color-by", default="speed", choices=["speed", "gear", "throttle", "brake"],
                   help="track map colouring")
    p.add_argument("--mini-sectors", type=int, default=25, metavar="N", help="minisectors: how many (2-200)")
    p.add_argument("--save", metavar="FILE", help="also save the figure (png, svg, pdf)")
    session_arg(p)
    style_arg(p)


@subcommand("plot", "plot KIND [DRIVER ...] [--lap N] [--color-by gear] [--style dark]: "
                    "laps, telemetry, track, strategy, positions, gaps, ahead, minisectors, weather, quali",
            _plot_args)
def _plot(m, args, cell):
    from .. import plots

    s = m.session(args)
    style = args.style or m.style
    drivers = args.drivers or None
    usage = SUBCOMMANDS["plot"].parser().format_usage()
    if args.kind in TWO_DRIVERS and (not drivers or len(drivers) != 2):
        raise MagicUsageError(usage, f"plot {args.kind} needs two drivers, e.g. {TWO_DRIVERS[args.kind]}")
    if args.kind == "telemetry":
        fig = plots.telemetry_comparison(s, drivers[0], drivers[1], args.lap, args.lap, style=style)
    elif args.kind == "minisectors":
        fig = plots.mini_sector_map(s, drivers[0], drivers[1], args.lap, args.lap,
                                    mini_sectors=args.mini_sectors, style=style)
    elif args.kind == "track":
        if drivers and len(drivers) > 1:
            raise MagicUsageError(usage, "plot track takes one driver")
        fig = plots.track_map(s, drivers[0] if drivers else None, args.lap, color_by=args.color_by, style=style)
    elif args.kind in ("weather", "quali"):
        fig = plots.KINDS[args.kind](s, style=style)
    else:
        fig = plots.KINDS[args.kind](s, drivers, style=style)
    if args.save:
        fig.savefig(args.save, dpi=150, facecolor=fig.get_facecolor())
        print(f"saved {args.save}")
    m.show_figure(fig)
    return None


@subcommand("style", "style [light|dark|auto]: the plot style of every %f1 plot (auto follows the notebook theme)",
            lambda p: p.add_argument("style", nargs="?", choices=["light", "dark", "auto"]))
def _style(m, args, cell):
    if args.style:
        m.style = args.style
    print(f"plot style: {m.style}" + (" (follows the notebook's light or dark theme)" if m.style == "auto" else ""))
    return None


@subcommand("lake", "lake: layers, tables with row counts, sessions loaded")
def _lake(m, args, cell):
    from ..display.views import lake_overview

    return lake_overview(m.get_lake())


@subcommand("lineage", "lineage TABLE [--sql]: where a table comes from (and its SQL)",
            lambda p: (p.add_argument("table"), p.add_argument("--sql", action="store_true")))
def _lineage(m, args, cell):
    lake = m.get_lake()
    if args.sql:
        from .sql_view import ModelSql

        return ModelSql(lake, args.table)
    return lake.lineage(args.table)


@subcommand("backend", "backend [PATH | duckdb:///PATH]: show or switch the lake",
            lambda p: p.add_argument("target", nargs="?"))
def _backend(m, args, cell):
    if args.target:
        m.set_lake(args.target)
    lake = m.get_lake()
    print(f"lake: {lake.location} ({lake.backend_name}), {len(lake.session_keys())} sessions")
    return None


@subcommand("check", "check [TABLE ...]: run the data checks of the built tables",
            lambda p: p.add_argument("tables", nargs="*"))
def _check(m, args, cell):
    from .check_table import CheckTable

    checks = CheckTable(m.get_lake().check(args.tables or None))
    print(checks.summary())
    return checks


def _picker_args(p):
    p.add_argument("--offline", action="store_true", help="only the lake's sessions and the demo")


@subcommand("picker", "picker [--offline]: a season → meeting → session picker with a Load button", _picker_args)
def _picker(m, args, cell):
    from .widgets import SessionPicker

    picker = SessionPicker(lake=m.get_lake(), archive_url=m.archive_url_or_default(), offline=args.offline)

    def adopt(change):
        if change["new"] is not None:
            m.bind(change["new"], "session")

    picker.observe(adopt, "session")
    return picker


_SQL_TARGET = re.compile(r"^\s*([A-Za-z_]\w*)\s*<<\s*(.*)$", re.S)


@subcommand("sql", "sql [--write] [NAME <<] QUERY, or %%f1 sql [--write] [NAME <<] with the query in the cell "
            "(read-only unless --write)", raw=True)
def _sql(m, rest: str, cell):
    from ..lake.user_sql import fill_placeholders

    write = rest.startswith("--write") and (len(rest) == 7 or rest[7].isspace())
    rest = rest[7:].strip() if write else rest
    name = None
    match = _SQL_TARGET.match(rest)
    if match:
        name, rest = match.group(1), match.group(2)
    query = (cell if cell is not None else rest).strip()
    if cell is not None and rest.strip():
        raise MagicUsageError("usage: %%f1 sql [--write] [NAME <<]\n", f"unexpected text after `sql`: {rest.strip()!r}")
    if not query:
        raise MagicUsageError("usage: %%f1 sql [--write] [NAME <<]   (query in the cell) | %f1 sql [NAME <<] QUERY\n",
                              "no query given")
    key = m.session().session_key if "{session_key}" in query else None
    from ..display.views import tag

    df = tag(m.get_lake().sql(fill_placeholders(query, key), write=write,
                          write_hint="use %%f1 sql --write").to_pandas(), "sql")
    if name:
        m.shell.user_ns[name] = df
        print(f"{len(df)} rows → `{name}`")
        return None
    return df


def _help_args(p):
    p.add_argument("command", nargs="?")


@subcommand("help", "help [COMMAND]: this list, or a command's options", _help_args)
def _help(m, args, cell):
    if args.command and args.command in SUBCOMMANDS:
        print(SUBCOMMANDS[args.command].parser().format_help())
    else:
        print(usage_text())
    return None


def _live_args(p):
    from ..options import add_live_options

    p.add_argument("action", nargs="?", choices=["start", "stop", "status"], default="start")
    add_live_options(p)
    p.add_argument("--as", dest="name", default="live", help="variable to bind the LiveSession to")


@subcommand("live", "live [start|stop|status] [--replay SOURCE] [--speed N] [--record DIR]: "
            "a timing tower while the lake fills", _live_args)
def _live(m, args, cell):
    from ..live.session import LiveSession

    current = m.shell.user_ns.get(args.name)
    if args.action in ("stop", "status"):
        if not isinstance(current, LiveSession):
            raise F1nbError(f"no live session bound to `{args.name}`; start one with %f1 live")
        if args.action == "stop":
            current.stop()
        return current.summary()
    check_free_name(m.shell, args.name, (LiveSession,), SUBCOMMANDS["live"].parser().format_usage())
    if isinstance(current, LiveSession) and current.client is not None:
        current.stop()  # one live session per name: a new start replaces the old one cleanly
    live = LiveSession(m.get_lake(), source=args.replay, speed=args.speed, core=args.core, record=args.record,
                       replace=args.replace)
    m.shell.user_ns[args.name] = live.start()
    m.show(live.widget())
    print(f"live → `{args.name}`; `%f1 live stop` to stop (the lake stays consistent)")
    return None
