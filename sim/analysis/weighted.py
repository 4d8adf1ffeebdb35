"""Quantiles of a weighted sample (posterior particles, filtered histories)."""

from __future__ import annotations

import numpy as np


def weighted_quantile(values, weights, q: float) -> float:
    """The smallest value whose cumulative weight reaches ``q`` (equal weights if None)."""
    values = np.asarray(values, dtype=float)
    weights = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])
