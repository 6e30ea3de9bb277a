"""The `f1nb` command. Errors print one line and exit non-zero; never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from .blas_threads import one_blas_thread
from .errors import F1nbError, warnings_as_lines
from .options import add_live_options


def _bounded_int(low: int, high: int):
    """An argparse type: an int in [low, high], else a usage error naming the range."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}..{high}")
        return value

    return parse


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="f1nb", description="Formula 1 live-timing data as a lakehouse.")
    p.add_argument("--lake", help="lake file (default: $F1NB_LAKE or the per-user data directory)")
    p.add_argument("--archive-url", help="archive base URL (default: $F1NB_ARCHIVE_URL or F1's); file:// works")
    p.add_argument("--cache", help="raw download cache folder (default: $F1NB_CACHE or the data directory)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    from . import __version__

    p.add_argument("--version", action="version", version=f"f1nb {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("sessions", help="list a season's sessions from the archive index")
    s.add_argument("year", type=int)

    s = sub.add_parser("load", help="load a session, a meeting or a season (archive), or a recording, into the lake",
                       description="YEAR MEETING SESSION: one session; YEAR MEETING: every session of that meeting; "
                                   "YEAR: the season's races and qualifyings (--session-types to choose). The next "
                                   "session downloads while one is written, and Silver and Gold are built once.")
    s.add_argument("year", nargs="?", type=int)
    s.add_argument("meeting", nargs="?", help="meeting name, location, country or round number")
    s.add_argument("session", nargs="?", help="session name or R, Q, S, SQ, FP1, FP2, FP3")
    s.add_argument("--session-types", nargs="+", metavar="TYPE",
                   help="with YEAR or YEAR MEETING: the index's session types to load: Race, Qualifying, Practice "
                        "or All (default: Race Qualifying for a season, All for a meeting)")
    s.add_argument("--reload", action="store_true",
                   help="with YEAR or YEAR MEETING: write again the sessions the lake holds from the same files "
                        "(default: they are left as they are, so a re-run loads only what is new)")
    s.add_argument("--path", help="load by archive path (e.g. 2018/2018-04-29_Azerbaijan_Grand_Prix/2018-04-29_Race/)")
    s.add_argument("--recording", help="load a live recording file (or folder) instead")
    s.add_argument("--topics", nargs="+", help="only these topics (default: all the session has)")
    s.add_argument("--no-build", action="store_true", help="load Bronze only; skip building Silver and Gold")
    s.add_argument("--refresh", action="store_true", help="download every file again instead of using the cache")

    s = sub.add_parser("demo", help="generate the offline demo season and load it (no network needed)")
    s.add_argument("--seed", type=int, default=2024)
    s.add_argument("--laps", type=_bounded_int(1, 200), default=57, help="race laps (1..200)")
    s.add_argument("--drivers", type=_bounded_int(1, 26), default=20, help="drivers (1..26)")
    s.add_argument("--rounds", type=_bounded_int(1, 24), default=1, help="rounds of the demo season (1..24)")
    s.add_argument("--no-telemetry", action="store_true", help="skip CarData.z / Position.z")
    s.add_argument("--out", help="where to write the demo archive tree (default: in the data directory)")

    sub.add_parser("tables", help="every table per layer with row counts")

    s = sub.add_parser("build", help="(re)build Silver and Gold for every session in the lake")
    s.add_argument("--session", type=int, nargs="+", help="only these session keys")
    s.add_argument("--backend", choices=["duckdb", "spark"], default="duckdb",
                   help="spark: export Bronze to Parquet under --out and build Silver/Gold there on PySpark")
    s.add_argument("--out", help="Parquet lake folder for --backend spark (default: next to the lake file)")
    s.add_argument("--master", help="Spark master URL (default: $F1NB_SPARK_MASTER or local[2])")

    s = sub.add_parser("export-parquet", help="write the lake's Bronze as Parquet partitioned by year and session")
    s.add_argument("dir")
    s.add_argument("--session", type=int, nargs="+", help="only these session keys")

    s = sub.add_parser("check", help="run every table's data checks; exit 1 if any fails")
    s.add_argument("tables", nargs="*", help="only these tables (e.g. silver.laps)")

    s = sub.add_parser("sql", help="run SQL on the lake")
    s.add_argument("query")
    s.add_argument("--format", choices=["table", "csv"], default="table")
    s.add_argument("--write", action="store_true", help="allow statements that change the lake (default: read-only)")

    s = sub.add_parser("live", help="follow a live session into the lake (or --replay a recording through a local server)")
    add_live_options(s)
    s.add_argument("--url", help="live endpoint base URL (default: F1's)")
    s.add_argument("--no-build", action="store_true", help="Bronze only; skip refreshing Silver and Gold")

    s = sub.add_parser("reset", help="delete the lake and the demo tree (--cache: the download cache too)")
    s.add_argument("--yes", action="store_true", help="do it (without: list what would be deleted)")
    s.add_argument("--cache", dest="with_cache", action="store_true", help="also delete the raw download cache")

    s = sub.add_parser("serve-archive", help="serve an archive tree over HTTP in F1's URL layout")
    s.add_argument("dir")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=_bounded_int(0, 65535), default=8000, help="0: any free port")
    return p


@contextmanager
def _client(args):
    """The archive client of a command, closed after it (its pooled connections would outlive
    it), but not on Ctrl-C: a download thread may be reading from one of its connections, and
    closing them waited for that read (the whole file, on a slow link); the command exits at
    once then (`console_main`)."""
    from .archive.client import ArchiveClient

    client = ArchiveClient(base_url=args.archive_url, cache_dir=args.cache, progress=not args.quiet)
    interrupted = False
    try:
        yield client
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        if not interrupted:
            client.close()


def _lake(args, create: bool = False):
    """Only the commands that load (load, demo, live) create a lake; the others need one."""
    from .lake.lake import Lake

    return Lake(args.lake, create=create)


def cmd_sessions(args) -> int:
    from .textfmt import format_records

    with _client(args) as client:
        refs = client.season(args.year)
    held = _keys_in_lake(args)
    rows = [
        {"round": r.round, "meeting": r.meeting_name, "session": r.session_name, "type": r.session_type,
         "key": r.session_key, "start (local)": r.start_date,
         **({} if held is None else {"in lake": "yes" if r.session_key in held else ""}), "path": r.path}
        for r in refs
    ]
    print(format_records(rows) if rows else f"no sessions in the {args.year} index")
    return 0


def _keys_in_lake(args) -> set[int] | None:
    """The session keys the lake holds; None when there is no lake, or it cannot be opened now
    (another process writing it): the listing does not need it."""
    from .errors import LakeError

    try:
        with _lake(args) as lake:
            return set(lake.session_keys())
    except LakeError:
        return None


def cmd_load(args) -> int:
    from . import progress
    from .archive.lookup import choose_sessions
    from .ingest import ArchiveSession, Recording, ingest

    if args.recording:
        if args.year or args.meeting or args.session or args.path:
            raise F1nbError("pass either --recording FILE or YEAR MEETING SESSION, not both")
        with _lake(args, create=True) as lake:
            print(ingest(Recording(args.recording), lake, build=not args.no_build))
        return 0
    if not args.path and args.year is None:
        raise F1nbError("say what to load: f1nb load YEAR MEETING SESSION (e.g. 2024 Monaco R), YEAR MEETING "
                        "(the whole meeting), YEAR (the season), --path or --recording")
    one = bool(args.path or args.session)  # a single session, named; else a meeting's or a season's
    if (args.session_types or args.reload) and one:
        option = "--session-types" if args.session_types else "--reload"
        raise F1nbError(f"{option} is for a meeting's or a season's sessions: pass YEAR or YEAR MEETING "
                        "(a single session is always loaded again)")
    with _client(args) as client:
        # the sessions are resolved before the lake is opened: a mistyped name creates no lake
        if args.path:
            refs = [client.session_from_path(args.path, refresh=args.refresh)]
        elif args.session:
            refs = [client.find(args.year, args.meeting, args.session, refresh=args.refresh)]
        else:
            refs = choose_sessions(client.season(args.year, refresh=args.refresh), args.meeting, args.session_types)
        topics = tuple(args.topics) if args.topics is not None else None
        sources = [ArchiveSession(ref, client, topics, args.refresh, skip_loaded=not (one or args.reload)) for ref in refs]
        with _lake(args, create=True) as lake:
            if len(sources) == 1:
                print(ingest(sources[0], lake, build=not args.no_build))
                return 0
            client.progress = False  # one bar for the job, not one per session's download
            with progress.terminal(f"{len(sources)} sessions", enabled=not args.quiet) as report:
                result = ingest(sources, lake, build=not args.no_build, report=report)
            print(result)
    return 0


def cmd_build(args) -> int:
    with _lake(args) as lake:
        if getattr(args, "backend", "duckdb") == "spark":
            from .engine.spark import build_with_spark

            out = args.out or str(Path(lake.location).with_suffix("")) + "-parquet"
            print(build_with_spark(lake, out, args.session, master=args.master), f"(Spark, Parquet lake: {out})")
            return 0
        print(lake.build(args.session))
    return 0


def cmd_export_parquet(args) -> int:
    with _lake(args) as lake:
        rows = lake.export_parquet(args.dir, args.session)
    print(f"wrote Bronze as Parquet under {args.dir}/bronze: " + ", ".join(f"{t} {n}" for t, n in rows.items()))
    return 0


def cmd_check(args) -> int:
    from .textfmt import format_records

    with _lake(args) as lake:
        results = lake.check(args.tables or None)
    if not results:
        raise F1nbError("no built tables to check; load a session first (f1nb load … or f1nb demo)")
    print(format_records(results, max_rows=10_000))
    failed = [r for r in results if r["violations"]]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def cmd_demo(args) -> int:
    """The offline demo season: generated, loaded through the real archive client (from a
    file:// tree), every layer built, a summary printed."""
    from .demo import DemoConfig
    from .demo.tree import writers_started

    cfg = DemoConfig(seed=args.seed, race_laps=args.laps, drivers=args.drivers, rounds=args.rounds,
                     telemetry=not args.no_telemetry)
    # the tree's writers first: this process imports DuckDB and opens the lake while they write
    with writers_started(cfg, args.out) as writers, _lake(args, create=True) as lake:
        from .ingest import Demo, ingest
        from .progress import terminal
        from .textfmt import format_table

        with terminal("f1nb demo", enabled=not args.quiet) as report:
            result = ingest(Demo(cfg, args.out, skip_loaded=True, writers=writers), lake, report=report)
        if result.loads or result.built:
            print(result)
        else:
            print("the lake already holds this demo, loaded from the same files and built: nothing to do "
                  "(`f1nb build` rebuilds Silver and Gold)")
        print()
        print(f"lake: {lake.location}")
        print(format_table(lake.tables()))
        print()
        print(format_table(lake.sessions()))
    return 0


def cmd_tables(args) -> int:
    from .textfmt import format_table

    with _lake(args) as lake:
        print(format_table(lake.tables()))
    return 0


def cmd_sql(args) -> int:
    from .textfmt import format_csv, format_table

    with _lake(args) as lake:
        result = lake.sql(args.query, write=args.write, write_hint="pass --write")
    print(format_csv(result) if args.format == "csv" else format_table(result), end="\n" if args.format == "table" else "")
    return 0


def cmd_live(args) -> int:
    from .live.cli import run_live

    with _lake(args, create=True) as lake:
        return run_live(lake, args)


def cmd_serve_archive(args) -> int:
    from .archive.serve import serve_forever

    root = Path(args.dir)
    if not root.is_dir():
        raise F1nbError(f"{root} is not a folder; pass the root of an archive tree (the folder holding YEAR/)")
    serve_forever(root, args.host, args.port)
    return 0


def cmd_reset(args) -> int:
    from .reset import reset

    deleted = reset(args.lake, args.cache, args.with_cache, args.yes)
    for path in deleted:
        print(f"deleted {path}")
    if not deleted:
        print("nothing to reset: no lake or demo tree here")
    return 0


COMMANDS = {
    "reset": cmd_reset,
    "sessions": cmd_sessions,
    "load": cmd_load,
    "demo": cmd_demo,
    "tables": cmd_tables,
    "build": cmd_build,
    "export-parquet": cmd_export_parquet,
    "check": cmd_check,
    "sql": cmd_sql,
    "serve-archive": cmd_serve_archive,
    "live": cmd_live,
}


def main(argv: list[str] | None = None) -> int:
    one_blas_thread(os.environ)  # before any command imports numpy (blas_threads.py)
    args = _parser().parse_args(argv)
    with warnings_as_lines("f1nb"):
        return _run(args)


INTERRUPTED = 130  # the shell's code for a command stopped by Ctrl-C


def _run(args) -> int:
    try:
        return COMMANDS[args.command](args)
    except F1nbError as exc:
        print(f"f1nb: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("f1nb: interrupted; the lake is unchanged by the unfinished step", file=sys.stderr)
        return INTERRUPTED
    except OSError as exc:  # a path that cannot be created or written (--lake, export-parquet DIR, --out)
        print(f"f1nb: error: {exc}; check the path and its permissions", file=sys.stderr)
        return 1


def console_main() -> None:
    """The `f1nb` command and `python -m f1nb`. Interrupted, it exits at once: the lake is closed
    by then, and Python would otherwise join the download threads at exit, keeping the user
    waiting for files that nobody will use (a file is cached only once whole)."""
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    console_main()
