"""Random streams: one seed per run, split by purpose (common random numbers).

Every draw in a run comes from one of these generators. Each purpose has its own stream, so
a scenario and its baseline with the same seed draw identical numbers until the first day on
which their states differ, and a change to one mechanism does not shift another's draws. A new
stream is added at the end: ``SeedSequence.spawn`` gives the n-th child the same seed however
many follow it, so the other streams' draws stay the same.
"""

from __future__ import annotations

import numpy as np

STREAMS: tuple[str, ...] = (
    "mesa",  # Mesa's own model.random / model.rng
    "init",  # initial placement and strength of militant cells
    "recruitment",
    "movement",
    "attacks",
    "operations",
    "parameters",  # draws of parameter sets from the calibration posterior
    "sanctuary",  # strikes and raids on militant sanctuaries in Afghanistan
    "observation",  # what the monitors record of the events (sim.model.observation)
)


class RandomStreams:
    """Named, independent generators spawned from one integer seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        children = np.random.SeedSequence(self.seed).spawn(len(STREAMS))
        self._generators = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAMS, children, strict=True)
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._generators[name]
