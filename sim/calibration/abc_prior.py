"""The ABC-SMC prior cut to the calibration coordinates' feasible set
(:mod:`sim.calibration.coordinates`). Imports pyabc: loaded only when ABC runs."""

from __future__ import annotations

import pyabc

from sim.calibration import coordinates

MAX_TRIES = 10_000
"""Prior draws tried for one feasible draw before giving up (the feasible set is most of the
box for the committed ranges, so a handful suffice)."""


class FeasiblePrior(pyabc.Distribution):
    """Independent uniform (or log-uniform) priors, with zero density where the growth
    coordinates would give negative base or sanctuary recruitment. pyabc proposes only where
    the prior density is positive, so no infeasible particle is simulated; the density inside
    is the box's (the missing normalising constant is the same for every particle and does
    not change ABC-SMC's weights)."""

    def __init__(self, base: dict, **random_variables):
        super().__init__(**random_variables)
        self.base = base

    def rvs(self, *args, **kwargs) -> pyabc.Parameter:
        for _ in range(MAX_TRIES):
            draw = super().rvs(*args, **kwargs)
            if coordinates.feasible(dict(draw), self.base):
                return draw
        raise RuntimeError("calibration.parameters: no feasible draw of the growth coordinates "
                           f"in {MAX_TRIES} tries; widen their ranges")

    def pdf(self, x) -> float:
        if not coordinates.feasible(dict(x), self.base):
            return 0.0
        return super().pdf(x)

    def copy(self) -> FeasiblePrior:
        return FeasiblePrior(self.base, **{key: rv.copy() for key, rv in self.items()})
