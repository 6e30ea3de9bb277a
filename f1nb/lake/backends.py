"""Opening the lake from a path or an Ibis URL."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ..errors import LakeError, LakeNotFound


def parse_target(target: str | os.PathLike | None, default: Path) -> tuple[str, str]:
    """(backend name, location) for a path, `duckdb:///path`, or another Ibis URL."""
    if target is None:
        return "duckdb", str(default)
    text = os.fspath(target)
    if "://" not in text:
        return "duckdb", text
    scheme, rest = text.split("://", 1)
    if scheme == "duckdb":
        return "duckdb", rest or ":memory:"
    return scheme, text


def open_duckdb(location: str, create: bool = True):
    """The lake's DuckDB connection, set up as Ibis sets up its own (UTC session time
    zone, no tables conjured from Python variables), so SQL and Ibis reads agree.

    `create=False` is for commands that only read: a lake that does not exist is an
    error, and nothing (not even its folder) is created."""
    if location != ":memory:":
        path = Path(location).expanduser()
        if not create and not path.exists():
            raise LakeNotFound(
                f"no lake at {path}: nothing has been loaded there. Check the --lake path "
                "(or $F1NB_LAKE), or load a session first (f1nb load … / f1nb demo)")
        if path.is_dir():
            raise LakeError(f"{path} is a folder; the lake is a file: pass --lake FOLDER/lake.duckdb")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LakeError(f"cannot create the lake's folder {path.parent}: {exc.strerror or exc}; "
                            "pass a --lake path in a folder you can write") from None
        location = str(path.absolute())
    try:
        if location != ":memory:" and not os.path.exists(location):
            _make_file(location)
        con = _connect(location)
    except Exception as exc:  # duckdb raises IOException for a lock held by another process
        raise _open_error(location, str(exc).splitlines()[0]) from None
    _session_settings(con)
    register_functions(con)
    return con


def _session_settings(con) -> None:
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET python_enable_replacements = false")
    # DuckDB's own progress bar prints unlabelled bars into notebook cells; f1nb reports its own progress
    con.execute("SET enable_progress_bar = false")


def cursor_like(con):
    """Another connection to the lake's database, set up as `con` is (a DuckDB cursor starts
    from the defaults: the in-memory catalogue, the machine's time zone), for work on another
    thread. Its own transactions: it sees what `con` has committed."""
    (database,) = con.execute("SELECT current_database()").fetchone()
    cursor = con.cursor()
    try:
        cursor.execute('USE "{}"'.format(database.replace('"', '""')))
        _session_settings(cursor)
    except BaseException:
        cursor.close()
        raise
    return cursor


# The block size of a new lake file. A COMMIT that appends rows to a table already stored in the file
# gives each of its columns a fresh block, however few rows arrive, and the blocks stay in memory until
# the next checkpoint: with DuckDB's default 256 KiB, building one session into a lake whose ~460 Silver
# and Gold columns exist cost ~110 MB more than into a new lake (issue 13); 32 KiB makes it ~15 MB
# (benchmarks/bench_commit_blocks.py). Smaller blocks cost disk: DuckDB turns off its ALP float
# compression at any block size but its default, so a lake of telemetry doubles grows (the race demo's
# lake: 61 -> 73 MB at 32 KiB, 83 MB at 16 KiB), while a timing-only lake shrinks (Baku: 12.9 -> 7.8 MB,
# less of each block left empty). A lake made by an older f1nb keeps its 256 KiB (fixed at creation).
NEW_LAKE_BLOCK_SIZE = 32_768


# A DuckDB file's catalogue is named after its file: `bronze.duckdb` made every `bronze.<table>`
# ambiguous (catalogue or schema?) and the lake could not even be created. Such a file is attached
# under another name instead.
_SCHEMA_NAMES = ("bronze", "silver", "gold")
_ATTACHED_AS = "f1nb_lake"


def _connect(location: str):
    if location == ":memory:" or Path(location).stem.lower() not in _SCHEMA_NAMES:
        return duckdb.connect(location)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_quoted(location)}' AS {_ATTACHED_AS}")
        con.execute(f"USE {_ATTACHED_AS}")
    except BaseException:
        con.close()
        raise
    return con


def _quoted(location: str) -> str:
    return location.replace("'", "''")


def _make_file(location: str) -> None:
    """Create the empty lake file with NEW_LAKE_BLOCK_SIZE blocks. Through ATTACH rather than a
    connection setting: DuckDB refuses a second connection to a file open in the process with
    other settings than the first, so the lake's connections (and a user's `duckdb.connect`)
    keep DuckDB's defaults."""
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{_quoted(location)}' AS new_lake (BLOCK_SIZE {NEW_LAKE_BLOCK_SIZE})")
        con.execute("DETACH new_lake")


def register_functions(con) -> None:
    """f1nb's SQL functions on a lake connection. `f1_inflate(payload)`: the JSON text of a
    `bronze.messages` payload (`.z` payloads are stored as received, base64 DEFLATE; see
    `decode.zpayload.payload_json`), so lineage joins stay plain SQL."""
    from ..decode.zpayload import payload_json

    try:
        con.create_function("f1_inflate", payload_json, ["VARCHAR"], "VARCHAR", null_handling="special",
                            side_effects=False)
    except duckdb.CatalogException as exc:  # a second connection to a database this process has open
        if "already exists" not in str(exc):
            raise


def _open_error(location: str, msg: str) -> LakeError:
    if "not a valid DuckDB database file" in msg:
        return LakeError(f"{location} is not a DuckDB lake file (DuckDB cannot read it); "
                         "pass --lake with the path of an f1nb lake, or a new path to create one")
    if "lock" in msg.lower():
        return LakeError(f"cannot open the lake {location}: {msg}. "
                         "Close other programs using it (another notebook kernel?) or pass another --lake path.")
    return LakeError(f"cannot open the lake {location}: {msg}")
