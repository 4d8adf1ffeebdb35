"""The observation model: what each monitor would report of the simulated events.

The events of :mod:`sim.model.events` are the model's ground truth. CRSS, PICSS and PIPS
each count a different part of them (their definitions: ``monitors`` in
``sim/data/reported_figures.yaml`` and "The monitors count different things" in the data
README), and each misses some. :func:`observe` turns one run's monthly event counts into one
view per monitor, all drawn at once from the run's ``observation`` stream, so every monitor
sees the same simulated events; :func:`observed_annual` sums that same observation by year.

Each monitor's view, per month and Pakistani region:

1. **Completeness.** A share ``p`` of the month's attacks is recorded, drawn from a Beta
   distribution with the monitor's mean for the region's class (:data:`REGION_CLASS`:
   frontier, i.e. Khyber Pakhtunkhwa with the former tribal districts and Balochistan, or
   interior) and the monitor's concentration (alpha + beta): reporting is incomplete and
   overdispersed, more so where the mean is lower. Recorded attacks are a binomial thinning
   of the simulated ones, ``Binomial(attacks, p)``.
2. **Deaths.** Civilians, security personnel and attackers killed in attacks, and civilians
   and security personnel killed in operations, are thinned the same way with
   ``p ** fatalities_exponent`` (deadly events are reported more fully than small ones).
3. **Operations** (CRSS only): ``Binomial(operations, s)``, with ``s`` drawn like ``p``
   around the monitor's ``operations_share``.
4. **Militants killed in operations** are mostly the state's own claims, relayed by every
   monitor: ``true + Poisson((claims_factor - 1) * true * g)``, where ``g`` (Gamma, mean 1,
   shape ``claims_concentration``) is the month's overstatement of the claims in the region,
   the same for every monitor. A claims factor of 1 relays the true count exactly.

What each monitor counts (:data:`COUNTED`; NaN where it does not count a quantity):

- **crss** (``monitors.crss``: ``violence_linked``, ``incidents``, ``attacks``,
  ``operations``): all violence-linked deaths, from attacks AND operations, of civilians,
  security forces and "outlaws" (``fatalities_*``, ``fatalities_total``); attacks; the
  operations it reports; militants killed in operations. No ``fatalities_in_attacks``.
- **picss** (``monitors.picss``: ``attacks``, ``combined``, ``operations``): attacks and the
  deaths in them (``fatalities_in_attacks``, attackers included); combined deaths by who was
  killed (``fatalities_*``, ``fatalities_total`` = in attacks + in operations); militants
  killed in operations. No operations count.
- **pips** (``monitors.pips``: ``attacks``, ``operations``): attacks and the people killed in
  them only (``fatalities_*`` and ``fatalities_total`` = ``fatalities_in_attacks``,
  attackers included, never deaths in operations); militants killed in operations as a
  separate number (``militants_killed_in_operations``). No operations count.

Counts are nullable integers (pandas ``Int64``; missing where the monitor does not count).

Defaults (``sim.model.params.ObservationParams``; figure ids of ``reported_figures.yaml``):

- **Completeness, PICSS**: 0.85 in the frontier regions, 0.95 elsewhere. Assumption: no monitor
  says what it misses; reporters' access to the former tribal districts and interior
  Balochistan is restricted, while the cities are covered by the national press.
- **CRSS as PICSS**: CRSS's attack counts are within +-10% of PICSS's in 2022-2024
  (CRSS_2022_TERR_ATT 376 vs PICSS_2022_ATT_REV 380, CRSS_2023_TERR_ATT 586 vs
  PICSS_2023_ATT 645, CRSS_2024_TERR_ATT 909 vs PICSS_2024_ATT_REV 908; mean ratio 0.97).
- **PIPS, 0.65 x PICSS** (0.55 and 0.62): PIPS_2021_ATT 207 vs PICSS_2021_ATT 294 (0.70),
  PIPS_2022_ATT 262 vs 380 (0.69), PIPS_2024_ATT 521 vs 908 (0.57), PIPS_2025_ATT 699 vs
  PICSS_2025_ATT_FINAL 1066 (0.66); mean 0.66, taken as 0.65.
- **fatalities_exponent 0.5**: PIPS's deaths in attacks are a larger share of PICSS's than
  its attacks are: 2021 PIPS_2021_FAT 335 vs PICSS_2021_FAT_ATT 388 (0.86) against 0.70;
  2024 PIPS_2024_FAT 852 vs PICSS_2024_FAT_ATT 1177 (0.72) against 0.57. 0.70^g = 0.86 and
  0.57^g = 0.72 give g = 0.42 and 0.58; mean 0.5.
- **Claims factors** (militants killed in operations, per militant killed). PIPS 1.0: the
  claims at face value, the lowest allowed, since the absolute overstatement is not known;
  the others are set relative to it. CRSS 1.35: in 2025 CRSS counts 2,060 militants killed
  (fatalities_militant_2025), PIPS 1,313 in operations (PIPS_2025_MIL_KILLED_OPS) and 243 in
  attacks (PIPS_2025_FAT_MIL_ATT); CRSS's count of the attackers killed is 243 x
  (1/0.65)^0.5 = 301, which leaves 1,759 in operations, 1.34 x PIPS's. PICSS 1.1: its deaths
  in operations are 0.57-1.0 of CRSS's (PICSS_2021_MIL_KILLED 188 vs
  CRSS_2021_FAT_OUTLAW_OPS 298; PICSS_2024_FAT_OPS 792 vs CRSS's 2,555 less PICSS's 1,177 in
  attacks; its combined totals equal CRSS's in 2023 and 2025), 0.8 on average: 0.8 x 1.35
  = 1.08.
- **concentration 50**: assumption. A monthly standard deviation of completeness of 0.05 at
  mean 0.85 (0.03 at 0.95), about 0.015 over a year of independent months: the size of a
  monitor's own revisions of its annual totals (0.5-3%, data README "Revisions").
- **operations_share 0.5** (CRSS): assumption. CRSS counts reported operations only (392 in
  2025, operations_2025); operations in which nobody dies rarely make the news.
- **claims_concentration 10**: assumption; a month's overstatement varies by about a third.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from sim.model.events import (
    ATTACKERS_KILLED,
    ATTACKS,
    CIVILIANS_IN_ATTACKS,
    CIVILIANS_IN_OPERATIONS,
    MILITANTS_IN_OPERATIONS,
    OPERATIONS,
    REGION_NAMES,
    SECURITY_IN_ATTACKS,
    SECURITY_IN_OPERATIONS,
)
from sim.model.params import MonitorParams, ObservationParams
from sim.model.space import PAKISTAN_REGIONS

MONITORS: tuple[str, ...] = ("crss", "picss", "pips")
"""The monitors observed, in the order of their rows and of their draws (keys of
``monitors`` in ``sim/data/reported_figures.yaml`` and fields of ``ObservationParams``)."""

COLUMNS: tuple[str, ...] = (
    "attacks",
    "operations",
    "fatalities_civilian",
    "fatalities_security",
    "fatalities_militant",
    "fatalities_total",
    "fatalities_in_attacks",
    "militants_killed_in_operations",
)
"""Counted columns of the monitor tables, after ``month`` (or ``year``), ``region``,
``monitor`` [events or people per month and region]."""

COUNTED: dict[str, frozenset[str]] = {
    "crss": frozenset(set(COLUMNS) - {"fatalities_in_attacks"}),
    "picss": frozenset(set(COLUMNS) - {"operations"}),
    "pips": frozenset(set(COLUMNS) - {"operations"}),
}
"""The columns each monitor counts; the others are NaN in its rows."""

OPERATIONS_DEATHS_COUNTED: dict[str, bool] = {"crss": True, "picss": True, "pips": False}
"""Whether the monitor's fatality columns take in the deaths in operations: CRSS (all
violence-linked fatalities, from attacks AND operations) and PICSS (combined deaths) do; PIPS
counts the people killed in attacks only (militants killed in operations apart)."""

FRONTIER: tuple[str, ...] = ("kp", "balochistan")
"""Regions whose reporting is least complete: Khyber Pakhtunkhwa, which includes the former
tribal districts, and Balochistan, along the Afghan border."""
REGION_CLASS: dict[str, str] = {
    key: "frontier" if key in FRONTIER else "interior" for key in PAKISTAN_REGIONS
}
"""Region key -> completeness class (``frontier`` or ``interior``)."""
_IS_FRONTIER = np.array([REGION_CLASS[key] == "frontier" for key in PAKISTAN_REGIONS])


def beta_shares(rng: np.random.Generator, mean: np.ndarray, concentration: float,
                shape: tuple[int, int]) -> np.ndarray:
    """Shares drawn from Beta(``concentration * mean``, ``concentration * (1 - mean)``), one
    per ``shape`` (``mean`` broadcast to it); exactly ``mean`` where it is 0 or 1 or when the
    concentration is infinite."""
    mean = np.broadcast_to(np.asarray(mean, dtype=float), shape)
    if math.isinf(concentration):
        return mean.copy()
    fixed = (mean <= 0.0) | (mean >= 1.0)
    a = np.where(fixed, 1.0, concentration * mean)
    b = np.where(fixed, 1.0, concentration * (1.0 - mean))
    return np.where(fixed, mean, rng.beta(a, b))


def claims_overstatement(rng: np.random.Generator, concentration: float,
                         shape: tuple[int, int]) -> np.ndarray:
    """The month's and region's overstatement of the claims, Gamma with mean 1 and shape
    ``concentration`` (1 everywhere when it is infinite)."""
    if math.isinf(concentration):
        return np.ones(shape)
    return rng.gamma(concentration, 1.0 / concentration, size=shape)


def monitor_view(name: str, sums: np.ndarray, monitor: MonitorParams,
                 params: ObservationParams, overstatement: np.ndarray,
                 rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One monitor's counts [month, region] of ``sums[month, region, event]``, by column;
    NaN in the columns it does not count. The draws, in order: completeness, attacks, the
    deaths (in attacks, and in operations if counted), operations (if counted), claims."""
    shape = sums.shape[:2]
    means = np.where(_IS_FRONTIER, monitor.completeness_frontier, monitor.completeness_interior)
    recorded = beta_shares(rng, means, monitor.concentration, shape)
    attacks = rng.binomial(sums[:, :, ATTACKS], recorded)
    counted_deaths = list(_DEATHS if OPERATIONS_DEATHS_COUNTED[name] else _DEATHS[:3])
    deaths = rng.binomial(sums[:, :, counted_deaths],
                          (recorded ** params.fatalities_exponent)[:, :, None])
    civilians, security, attackers = deaths[:, :, 0], deaths[:, :, 1], deaths[:, :, 2]
    in_attacks = civilians + security + attackers
    militants = attackers
    if OPERATIONS_DEATHS_COUNTED[name]:
        civilians = civilians + deaths[:, :, 3]
        security = security + deaths[:, :, 4]
    operations = np.full(shape, np.nan)
    if "operations" in COUNTED[name]:
        share = beta_shares(rng, np.full(shape, monitor.operations_share), monitor.concentration,
                            shape)
        operations = rng.binomial(sums[:, :, OPERATIONS], share)
    true_claims = sums[:, :, MILITANTS_IN_OPERATIONS]
    claims = true_claims + rng.poisson((monitor.claims_factor - 1.0) * true_claims
                                       * overstatement)
    if OPERATIONS_DEATHS_COUNTED[name]:
        militants = militants + claims
    view = {
        "attacks": attacks,
        "operations": operations,
        "fatalities_civilian": civilians,
        "fatalities_security": security,
        "fatalities_militant": militants,
        "fatalities_total": civilians + security + militants,
        "fatalities_in_attacks": in_attacks,
        "militants_killed_in_operations": claims,
    }
    return {column: (view[column] if column in COUNTED[name] else np.full(shape, np.nan))
            for column in COLUMNS}


