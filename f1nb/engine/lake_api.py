"""What every lake offers, whatever engine holds it: the DuckDB `Lake` (f1nb.lake.lake)
and the Parquet lake on Spark (`SparkLake`, engine/spark.py).

A `typing.Protocol`: code that only reads and builds (a notebook, a benchmark) can take
either lake. Both subclass it explicitly and so share its lifecycle code (`with lake:`
closes it). It lives in the engine, below both: the engine never imports `f1nb.lake`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class LakeAPI(Protocol):
    def close(self) -> None:
        """Release the lake's connection or session."""
        ...

    def table(self, name: str, layer: str | None = None):
        """The Ibis table `layer.name` (or a unique bare name)."""
        ...

    def table_names(self, layer: str) -> list[str]:
        ...

    def session_keys(self) -> list[int]:
        ...

    def sql(self, query: str):
        """A query on the lake, as Arrow."""
        ...

    def build(self, session_keys: list[int] | None = None, layers=("silver", "gold")):
        """Build Silver and Gold for `session_keys` (every session when None); a BuildReport."""
        ...

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
