"""The built-in demo season: a fictional championship written as a byte-faithful F1 archive tree.

    from f1nb.demo import DemoConfig, write_demo_archive
    write_demo_archive(Path("demo-archive"), DemoConfig(rounds=1))
"""

from .config import DEMO_YEAR, DemoConfig, SessionPaths, demo_session_path
from .writer import write_demo_archive

__all__ = ["DEMO_YEAR", "DemoConfig", "SessionPaths", "demo_session_path", "write_demo_archive"]
