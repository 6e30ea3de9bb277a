"""Issue 15's structure, kept: an import graph without cycles or upward arrows, every
model listed where the engine collects it, one lake protocol, one way in (`ingest`)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from f1nb.demo import DemoConfig
from f1nb.ingest import Demo, IngestReport, ingest
from f1nb.lake.lake import Lake

ROOT = Path(__file__).resolve().parents[1]
SMALL = DemoConfig(drivers=4, race_laps=4, quali_minutes=(4.0, 3.0, 2.0), telemetry=False)


def test_import_graph_has_no_cycles_and_points_down():
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "import_cycles.py")], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stdout


def _declared(layer: str) -> set[str]:
    """Names of the models declared with @model in a layer's modules (read as source, not imported)."""
    names = set()
    for path in (ROOT / "f1nb" / layer).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for d in node.decorator_list:
                    if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "model":
                        names.add(d.args[0].value)
    return names


@pytest.mark.parametrize("layer", ["silver", "gold"])
def test_every_declared_model_is_listed_in_its_layers_models(layer):
    import importlib

    listed = {m.name for m in importlib.import_module(f"f1nb.{layer}").MODELS}
    assert listed == _declared(layer), f"add the model to MODELS in f1nb/{layer}/__init__.py"


def test_both_lakes_follow_the_lake_protocol(tmp_path):
    from f1nb.engine.lake_api import LakeAPI
    from f1nb.engine.spark import SparkLake

    assert issubclass(SparkLake, LakeAPI)
    with Lake(tmp_path / "lake.duckdb") as lake:
        assert isinstance(lake, LakeAPI)
    with pytest.raises(duckdb.ConnectionException):  # closed by the protocol's __exit__
        lake.raw.execute("SELECT 1")


def test_ingest_loads_then_builds_once_and_skips_what_it_holds(tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake:
        first = ingest(Demo(SMALL, tmp_path / "tree", skip_loaded=True, progress=False), lake)
        assert isinstance(first, IngestReport) and len(first.loads) == 2
        assert sorted(first.session_keys) == lake.session_keys()
        assert first.built is not None and first.built.rows["gold.results"] > 0
        again = ingest(Demo(SMALL, tmp_path / "tree", skip_loaded=True, progress=False), lake)
        assert again.loads == [] and again.built is None  # same files, already built: nothing to do
        steps = []
        only_bronze = ingest(Demo(SMALL, tmp_path / "tree", progress=False), lake, build=False,
                             report=lambda done, text: steps.append(done))
        assert only_bronze.built is None and len(only_bronze.loads) == 2
        assert steps == sorted(steps) and steps[-1] <= 1.0


def test_ingest_names_what_it_cannot_load(tmp_path):
    with Lake(tmp_path / "lake.duckdb") as lake, pytest.raises(TypeError, match="ArchiveSession"):
        ingest("2024 Monaco R", lake)
