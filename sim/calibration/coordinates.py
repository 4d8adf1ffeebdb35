"""Calibration coordinates: what the calibration samples where the data cannot tell two model
parameters apart.

The TTP's recruitment is ``base + sanctuary * access`` a year (``access`` is the Taliban's
tolerance; :func:`sim.model.militant_rules.recruit`). The fatality trend sees two growth rates,
not the two parameters: the one under the Islamic Republic, when access settles at
``model.taliban.tolerance_before_takeover`` (t_b), and the one once the Taliban rule and access
settles at ``model.taliban.tolerance_in_power`` (t_p, fixed at 0.9):

    growth_before = base + sanctuary * t_b        growth_after = base + sanctuary * t_p

Sampling ``base`` and ``sanctuary`` directly, the posterior is a ridge (their correlation was
-0.41 in the first ABC-SMC posterior of 2026-12-02). The calibration samples the two growth
rates (keys under ``coordinates.``, never a model key) and sets the model's parameters from
them; in the committed posterior the two rates correlate at 0.19 and the base and sanctuary
recruitment they imply at -0.65:

    sanctuary = (growth_after - growth_before) / (t_p - t_b)
    base      = (t_p * growth_before - t_b * growth_after) / (t_p - t_b)

A pair of rates is feasible when both come out at least 0 (growth after the takeover at least
the growth before it, and before it at least ``t_b / t_p`` of after); the prior is the box of
the two rates' ranges cut to the feasible set (:func:`feasible`).

Both rates are gross recruitment [1/year] before the ceiling's headroom and the finance cut.
"""

from __future__ import annotations

from sim.running.posterior import select

PREFIX = "coordinates."
GROWTH_BEFORE = "coordinates.ttp_growth_before_takeover"
GROWTH_AFTER = "coordinates.ttp_growth_after_takeover"
BASE = "model.groups.ttp.recruitment_base_per_year"
SANCTUARY = "model.groups.ttp.recruitment_sanctuary_per_year"
TOLERANCE_BEFORE = "model.taliban.tolerance_before_takeover"
TOLERANCE_IN_POWER = "model.taliban.tolerance_in_power"
COORDINATES = (GROWTH_BEFORE, GROWTH_AFTER)
REPLACED = (BASE, SANCTUARY)
"""The model parameters the coordinates set (a calibration frees one pair or the other)."""


def tolerances(values: dict, base: dict) -> tuple[float, float]:
    """(t_b, t_p): from ``values`` where they are free, else from the ``base`` config."""
    before = values.get(TOLERANCE_BEFORE)
    if before is None:
        before = select(base, TOLERANCE_BEFORE)
    in_power = values.get(TOLERANCE_IN_POWER)
    if in_power is None:
        in_power = select(base, TOLERANCE_IN_POWER)
    if before is None or in_power is None:
        raise ValueError(f"{TOLERANCE_BEFORE} and {TOLERANCE_IN_POWER} must be in the config "
                         "for the TTP's growth coordinates")
    before, in_power = float(before), float(in_power)
    if in_power <= before:
        raise ValueError(f"{TOLERANCE_IN_POWER}={in_power} must exceed {TOLERANCE_BEFORE}="
                         f"{before} for the TTP's growth coordinates")
    return before, in_power


def uses_coordinates(values) -> bool:
    return any(str(key).startswith(PREFIX) for key in values)


def recruitment(values: dict, base: dict) -> tuple[float, float]:
    """(base, sanctuary) recruitment [1/year] that the growth coordinates in ``values`` imply."""
    t_b, t_p = tolerances(values, base)
    before, after = float(values[GROWTH_BEFORE]), float(values[GROWTH_AFTER])
    return (t_p * before - t_b * after) / (t_p - t_b), (after - before) / (t_p - t_b)


def feasible(values: dict, base: dict) -> bool:
    """True when the coordinates give non-negative base and sanctuary recruitment (always
    true for values without coordinates)."""
    if not uses_coordinates(values):
        return True
    base_rate, sanctuary_rate = recruitment(values, base)
    return base_rate >= 0.0 and sanctuary_rate >= 0.0


def to_model(values: dict, base: dict) -> dict:
    """``values`` with the coordinates replaced by the model parameters they set (values
    without coordinates come back unchanged)."""
    if not uses_coordinates(values):
        return dict(values)
    missing = [key for key in COORDINATES if key not in values]
    unknown = [key for key in values if key.startswith(PREFIX) and key not in COORDINATES]
    if missing or unknown:
        raise ValueError(f"calibration coordinates {sorted(missing + unknown)}: the coordinates "
                         f"are {', '.join(COORDINATES)}, both together")
    clash = [key for key in REPLACED if key in values]
    if clash:
        raise ValueError(f"calibration.parameters: {', '.join(clash)} and the growth "
                         f"coordinates set the same parameters; free one pair or the other")
    base_rate, sanctuary_rate = recruitment(values, base)
    out = {k: v for k, v in values.items() if not k.startswith(PREFIX)}
    out[BASE], out[SANCTUARY] = base_rate, sanctuary_rate
    return out


def to_coordinates(values: dict, base: dict, wanted) -> dict:
    """The inverse of :func:`to_model` where ``wanted`` (the free parameters' paths) holds
    the coordinates: a model point (the committed point estimate) in the sampler's terms."""
    if not any(key in COORDINATES for key in wanted) or not all(k in values for k in REPLACED):
        return dict(values)
    t_b, t_p = tolerances(values, base)
    out = {k: v for k, v in values.items() if k not in REPLACED}
    out[GROWTH_BEFORE] = values[BASE] + values[SANCTUARY] * t_b
    out[GROWTH_AFTER] = values[BASE] + values[SANCTUARY] * t_p
    return out


def with_model_columns(table, base: dict):
    """A posterior table (one row per draw) with the model parameters its coordinate columns
    set added as columns, so a run's draw sets the model's own keys
    (:func:`sim.running.posterior.parameter_columns` reads only ``model.``/``levers.``)."""
    if not all(key in table.columns for key in COORDINATES):
        return table
    table = table.copy()
    pairs = [recruitment(row, base) for row in table[[*COORDINATES, *(
        [TOLERANCE_BEFORE] if TOLERANCE_BEFORE in table.columns else [])]].to_dict("records")]
    table[BASE] = [pair[0] for pair in pairs]
    table[SANCTUARY] = [pair[1] for pair in pairs]
    return table