def observe(monthly_sums: np.ndarray, months: list[str], params: ObservationParams,
            rng: np.random.Generator) -> pd.DataFrame:
    """Every monitor's view of one run's events.

    Args:
        monthly_sums: ``[month, region, event]`` simulated counts
            (:meth:`sim.model.events.EventCounts.monthly_sums`, columns ``EVENTS``).
        months: the month labels (YYYY-MM), one per row of ``monthly_sums``.
        params: completeness, concentration and claims factors of the monitors.
        rng: the run's ``observation`` stream; every draw comes from it.

    Returns:
        One row per month, region and monitor (in that order; monitors as :data:`MONITORS`):
        ``month``, ``region``, ``monitor``, then :data:`COLUMNS` as nullable integers,
        missing where the monitor does not count the quantity.
    """
    sums = np.asarray(monthly_sums, dtype=np.int64)
    n_months, n_regions = sums.shape[:2]
    if len(months) != n_months or n_regions != len(REGION_NAMES):
        raise ValueError(f"monthly_sums has shape {sums.shape}: expected ({len(months)}, "
                         f"{len(REGION_NAMES)}, events)")
    overstatement = claims_overstatement(rng, params.claims_concentration, (n_months, n_regions))
    views = [monitor_view(name, sums, getattr(params, name), params, overstatement, rng)
             for name in MONITORS]
    labels = _labels(tuple(months), "month")
    columns = {name: labels[name] for name in labels.columns}
    for column in COLUMNS:
        columns[column] = _counts(np.stack([view[column] for view in views], axis=-1).ravel())
    return pd.DataFrame(columns)


