"""Validation of a composed config, with the run's posterior draw: what every caller uses.

:func:`validate` checks the config completely (:func:`sim.running.config.check_config`) and,
when ``parameters.draw_from_posterior`` is true, sets the free parameters to the posterior row
the run's seed draws (:mod:`sim.running.posterior`), checked with the same range checks
(:func:`sim.running.reparameterise.with_values`). An ensemble checks its config once and draws
per seed with :func:`for_seed`, so a draw costs about a millisecond, not a second validation.
"""

from __future__ import annotations

import dataclasses

from omegaconf import DictConfig

from sim.running import posterior
from sim.running.config import RunConfig, check_config
from sim.running.reparameterise import with_values


def with_draw(base: RunConfig, seed: int) -> RunConfig:
    """``base`` (checked, nothing drawn) for ``seed``, with the parameters that seed draws;
    ``resolved["parameters"]["drawn"]`` records the row and the values used."""
    if "drawn" in (base.resolved.get("parameters") or {}):
        raise ValueError("with_draw needs the undrawn config (check_config), not a drawn one: "
                         "its drawn values would count as explicit and be kept")
    source = base.parameters
    row, used = posterior.drawn_values(base.resolved, seed, source.posterior_file, source.keep)
    config = with_values(dataclasses.replace(base, seed=seed), used)
    config.resolved["seed"] = seed
    config.resolved["parameters"] = {**config.resolved.get("parameters", {}),
                                     "drawn": {"row": row, **used}}
    return config


def for_seed(base: RunConfig, seed: int) -> RunConfig:
    """The run of ``base`` (checked, nothing drawn) with ``seed``: with that seed's posterior
    draw when the config asks for draws."""
    if base.parameters.draw_from_posterior:
        return with_draw(base, seed)
    return dataclasses.replace(base, seed=seed, resolved={**base.resolved, "seed": seed})


def validate(cfg: DictConfig | dict) -> RunConfig:
    """Check a composed config completely (one-line :class:`ConfigError` on the first
    problem) and apply its posterior draw, if it asks for one."""
    base = check_config(cfg)
    return with_draw(base, base.seed) if base.parameters.draw_from_posterior else base
