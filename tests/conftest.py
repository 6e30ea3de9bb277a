"""Shared fixtures. Tests that need ../shared/realdata skip with a reason where it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
REAL_ARCHIVE = REALDATA / "archive"
REAL_LIVE = REALDATA / "live"
REAL_SESSIONS = sorted(p.parent.relative_to(REAL_ARCHIVE).as_posix() + "/"
                       for p in REAL_ARCHIVE.glob("*/*/*/SessionInfo.jsonStream")) if REAL_ARCHIVE.is_dir() else []


def need_realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data not present: {REALDATA} (clone next to ../shared to run these)")
    return REALDATA


@pytest.fixture
def realdata() -> Path:
    return need_realdata()


# A small demo: six drivers, a six-lap race, short qualifying parts (test_pipeline, test_trust).
SMALL_DEMO = dict(drivers=6, race_laps=6, quali_minutes=(6.0, 5.0, 4.0))


@pytest.fixture(scope="module")
def demo_tree(tmp_path_factory) -> Path:
    """The small demo's archive tree, written once per test module."""
    from f1nb.demo import DemoConfig, write_demo_archive

    root = tmp_path_factory.mktemp("demo-tree")
    write_demo_archive(root, DemoConfig(**SMALL_DEMO))
    return root


def bronze_only_lake(folder: Path, config) -> Path:
    """A lake file holding the demo `config`'s sessions in Bronze only, each loaded through the
    archive client from a tree written in `folder` (tests build copies of it)."""
    from f1nb.archive.client import ArchiveClient
    from f1nb.bronze.load import load_archive_session
    from f1nb.demo import write_demo_archive
    from f1nb.lake.lake import Lake

    write_demo_archive(folder / "archive", config)
    client = ArchiveClient(base_url=(folder / "archive").as_uri() + "/", cache_dir=folder / "cache", progress=False)
    path = folder / "loaded.duckdb"
    with Lake(path) as lake:
        for ref in client.season(config.year):
            load_archive_session(lake, client, ref)
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the user's real lake or cache from tests."""
    home = tmp_path_factory.mktemp("f1nb-home")
    monkeypatch.setenv("F1NB_HOME", str(home))
    for var in ("F1NB_LAKE", "F1NB_CACHE", "F1NB_ARCHIVE_URL", "F1NB_F1TV_TOKEN"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def real_lake(tmp_path_factory):
    """All real archive sessions loaded through the real HTTP client from a local
    archive server, with every layer built. Shared by the tests of one run."""
    need_realdata()
    from f1nb.archive.client import ArchiveClient
    from f1nb.archive.serve import ArchiveServer
    from f1nb.bronze.load import load_archive_session
    from f1nb.engine.duckdb_build import build_layers
    from f1nb.lake.lake import Lake

    root = tmp_path_factory.mktemp("real-lake")
    lake = Lake(root / "lake.duckdb")
    with ArchiveServer(REAL_ARCHIVE) as server:
        client = ArchiveClient(base_url=server.url, cache_dir=root / "cache", progress=False)
        reports = [load_archive_session(lake, client, client.session_from_path(p)) for p in REAL_SESSIONS]
        client.close()
    lake.build_report = build_layers(lake)
    lake.load_reports = reports
    yield lake
    lake.close()
