"""Plots that follow the notebook's theme. With style "auto" (the default) a plot
function returns its light figure and keeps a way to draw the dark one; in a
notebook the figure is shown as both PNGs, and CSS keyed on JupyterLab's
`data-jp-theme-light` (or VS Code's `vscode-dark`) shows the one that matches.
Elsewhere (a saved file, a frontend without HTML) it is the light figure."""

from __future__ import annotations

import base64
import html

AUTO = "auto"
_CSS = ("<style>.f1nb-fig-dark{display:none}"
        "body[data-jp-theme-light='false'] .f1nb-fig-light,body.vscode-dark .f1nb-fig-light{display:none}"
        "body[data-jp-theme-light='false'] .f1nb-fig-dark,body.vscode-dark .f1nb-fig-dark{display:inline-block}"
        "</style>")


def has_dark(fig) -> bool:
    return callable(getattr(fig, "f1nb_dark", None))


def describe(fig) -> str:
    """A figure in words, for the image's alt text: titles, axis labels and legend entries."""
    parts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) else []
    for ax in fig.axes:
        bits = [ax.get_title()] + [f"{k}: {v}" for k, v in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())) if v]
        legend = ax.get_legend()
        if legend is not None:
            bits.append("legend: " + ", ".join(t.get_text() for t in legend.get_texts()))
        parts.append("; ".join(b for b in bits if b))
    return ". ".join(p for p in parts if p)


def _img(fig, css_class: str) -> str:
    from .common import figure_png

    data = base64.b64encode(figure_png(fig)).decode("ascii")
    alt = html.escape(describe(fig), quote=True)
    return f"<img class='{css_class}' alt='{alt}' src='data:image/png;base64,{data}'/>"


def themed_html(fig) -> str | None:
    """Both renderings of an "auto" figure, the theme's one visible; None for a one-style figure."""
    if not has_dark(fig):
        return None
    return f"{_CSS}<div class='f1nb-themed'>{_img(fig, 'f1nb-fig-light')}{_img(fig.f1nb_dark(), 'f1nb-fig-dark')}</div>"


class ThemedFigure:
    """An "auto" figure for display: HTML with both themes, and the light PNG for frontends
    that show no HTML."""

    def __init__(self, fig):
        self.fig = fig

    def _repr_mimebundle_(self, include=None, exclude=None):
        from .common import figure_png

        bundle = {"image/png": base64.b64encode(figure_png(self.fig)).decode("ascii")}
        themed = themed_html(self.fig)
        if themed is not None:
            bundle["text/html"] = themed
        return bundle
