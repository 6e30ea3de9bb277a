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


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Never touch the user's real lake or cache from tests."""
    home = tmp_path_factory.mktemp("f1nb-home")
    monkeypatch.setenv("F1NB_HOME", str(home))
    for var in ("F1NB_LAKE", "F1NB_CACHE", "F1NB_ARCHIVE_URL", "F1NB_F1TV_TOKEN"):
        monkeypatch.delenv(var, raising=False)
