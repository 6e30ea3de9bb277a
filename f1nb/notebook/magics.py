"""IPython magics: `%f1 ...` line commands and `%%f1 sql` cells.

    %load_ext f1nb
    %f1 load 2024 Monaco Race --as monaco      # loads, builds, binds `monaco`, shows its card
    %f1 laps VER LEC
    %%f1 sql fast <<
    SELECT * FROM gold.results WHERE position <= 3

Subcommands live in `SUBCOMMANDS` (name -> `Subcommand`, notebook/subcommands.py).
Adding one takes a few lines, anywhere:

    from f1nb.notebook.subcommands import subcommand

    @subcommand("live", "follow a live session", lambda p: p.add_argument("--topics", nargs="*"))
    def _live(magics, args, cell):
        ...                     # magics.session(args), magics.get_lake(), magics.shell.user_ns

Wrong arguments print the usage and one error line; f1nb errors print one
line; nothing prints a traceback or a token.
"""

from __future__ import annotations

import shlex

from IPython.core.magic import Magics, line_cell_magic, magics_class
from traitlets import Enum, Unicode

from ..errors import F1nbError, warnings_as_lines
from .subcommands import (  # noqa: F401  (SUBCOMMANDS and subcommand: the documented way in)
    SUBCOMMANDS,
    HelpShown,
    MagicUsageError,
    first_line,
    short_usage,
    subcommand,
    usage_text,
)

# ------------------------------------------------------------------ errors


class F1CellError(Exception):
    """A `%f1` command that failed. It fails its cell, so Run All stops there, and
    IPython shows its text (`_render_traceback_`) instead of a traceback."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def _render_traceback_(self) -> list[str]:
        return self.text.splitlines()


# ------------------------------------------------------------------ the magics


@magics_class
class F1Magics(Magics):
    """`%f1` / `%%f1`. Settings (`%config F1Magics.style = 'dark'`): lake, archive_url, style."""

    lake = Unicode("", help="The lake: a DuckDB path or duckdb:///path ('' = $F1NB_LAKE or the default)."
                   ).tag(config=True)
    archive_url = Unicode("", help="Archive base URL ('' = $F1NB_ARCHIVE_URL or F1's).").tag(config=True)
    style = Enum(["light", "dark", "auto"], "auto", help="Plot style; auto follows the notebook's theme."
                 ).tag(config=True)

    def __init__(self, shell=None, **kwargs):
        super().__init__(shell=shell, **kwargs)
        self._lake = None
        self.current = None  # the last Session loaded through the magics

    # -- state -------------------------------------------------------------------
    def get_lake(self):
        if self._lake is None:
            from ..lake.lake import Lake

            self._lake = Lake(self.lake or None)
        return self._lake

    def set_lake(self, target: str) -> None:
        from ..lake.lake import Lake

        new = Lake(target)
        # the old lake stays open: Sessions bound in the notebook still read from it
        self._lake = new
        self.lake = target
        if self.current is not None and self.current.lake is not new:
            self.current = None

    def session(self, args=None):
        """The Session a command works on: `--session VAR` or the last one loaded."""
        from ..session import Session

        name = getattr(args, "session", None) if args is not None else None
        if name:
            value = self.shell.user_ns.get(name)
            if not isinstance(value, Session):
                raise F1nbError(f"{name!r} is not a Session in this notebook")
            return value
        if self.current is None:
            raise F1nbError("no session yet: `%f1 load 2024 Monaco Race`, `%f1 demo`, or pass --session VAR")
        return self.current

    def bind(self, session, name: str | None) -> None:
        self.current = session
        self.shell.user_ns[name or "session"] = session

    def archive_url_or_default(self) -> str | None:
        """The `archive_url` setting, or None for $F1NB_ARCHIVE_URL / F1's archive."""
        return self.archive_url or None

    def show(self, obj) -> None:
        from IPython.display import display

        display(obj)

    def show_figure(self, fig) -> None:
        """Display a Figure: an "auto"-style one as both themes (the notebook's shown), else through
        the notebook's own PNG formatter when there is one, else as an Image."""
        from IPython.display import Image, display

        from ..plots.theme import ThemedFigure, has_dark

        if has_dark(fig):
            display(ThemedFigure(fig))
            return
        fmt = self.shell.display_formatter.formatters.get("image/png") if self.shell else None
        try:
            has = fmt is not None and fmt.lookup(fig) is not None
        except KeyError:
            has = False
        if has:
            display(fig)
        else:
            from ..plots.common import figure_png

            display(Image(data=figure_png(fig), format="png"))

    # -- entry point ---------------------------------------------------------------
    @line_cell_magic
    def f1(self, line: str = "", cell: str | None = None):
        """%f1 COMMAND [options] — `%f1 help` lists the commands."""
        try:
            with warnings_as_lines("f1"):
                return self.run(line, cell)
        except HelpShown:
            return None
        except MagicUsageError as exc:
            raise F1CellError(f"{exc.usage.rstrip()}\n{first_line(exc.message)}") from None
        except F1nbError as exc:
            from ..errors import DownloadError

            hint = ("; in a notebook: `%config F1Magics.archive_url = 'URL'`, or `%f1 demo` works offline"
                    if isinstance(exc, DownloadError) else "")
            raise F1CellError(f"f1: {first_line(str(exc))}{hint}") from None
        except KeyError as exc:
            raise F1CellError(f"f1: {first_line(str(exc.args[0]) if exc.args else str(exc))}") from None
        except Exception as exc:  # network and OS errors: what failed and what to try, no traceback
            raise F1CellError(_network_message(exc, self)) from None

    def run(self, line: str, cell: str | None):
        line = line.strip()
        if not line or line in ("help", "-h", "--help"):
            print(usage_text())
            return None
        name, _, rest = line.partition(" ")
        command = SUBCOMMANDS.get(name)
        if command is None:
            import difflib

            close = difflib.get_close_matches(name, SUBCOMMANDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise MagicUsageError(short_usage(), f"f1: unknown command {name!r}{hint}")
        if command.raw:
            return command.handler(self, rest.strip(), cell)
        try:
            argv = shlex.split(rest)
        except ValueError as exc:
            raise MagicUsageError(command.parser().format_usage(), f"%f1 {name}: {exc}") from None
        args = command.parser().parse(argv)
        return command.handler(self, args, cell)


def _network_message(exc: Exception, magics: F1Magics) -> str:
    import httpx

    from .. import config

    url = config.archive_url(magics.archive_url or None)
    if isinstance(exc, (httpx.HTTPError, ConnectionError, TimeoutError)):
        return (f"f1: could not reach the archive at {url} ({type(exc).__name__}: {first_line(str(exc))}). "
                "Check the network, set another archive with `%config F1Magics.archive_url = '...'`, "
                "or try `%f1 demo` (offline).")
    return f"f1: {type(exc).__name__}: {first_line(str(exc))}"


def load_ipython_extension(ipython) -> None:
    """`%load_ext f1nb`: register the magics (once) and the display of f1nb's tables.
    The display is registered by the DataFrame's name, so pandas is imported by the first
    frame shown, not by %load_ext (a second on a cold kernel)."""
    ipython.register_magics(F1Magics)
    ipython.display_formatter.formatters["text/html"].for_type_by_name("pandas.core.frame", "DataFrame",
                                                                       _frame_html)


def _frame_html(df):
    from ..display.views import html_for_frame

    return html_for_frame(df)


from . import magic_commands  # noqa: E402,F401  (registers the subcommands)
