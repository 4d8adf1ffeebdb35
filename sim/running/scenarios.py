"""The scenario library: the scenario files sim ships and those of a researcher's own folder.

A scenario is one YAML file, ``<name>.yaml``, that changes the history of conf/config.yaml
(levers, model parameters, the window) and says what it represents under ``scenario:``. The
files in the top-level scenarios/ folder (the ``sim.scenarios`` package) are always there; a
folder of one's own is added with the config key ``scenarios_dir``::

    sim scenarios_dir=~/my_scenarios scenario=talks_2027

A file that cannot be used — not valid YAML, empty, not a mapping, or whose
``scenario.name`` is not its file name — is kept out of the library with the reason, so the
other scenarios stay usable; selecting it gives that reason as a one-line
:class:`~sim.running.config.ConfigError` naming the file (and the line, for bad YAML).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from sim.running import scenario_checks
from sim.running.config import ConfigError

SCENARIOS_DIR_KEY = "scenarios_dir"
"""Config key naming a researcher's own folder of scenario files."""
BUILT_IN_PACKAGE = "sim.scenarios"


@dataclass(frozen=True)
class ScenarioFile:
    """One scenario file and whether it can be used."""

    name: str
    """The scenario's name: the file name without ``.yaml``."""
    path: Path
    node: dict | None
    """The file's content; None when it cannot be used."""
    problem: str = ""
    """Why the file cannot be used, naming the file (and line); empty when it can."""

    @property
    def usable(self) -> bool:
        return not self.problem


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is below it, else absolute."""
    try:
        return os.path.relpath(path) if Path.cwd() in path.parents else str(path)
    except (OSError, ValueError):
        return str(path)


def read_scenario(path: Path) -> ScenarioFile:
    """Read and check one scenario file; never raises for a bad file."""
    name = path.name.removesuffix(".yaml")
    where = _shown(path)
    try:
        node = scenario_checks.load(path.read_text(encoding="utf-8"))
    except scenario_checks.ScenarioFileError as exc:
        return ScenarioFile(name, path, None, f"{where} {exc}")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" line {mark.line + 1}" if mark is not None else ""
        what = " ".join(str(exc.problem or exc.context or "").split())
        return ScenarioFile(name, path, None, f"{where}{line}: not valid YAML ({what})")
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return ScenarioFile(name, path, None, f"{where}: cannot be read ({exc})")
    if node is None or node == {}:
        return ScenarioFile(name, path, None,
                            f"{where} is empty: a scenario file sets scenario.name: {name} "
                            "and the levers or parameters it changes")
    if not isinstance(node, dict):
        return ScenarioFile(name, path, None,
                            f"{where} holds a {type(node).__name__}, not a mapping of config keys")
    info = node.get("scenario")
    declared = info.get("name") if isinstance(info, dict) else None
    if declared != name:
        said = f"scenario.name: {declared!r}" if declared is not None else "no scenario.name"
        return ScenarioFile(name, path, None,
                            f"{where} sets {said}, but its file name says {name!r}; "
                            "they must be the same")
    problem = scenario_checks.content_problem(name, node)
    if problem:
        return ScenarioFile(name, path, None, f"{where}: {problem}")
    return ScenarioFile(name, path, node)


def _with_includes_checked(scenarios: dict[str, ScenarioFile]) -> dict[str, ScenarioFile]:
    """Mark unusable every scenario that builds on a missing or unusable one, or on itself
    through others (a cycle)."""
    def problem(name: str, trail: tuple[str, ...]) -> str:
        for other in scenario_checks.included(scenarios[name].node):
            if other in trail or other == name:
                return f"includes itself through {' -> '.join((*trail, name, other))}"
            if other not in scenarios:
                return f"builds on {other!r}, which is no scenario"
            if not scenarios[other].usable:
                return f"builds on {other!r}, which cannot be used"
            deeper = problem(other, (*trail, name))
            if deeper:
                return deeper
        return ""

    out = dict(scenarios)
    for name, scenario in scenarios.items():
        if scenario.usable:
            found = problem(name, ())
            if found:
                out[name] = ScenarioFile(name, scenario.path, None,
                                         f"{_shown(scenario.path)}: {found}")
    return out


def _files_in(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.name.endswith(".yaml") and p.is_file()),
                  key=lambda p: p.name)


def built_in_folder() -> Path:
    return Path(str(resources.files(BUILT_IN_PACKAGE)))


def check_scenarios_dir(folder: str) -> Path:
    """The folder named by ``scenarios_dir`` as a path; ConfigError if it is not a folder."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ConfigError(SCENARIOS_DIR_KEY, folder, "an existing folder of scenario files "
                          "(<name>.yaml)")
    return path.resolve()


@cache
def library(own_folder: str = "") -> dict[str, ScenarioFile]:
    """Every scenario file by name: the built-in ones, then those of ``own_folder``.

    A name that both hold is a problem of the researcher's file (it would silently replace
    the built-in scenario otherwise).
    """
    scenarios = {s.name: s for s in map(read_scenario, _files_in(built_in_folder()))}
    if own_folder:
        for scenario in map(read_scenario, _files_in(check_scenarios_dir(own_folder))):
            if scenario.name in scenarios:
                clash = (f"{_shown(scenario.path)}: the name {scenario.name!r} is taken by the "
                         f"built-in {_shown(scenarios[scenario.name].path)}; rename the file "
                         "and its scenario.name")
                scenario = ScenarioFile(scenario.name, scenario.path, None, clash)
            scenarios[scenario.name] = scenario
    return _with_includes_checked(scenarios)


def usable(own_folder: str = "") -> dict[str, ScenarioFile]:
    return {name: s for name, s in library(own_folder).items() if s.usable}


def check_scenario(name: str, own_folder: str = "") -> ScenarioFile:
    """The scenario called ``name``; ConfigError naming the file when it cannot be used."""
    scenario = library(own_folder).get(name)
    if scenario is None:
        raise ConfigError("scenario", name, f"one of {', '.join(usable(own_folder))}")
    if not scenario.usable:
        raise ConfigError("scenario", name, scenario.problem)
    return scenario


def check_all_scenarios(own_folder: str = "") -> None:
    """ConfigError for the first scenario file that cannot be used (for sweeps over all)."""
    for scenario in library(own_folder).values():
        if not scenario.usable:
            raise ConfigError("scenario", scenario.name, scenario.problem)


def scenarios_dir_in(overrides: list[str] | tuple[str, ...]) -> str:
    """The ``scenarios_dir=...`` value among command-line overrides ('' if none)."""
    found = ""
    for override in overrides:
        key, sep, value = override.partition("=")
        if sep and key.lstrip("+~") == SCENARIOS_DIR_KEY:
            found = value.strip("'\"")
    return found
