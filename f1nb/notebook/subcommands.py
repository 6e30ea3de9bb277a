"""`%f1` subcommands: the registry (`SUBCOMMANDS`, filled by `@subcommand`), their
argument parser, and the options several of them share. Imports neither IPython
nor the commands themselves (`magic_commands.py`), so both sides can import it.

    from f1nb.notebook.subcommands import subcommand

    @subcommand("live", "follow a live session", lambda p: p.add_argument("--topics", nargs="*"))
    def _live(magics, args, cell):
        ...                     # magics.session(args), magics.get_lake(), magics.shell.user_ns
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class MagicUsageError(Exception):
    """Wrong arguments: carries the usage text to print."""

    def __init__(self, usage: str, message: str):
        super().__init__(message)
        self.usage = usage
        self.message = message


class HelpShown(Exception):
    """`-h`: the help was printed; nothing to run."""


class MagicArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting (and prints help to stdout)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("exit_on_error", False)
        kwargs.setdefault("add_help", True)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise MagicUsageError(self.format_usage(), message)

    def exit(self, status=0, message=None):
        if message:
            raise MagicUsageError(self.format_usage(), message.strip())
        raise HelpShown()

    def print_help(self, file=None):
        print(self.format_help(), file=file or sys.stdout)

    def parse(self, argv: list[str]) -> argparse.Namespace:
        try:
            return self.parse_args(argv)
        except argparse.ArgumentError as exc:
            raise MagicUsageError(self.format_usage(), str(exc)) from None


@dataclass
class Subcommand:
    name: str
    help: str
    handler: Callable[[Any, Any, str | None], Any]  # (the F1Magics, parsed args or the raw line, the cell)
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
    raw: bool = False  # the handler gets the rest of the line as a string (no argparse)

    def parser(self) -> MagicArgumentParser:
        p = MagicArgumentParser(prog=f"%f1 {self.name}", description=self.help)
        if self.arguments is not None:
            self.arguments(p)
        return p


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] | None = None,
               raw: bool = False):
    """Register `%f1 NAME`: the handler is called as handler(magics, args, cell)."""

    def register(fn):
        SUBCOMMANDS[name] = Subcommand(name, help, fn, arguments, raw)
        return fn

    return register


def usage_text() -> str:
    width = max(len(n) for n in SUBCOMMANDS)
    lines = ["usage: %f1 COMMAND [options]   (%f1 COMMAND -h for a command's options)", "", "commands:"]
    lines += [f"  {n:<{width}}  {c.help}" for n, c in SUBCOMMANDS.items()]
    return "\n".join(lines)


def short_usage() -> str:
    return f"usage: %f1 {{{','.join(SUBCOMMANDS)}}} [options]   (%f1 help lists them)"


def session_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-s", "--session", metavar="VAR",
                   help="a Session variable of the notebook (default: the last one loaded)")


def style_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--style", choices=["light", "dark", "auto"],
                   help="plot style (default: the `style` setting, `%%f1 style`; auto follows the notebook theme)")


def first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "error"


__all__ = [
    "SUBCOMMANDS",
    "HelpShown",
    "MagicArgumentParser",
    "MagicUsageError",
    "Subcommand",
    "first_line",
    "session_arg",
    "short_usage",
    "style_arg",
    "subcommand",
    "usage_text",
]
