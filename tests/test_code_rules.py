"""Rules of the code base: no private Hydra or OmegaConf modules, dependencies pointing down
(app -> analysis/calibration -> running -> model), no oversized analysis modules."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO

# The patterns of the grep for Hydra's internal package and OmegaConf's private modules,
# written so that this file does not match them itself.
PRIVATE = re.compile("_inter" "nal|omegaconf\\._")
LAYERS = ["model", "running", "analysis", "calibration", "app"]
ALLOWED = {"model": {"model", "data"}, "running": {"model", "running", "data"},
           "analysis": {"model", "running", "analysis", "data"},
           "calibration": {"model", "running", "analysis", "calibration", "data"},
           "app": set(LAYERS) | {"data"}}
"""Sub-packages of sim that each layer may import."""
EXCEPTIONS = {("sim/running/outputs.py", "sim.analysis.plots")}
"""A single run's overview plot, drawn when its files are written (imported only then)."""


def python_files(*folders: str):
    for folder in folders:
        yield from sorted((REPO / folder).rglob("*.py"))


def test_no_private_hydra_or_omegaconf_modules_anywhere():
    hits = [f"{path.relative_to(REPO)}:{n}: {line.strip()}"
            for path in python_files("sim", "tests", "benchmarks")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if PRIVATE.search(line)]
    assert hits == []
    assert not (REPO / "hydra_plugins").exists()


def _imported(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_dependencies_point_down():
    wrong = []
    for layer in LAYERS:
        for path in python_files(f"sim/{layer}"):
            for name in _imported(path):
                parts = name.split(".")
                where = str(path.relative_to(REPO))
                if parts[0] == "sim" and len(parts) > 1 and parts[1] in ALLOWED["app"] \
                        and parts[1] not in ALLOWED[layer] and (where, name) not in EXCEPTIONS:
                    wrong.append(f"{where} imports {name}")
    assert wrong == []


def test_analysis_modules_stay_small():
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines())
             for path in python_files("sim/analysis")}
    assert max(sizes.values()) <= 400, sizes
