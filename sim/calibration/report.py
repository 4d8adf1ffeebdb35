"""The calibration report: every target, model against reported, with ensemble intervals."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.analysis.summary import national_monthly, run_summary  # noqa: E402
from sim.calibration.targets import Target, ensemble_statistics  # noqa: E402
from sim.data import reported  # noqa: E402
from sim.running.outputs import atomic_write  # noqa: E402

QUANTILES = {"q025": 0.025, "q10": 0.10, "median": 0.5, "q90": 0.90, "q975": 0.975}


def target_table(monthly_by_seed: list[pd.DataFrame], targets: list[Target]) -> pd.DataFrame:
    """One row per target: reported value, ensemble quantiles, error, pass/fail."""
    runs = pd.DataFrame([run_summary(m) for m in monthly_by_seed])
    stats = ensemble_statistics(monthly_by_seed, targets)
    rows = []
    for t in targets:
        row = {"target": t.name, "figure": t.figure, "kind": t.kind, "tolerance": t.tolerance,
               "reported": t.peak_month if t.kind == "peak" else t.reported}
        if t.name in runs:
            for label, q in QUANTILES.items():
                row[label] = float(runs[t.name].quantile(q))
        else:
            row["median"] = stats[t.name]
        row["error"] = t.error(stats)
        row["passes"] = t.passes(stats)
        rows.append(row)
    return pd.DataFrame(rows)


def _national_annual(monthly_by_seed: list[pd.DataFrame]) -> pd.DataFrame:
    years = []
    for m in monthly_by_seed:
        year = m["month"].str.slice(0, 4).astype(int)
        years.append(m.groupby(year)["fatalities_total"].sum())
    return pd.DataFrame(years)


def report_figure(monthly_by_seed: list[pd.DataFrame], table: pd.DataFrame, path: Path,
                  title: str) -> Path:
    """Four panels: annual national fan, level targets as model/reported, closure, 2022 peak."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    ax = axes[0, 0]
    annual = _national_annual(monthly_by_seed)
    years = annual.columns.to_numpy()
    q = annual.quantile([0.025, 0.1, 0.5, 0.9, 0.975])
    ax.fill_between(years, q.loc[0.025], q.loc[0.975], alpha=0.2, color="k", label="95%")
    ax.fill_between(years, q.loc[0.1], q.loc[0.9], alpha=0.35, color="k", label="80%")
    ax.plot(years, q.loc[0.5], "k-", label="median")
    national = reported.national_fatalities()
    kinds = reported.figures().loc[[f"fatalities_national_{y}" for y in national.index], "kind"]
    for kind, face in (("reported", "tab:red"), ("derived", "none")):
        mask = (kinds == kind).to_numpy()
        ax.scatter(national.index[mask], national.values[mask], s=50, marker="s",
                   facecolors=face, edgecolors="tab:red", zorder=3, label=f"CRSS ({kind})")
    ax.set_title("National fatalities per year")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    levels = table[table["kind"] == "relative"].reset_index(drop=True)
    ypos = np.arange(len(levels))
    for i, row in levels.iterrows():
        r = row["reported"]
        ax.plot([row["q025"] / r, row["q975"] / r], [i, i], color="k", linewidth=1)
        ax.plot([row["q10"] / r, row["q90"] / r], [i, i], color="k", linewidth=4, alpha=0.5)
        ax.plot(row["median"] / r, i, "o", color="tab:green" if row["passes"] else "tab:red")
        ax.plot([1 - row["tolerance"], 1 + row["tolerance"]], [i, i], "|", color="tab:blue",
                markersize=12)
    ax.axvline(1.0, color="tab:red", linestyle=":")
    ax.set_yticks(ypos, levels["target"], fontsize=7)
    ax.set_xlabel("model / reported (median, 80% and 95% intervals; | = tolerance)")
    ax.set_title("Level targets")

    ax = axes[1, 0]
    changes = table[table["kind"] == "absolute"].reset_index(drop=True)
    for i, row in changes.iterrows():
        ax.plot([row["q025"], row["q975"]], [i, i], color="k", linewidth=1)
        ax.plot([row["q10"], row["q90"]], [i, i], color="k", linewidth=4, alpha=0.5)
        ax.plot(row["median"], i, "o", color="tab:green" if row["passes"] else "tab:red")
        ax.plot(row["reported"], i, "s", color="tab:red", markersize=8)
        ax.plot([row["reported"] - row["tolerance"], row["reported"] + row["tolerance"]],
                [i, i], "|", color="tab:blue", markersize=12)
    ax.axvline(0.0, color="grey", linestyle=":")
    ax.set_yticks(np.arange(len(changes)), changes["target"], fontsize=8)
    ax.set_xlabel("month-on-month change in national attacks (red square: CRSS)")
    ax.set_title("After the border closure (11 Oct 2025)")

    ax = axes[1, 1]
    stacked = np.vstack([national_monthly(m)["fatalities_security"].loc["2020-01":"2022-12"]
                         for m in monthly_by_seed])
    months = pd.to_datetime(national_monthly(monthly_by_seed[0]).loc["2020-01":"2022-12"].index)
    ax.fill_between(months, *np.quantile(stacked, [0.1, 0.9], axis=0), alpha=0.3, color="k")
    ax.plot(months, np.median(stacked, axis=0), "k-")
    ax.axvline(pd.Timestamp("2022-12-01"), color="tab:red", linestyle="--",
               label="December 2022: reported deadliest month (S3)")
    ax.set_title("Security-force fatalities per month, 2020-2022 (median, 80%)")
    ax.legend(fontsize=8)

    fig.suptitle(title)
    fig.tight_layout()
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)
    return Path(path)


def markdown_table(table: pd.DataFrame) -> str:
    """The target table as markdown, for the README and notes."""
    lines = ["| target | reported | median | 80% interval | 95% interval | tolerance | passes |",
             "|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        if r["kind"] == "peak":
            lines.append(f"| {r['target']} | peak in {r['reported']} | shortfall "
                         f"{r['median']:.2f} | | | is the maximum | {r['passes']} |")
            continue
        fmt = "{:.3f}" if abs(r["reported"]) < 10 else "{:.0f}"
        tol = (f"±{r['tolerance']:.0%}" if r["kind"] == "relative" else
               f"±{r['tolerance']:.2f}" if r["kind"] == "absolute" else
               ">= " + fmt.format(r["reported"] - r["tolerance"]))
        lines.append(
            f"| {r['target']} | {fmt.format(r['reported'])} | {fmt.format(r['median'])} | "
            f"{fmt.format(r['q10'])}–{fmt.format(r['q90'])} | "
            f"{fmt.format(r['q025'])}–{fmt.format(r['q975'])} | {tol} | {r['passes']} |")
    return "\n".join(lines)
