"""The widgets' status lines and figure output, shared by the picker and the explorers."""

from __future__ import annotations

import html

import ipywidgets as widgets

from ..errors import F1nbError


def error_html(exc: BaseException | str) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, (str, F1nbError)):
        text = f"{type(exc).__name__}: {text}"
    return f"<span style='color:#c62828'>⚠ {html.escape(text)}</span>"


def ok_html(text: str) -> str:
    return f"<span style='color:#2e7d32'>✓ {html.escape(text)}</span>"


def info_html(text: str) -> str:
    return f"<span style='color:#666'>{html.escape(text)}</span>"


def figure_output(out: widgets.Output, fig) -> None:
    from IPython.display import Image

    from ..plots.common import figure_png
    from ..plots.theme import ThemedFigure, has_dark

    out.outputs = ()
    out.append_display_data(ThemedFigure(fig) if has_dark(fig) else Image(data=figure_png(fig), format="png"))
