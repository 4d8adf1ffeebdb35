"""The adaptive ABC distance: each target's error in units of its spread over the last
generation (imports pyabc's :class:`~pyabc.distance.Distance`, so it is loaded only when ABC
runs; :func:`sim.calibration.abc.distance_for` picks it)."""

from __future__ import annotations

import logging
import math

import numpy as np
from pyabc.distance import Distance

from sim.calibration.targets import Target

log = logging.getLogger("sim.calibrate")

ERROR_CAP = 10.0
"""A target's error counts at most this many tolerances (the loss's cap of 100 on its square):
one wild history (no peak, a month with no attacks) cannot swamp the rest."""


def target_errors(stats: dict, targets: list[Target]) -> np.ndarray:
    """Each target's signed error in tolerance units, capped at +-:data:`ERROR_CAP` (NaN:
    the cap)."""
    errors = np.array([t.error(stats) for t in targets], dtype=float)
    return np.clip(np.nan_to_num(errors, nan=ERROR_CAP), -ERROR_CAP, ERROR_CAP)


def error_matrix(all_stats: list[dict], targets: list[Target]) -> np.ndarray:
    """:func:`target_errors` of many histories at once, ``[history, target]`` (the relative
    and absolute targets computed as arrays; the others one history at a time)."""
    errors = np.empty((len(all_stats), len(targets)))
    for j, t in enumerate(targets):
        values = np.array([stats.get(t.name, math.nan) for stats in all_stats], dtype=float)
        if t.kind == "relative":
            errors[:, j] = (values - t.reported) / (t.tolerance * t.reported)
        elif t.kind == "absolute":
            errors[:, j] = (values - t.reported) / t.tolerance
        else:
            errors[:, j] = [t.error(stats) for stats in all_stats]
    return np.clip(np.nan_to_num(errors, nan=ERROR_CAP), -ERROR_CAP, ERROR_CAP)


class ScaledTargetDistance(Distance):
    """pyabc's adaptive distance: ``sqrt(sum(weight * (error / scale) ** 2))`` where a
    target's ``scale`` is the larger of its tolerance (1) and the spread of its errors over
    the last generation's simulations, all of them, accepted or not (median absolute
    deviation x 1.4826, the standard deviation of a normal).

    One history is noisy, and some targets far more than others: a month-on-month change in
    attacks varies by several tolerances between seeds of the same parameters, an annual
    total by a fraction of one. With the plain loss those noisy targets dominate the distance
    and the threshold stalls above what any parameter set can reach (Prangle 2017, "Adapting
    the ABC distance function", Bayesian Analysis 12). Scaling by the spread counts each
    target by how far it is from the figure relative to how much one history varies; the
    floor at the tolerance keeps a target from counting more than in the calibration loss.
    """

    def __init__(self, targets: list[Target]):
        self.targets = targets
        self.scales = np.ones(len(targets))
        self.weights = np.array([t.weight for t in targets], dtype=float)

    # --- pyabc's Distance interface ---
    def requires_calibration(self) -> bool:
        return True

    def is_adaptive(self) -> bool:
        return True

    def configure_sampler(self, sampler) -> None:
        sampler.sample_factory.record_rejected()  # the spread of all simulations, not the best

    def initialize(self, t, get_sample, x_0, total_sims) -> None:
        self.fit(get_sample().all_sum_stats)

    def update(self, t, get_sample, total_sims) -> bool:
        self.fit(get_sample().all_sum_stats)
        return True

    def get_config(self) -> dict:
        return {"name": type(self).__name__,
                "scales": dict(zip([t.name for t in self.targets], self.scales.tolist(),
                                   strict=True))}

    def fit(self, all_stats: list[dict]) -> None:
        """Scales from the errors of ``all_stats`` (one dict per simulation)."""
        self.fit_errors(error_matrix(all_stats, self.targets))
        log.info("ABC scales: %s", {t.name: round(float(s), 2)
                                    for t, s in zip(self.targets, self.scales, strict=True)})

    def fit_errors(self, errors: np.ndarray) -> None:
        """Scales from the errors ``[simulation, target]`` of a generation's simulations."""
        median = np.median(errors, axis=0)
        spread = 1.4826 * np.median(np.abs(errors - median), axis=0)
        self.scales = np.maximum(spread, 1.0)

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None
                 ) -> float:
        z = target_errors(x, self.targets) / self.scales
        return float(math.sqrt(np.sum(self.weights * z * z)))
