"""An ipywidgets 8 view of `TowerModel`: one `HTML` widget, re-rendered at most `max_fps` times a second.

The HTML is rebuilt only when the model changed and written only when it
differs, in one assignment, so the browser swaps one DOM subtree (no flicker).
"""

from __future__ import annotations

import html
import threading

from .tower import TowerModel

COLOURS = {"purple": "#a020f0", "green": "#1fbf4a", "yellow": "#e0c000", "": "#666"}
TYRES = {"SOFT": ("S", "#e8002d"), "MEDIUM": ("M", "#ffd12e"), "HARD": ("H", "#f0f0f0"),
         "INTERMEDIATE": ("I", "#43b02a"), "WET": ("W", "#0067ad")}
BANNER = {"1": "#1b5e20", "2": "#c9a400", "4": "#e65100", "5": "#b71c1c", "6": "#e65100", "7": "#c9a400"}
_CSS = ("font-family:ui-monospace,Menlo,monospace;font-size:12px;background:#15151e;color:#eee;"
        "padding:6px;border-radius:6px;min-width:560px")


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def render_html(model: TowerModel) -> str:
    rows = model.rows()
    ts = model.track_status()
    lap, total = model.lap_count()
    head = _e(model.session_label() or "Live timing")
    if lap is not None:
        head += f" · Lap {lap}/{total if total is not None else '?'}"
    banner = (f'<div style="background:{BANNER.get(ts["status"], "#333")};padding:2px 6px;margin:4px 0">'
              f'{_e(ts["label"] or "—")}</div>')
    out = [f'<div style="{_CSS}"><div style="font-weight:bold">{head}</div>', banner,
           '<table style="border-collapse:collapse;width:100%">',
           "<tr style='color:#aaa'><th>P</th><th></th><th>Driver</th><th>Gap</th><th>Int</th><th>Last</th>"
           "<th>Best</th><th>S1</th><th>S2</th><th>S3</th><th>Tyre</th><th></th></tr>"]
    for r in rows:
        faded = "opacity:0.45;" if r["retired"] or r["stopped"] or r["knocked_out"] else ""
        letter, colour = TYRES.get(r["compound"].upper(), (r["compound"][:1] or "·", "#999"))
        age = "" if r["tyre_age"] is None else r["tyre_age"]
        flag = "OUT" if r["retired"] else ("PIT" if r["in_pit"] else ("STOP" if r["stopped"] else ""))
        sectors = "".join(f'<td style="color:{COLOURS[c]}">{_e(v)}</td>'
                          for v, c in zip(r["sectors"] + [""] * 3, (r["sector_colours"] + [""] * 3)[:3]))
        out.append(
            f'<tr style="{faded}"><td>{_e(r["position"])}</td>'
            f'<td style="background:{_e(r["team_colour"])};width:4px"></td>'
            f'<td><b>{_e(r["driver"])}</b></td><td>{_e(r["gap"])}</td><td>{_e(r["interval"])}</td>'
            f'<td style="color:{COLOURS[r["last_lap_colour"]]}">{_e(r["last_lap"])}</td><td>{_e(r["best_lap"])}</td>'
            f'{sectors}<td><span style="color:{colour}">{_e(letter)}</span> {_e(age)}</td><td>{flag}</td></tr>')
    out.append("</table>")
    for m in model.race_control(3):
        out.append(f'<div style="color:#ccc">{_e((m.get("Utc") or "")[11:19])} {_e(m.get("Message"))}</div>')
    out.append("</div>")
    return "".join(out)


class TowerWidget:
    """Owns an `ipywidgets.HTML`; `start()` a refresher thread, `stop()` it."""

    def __init__(self, model: TowerModel, max_fps: float = 4.0):
        import ipywidgets

        self.model = model
        self.view = ipywidgets.HTML(value=render_html(model))
        self.interval = 1.0 / max_fps
        self.renders = 0
        self._seen = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def refresh(self) -> bool:
        """Re-render if the model changed; True if the widget's value was replaced."""
        version = self.model.version
        if version == self._seen:
            return False
        self._seen = version
        text = render_html(self.model)
        if text == self.view.value:
            return False
        self.view.value = text
        self.renders += 1
        return True

    def start(self) -> TowerWidget:
        def loop():
            while not self._stop.wait(self.interval):
                self.refresh()

        self._thread = threading.Thread(target=loop, name="f1nb-tower", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)
        self.refresh()
