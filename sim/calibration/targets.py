"""Calibration targets: reported figures, how model output is compared with them, the loss.

The values come from ``sim/data/reported_figures.yaml`` by figure id; the comparison rules
(kind, tolerance, weight) come from ``conf/calibration/default.yaml``. The same rules decide
whether a target passes in the calibration tests and in the calibration report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.analysis.summary import (
    OTHER_MONITOR_PREFIXES,
    ensemble_attack_changes,
    ensemble_median_monthly,
    run_summary,
)
from sim.data import reported

KINDS = ("relative", "absolute", "at_least", "peak")


@dataclass(frozen=True)
class Target:
    """One comparison between an ensemble statistic and a reported figure."""

    name: str
    """Statistic name (a key of :func:`ensemble_statistics`)."""
    figure: str
    """Id of the reported figure in the data file."""
    kind: str
    tolerance: float
    weight: float
    reported: float
    series: str = ""
    start: str = ""
    end: str = ""
    peak_month: str = ""

    @property
    def threshold(self) -> float:
        """For ``at_least`` targets: the floor the statistic must reach."""
        return self.reported - self.tolerance

    @property
    def year(self) -> int | None:
        """Calendar year the target refers to (for hold-out validation)."""
        period = str(reported.figures().loc[self.figure, "period"])
        return int(period[:4]) if period[:4].isdigit() else None

    @property
    def bound(self) -> str:
        """``lower`` or ``upper`` when the figure is reported as a bound ("at least 392
        operations"), else empty."""
        value = reported.figures().loc[self.figure, "bound"]
        return value if value in ("lower", "upper") else ""

    def error(self, stats: dict[str, float]) -> float:
        """Signed error in units of the tolerance (|error| <= 1 passes)."""
        value = stats.get(self.name, float("nan"))
        if self.kind == "relative":
            return (value - self.reported) / (self.tolerance * self.reported)
        if self.kind == "absolute":
            return (value - self.reported) / self.tolerance
        if self.kind == "at_least":
            return max(0.0, self.threshold - value) / (0.05 * abs(self.reported))
        return value  # peak: the statistic is already the shortfall in units of 10% of the peak

    def passes(self, stats: dict[str, float]) -> bool:
        err = self.error(stats)
        if math.isnan(err):
            return False
        return abs(err) <= 1.0 if self.kind in ("relative", "absolute") else err == 0.0


def check_monitor(name: str, figure: str) -> None:
    """A target is compared with its figure's own monitor's view: a PICSS or PIPS figure needs
    a statistic of that monitor (``picss_...``, ``pips_...``), any other figure one of CRSS's
    (:func:`sim.analysis.summary.run_summary`)."""
    monitor = str(reported.figures().loc[figure, "monitor"])
    prefix = next((p for p in OTHER_MONITOR_PREFIXES if name.startswith(p)), "")
    wanted = f"{monitor}_" if f"{monitor}_" in OTHER_MONITOR_PREFIXES else ""
    if prefix != wanted:
        allowed = f"a name starting {wanted!r}" if wanted else "a name of CRSS's statistics"
        raise ValueError(f"calibration.targets.{name}: figure {figure} is {monitor.upper()}'s, "
                         f"so the target needs {allowed} (its monitor's own view)")


def load_targets(spec: dict, holdout_after: int | None = None) -> list[Target]:
    """Targets from the calibration config's ``targets`` mapping."""
    targets = []
    for name, rule in spec.items():
        if rule["kind"] not in KINDS:
            raise ValueError(f"calibration.targets.{name}.kind={rule['kind']!r}: one of {KINDS}")
        figure = rule["figure"]
        value = reported.value(figure)
        check_monitor(name, figure)
        peak_month = ""
        if rule["kind"] == "peak":
            peak_month = str(reported.figures().loc[figure, "period"])
            value = 0.0
        target = Target(
            name=name, figure=figure, kind=rule["kind"], tolerance=float(rule.get("tolerance", 0)),
            weight=float(rule.get("weight", 1.0)), reported=float(value),
            series=rule.get("series", ""), start=rule.get("from", ""), end=rule.get("to", ""),
            peak_month=peak_month,
        )
        if holdout_after is not None and (target.year or 0) > holdout_after:
            continue
        targets.append(target)
    return targets


def peak_shortfall(monthly_by_seed: list[pd.DataFrame], target: Target) -> float:
    """How far the target month falls short of being the peak of the median series.

    0 when the month is the maximum of the ensemble-median series over the window;
    otherwise (best other month - target month) / (0.1 * target month).
    """
    median = ensemble_median_monthly(monthly_by_seed, target.series)
    window = median.loc[target.start:target.end]
    peak = window.get(target.peak_month, float("nan"))
    others = window.drop(target.peak_month, errors="ignore").max()
    if not peak or math.isnan(peak):
        return float("inf")
    return max(0.0, (others - peak) / (0.1 * peak))


def ensemble_statistics(monthly_by_seed: list[pd.DataFrame],
                        targets: list[Target]) -> dict[str, float]:
    """Ensemble medians of the run statistics; the closure's attack changes as changes of the
    ensemble-mean monthly attacks (:func:`sim.analysis.summary.ensemble_attack_changes`); and the
    peak shortfalls of ``peak`` targets."""
    table = pd.DataFrame([run_summary(m) for m in monthly_by_seed])
    stats = table.median().to_dict()
    stats.update(ensemble_attack_changes(monthly_by_seed))
    for target in targets:
        if target.kind == "peak":
            stats[target.name] = peak_shortfall(monthly_by_seed, target)
    return stats


def loss(stats: dict[str, float], targets: list[Target], cap: float = 100.0) -> float:
    """Weighted sum of squared errors in tolerance units (each term capped at ``cap``)."""
    total = 0.0
    for target in targets:
        err = target.error(stats)
        total += target.weight * (cap if math.isnan(err) else min(err * err, cap))
    return total
