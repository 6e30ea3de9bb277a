"""Many sessions in one lake: a season view and the demo session."""

from __future__ import annotations

import pandas as pd

from .lake.lake import Lake
from .session import Session, _sessions_in_lake, get_session


class Season:
    """The sessions of one year in a lake, and the season roll-ups across them."""

    def __init__(self, year: int, lake: Lake | str | None = None, archive_url: str | None = None):
        self.year = int(year)
        self.lake = lake if isinstance(lake, Lake) else Lake(lake)
        self.archive_url = archive_url

    def __repr__(self) -> str:
        return f"<Season {self.year}: {len(_sessions_in_lake(self.lake, self.year))} sessions in {self.lake.location}>"

    def sessions(self) -> pd.DataFrame:
        """Sessions of this year already in the lake."""
        return self.lake.sql(
            "SELECT session_key, round, meeting_name, session_name, session_type, start_date, loaded_at "
            f"FROM bronze.sessions WHERE year = {self.year} ORDER BY start_date, session_key").to_pandas()

    def session(self, meeting: str | int, session: str | int) -> Session:
        return get_session(self.year, meeting, session, lake=self.lake, archive_url=self.archive_url)

    def load(self, session_types: tuple[str, ...] = ("Race", "Qualifying"), progress: bool = True) -> list:
        """Load and build every session of these types from the archive index."""
        from .archive.client import ArchiveClient
        from .bronze.load import load_archive_session

        client = ArchiveClient(base_url=self.archive_url, progress=progress)
        reports = [load_archive_session(self.lake, client, ref) for ref in client.season(self.year)
                   if ref.session_type in session_types]
        self.lake.build([r.session_key for r in reports])
        return reports

    def _gold(self, name: str) -> pd.DataFrame:
        t = self.lake.table(name)
        return t.filter(t.year == self.year).to_pandas()

    def driver_standings(self) -> pd.DataFrame:
        return self._gold("gold.driver_season").sort_values("points", ascending=False, ignore_index=True)

    def team_standings(self) -> pd.DataFrame:
        return self._gold("gold.team_season").sort_values("points", ascending=False, ignore_index=True)

    def quali_head_to_head(self) -> pd.DataFrame:
        return self._gold("gold.quali_head_to_head")


def get_season(year: int, lake: Lake | str | None = None, archive_url: str | None = None) -> Season:
    return Season(year, lake, archive_url)


def demo_session(session: str = "Race", lake: Lake | str | None = None, config=None, progress: bool = False) -> Session:
    """The built-in offline demo session (generated, loaded and built on first use)."""
    from .demo import DemoConfig
    from .pipeline import load_demo

    lake = lake if isinstance(lake, Lake) else Lake(lake)
    cfg = config or DemoConfig()
    loaded = [r for r in _sessions_in_lake(lake, cfg.year)]
    wanted = [r for r in loaded if r.session_name == session or r.session_type == session]
    if not wanted:
        reports = load_demo(lake, cfg, progress=progress)
        lake.build([r.session_key for r in reports])
        loaded = _sessions_in_lake(lake, cfg.year)
        wanted = [r for r in loaded if r.session_name == session or r.session_type == session]
    first_round = sorted(wanted, key=lambda r: (r.round or 0, r.session_key))[0]
    return Session(first_round, lake)
