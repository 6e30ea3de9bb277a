"""ipywidgets: a session picker that loads with a progress bar (the lap explorer and the
telemetry comparison are in `explorers`, and importable from here).

Callbacks write into `Output` widgets with `append_display_data` / `append_stdout`
and clear them with `out.outputs = ()` (`clear_output()` inside a callback makes
the next output flash away in a browser). Errors are shown in each widget's
status line, never raised into the kernel.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import ipywidgets as widgets
import traitlets

from ..errors import F1nbError
from ..progress import heartbeat, span
from .widget_html import error_html, info_html, ok_html

DEMO = "Demo (offline)"
FIRST_ARCHIVE_SEASON = 2018


def _set_options(dropdown: widgets.Dropdown, options: list, pick=None) -> None:
    """New options and the first one (or `pick`) selected (ipywidgets 8 leaves the value None);
    observers of `value` fire, so the dropdowns cascade. An unchanged first value still cascades."""
    old = dropdown.value
    dropdown.options = options
    first = (options[0][1] if isinstance(options[0], tuple) else options[0]) if options else None
    first = pick if pick is not None else first
    dropdown.value = first
    if first is not None and first == old or first is None:
        dropdown.notify_change({"name": "value", "old": old, "new": dropdown.value, "owner": dropdown,
                                "type": "change"})


class SessionPicker(widgets.VBox):
    """Season → meeting → session dropdowns, a Load button and a progress bar.

    The sessions come from the archive's season index, or — offline, or when the
    index cannot be fetched — from the sessions already in the lake. The "Demo"
    season loads the generated offline demo. The loaded Session is `picker.session`
    (a traitlet: `picker.observe(cb, "session")`) and is passed to `on_load(cb)`
    callbacks.
    """

    session = traitlets.Any(None, allow_none=True)

    def __init__(self, lake=None, archive_url: str | None = None, offline: bool = False,
                 seasons: list[int] | None = None, demo_config=None, **kwargs):
        self._lake_arg = lake
        self._lake = None
        self.archive_url = archive_url
        self.offline = offline
        self.demo_config = demo_config
        self._callbacks: list[Callable] = []
        self._refs: list = []
        self._client = None
        self.season_select = widgets.Dropdown(description="Season", layout=widgets.Layout(width="240px"))
        self.meeting_select = widgets.Dropdown(description="Meeting", layout=widgets.Layout(width="380px"))
        self.session_select = widgets.Dropdown(description="Session", layout=widgets.Layout(width="280px"))
        self.load_button = widgets.Button(description="Load", button_style="primary", icon="download",
                                          tooltip="download (if needed) and build the session")
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, description="",
                                              layout=widgets.Layout(width="380px"))
        self.status = widgets.HTML(info_html("choose a session and press Load"))
        self.output = widgets.Output()
        self.load_button.on_click(self._on_load)
        self.season_select.observe(self._on_season, "value")
        self.meeting_select.observe(self._on_meeting, "value")
        super().__init__(children=[
            widgets.HBox([self.season_select, self.meeting_select, self.session_select]),
            widgets.HBox([self.load_button, self.progress]),
            self.status, self.output], **kwargs)
        self._known: dict[int, list] = {}  # season indexes fetched while choosing the opening season
        self._archive_down: str | None = None
        options = self._season_options(seasons)
        _set_options(self.season_select, options,
                     self._opening_season(options) if seasons is None and not offline else None)

    # -- lake and sources -------------------------------------------------------------
    @property
    def lake(self):
        if self._lake is None:
            from ..lake.lake import Lake

            self._lake = self._lake_arg if isinstance(self._lake_arg, Lake) else Lake(self._lake_arg)
        return self._lake

    def _lake_years(self) -> list[int]:
        try:
            years = self.lake.sessions().column("year").to_pylist()
        except F1nbError:
            return []
        return sorted({int(y) for y in years if y}, reverse=True)

    def _season_options(self, seasons) -> list:
        lake_years = self._lake_years()
        if seasons is not None:
            years = sorted(set(seasons), reverse=True)
        elif self.offline:
            years = lake_years
        else:
            years = sorted(set(range(FIRST_ARCHIVE_SEASON, _dt.date.today().year + 1)) | set(lake_years),
                           reverse=True)
        return ([DEMO] + years) if self.offline or not years else (years + [DEMO])

    def _opening_season(self, options: list):
        """Which season the picker opens on: the first of `options` (newest first) with sessions
        in the lake or a season index in the archive, so that it never opens on an error (the
        current season's index is absent before the first race, and unreachable offline); the
        demo when neither answers. The archive is asked newest first and no more once it cannot
        be reached (each further year would fail the same way)."""
        from ..errors import SessionNotFound

        lake_years = set(self._lake_years())
        years = [y for y in options if isinstance(y, int)]
        for year in years:
            if year in lake_years:
                return year
            if self.offline or self._archive_down is not None:
                continue
            try:
                refs = self._archive_client().season(year)
            except SessionNotFound:  # no index for this year (yet): try the one before
                continue
            except Exception as exc:  # unreachable: remember why, and use the lake from here on
                self._archive_down = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
                continue
            if refs:
                self._known[year] = refs
                return year
        return options[0] if not years else next((o for o in options if not isinstance(o, int)), options[0])

    def _archive_client(self):
        if self._client is None:
            from ..archive.client import ArchiveClient

            self._client = ArchiveClient(base_url=self.archive_url, progress=False, timeout=6, retries=1)
        return self._client

    def _season_refs(self, year: int) -> list:
        from ..session_lookup import sessions_in_lake

        if year in self._known:
            refs = self._known[year]
            self.status.value = info_html(f"{year}: {len(refs)} sessions in the archive index")
            return refs
        if self._archive_down is not None and not self.offline:
            refs = sessions_in_lake(self.lake, year)
            self.status.value = info_html(f"{year}: {len(refs)} sessions in the lake (the archive is not "
                                           f"reachable: {self._archive_down})")
            return refs
        if not self.offline:
            try:
                refs = self._archive_client().season(year)
                self.status.value = info_html(f"{year}: {len(refs)} sessions in the archive index")
                return refs
            except Exception as exc:  # no network, no index: fall back to the lake (an error only if empty)
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                refs = sessions_in_lake(self.lake, year)
                self.status.value = info_html(f"{year}: {len(refs)} sessions in the lake (the archive index is "
                                               f"unavailable: {reason})") if refs else error_html(
                    f"archive index for {year} unavailable ({reason}); showing the {len(refs)} sessions in the lake")
                return refs
        refs = sessions_in_lake(self.lake, year)
        self.status.value = info_html(f"{year}: {len(refs)} sessions in the lake (offline)")
        return refs

    # -- cascading dropdowns -------------------------------------------------------------
    def _on_season(self, change=None) -> None:
        year = self.season_select.value
        if year == DEMO:
            self._refs = []
            _set_options(self.meeting_select, [("f1nb Demo Grand Prix (generated offline)", DEMO)])
        else:
            self._refs = [r for r in self._season_refs(int(year))] if year is not None else []
            meetings: dict = {}
            for r in sorted(self._refs, key=lambda r: (r.round or 0, r.start_date or "")):
                label = f"R{r.round} {r.meeting_name}" if r.round else r.meeting_name
                meetings.setdefault(r.meeting_name, label)
            _set_options(self.meeting_select, [(label, name) for name, label in meetings.items()])

    def _on_meeting(self, change=None) -> None:
        meeting = self.meeting_select.value
        if meeting == DEMO:
            _set_options(self.session_select, [("Race", "Race"), ("Qualifying", "Qualifying")])
            return
        refs = sorted((r for r in self._refs if r.meeting_name == meeting), key=lambda r: (r.start_date or "",
                                                                                            r.session_key))
        _set_options(self.session_select, [(r.session_name, r) for r in refs])

    # -- loading ---------------------------------------------------------------------
    def on_load(self, callback: Callable) -> None:
        """Call `callback(session)` after each successful load."""
        self._callbacks.append(callback)

    def _busy(self, busy: bool) -> None:
        for w in (self.season_select, self.meeting_select, self.session_select, self.load_button):
            w.disabled = busy
        self.load_button.description = "Loading…" if busy else "Load"

    def _step(self, value: float, text: str) -> None:
        self.progress.value = max(self.progress.min, min(self.progress.max, value))
        self.status.value = info_html(text)

    def _on_load(self, _button=None) -> None:
        choice = self.session_select.value
        if choice is None:
            self.status.value = error_html("choose a season, a meeting and a session first")
            return
        self._busy(True)
        self.progress.bar_style = "info"
        self.progress.value = 0.0
        try:
            load = self._load_demo if self.season_select.value == DEMO else self._load_ref
            with heartbeat(self._step) as step:  # the bar moves while a step takes seconds
                session = load(choice, step)
        except Exception as exc:
            self.progress.bar_style = "danger"
            self.status.value = error_html(exc)
            return
        finally:
            self._busy(False)
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"
        self.status.value = ok_html(f"{session.label} loaded — picker.session")
        self.output.outputs = ()
        from ..display.views import SessionCard

        self.output.append_display_data(SessionCard(session))
        self.session = session
        for callback in self._callbacks:
            try:
                callback(session)
            except Exception as exc:
                self.status.value = error_html(f"on_load callback failed: {exc}")

    def _load_ref(self, ref, step):
        from ..session import Session

        session = Session(ref, self.lake, None if self.offline else self._archive_client())
        if not session.is_loaded:
            if self.offline:
                raise F1nbError(f"{ref.label} is not in the lake and the picker is offline")
            session.load_data(build=True, report=step)  # downloads a few feeds at a time: the bar moves
        elif not session.is_built:
            session.generate(report=span(step, 0.02, 1.0))
        return session

    def _load_demo(self, kind: str, step):
        from ..demo import DemoConfig
        from ..season import demo_session

        step(0.02, "preparing the demo season (offline)…")
        return demo_session(kind, lake=self.lake, config=self.demo_config or DemoConfig(), progress=False,
                            report=span(step, 0.02, 1.0))


def show(lake=None, archive_url: str | None = None, offline: bool = False, **kwargs) -> SessionPicker:
    """Display a SessionPicker and return it (`f1nb.show()`); `picker.session` is the loaded session."""
    from IPython.display import display

    picker = SessionPicker(lake=lake, archive_url=archive_url, offline=offline, **kwargs)
    display(picker)
    return picker


# the explorers live in their own module; these names stay importable from here
from .explorers import LapExplorer, TelemetryCompare  # noqa: E402,F401