_DEATHS = (CIVILIANS_IN_ATTACKS, SECURITY_IN_ATTACKS, ATTACKERS_KILLED, CIVILIANS_IN_OPERATIONS,
           SECURITY_IN_OPERATIONS)
"""The deaths a monitor records with the completeness of deaths: in attacks (the first
three), then in operations."""


@functools.lru_cache(maxsize=16)
def _labels(periods: tuple, period_name: str) -> pd.DataFrame:
    """The period, region and monitor columns of a monitor table (the same for every run of
    a calendar): periods, then regions, then monitors."""
    n_regions, n_monitors = len(REGION_NAMES), len(MONITORS)
    return pd.DataFrame({
        period_name: np.repeat(periods, n_regions * n_monitors),
        "region": np.tile(np.repeat(REGION_NAMES, n_monitors), len(periods)),
        "monitor": np.tile(MONITORS, len(periods) * n_regions),
    })


def _counts(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers with NaN as a nullable ``Int64`` array."""
    missing = np.isnan(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def observed_annual(monitors_monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly observation summed by year: ``year``, ``region``, ``monitor``,
    :data:`COLUMNS`, one row per year, region and monitor in the order they first appear.

    The same draws as the monthly table, so the two always agree; a sum is missing only where
    every month of it is (where the monitor does not count the quantity).
    """
    month_codes, month_labels = pd.factorize(monitors_monthly["month"])
    years = np.array([int(str(label)[:4]) for label in month_labels], dtype=np.int64)
    region_codes, regions = pd.factorize(monitors_monthly["region"])
    monitor_codes, monitors = pd.factorize(monitors_monthly["monitor"])
    key = (years[month_codes] * len(regions) + region_codes) * len(monitors) + monitor_codes
    groups, keys = pd.factorize(key)
    keys = np.asarray(keys)
    columns: dict[str, object] = {
        "year": keys // (len(regions) * len(monitors)),
        "region": np.asarray(regions, dtype=object)[keys // len(monitors) % len(regions)],
        "monitor": np.asarray(monitors, dtype=object)[keys % len(monitors)],
    }
    for column in COLUMNS:
        values = monitors_monthly[column].to_numpy(dtype=float, na_value=np.nan)
        seen = ~np.isnan(values)
        total = np.bincount(groups, np.where(seen, values, 0.0), minlength=len(keys))
        any_seen = np.bincount(groups, seen, minlength=len(keys)) > 0
        columns[column] = _counts(np.where(any_seen, total, np.nan))
    return pd.DataFrame(columns)
