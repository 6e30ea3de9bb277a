"""The main job: the offline demo season, generated, loaded through the real
archive client (from a file:// tree), every layer built, a summary printed."""

from __future__ import annotations

import ctypes
import gc
import hashlib
import shutil
from pathlib import Path

from . import config


def demo_tree(cfg, out: str | Path | None = None, report=None) -> Path:
    """Generate the demo archive tree once per config; reuse it afterwards.
    `report(done, text)` (f1nb.progress) hears of the generation's steps."""
    # the tree depends on the config and on the generator's code: a tree made by an older
    # generator (say, before the demo race had a penalty) is made again, never reused
    key = f"{cfg!r} generator {_generator_fingerprint()}"
    tag = hashlib.sha256(key.encode()).hexdigest()[:12]
    root = Path(out) if out else config.data_dir() / "demo-archive" / tag
    done = root / ".f1nb-demo-complete"
    if done.exists() and done.read_text() == key:
        return root
    from .demo import write_demo_archive

    tmp = root.with_name(root.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    write_demo_archive(tmp, cfg, report)
    _give_back_memory()
    (tmp / done.name).write_text(key)
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return root


def _generator_fingerprint() -> str:
    """A hash of the demo generator's source files (a few ms: they are small)."""
    from . import demo

    digest = hashlib.sha256()
    for path in sorted(Path(demo.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _give_back_memory() -> None:
    """Generating a race leaves ~300 MB of freed Python objects in the C heap, and the
    load that follows would stack its own peak on top: collect the cycles, and hand the
    free pages back to the OS (glibc's malloc_trim; elsewhere the load reuses them)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to call, and nothing lost but memory held a little longer


def holds_files(lake, key: int, folder: Path) -> bool:
    """True when the lake holds session `key` loaded from exactly the `.jsonStream` files
    in `folder`: the same topics with the same sha256 (what bronze.feeds records)."""
    # (literal ints, not bound parameters: binding makes DuckDB import pandas, about 0.5 s)
    rows = lake.raw.execute(f"SELECT topic, sha256 FROM bronze.feeds WHERE session_key = {int(key)} "
                            "AND status = 'present'").fetchall()
    files = {p.name.removesuffix(".jsonStream"): p for p in folder.glob("*.jsonStream")}
    if not rows or {topic for topic, _ in rows} != set(files):
        return False
    return all(hashlib.sha256(files[topic].read_bytes()).hexdigest() == sha for topic, sha in rows)


def load_demo(lake, cfg, out=None, progress: bool = True, skip_loaded: bool = False, report=None) -> list:
    """Generate (or reuse) the demo tree and load every session in it. Returns LoadReports.
    With `skip_loaded`, sessions the lake already holds from the same files are left as they
    are and have no report. `report(done, text)` (f1nb.progress) hears of each step; the
    client's own per-file bars are then left out."""
    from .archive.client import ArchiveClient
    from .progress import span

    root = demo_tree(cfg, out, span(report, 0.0, 0.5))
    client = ArchiveClient(base_url=root.resolve().as_uri() + "/", cache_dir=root / ".cache",
                           progress=progress and report is None)
    refs = client.season(cfg.year)
    if skip_loaded:
        refs = [ref for ref in refs if not holds_files(lake, ref.session_key, root / ref.path)]
    if not refs:
        return []
    from .bronze.load import load_archive_session

    loading = span(report, 0.5, 1.0)
    reports = []
    for i, ref in enumerate(refs):
        loading(i / len(refs), f"loading {ref.session_name} into Bronze")
        reports.append(load_archive_session(lake, client, ref))
        _give_back_memory()  # the next session's decode then starts from the same footprint
    return reports


def _built(lake, keys: list[int]) -> bool:
    """Every session in `keys` has Silver and Gold rows (a build commits all models at once)."""
    if not keys or not (lake.columns("silver", "drivers") and lake.columns("gold", "results")):
        return False
    marks = ",".join(str(int(k)) for k in keys)
    row = lake.raw.execute(f"SELECT (SELECT count(DISTINCT session_key) FROM silver.drivers WHERE session_key IN ({marks})),"
                           f" (SELECT count(DISTINCT session_key) FROM gold.results WHERE session_key IN ({marks}))"
                           ).fetchone()
    return row == (len(keys), len(keys))


def run_demo(args) -> int:
    from .demo import DemoConfig
    from .lake.lake import Lake
    from .progress import terminal
    from .textfmt import format_table

    cfg = DemoConfig(seed=args.seed, race_laps=args.laps, drivers=args.drivers, rounds=args.rounds,
                     telemetry=not args.no_telemetry)
    from .engine.duckdb_build import build_layers

    with Lake(args.lake) as lake:
        with terminal("f1nb demo: generate and load", enabled=not args.quiet) as report:
            reports = load_demo(lake, cfg, args.out, skip_loaded=True, report=report)
        for load in reports:
            print(load)
        keys = [k for (k,) in lake.raw.execute(f"SELECT session_key FROM bronze.sessions WHERE year = {int(cfg.year)} "
                                                "ORDER BY session_key").fetchall()]
        if reports or not _built(lake, keys):
            with terminal("f1nb demo: build Silver and Gold", enabled=not args.quiet) as report:
                built = build_layers(lake, keys if not reports else [r.session_key for r in reports], report=report)
            print(built)
        else:
            print(f"the lake already holds this demo, loaded from the same files and built: nothing to do "
                  f"(`f1nb build` rebuilds Silver and Gold)")
        print()
        print(f"lake: {lake.location}")
        print(format_table(lake.tables()))
        print()
        print(format_table(lake.sessions()))
    return 0
