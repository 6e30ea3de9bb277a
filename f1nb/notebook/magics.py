"""IPython magics: `%f1 ...` line commands and `%%f1 sql` cells.

    %load_ext f1nb
    %f1 load 2024 Monaco Race --as monaco      # loads, builds, binds `monaco`, shows its card
    %f1 laps VER LEC
    %%f1 sql fast <<
    SELECT * FROM gold.results WHERE position <= 3

Subcommands live in `SUBCOMMANDS` (name -> `Subcommand`). Adding one takes a
few lines, anywhere:

    from f1nb.notebook.magics import subcommand

    @subcommand("live", "follow a live session", lambda p: p.add_argument("--topics", nargs="*"))
    def _live(magics, args, cell):
        ...                     # magics.session(args), magics.get_lake(), magics.shell.user_ns

Wrong arguments print the usage and one error line; f1nb errors print one
line; nothing prints a traceback or a token.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Enum, Unicode

from ..errors import F1nbError

# ------------------------------------------------------------------ argument parsing


class MagicUsageError(Exception):
    """Wrong arguments: carries the usage text to print."""

    def __init__(self, usage: str, message: str):
        super().__init__(message)
        self.usage = usage
        self.message = message


class _HelpShown(Exception):
    pass


class MagicArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting (and prints help to stdout)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("exit_on_error", False)
        kwargs.setdefault("add_help", True)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise MagicUsageError(self.format_usage(), message)

    def exit(self, status=0, message=None):
        if message:
            raise MagicUsageError(self.format_usage(), message.strip())
        raise _HelpShown()

    def print_help(self, file=None):
        print(self.format_help(), file=file or sys.stdout)

    def parse(self, argv: list[str]) -> argparse.Namespace:
        try:
            return self.parse_args(argv)
        except argparse.ArgumentError as exc:
            raise MagicUsageError(self.format_usage(), str(exc)) from None


@dataclass
class Subcommand:
    name: str
    help: str
    handler: Callable[[F1Magics, Any, str | None], Any]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    raw: bool = False  # the handler gets the rest of the line as a string (no argparse)

    def parser(self) -> MagicArgumentParser:
        p = MagicArgumentParser(prog=f"%f1 {self.name}", description=self.help)
        if self.arguments is not None:
            self.arguments(p)
        return p


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] | None = None,
               raw: bool = False):
    """Register `%f1 NAME`: the handler is called as handler(magics, args, cell)."""

    def register(fn):
        SUBCOMMANDS[name] = Subcommand(name, help, fn, arguments, raw)
        return fn

    return register


def usage_text() -> str:
    width = max(len(n) for n in SUBCOMMANDS)
    lines = ["usage: %f1 COMMAND [options]   (%f1 COMMAND -h for a command's options)", "", "commands:"]
    lines += [f"  {n:<{width}}  {c.help}" for n, c in SUBCOMMANDS.items()]
    return "\n".join(lines)


def short_usage() -> str:
    return f"usage: %f1 {{{','.join(SUBCOMMANDS)}}} [options]   (%f1 help lists them)"


def _session_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-s", "--session", metavar="VAR",
                   help="a Session variable of the notebook (default: the last one loaded)")


def _style_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--style", choices=["light", "dark"], help="plot style (default: the `style` setting)")


# ------------------------------------------------------------------ the magics


@magics_class
class F1Magics(Magics):
    """`%f1` / `%%f1`. Settings (`%config F1Magics.style = 'dark'`): lake, archive_url, style."""

    lake = Unicode("", help="The lake: a DuckDB path or duckdb:///path ('' = $F1NB_LAKE or the default)."
                   ).tag(config=True)
    archive_url = Unicode("", help="Archive base URL ('' = $F1NB_ARCHIVE_URL or F1's).").tag(config=True)
    style = Enum(["light", "dark"], "light", help="Plot style.").tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self._lake = None
        self.current = None  # the last Session loaded through the magics

    # -- state -------------------------------------------------------------------
    def get_lake(self):
        if self._lake is None:
            from ..lake.lake import Lake

            self._lake = Lake(self.lake or None)
        return self._lake

    def set_lake(self, target: str) -> None:
        from ..lake.lake import Lake

        new = Lake(target)
        # the old lake stays open: Sessions bound in the notebook still read from it
        self._lake = new
        self.lake = target
        if self.current is not None and self.current.lake is not new:
            self.current = None

    def session(self, args=None):
        """The Session a command works on: `--session VAR` or the last one loaded."""
        from ..session import Session

        name = getattr(args, "session", None) if args is not None else None
        if name:
            value = self.shell.user_ns.get(name)
            if not isinstance(value, Session):
                raise F1nbError(f"{name!r} is not a Session in this notebook")
            return value
        if self.current is None:
            raise F1nbError("no session yet: `%f1 load 2024 Monaco Race`, `%f1 demo`, or pass --session VAR")
        return self.current

    def bind(self, session, name: str | None) -> None:
        self.current = session
        self.shell.user_ns[name or "session"] = session

    def _archive(self) -> str | None:
        return self.archive_url or None

    def show(self, obj) -> None:
        from IPython.display import display

        display(obj)

    def show_figure(self, fig) -> None:
        """Display a Figure: through the notebook's own PNG formatter when there is one, else as an Image."""
        from IPython.display import Image, display

        fmt = self.shell.display_formatter.formatters.get("image/png") if self.shell else None
        try:
            has = fmt is not None and fmt.lookup(fig) is not None
        except KeyError:
            has = False
        if has:
            display(fig)
        else:
            from ..plots.common import figure_png

            display(Image(data=figure_png(fig), format="png"))

    # -- entry point ---------------------------------------------------------------
    @line_cell_magic
    def f1(self, line: str = "", cell: str | None = None):
        """%f1 COMMAND [options] — `%f1 help` lists the commands."""
        try:
            return self.run(line, cell)
        except _HelpShown:
            return None
        except MagicUsageError as exc:
            print(f"{exc.usage.rstrip()}\n{_first_line(exc.message)}", file=sys.stderr)
        except F1nbError as exc:
            from ..errors import DownloadError

            hint = ("; in a notebook: `%config F1Magics.archive_url = 'URL'`, or `%f1 demo` works offline"
                    if isinstance(exc, DownloadError) else "")
            print(f"f1: {_first_line(str(exc))}{hint}", file=sys.stderr)
        except KeyError as exc:
            print(f"f1: {_first_line(str(exc.args[0]) if exc.args else str(exc))}", file=sys.stderr)
        except Exception as exc:  # network and OS errors: what failed and what to try, no traceback
            print(_network_message(exc, self), file=sys.stderr)
        return None

    def run(self, line: str, cell: str | None):
        line = line.strip()
        if not line or line in ("help", "-h", "--help"):
            print(usage_text())
            return None
        name, _, rest = line.partition(" ")
        command = SUBCOMMANDS.get(name)
        if command is None:
            import difflib

            close = difflib.get_close_matches(name, SUBCOMMANDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise MagicUsageError(short_usage(), f"f1: unknown command {name!r}{hint}")
        if command.raw:
            return command.handler(self, rest.strip(), cell)
        try:
            argv = shlex.split(rest)
        except ValueError as exc:
            raise MagicUsageError(command.parser().format_usage(), f"%f1 {name}: {exc}") from None
        args = command.parser().parse(argv)
        return command.handler(self, args, cell)


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "error"


def _network_message(exc: Exception, magics: F1Magics) -> str:
    import httpx

    from .. import config

    url = config.archive_url(magics.archive_url or None)
    if isinstance(exc, (httpx.HTTPError, ConnectionError, TimeoutError)):
        return (f"f1: could not reach the archive at {url} ({type(exc).__name__}: {_first_line(str(exc))}). "
                "Check the network, set another archive with `%config F1Magics.archive_url = '...'`, "
                "or try `%f1 demo` (offline).")
    return f"f1: {type(exc).__name__}: {_first_line(str(exc))}"


def load_ipython_extension(ipython) -> None:
    """`%load_ext f1nb`: register the magics (once)."""
    ipython.register_magics(F1Magics)


# ------------------------------------------------------------------ commands

TELEMETRY_TOPICS = ("CarData.z", "Position.z")


def _load_args(p):
    p.add_argument("season", type=int, help="year, e.g. 2024")
    p.add_argument("meeting", help="meeting name, place, country or round number")
    p.add_argument("session", help="session name or R, Q, S, SQ, FP1…")
    p.add_argument("--as", dest="name", default="session", help="variable to bind (default: session)")
    p.add_argument("--topics", nargs="+", help="only these feeds (default: all the session has)")
    p.add_argument("--no-telemetry", action="store_true", help="skip CarData.z and Position.z")
    p.add_argument("--force", action="store_true", help="download and rebuild even if already loaded")


@subcommand("load", "load SEASON MEETING SESSION [--as NAME] [--topics ...] [--no-telemetry]", _load_args)
def _load(m: F1Magics, args, cell):
    from ..session import get_session

    if not re.fullmatch(r"[A-Za-z_]\w*", args.name):
        raise MagicUsageError(SUBCOMMANDS["load"].parser().format_usage(), f"--as {args.name!r} is not a name")
    lake = m.get_lake()
    print(f"Finding {args.season} {args.meeting} {args.session}…", flush=True)
    session = get_session(args.season, args.meeting, args.session, lake=lake, archive_url=m._archive())
    topics = args.topics
    if args.no_telemetry:
        if topics is None:
            feeds, _ = session._archive_client().session_feeds(session.ref)
            topics = list(feeds)
        topics = [t for t in topics if t not in TELEMETRY_TOPICS]
    if session.is_loaded and not args.force:
        print(f"{session.label}: already in the lake")
    else:
        print(f"Downloading {session.label}…", flush=True)
        report = session.load_data(topics=topics, force=True)
        if report is not None:
            print(report)
    if not session.is_built or args.force:
        print("Building Silver and Gold…", flush=True)
        session.generate()
    m.bind(session, args.name)
    print(f"bound to `{args.name}`")
    m.show(session)
    return None


def _sessions_args(p):
    p.add_argument("season", type=int, nargs="?", help="year (default: every season in the lake)")
    p.add_argument("--lake", action="store_true", help="only sessions already in the lake (offline)")


@subcommand("sessions", "sessions [SEASON] [--lake]: the season's sessions (archive index, else the lake)",
            _sessions_args)
def _sessions(m: F1Magics, args, cell):
    import pandas as pd

    lake = m.get_lake()
    loaded = lake.sessions().to_pandas()
    if args.season is None or args.lake:
        return loaded if args.season is None else loaded[loaded.year == args.season].reset_index(drop=True)
    from ..archive.client import ArchiveClient

    try:
        with ArchiveClient(base_url=m._archive(), progress=False, retries=1, timeout=8) as client:
            refs = client.season(args.season)
    except Exception as exc:
        if loaded[loaded.year == args.season].empty:
            raise
        print(f"f1: archive index unavailable ({_first_line(str(exc))}); showing sessions in the lake",
              file=sys.stderr)
        return loaded[loaded.year == args.season].reset_index(drop=True)
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
def _demo(m: F1Magics, args, cell):
    from ..demo import DemoConfig
    from ..season import demo_session

    kw = {}
    if args.drivers:
        kw["drivers"] = args.drivers
    if args.laps:
        kw["race_laps"] = args.laps
    print("Preparing the demo session (generated offline; the first time takes a few seconds)…", flush=True)
    session = demo_session(args.kind, lake=m.get_lake(), config=DemoConfig(**kw))
    m.bind(session, args.name)
    print(f"bound to `{args.name}`")
    m.show(session)
    return None


def _laps_args(p):
    p.add_argument("drivers", nargs="*", help="abbreviations or numbers (default: all)")
    p.add_argument("--all-columns", action="store_true", help="every column of silver.laps")
    _session_arg(p)


LAP_COLUMNS = ["driver_number", "abbreviation", "lap_number", "lap_time_s", "sector_1_s", "sector_2_s",
               "sector_3_s", "compound", "tyre_age_laps", "stint", "position", "pit_in_session_s",
               "pit_out_session_s", "track_status", "deleted", "is_accurate", "qualifying_part"]


@subcommand("laps", "laps [DRIVER ...]: the session's laps as a DataFrame", _laps_args)
def _laps(m: F1Magics, args, cell):
    import pandas as pd

    from .display import with_abbreviations

    s = m.session(args)
    frames = [s.get_laps(d) for d in args.drivers] if args.drivers else [s.get_laps()]
    laps = with_abbreviations(pd.concat(frames, ignore_index=True), s.get_drivers())
    if not args.all_columns:
        laps = laps[[c for c in LAP_COLUMNS if c in laps.columns]]
    return laps


@subcommand("results", "results: the classification (gold.results)", _session_arg)
def _results(m: F1Magics, args, cell):
    s = m.session(args)
    if "results" not in s.lake.table_names("gold"):
        raise F1nbError("gold.results is not in this lake yet: rebuild with session.generate()")
    r = s.get_results()
    return r.drop(columns=[c for c in ("session_key", "year") if c in r.columns])


def _telemetry_args(p):
    p.add_argument("drivers", nargs="+", help="one driver (returns the telemetry) or two (shows the comparison)")
    p.add_argument("--lap", default=["fastest"], help="'fastest' (default) or a lap number; one per driver: --lap 12 14",
                   nargs="+")
    _session_arg(p)
    _style_arg(p)


@subcommand("telemetry", "telemetry DRIVER [DRIVER] [--lap fastest|N]: one lap's telemetry, or two compared",
            _telemetry_args)
def _telemetry(m: F1Magics, args, cell):
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


def _plot_args(p):
    from ..plots import KINDS

    p.add_argument("kind", choices=sorted(KINDS), help="what to plot")
    p.add_argument("drivers", nargs="*", help="drivers (laps, positions, gaps, strategy: default all; "
                                              "telemetry: two; track: one)")
    p.add_argument("--lap", default="fastest", help="telemetry/track: 'fastest' or a lap number")
    p.add_argument("--color-by", default="speed", choices=["speed", "gear", "throttle", "brake"],
                   help="track map colouring")
    p.add_argument("--save", metavar="FILE", help="also save the figure (png, svg, pdf)")
    _session_arg(p)
    _style_arg(p)


@subcommand("plot", "plot KIND [DRIVER ...] [--lap N] [--color-by gear] [--style dark]: "
                    "laps, telemetry, track, strategy, positions, gaps, weather, quali", _plot_args)
def _plot(m: F1Magics, args, cell):
    from .. import plots

    s = m.session(args)
    style = args.style or m.style
    drivers = args.drivers or None
    usage = SUBCOMMANDS["plot"].parser().format_usage()
    if args.kind == "telemetry":
        if not drivers or len(drivers) != 2:
            raise MagicUsageError(usage, "plot telemetry needs two drivers, e.g. %f1 plot telemetry VER LEC")
        fig = plots.telemetry_comparison(s, drivers[0], drivers[1], args.lap, args.lap, style=style)
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


@subcommand("lake", "lake: layers, tables with row counts, sessions loaded")
def _lake(m: F1Magics, args, cell):
    from .display import lake_overview

    return lake_overview(m.get_lake())


@subcommand("lineage", "lineage TABLE [--sql]: where a table comes from (and its SQL)",
            lambda p: (p.add_argument("table"), p.add_argument("--sql", action="store_true")))
def _lineage(m: F1Magics, args, cell):
    lake = m.get_lake()
    try:
        if args.sql:
            print(lake.sql_of(args.table))
            return None
        return lake.lineage(args.table)
    except KeyError as exc:
        raise F1nbError(str(exc.args[0]) if exc.args else str(exc)) from None


@subcommand("backend", "backend [PATH | duckdb:///PATH]: show or switch the lake",
            lambda p: p.add_argument("target", nargs="?"))
def _backend(m: F1Magics, args, cell):
    if args.target:
        m.set_lake(args.target)
    lake = m.get_lake()
    print(f"lake: {lake.location} ({lake.backend_name}), {len(lake.session_keys())} sessions")
    return None


@subcommand("check", "check [TABLE ...]: run the data checks of the built tables",
            lambda p: p.add_argument("tables", nargs="*"))
def _check(m: F1Magics, args, cell):
    import pandas as pd

    rows = m.get_lake().check(args.tables or None)
    df = pd.DataFrame(rows, columns=["table", "check", "violations"])
    bad = df[df.violations > 0]
    print(f"{len(df)} checks, {len(bad)} failing" + (": " + ", ".join(f"{r.table} {r.check}"
                                                                    for r in bad.itertuples()) if len(bad) else ""))
    return df


def _picker_args(p):
    p.add_argument("--offline", action="store_true", help="only the lake's sessions and the demo")


@subcommand("picker", "picker [--offline]: a season → meeting → session picker with a Load button", _picker_args)
def _picker(m: F1Magics, args, cell):
    from .widgets import SessionPicker

    picker = SessionPicker(lake=m.get_lake(), archive_url=m._archive(), offline=args.offline)

    def adopt(change):
        if change["new"] is not None:
            m.bind(change["new"], "session")

    picker.observe(adopt, "session")
    return picker


_SQL_TARGET = re.compile(r"^\s*([A-Za-z_]\w*)\s*<<\s*(.*)$", re.S)


@subcommand("sql", "sql [NAME <<] QUERY, or %%f1 sql [NAME <<] with the query in the cell", raw=True)
def _sql(m: F1Magics, rest: str, cell):
    name = None
    match = _SQL_TARGET.match(rest)
    if match:
        name, rest = match.group(1), match.group(2)
    query = (cell if cell is not None else rest).strip()
    if cell is not None and rest.strip():
        raise MagicUsageError("usage: %%f1 sql [NAME <<]\n", f"unexpected text after `sql`: {rest.strip()!r}")
    if not query:
        raise MagicUsageError("usage: %%f1 sql [NAME <<]   (query in the cell) | %f1 sql [NAME <<] QUERY\n",
                              "no query given")
    if "{session_key}" in query:
        query = query.replace("{session_key}", str(int(m.session().session_key)))
    df = m.get_lake().sql(query).to_pandas()
    if name:
        m.shell.user_ns[name] = df
        print(f"{len(df)} rows → `{name}`")
        return None
    return df


def _help_args(p):
    p.add_argument("command", nargs="?")


@subcommand("help", "help [COMMAND]: this list, or a command's options", _help_args)
def _help(m: F1Magics, args, cell):
    if args.command and args.command in SUBCOMMANDS:
        print(SUBCOMMANDS[args.command].parser().format_help())
    else:
        print(usage_text())
    return None
