"""Arms of a sweep and the baseline each one is compared with.

An *arm* is a scenario with one set of sweep-parameter values (e.g. ``as_happened`` with
``leakage=0.5``); its runs differ only in their seed. A job folder of a sweep is either a whole
arm (an ensemble: ``ensemble.size > 1``) or one seed of an arm (a single run); job folders with
the same scenario and parameters form one arm either way. The *baseline* arm is the one the
others are compared with, seed by seed (by default ``scenario=as_happened``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from sim.running.sweep import Run, parse_overrides, same_value

DEFAULT_BASELINE = ("scenario=as_happened",)


@dataclass
class Arm:
    """A scenario with one set of sweep-parameter values; its runs differ only by seed."""

    scenario: str
    params: dict[str, str]
    label: str
    runs: list[str] = field(default_factory=list)
    """Names of its finished job folders."""
    baseline: Arm | None = None
    """The arm it is compared with (None for a baseline arm, or when there is none)."""
    is_baseline: bool = False

    @property
    def slug(self) -> str:
        """The label as a file-name fragment."""
        return re.sub(r"[^A-Za-z0-9.]+", "_", self.label).strip("_")


def _short_names(parameters: list[str]) -> dict[str, str]:
    """Shortest unique dotted suffix of each parameter key (``...closure_2025.leakage`` ->
    ``leakage``)."""
    names = {}
    for key in parameters:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            name = ".".join(parts[-n:])
            if sum(k.split(".")[-n:] == parts[-n:] for k in parameters) == 1:
                break
        names[key] = name
    return names


def make_arms(runs: list[Run], parameters: list[str]) -> dict[tuple, Arm]:
    """Arms of the finished job folders, keyed by (scenario, parameter values...)."""
    short = _short_names(parameters)
    arms: dict[tuple, Arm] = {}
    for run in runs:
        if run.status != "finished":
            continue
        values = tuple(run.overrides.get(k) for k in parameters)
        key = (run.scenario, *values)
        if key not in arms:
            params = dict(zip(parameters, values, strict=True))
            label = " ".join([str(run.scenario)] + [f"{short[k]}={v}" for k, v in params.items()])
            arms[key] = Arm(scenario=str(run.scenario), params=params, label=label)
        arms[key].runs.append(run.name)
    return arms


def matches(arm: Arm, baseline: list[str], constant: dict[str, str]) -> bool:
    """Whether an arm is (one of) the baseline: every ``key=value`` of ``baseline`` holds."""
    for key, value in parse_overrides(baseline).items():
        if key == "scenario":
            if arm.scenario != value:
                return False
        elif key in arm.params:
            if not same_value(arm.params[key], value):
                return False
        elif key not in constant or not same_value(constant[key], value):
            return False
    return True


def pair_arms(arms: list[Arm], baseline: list[str], constant: dict[str, str]) -> None:
    """Mark the baseline arms and give every other arm the baseline arm it is compared with:
    the one that agrees with it on the most sweep parameters (first such in job order)."""
    bases = [arm for arm in arms if matches(arm, baseline, constant)]
    for arm in bases:
        arm.is_baseline = True
    for arm in arms:
        if arm.is_baseline or not bases:
            continue
        agree = [sum(same_value(b.params.get(k), v) for k, v in arm.params.items())
                 for b in bases]
        arm.baseline = bases[int(np.argmax(agree))]
