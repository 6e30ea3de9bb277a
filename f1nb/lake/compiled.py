"""The models' SQL, compiled once and reused.

Compiling an Ibis expression to SQL costs more than running it (about 5 s for
all models on this machine, against 2 s of DuckDB work for a race). A model's
SQL does not depend on which sessions are being built: a build reads each
input through a temporary view (`_in_<layer>_<table>`) that it points at the
sessions in hand. So each model is compiled once per version of f1nb's model
code and of ibis/sqlglot, kept in memory for the process and on disk under
the data directory (`compiled/<fingerprint>.json`), so a new process reuses it.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import ibis
import orjson

from .. import config
from ..fileio import atomic_write
from .models import registry

_SOURCES = ("silver", "gold", "bronze/schema.py", "lake/models.py", "lake/compiled.py")


def input_view(full: str) -> str:
    """The temporary view a build reads `layer.table` through."""
    layer, name = full.split(".")
    return f"_in_{layer}_{name}"


@functools.lru_cache(maxsize=1)
def fingerprint() -> str:
    """Changes whenever a model's code, ibis or sqlglot changes."""
    import sqlglot

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{ibis.__version__} {sqlglot.__version__}".encode())
    for part in _SOURCES:
        path = root / part
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _declared_schema(full: str) -> ibis.Schema:
    from ..bronze.schema import TABLES

    models = registry()
    if full in models:
        return models[full].schema
    layer, name = full.split(".")
    return ibis.Schema.from_pyarrow(TABLES[name])


def _cache_file() -> Path:
    return config.data_dir() / "compiled" / f"{fingerprint()}.json"


@functools.lru_cache(maxsize=1)
def _disk() -> dict[str, str]:
    try:
        return orjson.loads(_cache_file().read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}


def _save(sqls: dict[str, str]) -> None:
    try:
        atomic_write(_cache_file(), orjson.dumps(sqls))
    except OSError:
        pass  # a read-only data directory only costs the compile time next process


@functools.lru_cache(maxsize=None)
def model_sql(name: str) -> str:
    """DuckDB SQL of a model over its input views."""
    cached = _disk().get(name)
    if cached is not None:
        return cached
    m = registry()[name]
    inputs = {full: ibis.table(_declared_schema(full), name=input_view(full)) for full in m.inputs}
    sql = ibis.to_sql(m.build(inputs), dialect="duckdb")
    _disk()[name] = sql
    _save(_disk())
    return sql
