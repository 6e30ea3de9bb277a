"""The main job: the offline demo season, generated, loaded through the real
archive client (from a file:// tree), every layer built, a summary printed."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from . import config


def demo_tree(cfg, out: str | Path | None = None) -> Path:
    """Generate the demo archive tree once per config; reuse it afterwards."""
    from .demo import write_demo_archive

    tag = hashlib.sha256(repr(cfg).encode()).hexdigest()[:12]
    root = Path(out) if out else config.data_dir() / "demo-archive" / tag
    done = root / ".f1nb-demo-complete"
    if done.exists() and done.read_text() == repr(cfg):
        return root
    tmp = root.with_name(root.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    write_demo_archive(tmp, cfg)
    (tmp / done.name).write_text(repr(cfg))
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return root


def load_demo(lake, cfg, out=None, progress: bool = True) -> list:
    """Generate (or reuse) the demo tree and load every session in it. Returns LoadReports."""
    from .archive.client import ArchiveClient
    from .bronze.load import load_archive_session

    root = demo_tree(cfg, out)
    client = ArchiveClient(base_url=root.resolve().as_uri() + "/", cache_dir=root / ".cache", progress=progress)
    return [load_archive_session(lake, client, ref) for ref in client.season(cfg.year)]


def run_demo(args) -> int:
    from .demo import DemoConfig
    from .lake.lake import Lake
    from .textfmt import format_table

    cfg = DemoConfig(seed=args.seed, race_laps=args.laps, drivers=args.drivers, rounds=args.rounds,
                     telemetry=not args.no_telemetry)
    from .lake.build import build_layers

    with Lake(args.lake) as lake:
        reports = load_demo(lake, cfg, args.out, progress=not args.quiet)
        for report in reports:
            print(report)
        print(build_layers(lake, [r.session_key for r in reports]))
        print()
        print(f"lake: {lake.location}")
        print(format_table(lake.tables()))
        print()
        print(format_table(lake.sessions()))
    return 0
