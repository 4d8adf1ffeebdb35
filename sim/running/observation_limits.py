"""What the observation model's parameters may be (``model.observation``, see
:class:`sim.model.params.ObservationParams`); :func:`sim.running.config.check_params` raises a
:class:`~sim.running.config.ConfigError` on the first problem found here."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from sim.model.params import MonitorParams, ObservationParams

_COMPLETENESS = (0.0, 1.0, True, "a completeness (share of events recorded) in (0, 1]")
OBSERVATION_LIMITS: dict[str, tuple[float, float, bool, str]] = {
    "completeness_frontier": _COMPLETENESS,
    "completeness_interior": _COMPLETENESS,
    "operations_share": (0.0, 1.0, False, "a share in [0, 1]"),
    "concentration": (0.0, 1e12, True, "a Beta concentration in (0, 1e12]: beyond that "
                                       "there is no randomness left to remove"),
    "claims_factor": (1.0, 5.0, False, "a claims factor in [1, 5] (claimed per militant killed)"),
    "fatalities_exponent": (0.0, 1.0, True, "an exponent in (0, 1]"),
    "claims_concentration": (0.0, 1e12, True, "a Gamma shape in (0, 1e12]"),
}
"""Parameter name -> lowest and highest allowed value, whether the lowest is excluded, and what
is allowed, as the error message says it."""


def observation_problem(observation: ObservationParams | MonitorParams,
                        prefix: str = "model.observation") -> tuple[str, Any, str] | None:
    """The first value outside :data:`OBSERVATION_LIMITS` (or not finite), as (key, value, what
    is allowed); None when every value is allowed."""
    for f in dataclasses.fields(observation):
        value, key = getattr(observation, f.name), f"{prefix}.{f.name}"
        if isinstance(value, MonitorParams):
            problem = observation_problem(value, key)
            if problem is not None:
                return problem
            continue
        if not math.isfinite(value):
            return key, value, "a finite number (not NaN or infinity)"
        low, high, low_open, allowed = OBSERVATION_LIMITS[f.name]
        if value > high or value < low or (low_open and value == low):
            return key, value, allowed
    return None
