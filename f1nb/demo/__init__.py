"""The built-in demo season: a fictional championship written as a byte-faithful F1 archive tree.

    from f1nb.demo import DemoConfig, write_demo_archive
    write_demo_archive(Path("demo-archive"), DemoConfig(rounds=1))
"""

from .config import DEMO_YEAR, DemoConfig, SessionPaths, demo_session_path

__all__ = ["DEMO_YEAR", "DemoConfig", "SessionPaths", "demo_session_path", "write_demo_archive"]


def __getattr__(name: str):
    # the writer (numpy, the simulation) loads on first use: `f1nb demo` on a lake that
    # already holds the demo never generates, and so never pays for it
    if name == "write_demo_archive":
        from .writer import write_demo_archive

        return write_demo_archive
    raise AttributeError(f"module 'f1nb.demo' has no attribute {name!r}")
