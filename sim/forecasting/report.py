"""The rolling-origin forecasts as a Markdown report and a figure."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.data import reported  # noqa: E402
from sim.forecasting.scoring import LEVELS  # noqa: E402

RATIO_LIMITS = (0.1, 10.0)
RATIO_TICKS = (0.1, 0.25, 0.5, 1, 2, 4, 10)
METHOD_LABELS = {
    "model": "sim, conditioned on the origin year",
    "model_unconditioned": "sim, unconditioned",
    "no_change": "naive: no change",
    "trend": "naive: recent trend",
    "nb_regression": "naive: NB regression (monthly)",
}


def markdown(summary: pd.DataFrame, runs: list[dict], command: str) -> str:
    """The summary table, the filters' effective sample sizes and the command."""
    lines = [f"Rolling-origin forecasts (`{command}`): calibrate on the figures up to the end "
             "of the origin year, forecast every observable figure of the next year.", "",
             "| origin | method | figures | " + " | ".join(f"in {lv:.0%}" for lv in LEVELS)
             + " | median abs. error | mean CRPS / reported | sim better (CRPS) "
             "| shared figures: mean CRPS / reported, sim vs this |",
             "|---|---|---|" + "---|" * len(LEVELS) + "---|---|---|---|"]
    for _, r in summary.iterrows():
        coverage = " | ".join(f"{r[f'coverage_{lv:g}']:.0%}" for lv in LEVELS)
        shared = ("" if r["method"] == "model" else
                  f"{r['shared_relative_crps_model']:.3f} vs "
                  f"{r['shared_relative_crps_method']:.3f}")
        lines.append(f"| {r['origin']} | {METHOD_LABELS.get(r['method'], r['method'])} | "
                     f"{r['figures']} | {coverage} | {r['median_abs_rel_error']:.1%} | "
                     f"{r['mean_relative_crps']:.3f} | {r['model_better']} | {shared} |")
    lines += ["", "Per origin: histories simulated, effective sample size after conditioning, "
              "calibration targets passed:", ""]
    for run in runs:
        c = run["calibration"]
        lines.append(f"- {run['origin']}: {run['histories']} histories, filter ESS "
                     f"{run['filter_ess']}, {run['conditioning_figures']} figures of "
                     f"{run['origin']} conditioned on, {run['forecast_figures']} figures of "
                     f"{run['origin'] + 1} forecast; calibration {c['targets_passed']}/"
                     f"{c['targets']} targets ({c['elapsed_seconds']:.0f} s)")
    return "\n".join(lines)


def _observed_months(year: int) -> pd.Series:
    table = reported.series(monitor="picss", metric="attacks", region="national",
                            actor="militant", period="month")
    table = table[table["period_start"].dt.year.isin([year - 1, year])]
    return pd.Series(table["value"].to_numpy(), index=table["period_start"].dt.to_period("M"))


def figure(scores: pd.DataFrame, paths: pd.DataFrame, path: Path) -> None:
    """Top: the monthly PICSS attack forecast of each origin with what PICSS reported. Bottom:
    every annual figure's 80% interval as a ratio to the reported value, sim and naive."""
    origins = sorted(scores["origin"].unique())
    fig, axes = plt.subplots(2, len(origins), figsize=(max(5.5 * len(origins), 7), 11.5),
                             squeeze=False, gridspec_kw={"height_ratios": [1, 1.6]})
    for col, origin in enumerate(origins):
        ax = axes[0, col]
        p = paths[paths["origin"] == origin]
        x = pd.PeriodIndex(p["month"], freq="M").to_timestamp()
        ax.fill_between(x, p["q025"], p["q975"], color="tab:blue", alpha=0.18,
                        label="sim 95%")
        ax.fill_between(x, p["q100"], p["q900"], color="tab:blue", alpha=0.35, label="sim 80%")
        ax.plot(x, p["q500"], color="tab:blue", label="sim median")
        observed = _observed_months(origin + 1)
        ax.plot(observed.index.to_timestamp(), observed.to_numpy(), "ko", ms=4,
                label="PICSS reported")
        ax.axvline(pd.Timestamp(f"{origin + 1}-01-01"), color="k", lw=0.8, ls="--")
        ax.set_title(f"origin end of {origin}: forecast of {origin + 1}")
        ax.set_ylabel("militant attacks per month (PICSS, national)")
        ax.tick_params(axis="x", labelrotation=45)
        ax.legend(fontsize=8, loc="upper left")
        _annual_panel(axes[1, col], scores[(scores["origin"] == origin)
                                           & (scores["period_kind"] == "year")])
    fig.suptitle("Rolling-origin forecasts: sim calibrated on the data up to each origin "
                 "(dashed line), histories weighted by the origin year's figures\n"
                 "bands: parameters drawn from each origin's calibration, simulation and "
                 "monitors' observation noise", fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _annual_panel(ax, annual: pd.DataFrame) -> None:
    methods = [m for m in ("model", "no_change", "trend") if m in set(annual["method"])]
    annual = annual[annual["reported"] > 0]  # a ratio to 0 has no scale
    figures = list(dict.fromkeys(annual["figure"]))
    offsets = dict(zip(methods, np.linspace(-0.25, 0.25, len(methods)), strict=True))
    colours = {"model": "tab:blue", "no_change": "tab:gray", "trend": "tab:orange"}
    for method in methods:
        part = annual[annual["method"] == method].set_index("figure")
        for i, f in enumerate(figures):
            if f not in part.index:
                continue
            r = part.loc[f]
            y = i + offsets[method]
            low, high, mid = (np.clip(r[c] / r["reported"], *RATIO_LIMITS)
                              for c in ("low_0.8", "high_0.8", "median"))
            ax.plot([low, high], [y, y], color=colours[method], lw=2.5,
                    label=METHOD_LABELS[method])
            ax.plot(mid, y, "o", color=colours[method], ms=3)
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(*RATIO_LIMITS)
    ax.set_xticks(RATIO_TICKS, [f"{t:g}" for t in RATIO_TICKS])
    ax.minorticks_off()
    ax.set_yticks(range(len(figures)))
    ax.set_yticklabels(figures, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("annual figures: 80% interval and median / reported value\n"
                  "(log scale, clipped to 0.1-10; 1 = as reported)")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=False))  # one entry per method
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.13), ncol=1, frameon=False)
