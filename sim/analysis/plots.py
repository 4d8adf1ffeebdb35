"""Plots of one run. Reported figures come from ``sim.data.reported``; nothing is hard-coded."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.fan import draw_lever_lines, save_figure  # noqa: E402
from sim.data import reported  # noqa: E402
from sim.running.runner import SimulationResult  # noqa: E402

ACTOR_COLOURS = {
    "fatalities_civilian": ("civilians", "tab:blue"),
    "fatalities_security": ("security forces", "tab:orange"),
    "fatalities_militant": ("militants", "tab:gray"),
}


def lever_dates(events: pd.DataFrame) -> list[tuple[pd.Timestamp, str]]:
    """(date, label) of every lever event, for dashed lines."""
    return [(pd.Timestamp(r.date), f"{r.lever} {r.event}") for r in events.itertuples()]


def overview(result: SimulationResult, path: Path) -> Path:
    """National monthly fatalities by actor, annual totals against the reported figures."""
    monthly = result.monthly.groupby("month", sort=True).sum(numeric_only=True)
    months = pd.to_datetime(monthly.index)
    annual = result.annual.groupby("year").sum(numeric_only=True)["fatalities_total"]
    figures = reported.figures()
    national = reported.national_fatalities()

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), sharex=False,
                                      gridspec_kw={"height_ratios": [3, 2]})
    for column, (label, colour) in ACTOR_COLOURS.items():
        top.plot(months, monthly[column], label=label, color=colour, linewidth=1.2)
    top.plot(months, monthly["fatalities_total"], label="all", color="k", linewidth=1.5)
    draw_lever_lines(top, lever_dates(result.lever_events))
    top.set_ylabel("fatalities per month (national)")
    top.set_title(f"sim: scenario {result.config.scenario.name}, seed {result.config.seed}")
    top.xaxis.set_major_locator(mdates.YearLocator())
    top.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    top.legend(loc="upper left", fontsize=8)

    bottom.plot(annual.index, annual.values, "o-", color="k", label="simulated, national")
    kinds = figures.loc[[f"fatalities_national_{y}" for y in national.index], "kind"].to_numpy()
    for kind, marker in (("reported", "s"), ("derived", "D")):
        mask = kinds == kind
        bottom.scatter(national.index[mask], national.values[mask], marker=marker, s=50,
                       facecolors="tab:red" if kind == "reported" else "none",
                       edgecolors="tab:red", zorder=3, label=f"CRSS national ({kind})")
    regional = result.annual.set_index(["year", "region"])["fatalities_total"]
    for region, fid, colour in (("Khyber Pakhtunkhwa", "fatalities_kp", "tab:green"),
                                ("Balochistan", "fatalities_balochistan", "tab:purple")):
        sim_series = regional.xs(region, level="region")
        bottom.plot(sim_series.index, sim_series.values, "-", color=colour, alpha=0.7,
                    label=f"simulated, {region}")
        years = [y for y in (2024, 2025) if f"{fid}_{y}" in figures.index]
        bottom.scatter(years, [figures.loc[f"{fid}_{y}", "value"] for y in years], marker="s",
                       s=40, color=colour, edgecolors="k", zorder=3, label=f"CRSS {region}")
    bottom.set_ylabel("fatalities per year")
    bottom.set_xlabel("year")
    bottom.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return save_figure(fig, path)


def overview_figures(result: SimulationResult, folder: Path) -> list[Path]:
    """A single run's figures, for :func:`sim.running.outputs.write_run`: ``overview.png``."""
    return [overview(result, Path(folder) / "overview.png")]
