"""The paired-difference figure of a sweep report: each arm minus its baseline, seed by seed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.arms import Arm
from sim.analysis.fan import add_band_caption, draw_bands, draw_lever_lines, pyplot, save_figure


def plot_differences(diff: pd.DataFrame, arms: list[Arm],
                     lines: dict[str, list[tuple[pd.Timestamp, str]]], path: Path
                     ) -> Path | None:
    """One panel per compared arm: national monthly fatalities, arm minus baseline (same
    seed), median with 80% and 95% bands over seeds, from a few months before the first
    difference.

    Args:
        diff: :func:`sim.analysis.tables.difference_table`.
        lines: lever dates of each arm by label (:func:`sim.analysis.fan.lever_lines`).
    """
    compared = [arm for arm in arms if arm.baseline is not None]
    if not compared or diff.empty:
        return None
    moved = diff[(diff["q025"] != 0) | (diff["q975"] != 0)]
    lo = (pd.Timestamp(moved["month"].min()) - pd.DateOffset(months=3)) if len(moved) else None
    fig, axes = pyplot().subplots(len(compared), 1, figsize=(11, 2.6 * len(compared) + 0.6),
                             sharex=True, squeeze=False)
    for ax, arm in zip(axes[:, 0], compared, strict=True):
        table = diff[diff["arm"] == arm.label]
        if lo is not None:
            table = table[pd.to_datetime(table["month"]) >= lo]
        draw_bands(ax, pd.to_datetime(table["month"]), table, "tab:purple", "median difference")
        ax.axhline(0, color="k", linewidth=0.8)
        dates = sorted(set(lines.get(arm.label, [])) | set(lines.get(arm.baseline.label, [])))
        draw_lever_lines(ax, dates, lo)
        n = int(table["n"].max()) if len(table) else 0
        ax.set_title(f"{arm.label} minus {arm.baseline.label} (same seed, {n} pairs)",
                     fontsize=9)
        ax.set_ylabel("fatalities / month")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    add_band_caption(fig)
    return save_figure(fig, path)
