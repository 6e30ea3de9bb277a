"""ipywidgets that follow a loaded session: a lap explorer (drivers -> lap-time chart and
lap table) and a telemetry comparison (two drivers, two laps). Same rules as the
picker (`widgets`): callbacks write into `Output` widgets and errors go to the
status line."""

from __future__ import annotations

import ipywidgets as widgets

from .widget_html import error_html, figure_output, info_html


def _driver_options(session) -> list[tuple[str, int]]:
    from ..plots.common import drivers_frame, gold_frame

    d = drivers_frame(session)
    order = list(d.driver_number)
    results = gold_frame(session, "gold.results")
    if results is not None and not results.empty:
        ranked = [int(n) for n in results.sort_values("position").driver_number if n in set(order)]
        order = ranked + [n for n in order if n not in ranked]
    labels = {int(r.driver_number): f"{r.abbreviation} — {r.team_name}" for r in d.itertuples()}
    return [(labels[n], int(n)) for n in order]


class LapExplorer(widgets.VBox):
    """Pick drivers; the lap-time chart and the laps table follow."""

    def __init__(self, session, drivers=None, style: str = "auto", **kwargs):
        self.session = session
        self.style = style
        self.figure = None
        options = _driver_options(session)
        default = [session.driver_number(x) for x in drivers] if drivers else [v for _, v in options[:3]]
        self.drivers = widgets.SelectMultiple(options=options, value=default, description="Drivers",
                                              rows=min(10, max(len(options), 2)))
        self.accurate = widgets.Checkbox(value=False, description="accurate laps only")
        self.status = widgets.HTML()
        self.chart = widgets.Output()
        self.table = widgets.Output()
        self.drivers.observe(self.refresh, "value")
        self.accurate.observe(self.refresh, "value")
        super().__init__(children=[widgets.HBox([self.drivers, self.accurate]), self.status, self.chart,
                                   self.table], **kwargs)
        self.refresh()

    def refresh(self, change=None) -> None:
        from IPython.display import HTML

        from ..plots import lap_times
        from ..display.views import styled_table, with_abbreviations
        from ..display.tables import LAP_COLUMNS

        chosen = list(self.drivers.value)
        self.chart.outputs = ()
        self.table.outputs = ()
        if not chosen:
            self.status.value = info_html("select one or more drivers")
            return
        try:
            self.figure = lap_times(self.session, chosen, style=self.style, accurate_only=self.accurate.value)
            laps = self.session.get_laps()
            laps = laps[laps.driver_number.isin(chosen)]
            if self.accurate.value:
                laps = laps[laps.is_accurate.fillna(False).astype(bool)]
            laps = with_abbreviations(laps, self.session.get_drivers())
            laps = laps[[c for c in LAP_COLUMNS if c in laps.columns]]
        except Exception as exc:
            self.status.value = error_html(exc)
            return
        figure_output(self.chart, self.figure)
        self.table.append_display_data(HTML(styled_table(laps, self.session.get_drivers(), max_rows=100)))
        self.status.value = info_html(f"{len(laps)} laps of {len(chosen)} drivers")


class TelemetryCompare(widgets.VBox):
    """Two drivers, two laps (fastest by default): speed, throttle, brake, gear and the time delta."""

    def __init__(self, session, driver1=None, driver2=None, style: str = "auto", **kwargs):
        self.session = session
        self.style = style
        self.figure = None
        self.delta_s = None
        self._quiet = False
        options = _driver_options(session)
        values = [v for _, v in options]
        a = session.driver_number(driver1) if driver1 is not None else values[0]
        b = session.driver_number(driver2) if driver2 is not None else values[min(1, len(values) - 1)]
        self.driver1 = widgets.Dropdown(options=options, value=a, description="Driver A")
        self.driver2 = widgets.Dropdown(options=options, value=b, description="Driver B")
        self.lap1 = widgets.Dropdown(description="Lap A")
        self.lap2 = widgets.Dropdown(description="Lap B")
        self.status = widgets.HTML()
        self.chart = widgets.Output()
        self._fill_laps(self.driver1, self.lap1)
        self._fill_laps(self.driver2, self.lap2)
        self.driver1.observe(lambda c: self._driver_changed(self.driver1, self.lap1), "value")
        self.driver2.observe(lambda c: self._driver_changed(self.driver2, self.lap2), "value")
        self.lap1.observe(self.refresh, "value")
        self.lap2.observe(self.refresh, "value")
        super().__init__(children=[widgets.HBox([self.driver1, self.lap1]), widgets.HBox([self.driver2, self.lap2]),
                                   self.status, self.chart], **kwargs)
        self.refresh()

    def _fill_laps(self, driver: widgets.Dropdown, lap: widgets.Dropdown) -> None:
        from ..plots.common import fmt_laptime

        laps = self.session.get_laps(driver.value)
        timed = laps[laps.lap_time_s.notna()].sort_values("lap_number")
        self._quiet = True
        try:
            lap.options = [("fastest", "fastest")] + [
                (f"{int(r.lap_number)} ({fmt_laptime(r.lap_time_s)}{', deleted' if r.deleted else ''})",
                 int(r.lap_number)) for r in timed.itertuples()]
            lap.value = "fastest"
        finally:
            self._quiet = False

    def _driver_changed(self, driver, lap) -> None:
        self._fill_laps(driver, lap)
        self.refresh()

    def refresh(self, change=None) -> None:
        from ..plots import telemetry_comparison

        if self._quiet:
            return
        try:
            fig = telemetry_comparison(self.session, self.driver1.value, self.driver2.value, self.lap1.value,
                                       self.lap2.value, style=self.style)
        except Exception as exc:
            self.chart.outputs = ()
            self.status.value = error_html(exc)
            return
        self.figure = fig
        dist, delta = fig.f1nb_delta
        self.delta_s = float(delta[-1]) if len(delta) else None
        figure_output(self.chart, fig)
        a, b = self.driver1.label.split(" — ")[0], self.driver2.label.split(" — ")[0]
        if self.delta_s is not None:
            who = f"{b} is {abs(self.delta_s):.3f} s {'behind' if self.delta_s > 0 else 'ahead of'} {a} at the line"
            self.status.value = info_html(who)
