"""What each number of a run's config may be: every numeric field of the model and of the
levers has a finite range, with the reason for its bounds.

:func:`number_problem` is the one check :mod:`sim.running.config` applies to every field; the
observation model's own ranges are in :mod:`sim.running.observation_limits`. Bounds are wide:
they refuse what is physically impossible or would exhaust memory or time, never a value a
researcher might want to explore (the calibration's priors lie far inside them).
"""

from __future__ import annotations

import math

PROBABILITY_FIELDS = frozenset({
    "share_in_pakistan_start", "cross_in_per_day", "return_per_day", "spillover_per_day",
    "home_return_per_day", "supply_sanctuary_per_day", "supply_local_per_day",
    "supply_cross_border_per_day", "supply_per_attack", "supply_upkeep_per_day",
    "supply_for_full_tempo",
    "kill_fraction_per_operation",
    "tolerance_before_takeover", "tolerance_in_power", "mediation_restraint", "leakage",
    "state_compliance", "breakdown_per_month", "level", "on_tolerance", "on_finance",
    "amplitude", "security_target_share", "target_substitution", "trade_restraint",
    "talks_restraint", "enemy_sanctuary_access", "raid_kill_fraction", "kill_fraction",
    "compliance",
})
"""Fields that are probabilities or shares and must lie in [0, 1]."""
POSITIVE_FIELDS = frozenset({"cell_size", "recruitment_ceiling", "adjustment_days",
                             "response_window_days", "response_days", "grievance_days",
                             "intel_window_days", "intel_sightings_per_fighter_per_day",
                             "pressure_scale_per_day", "supply_for_full_tempo"})
"""Fields that must be strictly positive."""

CENTURY_DAYS = 36_525
_DAYS = (CENTURY_DAYS, "a number of days up to 36,525 (a century)")
_PER_EVENT = (100.0, "at most 100 deaths per event on average (the deadliest attacks in "
                     "Pakistan, such as Peshawar 2014 and 2023, killed about 100-150)")
_MULTIPLIER = (100.0, "a multiplier up to 100")
UPPER_LIMITS: dict[str, tuple[float, str]] = {
    "fighters_start": (1_000_000, "at most 1,000,000 fighters per group (20 x the largest "
                                  "reported TTP claim, S0); more would exhaust memory"),
    "recruitment_ceiling": (10_000_000, "at most 10,000,000 fighters"),
    "cell_size": (10_000, "at most 10,000 fighters per cell"),
    "attack_rate": (10.0, "at most 10 attacks/day per 100 fighters (the prior's highest is "
                          "0.08)"),
    "attackers_per_attack": (100.0, "at most 100 attackers killed per attack"),
    "attacks_per_wave": (100.0, "at most 100 attacks per wave"),
    "civilian_per_attack": _PER_EVENT,
    "security_per_attack": _PER_EVENT,
    "civilian_per_operation": _PER_EVENT,
    "security_per_operation": _PER_EVENT,
    "lethality_tail_index": (100.0, "a tail index up to 100"),
    "recruitment_base_per_year": (10.0, "at most 10 per year (growth of 1,000% a year)"),
    "recruitment_sanctuary_per_year": (10.0, "at most 10 per year (growth of 1,000% a year)"),
    "operations_per_1000_fighters_per_day": (1000.0, "at most 1,000 operations/day per 1,000 "
                                                     "fighters: one a fighter a day (the "
                                                     "prior's highest is 0.12)"),
    "operations_per_recent_attack": (100.0, "at most 100 operations per recent attack"),
    "raids_per_1000_fighters_per_day": (100.0, "at most 100 raids/day per 1,000 fighters"),
    "intel_sightings_per_fighter_per_day": (1.0, "at most 1 sighting per fighter per day"),
    "pressure_scale_per_day": (1000.0, "at most 1,000 operations/day"),
    "strikes_per_day": (100.0, "at most 100 strikes a day"),
    "strike_defiance": (10.0, "at most 10 per remembered strike"),
    "withdrawal_under_pressure": _MULTIPLIER,
    "intensity": _MULTIPLIER,
    "returnees_per_month": (5_000_000, "at most 5,000,000 returnees a month (an eighth of "
                                       "Afghanistan's population)"),
    "recruitment_per_100k_per_month": (100_000.0, "at most 100,000 per 100,000 returnees"),
    "support_cut_per_100k_per_month": (100_000.0, "at most 100,000 per 100,000 returnees"),
    "peak_day_of_year": (366, "a day of the year in 0..366"),
    "adjustment_days": _DAYS,
    "grievance_days": _DAYS,
    "response_days": _DAYS,
    "response_window_days": _DAYS,
    "intel_window_days": _DAYS,
    "ramp_days": _DAYS,
}
"""Field name -> highest allowed value and what is allowed, as the error message says it."""
DEFAULT_UPPER = (1e6, "a number up to 1,000,000")
"""The bound of a numeric field not named in :data:`UPPER_LIMITS` or in the probabilities."""
MAPPING_UPPER = 1e6
"""Highest weight in a mapping of weights (routes, spillover weights)."""


def number_problem(name: str, value: object) -> str | None:
    """What is allowed for field ``name``, if ``value`` is not allowed there; else None.
    Booleans and non-numbers are left to the schema."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value):
        return "a finite number (not NaN or infinity)"
    if name in PROBABILITY_FIELDS:
        return None if 0.0 <= value <= 1.0 else "a probability or share in [0, 1]"
    if name in POSITIVE_FIELDS and value <= 0:
        return "a number > 0"
    if value < 0:
        return "a count or rate >= 0"
    high, allowed = UPPER_LIMITS.get(name, DEFAULT_UPPER)
    return allowed if value > high else None
