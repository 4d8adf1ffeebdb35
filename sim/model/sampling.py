"""Exact random draws that cost one draw per event rather than one per cell (compiled).

Most cells do nothing on most days: a cell's daily Poisson count of recruits, attacks or
operations against it is usually 0, and its daily chance to move is a few percent. Drawing
one number per cell per day would make a run cost as much as its cells times its days. The
two samplers here give exactly the distribution of the per-cell draws while drawing only
about one number per event:

* :func:`poisson_points`: independent Poisson counts with given means are the numbers of
  points of one unit-rate Poisson process that fall into consecutive segments whose lengths
  are the means. The gaps between points are standard exponential draws. A rule passes the
  running sums of its means, which it computes in the same loop as the means.
* :func:`bernoulli_gap`: in a row of independent trials that each succeed with chance ``p``,
  the number of trials up to and including the next success is geometric (one exponential
  draw). A cell whose
  uniform draw ``u`` decides what it does (``u < p_i``) can only act when ``u < p``, for any
  ``p >= p_i``; the cells with ``u < p`` are found by geometric gaps, and their ``u`` is
  uniform on ``[0, p)``.

numba's cache does not notice when a function called from another module changes: the day
loop's cache key includes this module's source (see :mod:`sim.model.kernel`).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def poisson_points(rng: np.random.Generator, cumulative: np.ndarray, n: int, rows: np.ndarray,
                   counts: np.ndarray) -> int:
    """Independent Poisson counts for rows ``0..n-1``, listed where they are not 0.

    ``cumulative[i]`` is the sum of the means of rows ``0..i`` (row ``i``'s segment of the
    process is ``[cumulative[i-1], cumulative[i])``). Writes the rows with a count of at
    least 1 to ``rows[:k]`` (in increasing order) and their counts to ``counts[:k]``, and
    returns ``k``. Draws ``total count + 1`` standard exponentials from ``rng``.
    """
    k = 0
    if n == 0:
        return k
    row = 0
    point = rng.standard_exponential()
    while point < cumulative[n - 1]:
        row = first_reaching(cumulative, row, point)
        hits = 0
        while point < cumulative[row]:
            hits += 1
            point += rng.standard_exponential()
        rows[k] = row
        counts[k] = hits
        k += 1
        row += 1
    return k


@numba.njit(cache=True)
def first_reaching(cumulative: np.ndarray, row: int, point: float) -> int:
    """The first row from ``row`` on whose running sum exceeds ``point`` (which is below the
    last running sum).

    A loop of its own, without draws: the search then keeps its values in registers.
    """
    while cumulative[row] <= point:
        row += 1
    return row


@numba.njit(cache=True)
def bernoulli_gap(rng: np.random.Generator, hazard: float) -> int:
    """Trials up to and including the next success, each succeeding with chance
    ``p = 1 - exp(-hazard)`` (so ``hazard = -log(1 - p)``; 0 means no success, ``inf`` every trial).

    Geometric, drawn as ``1 + floor(E / hazard)`` with ``E`` standard exponential:
    ``P(gap > k) = P(E >= k * hazard) = (1 - p)^k``.
    """
    if hazard <= 0.0:
        return np.iinfo(np.int64).max // 2
    return 1 + int(rng.standard_exponential() / hazard)
