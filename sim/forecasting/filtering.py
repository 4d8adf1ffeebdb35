"""Conditioning a forecast on the present: weighting simulated histories by how well their
monitors' views match what the monitors reported in the year before the origin.

Every history runs from 1 January 2019 with parameters drawn from the origin's posterior, so
by the origin its militant stock, supply and tempo have drifted wherever that history's luck
took them. A forecast that used all histories alike would start from that spread, not from
the state the data imply. Each history gets the weight

    w = exp(-1/2 * sum_f ((log(1 + simulated_f) - log(1 + reported_f)) / sd_f) ** 2)

over the origin year's observable figures f (every monitor, annual and monthly; ``sd_f`` is
:data:`ANNUAL_LOG_SD` or :data:`MONTHLY_LOG_SD`), normalised *within the histories that share
a posterior draw*, so each parameter set keeps its posterior share and the filter chooses
among its histories only (a one-step particle filter: the data of the origin year are not
counted twice in the parameters).
"""

from __future__ import annotations

import numpy as np

ANNUAL_LOG_SD = 0.15
"""Kernel width for an annual figure [log units]: the calibration's tolerance for annual
fatalities (12-15%, ``conf/calibration/default.yaml``). The monitors' own disagreement and
incompleteness are already in the simulated views (:mod:`sim.model.observation`)."""
MONTHLY_LOG_SD = 0.35
"""Kernel width for a month [log units]: the scatter of PICSS's months around their year's
mean (0.35 pooled, 2021-2024; ``months_within_year`` in the results)."""


def log_discrepancy(simulated: np.ndarray, reported: np.ndarray, monthly: np.ndarray
                    ) -> np.ndarray:
    """Per history: the sum of squared standardised log errors over the figures.

    Args:
        simulated: ``[history, figure]`` simulated values (NaN: not covered; ignored).
        reported: ``[figure]`` reported values.
        monthly: ``[figure]`` True for a month, False for a year.
    """
    sd = np.where(monthly, MONTHLY_LOG_SD, ANNUAL_LOG_SD)
    z = (np.log1p(simulated) - np.log1p(reported)) / sd
    return np.nansum(z * z, axis=1)


def filter_weights(discrepancy: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Weights summing to 1: ``exp(-discrepancy / 2)`` normalised within each posterior draw
    (``draws[i]`` is the posterior row history ``i`` used), each draw keeping the share of
    histories it was given."""
    discrepancy = np.asarray(discrepancy, dtype=float)
    draws = np.asarray(draws)
    weights = np.zeros(len(discrepancy))
    for row in np.unique(draws):
        members = draws == row
        log_w = -0.5 * discrepancy[members]
        w = np.exp(log_w - log_w.max())
        weights[members] = w / w.sum() * members.sum()
    return weights / weights.sum()


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size, 1 / sum(w^2) for weights summing to 1."""
    weights = np.asarray(weights, dtype=float)
    weights = weights / weights.sum()
    return float(1.0 / np.sum(weights * weights))
