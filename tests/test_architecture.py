"""The package's layout is its architecture: parts import downwards only, with no cycles.

    app  ->  forecasting  ->  calibration  ->  analysis  ->  running  ->  model, data

``model`` knows nothing of Hydra, files or processes; no module is longer than MAX_LINES; no
module imports a framework's private modules (Hydra's or OmegaConf's ``_``-prefixed ones).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sim"
MAX_LINES = 400
LAYER = {"data": 0, "model": 0, "running": 1, "analysis": 2, "calibration": 3,
         "forecasting": 4, "app": 5}
"""Each part may import parts of a lower layer, and itself."""
MODEL_MAY_NOT_IMPORT = ("hydra", "omegaconf", "multiprocessing", "concurrent", "subprocess",
                        "pathlib", "os", "shutil", "tempfile")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, name: str) -> set[str]:
    """Absolute names of every module ``path`` imports (at any depth of the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return out


def part_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sim" and parts[1] in LAYER else None


MODULES = modules()
GRAPH = {name: {m for m in imports_of(path, name) if m in MODULES and m != name}
         for name, path in MODULES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_downwards(name):
    mine = part_of(name)
    if mine is None:
        return
    for target in GRAPH[name]:
        theirs = part_of(target)
        if theirs is None or theirs == mine:
            continue
        assert LAYER[theirs] < LAYER[mine], f"{name} imports {target}: {mine} -> {theirs}"


def test_no_import_cycles():
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt] if nxt in stack else [node, nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])


def test_the_model_knows_nothing_of_hydra_files_or_processes():
    for name, path in MODULES.items():
        if part_of(name) != "model":
            continue
        for imported in imports_of(path, name):
            top = imported.split(".")[0]
            assert top not in MODEL_MAY_NOT_IMPORT, f"{name} imports {imported}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_are_short(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"


def test_no_private_framework_modules_are_imported():
    roots = [PACKAGE, PACKAGE.parent / "tests", PACKAGE.parent / "benchmarks"]
    for root in roots:
        for path in root.rglob("*.py"):
            for imported in imports_of(path, "x.y"):
                parts = imported.split(".")
                if parts[0] in ("hydra", "omegaconf", "mesa"):
                    private = [p for p in parts[1:] if p.startswith("_")]
                    assert not private, f"{path.relative_to(root.parent)} imports {imported}"


def test_no_private_hydra_or_omegaconf_module_is_named_anywhere():
    """The text grep as well as the imports: no internal module of Hydra or private one of
    OmegaConf, not even in a string, and no launcher plugin of our own."""
    private = re.compile("_inter" "nal|omegaconf\\._")  # split so this file does not match
    repo = PACKAGE.parent
    hits = [f"{path.relative_to(repo)}:{n}: {line.strip()}"
            for folder in ("sim", "tests", "benchmarks")
            for path in sorted((repo / folder).rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if private.search(line)]
    assert hits == []
    assert not (repo / "hydra_plugins").exists()


def test_every_part_of_the_package_has_a_layer():
    parts = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert parts - {"conf", "scenarios"} <= set(LAYER), parts - set(LAYER)
