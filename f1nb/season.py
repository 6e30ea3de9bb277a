"""Many sessions in one lake: a season view and the demo session."""

from __future__ import annotations

import warnings

import pandas as pd

from .errors import F1nbError, SessionSkipped
from .lake.lake import Lake
from .session import Session
from .session_lookup import get_session, sessions_in_lake


class Season:
    """The sessions of one year in a lake, and the season roll-ups across them."""

    def __init__(self, year: int, lake: Lake | str | None = None, archive_url: str | None = None):
        self.year = int(year)
        self.lake = lake if isinstance(lake, Lake) else Lake(lake)
        self.archive_url = archive_url
        self.last_load = None  # the IngestReport of the last `load`: loads, built, unchanged, skipped

    def __repr__(self) -> str:
        return f"<Season {self.year}: {len(sessions_in_lake(self.lake, self.year))} sessions in {self.lake.location}>"

    def sessions(self) -> pd.DataFrame:
        """Sessions of this year already in the lake."""
        return self.lake.sql(
            "SELECT session_key, round, meeting_name, session_name, session_type, start_date, loaded_at "
            f"FROM bronze.sessions WHERE year = {self.year} ORDER BY start_date, session_key").to_pandas()

    def session(self, meeting: str | int, session: str | int) -> Session:
        return get_session(self.year, meeting, session, lake=self.lake, archive_url=self.archive_url)

    def load(self, session_types: tuple[str, ...] | None = None, progress: bool = True,
             reload: bool = False, meeting: str | int | None = None) -> list:
        """Load and build the season's sessions of these types (`archive.lookup.SESSION_TYPES`, or
        "All"; default: races and qualifyings), or with `meeting` only that meeting's (default: all
        of them); the load reports of the sessions written.
        A session the lake holds from the same files is left as it is (`reload=True`: written
        again), so a second call only fetches what is new. A session the archive has no data for
        yet is skipped with a `SessionSkipped` warning; the others load."""
        from . import progress as shown
        from .archive.client import ArchiveClient
        from .archive.lookup import choose_sessions
        from .ingest import ArchiveSession, ingest

        # one bar (a line per session in a notebook or a log) for the job, not one per download
        with ArchiveClient(base_url=self.archive_url, progress=False) as client:
            refs = choose_sessions(client.season(self.year), meeting, session_types)
            with shown.terminal(f"{len(refs)} sessions", enabled=progress) as bar:
                report = ingest([ArchiveSession(ref, client, skip_loaded=not reload) for ref in refs], self.lake,
                                report=bar)
        for why in report.skipped:
            warnings.warn(f"skipped {why}", SessionSkipped, stacklevel=2)
        self.last_load = report
        return report.loads

    def _gold(self, name: str) -> pd.DataFrame:
        if not sessions_in_lake(self.lake, self.year):
            years = sorted({r.year for r in sessions_in_lake(self.lake)})
            raise F1nbError(f"no sessions of {self.year} in the lake (it holds {', '.join(map(str, years)) or 'none'}); "
                            f"load them first: get_season({self.year}).load() or `f1nb load {self.year} MEETING SESSION`")
        t = self.lake.table(name)
        from .display.views import tag

        return tag(t.filter(t.year == self.year).to_pandas(), name)

    def driver_standings(self) -> pd.DataFrame:
        return self._gold("gold.driver_season").sort_values("points", ascending=False, ignore_index=True)

    def team_standings(self) -> pd.DataFrame:
        return self._gold("gold.team_season").sort_values("points", ascending=False, ignore_index=True)

    def quali_head_to_head(self) -> pd.DataFrame:
        return self._gold("gold.quali_head_to_head")


def get_season(year: int, lake: Lake | str | None = None, archive_url: str | None = None) -> Season:
    return Season(year, lake, archive_url)


def demo_session(session: str = "Race", lake: Lake | str | None = None, config=None, progress: bool = False,
                 report=None) -> Session:
    """The built-in offline demo session (generated, loaded and built on first use). `session`
    takes the names `get_session` takes ("Race", "R", "quali", …); `report(done, text)`
    (f1nb.progress) hears of a first use's steps."""
    from .demo import DemoConfig
    from .ingest import Demo, ingest

    lake = lake if isinstance(lake, Lake) else Lake(lake)
    cfg = config or DemoConfig()
    wanted = _demo_ref(cfg, session)  # an unknown name fails here, before anything is generated
    loaded = {r.session_key: r for r in sessions_in_lake(lake, cfg.year)}
    if wanted.session_key not in loaded:
        ingest(Demo(cfg, progress=progress), lake, report=report)
        loaded = {r.session_key: r for r in sessions_in_lake(lake, cfg.year)}
    return Session(loaded[wanted.session_key], lake)


def _demo_ref(cfg, session: str):
    """The demo's first-round session that `session` names, resolved as archive names are."""
    from .archive.lookup import find_session
    from .demo.config import demo_session_refs

    return find_session(demo_session_refs(cfg, round=1), 1, session)
