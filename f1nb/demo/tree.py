"""The demo season's archive tree on disk: generated once per config and generator,
reused afterwards. Loading it goes through `f1nb.ingest` (source `Demo`), like any
archive: the real client reads the tree over file://."""

from __future__ import annotations

import ctypes
import gc
import hashlib
import shutil
from contextlib import contextmanager
from pathlib import Path

from .. import config

_DONE = ".f1nb-demo-complete"  # the completion mark: written last, holding the tree's key


def demo_root(cfg, out: str | Path | None = None) -> tuple[Path, str]:
    """(where the tree of `cfg` is kept, the key its completion mark holds)."""
    # the tree depends on the config and on the generator's code: a tree made by an older
    # generator (say, before the demo race had a penalty) is made again, never reused
    key = f"{cfg!r} generator {generator_fingerprint()}"
    tag = hashlib.sha256(key.encode()).hexdigest()[:12]
    return (Path(out) if out else config.data_dir() / "demo-archive" / tag), key


def _complete(root: Path, key: str) -> bool:
    done = root / _DONE
    return done.exists() and done.read_text() == key


@contextmanager
def writers_started(cfg, out: str | Path | None = None):
    """Yields the worker processes already writing the demo tree of `cfg` (`workers.Writers`),
    for `demo_tree(..., started=)`; None when the tree is complete, or written in the calling
    process (one core). `f1nb demo` starts them before it imports DuckDB and opens the lake
    (~0.3 s); leaving the block stops any still running, and a tree left incomplete is made
    again next time."""
    from . import config as C
    from .workers import Writers, worker_count

    root, key = demo_root(cfg, out)
    jobs = C.session_jobs(cfg)
    workers = worker_count(len(jobs))  # at most one per job
    if _complete(root, key) or workers < 2:
        yield None
        return
    shutil.rmtree(root, ignore_errors=True)
    with Writers(root, cfg, jobs, workers) as writers:
        yield writers


def demo_tree(cfg, out: str | Path | None = None, report=None, on_written=None, started=None) -> Path:
    """Generate the demo archive tree once per config; reuse it afterwards.
    `report(done, text)` (f1nb.progress) hears of the generation's steps; `on_written(session)`
    (`write_demo_archive`) of each session as its files are complete, when the tree is made now.
    `started`: its writers, started already (`writers_started`)."""
    root, key = demo_root(cfg, out)
    if started is None and _complete(root, key):
        return root
    from .writer import write_demo_archive

    # Written in place, the mark last: a tree without it is made again from scratch, and a
    # session loaded while the others are written is read (and recorded) where it stays.
    if started is None:
        shutil.rmtree(root, ignore_errors=True)
    write_demo_archive(root, cfg, report, on_written=on_written, started=started)
    give_back_memory()
    (root / _DONE).write_text(key)
    return root


def generator_fingerprint() -> str:
    """A hash of the demo generator's source files (a few ms: they are small); not this
    module's, since where a tree is kept does not change what is in it."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name == Path(__file__).name:
            continue
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def give_back_memory() -> None:
    """Generating a race leaves ~300 MB of freed Python objects in the C heap, and the
    load that follows would stack its own peak on top: collect the cycles, and hand the
    free pages back to the OS (glibc's malloc_trim; elsewhere the load reuses them).
    Arrow's own allocator (mimalloc) keeps what a load's tables freed, ~90 MB after the
    demo race, until its next allocation, and a build makes none: it is asked to return it
    too, or the build's peak lands on top of it."""
    import pyarrow

    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to call, and nothing lost but memory held a little longer


def holds_files(lake, key: int, folder: Path) -> bool:
    """True when the lake holds session `key` loaded from exactly the `.jsonStream` files
    in `folder`: the same topics with the same sha256 (what bronze.feeds records)."""
    from ..bronze.load import loaded_feeds

    held = loaded_feeds(lake, key)
    files = {p.name.removesuffix(".jsonStream"): p for p in folder.glob("*.jsonStream")}
    if not held or set(held) != set(files):
        return False
    return all(hashlib.sha256(files[topic].read_bytes()).hexdigest() == sha for topic, sha in held.items())
