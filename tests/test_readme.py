"""The README's two commands are the ones CI runs, and they stay true."""

from __future__ import annotations

import re

from .conftest import REPO


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_has_the_two_commands_near_the_top():
    readme = (REPO / "README.md").read_text()
    assert readme.index("```bash") < 1000
    main, tests = _commands()
    assert main == "pip install -e . && f1nb demo"
    assert tests.startswith("pip install -e '.[test]' && python -m pytest")


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in ci
