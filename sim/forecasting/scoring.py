"""Scores of a predictive sample against a reported figure: weighted quantiles
(:func:`sim.analysis.weighted.weighted_quantile`), central interval coverage and the
continuous ranked probability score (CRPS, by scoringrules)."""

from __future__ import annotations

import numpy as np

from sim.analysis.weighted import weighted_quantile

__all__ = ["LEVELS", "crps", "score", "weighted_quantile"]

LEVELS = (0.5, 0.8, 0.9, 0.95)
"""Central interval levels whose coverage is reported."""


def crps(values: np.ndarray, weights: np.ndarray | None, observed: float) -> float:
    """CRPS of the (weighted) sample for ``observed`` [the figure's unit; lower is better]."""
    import scoringrules

    values = np.asarray(values, dtype=float)
    w = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    return float(scoringrules.crps_ensemble(observed, values, ens_w=w))


def score(values: np.ndarray, weights: np.ndarray | None, observed: float) -> dict[str, float]:
    """Median, interval bounds, coverage at :data:`LEVELS`, CRPS, and the median's relative
    error of one predictive sample."""
    keep = ~np.isnan(values)
    values = np.asarray(values)[keep]
    weights = None if weights is None else np.asarray(weights)[keep]
    median = weighted_quantile(values, weights, 0.5)
    out = {"median": median, "crps": crps(values, weights, observed),
           "rel_error": (median - observed) / observed if observed else np.nan}
    for level in LEVELS:
        low = weighted_quantile(values, weights, (1 - level) / 2)
        high = weighted_quantile(values, weights, (1 + level) / 2)
        out[f"low_{level:g}"], out[f"high_{level:g}"] = low, high
        out[f"in_{level:g}"] = bool(low <= observed <= high)
    return out
