"""The sweep report: one tidy table for a whole sweep and the paired comparison of its arms.

An *arm* is a scenario with one set of sweep-parameter values (e.g. ``as_happened`` with
``leakage=0.5``); its runs differ only in their seed. The *baseline* arm is the one the
others are compared with, seed by seed (by default ``scenario=as_happened``). Because every
run draws its randomness from streams split off its seed, an arm and its baseline with the
same seed are identical until the first day they differ, so the per-seed difference is the
effect of what differs and its spread over seeds is the uncertainty of that effect.

Ensembles are summarised by quantiles over seeds — the median, the 80% band (10-90%) and
the 95% band (2.5-97.5%) — never by mean and standard deviation.

``sim-compare <sweep folder>`` rebuilds the whole report from the saved run folders; the
``sim`` command builds it when a sweep ends (:class:`sim.app.callbacks.SweepReport`). Written
into ``<sweep folder>/report/``:

======================== =====================================================================
``sweep_monthly.parquet`` / ``.csv``  every finished run's monthly table: run, scenario, sweep
                         parameters, seed, month, region, counts
``runs.csv``             one row per run folder with its status (finished / failed /
                         unfinished) and, for a failed run, its error
``fan.csv``              national monthly fatalities per arm: median and bands over seeds
``difference.csv``       per arm and month: arm minus baseline (same seed), median and bands
``fatalities_2026.csv``  cumulative 2026 fatalities added (+) or averted (-) by actor per arm
``fan_<arm>.png``        fan chart per arm, reported figures as points, lever dates dashed
``difference.png``       the paired difference from the baseline per arm, with its bands
``report.md``            what the sweep holds (runs, failures) and the headline table
======================== =====================================================================
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.data import reported
from sim.running.outputs import atomic_write, write_csv, write_parquet
from sim.running.sweep import (
    REPORT_DIR,
    Run,
    parse_overrides,
    read_runs,
    read_sweep_info,
    runs_table,
    same_value,
    sweep_parameters,
    tidy_table,
)

QUANTILES = {"q025": 0.025, "q10": 0.10, "median": 0.5, "q90": 0.90, "q975": 0.975}
"""Column name -> quantile over seeds: the median, the 80% and the 95% bands."""
ACTORS = {"civilian": "fatalities_civilian", "security": "fatalities_security",
          "militant": "fatalities_militant", "total": "fatalities_total"}
DEFAULT_BASELINE = ("scenario=as_happened",)
COMPARISON_YEAR = 2026


@dataclass
class Arm:
    """A scenario with one set of sweep-parameter values; its runs differ only by seed."""

    scenario: str
    params: dict[str, str]
    label: str
    runs: list[str] = field(default_factory=list)
    """Names of its finished runs."""
    baseline: Arm | None = None
    """The arm it is compared with (None for a baseline arm, or when there is none)."""
    is_baseline: bool = False

    @property
    def slug(self) -> str:
        """The label as a file-name fragment."""
        return re.sub(r"[^A-Za-z0-9.]+", "_", self.label).strip("_")


@dataclass
class Report:
    """What :func:`build_report` wrote and found."""

    folder: Path
    n_runs: int
    finished: int
    failed: list[Run]
    unfinished: int
    expected: int | None
    files: list[Path]
    headline: pd.DataFrame

    def summary(self) -> str:
        """One line: how many runs the report holds and which failed."""
        text = f"sweep report: {self.finished} finished"
        if self.expected is not None:
            text += f" of {self.expected} runs"
        text += f", {len(self.failed)} failed"
        if self.failed:
            text += " (" + ", ".join(r.name for r in self.failed[:10])
            text += ", ..." if len(self.failed) > 10 else ""
            text += ")"
        if self.unfinished:
            text += f", {self.unfinished} unfinished"
        return text + f" -> {self.folder}"


# --- arms and pairing -----------------------------------------------------------------------


def _short_names(parameters: list[str]) -> dict[str, str]:
    """Shortest unique dotted suffix of each parameter key (``...closure_2025.leakage`` ->
    ``leakage``)."""
    names = {}
    for key in parameters:
        parts = key.split(".")
        for n in range(1, len(parts) + 1):
            name = ".".join(parts[-n:])
            if sum(k.split(".")[-n:] == parts[-n:] for k in parameters) == 1:
                break
        names[key] = name
    return names


def make_arms(runs: list[Run], parameters: list[str]) -> dict[tuple, Arm]:
    """Arms of the finished runs, keyed by (scenario, parameter values...)."""
    short = _short_names(parameters)
    arms: dict[tuple, Arm] = {}
    for run in runs:
        if run.status != "finished":
            continue
        values = tuple(run.overrides.get(k) for k in parameters)
        key = (run.scenario, *values)
        if key not in arms:
            params = dict(zip(parameters, values, strict=True))
            label = " ".join([str(run.scenario)] + [f"{short[k]}={v}" for k, v in params.items()])
            arms[key] = Arm(scenario=str(run.scenario), params=params, label=label)
        arms[key].runs.append(run.name)
    return arms


def matches(arm: Arm, baseline: list[str], constant: dict[str, str]) -> bool:
    """Whether an arm is (one of) the baseline: every ``key=value`` of ``baseline`` holds."""
    for key, value in parse_overrides(baseline).items():
        if key == "scenario":
            if arm.scenario != value:
                return False
        elif key in arm.params:
            if not same_value(arm.params[key], value):
                return False
        elif key not in constant or not same_value(constant[key], value):
            return False
    return True


def pair_arms(arms: list[Arm], baseline: list[str], constant: dict[str, str]) -> None:
    """Mark the baseline arms and give every other arm the baseline arm it is compared with:
    the one that agrees with it on the most sweep parameters (first such in job order)."""
    bases = [arm for arm in arms if matches(arm, baseline, constant)]
    for arm in bases:
        arm.is_baseline = True
    for arm in arms:
        if arm.is_baseline or not bases:
            continue
        agree = [sum(same_value(b.params.get(k), v) for k, v in arm.params.items())
                 for b in bases]
        arm.baseline = bases[int(np.argmax(agree))]


# --- statistics -----------------------------------------------------------------------------


def bands(frame: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Median and 80%/95% bands of ``column`` over the rows of each ``by`` group, with the
    number of runs ``n``."""
    grouped = frame.groupby(by, sort=True)[column]
    out = pd.DataFrame({name: grouped.quantile(q) for name, q in QUANTILES.items()})
    out["n"] = grouped.size()
    return out.reset_index()


def national(tidy: pd.DataFrame) -> pd.DataFrame:
    """National monthly counts per run (summed over regions): run, seed, month, counts."""
    counts = [c for c in tidy.columns if c in ("attacks", "operations") or
              c.startswith("fatalities_")]
    return tidy.groupby(["run", "seed", "month"], sort=True)[counts].sum().reset_index()


def arm_of_run(arms: list[Arm]) -> dict[str, Arm]:
    return {run: arm for arm in arms for run in arm.runs}


def fan_table(nat: pd.DataFrame, arms: list[Arm], column: str = "fatalities_total"
              ) -> pd.DataFrame:
    """Per arm and month: median and bands over seeds of a national monthly count."""
    lookup = arm_of_run(arms)
    frame = nat.assign(arm=nat["run"].map(lambda r: lookup[r].label))
    return bands(frame, ["arm", "month"], column)


def paired(nat: pd.DataFrame, arm: Arm, columns: list[str]) -> pd.DataFrame:
    """Per seed and month: arm minus its baseline (same seed) for ``columns``."""
    assert arm.baseline is not None
    a = nat[nat["run"].isin(arm.runs)].set_index(["seed", "month"])[columns]
    b = nat[nat["run"].isin(arm.baseline.runs)].set_index(["seed", "month"])[columns]
    a, b = a.align(b, join="inner")
    return (a - b).reset_index()


def difference_table(nat: pd.DataFrame, arms: list[Arm], column: str = "fatalities_total"
                     ) -> pd.DataFrame:
    """Per compared arm and month: median and bands over seeds of arm minus baseline."""
    frames = []
    for arm in arms:
        if arm.baseline is None:
            continue
        diff = paired(nat, arm, [column]).assign(arm=arm.label, baseline=arm.baseline.label)
        frames.append(bands(diff, ["arm", "baseline", "month"], column))
    columns = ["arm", "baseline", "month", *QUANTILES, "n"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def cumulative_table(nat: pd.DataFrame, arms: list[Arm], parameters: list[str],
                     year: int = COMPARISON_YEAR) -> pd.DataFrame:
    """Cumulative fatalities over ``year`` added (+) or averted (-) by actor per arm.

    For each seed: the arm's fatalities summed over the months of ``year`` minus the
    baseline's with the same seed [fatalities]; then the median and the 10-90% and
    2.5-97.5% quantiles over seeds (``n_pairs`` seeds). ``arm_median`` and
    ``baseline_median`` are the medians of the two cumulative totals themselves.
    """
    columns = list(ACTORS.values())
    in_year = nat[nat["month"].str.startswith(f"{year}-")]
    rows = []
    for arm in arms:
        if arm.baseline is None or in_year.empty:
            continue
        diff = paired(in_year, arm, columns).groupby("seed")[columns].sum()
        own = in_year[in_year["run"].isin(arm.runs)].groupby("seed")[columns].sum()
        base = in_year[in_year["run"].isin(arm.baseline.runs)].groupby("seed")[columns].sum()
        for actor, column in ACTORS.items():
            row = {"arm": arm.label, "scenario": arm.scenario, **arm.params,
                   "baseline": arm.baseline.label, "actor": actor, "n_pairs": len(diff)}
            row.update({name: float(diff[column].quantile(q)) for name, q in QUANTILES.items()})
            row["arm_median"] = float(own[column].median())
            row["baseline_median"] = float(base[column].median())
            rows.append(row)
    return pd.DataFrame(rows, columns=["arm", "scenario", *parameters, "baseline", "actor",
                                       "n_pairs", *QUANTILES, "arm_median", "baseline_median"])


# --- plots ----------------------------------------------------------------------------------


def _lever_dates(runs: list[Run], arm: Arm) -> list[tuple[pd.Timestamp, str]]:
    """Start and end dates of the arm's levers (from its first run's levers.csv); breakdown
    dates (and the ends they cause) are left out because they differ from seed to seed."""
    folder = next(r.folder for r in runs if r.name == arm.runs[0])
    path = folder / "levers.csv"
    if not path.exists():
        return []
    events = pd.read_csv(path)
    broke = set(events.loc[events["event"] == "breakdown", "lever"])
    events = events[(events["event"] == "start")
                    | ((events["event"] == "end") & ~events["lever"].isin(broke))]
    return [(pd.Timestamp(r.date), f"{r.lever} {r.event}") for r in events.itertuples()]


def _draw_dates(ax, dates: list[tuple[pd.Timestamp, str]], lo: pd.Timestamp | None = None
                ) -> None:
    for date, text in dates:
        if lo is not None and date < lo:
            continue
        ax.axvline(date, color="k", linestyle="--", linewidth=0.8, alpha=0.6)
        ax.annotate(text, (date, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                    va="top", ha="right", fontsize=7, alpha=0.8)


def _fan(ax, x, table: pd.DataFrame, colour: str, label: str) -> None:
    ax.fill_between(x, table["q025"], table["q975"], color=colour, alpha=0.18, linewidth=0,
                    label="95% band (2.5-97.5%)")
    ax.fill_between(x, table["q10"], table["q90"], color=colour, alpha=0.35, linewidth=0,
                    label="80% band (10-90%)")
    ax.plot(x, table["median"], color=colour, linewidth=1.5, label=label)


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
    return path


def plot_fan(nat: pd.DataFrame, arm: Arm, dates, path: Path) -> Path:
    """Fan chart of one arm: national monthly fatalities (top) and annual fatalities against
    the reported CRSS figures (bottom), median with 80% and 95% bands over seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = nat[nat["run"].isin(arm.runs)]
    monthly = bands(runs, ["month"], "fatalities_total")
    year = runs["month"].str.slice(0, 4).astype(int)
    full = runs.assign(year=year).groupby("year")["month"].nunique() == 12
    annual_runs = runs.assign(year=year).groupby(["run", "year"])["fatalities_total"].sum()
    annual = bands(annual_runs.reset_index(), ["year"], "fatalities_total")
    annual = annual[annual["year"].map(full)]

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8),
                                      gridspec_kw={"height_ratios": [3, 2]})
    _fan(top, pd.to_datetime(monthly["month"]), monthly, "tab:blue", "median")
    _draw_dates(top, dates)
    top.set_ylabel("fatalities per month (national)")
    top.set_title(f"{arm.label}: {len(arm.runs)} seeds")
    top.legend(loc="upper left", fontsize=8)

    _fan(bottom, annual["year"], annual, "tab:blue", "simulated, national (median)")
    figures = reported.figures()
    points = reported.national_fatalities()
    points = points[points.index.isin(annual["year"])]
    kinds = figures.loc[[f"fatalities_national_{y}" for y in points.index], "kind"].to_numpy()
    for kind, marker in (("reported", "s"), ("derived", "D")):
        mask = kinds == kind
        if mask.any():
            bottom.scatter(points.index[mask], points.values[mask], marker=marker, s=50,
                           facecolors="tab:red" if kind == "reported" else "none",
                           edgecolors="tab:red", zorder=3, label=f"CRSS national ({kind})")
    bottom.set_ylabel("fatalities per year (national)")
    bottom.set_xlabel("year")
    bottom.xaxis.get_major_locator().set_params(integer=True)
    bottom.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return _save(fig, path)


def plot_differences(diff: pd.DataFrame, arms: list[Arm], runs: list[Run], path: Path
                     ) -> Path | None:
    """One panel per compared arm: national monthly fatalities, arm minus baseline (same
    seed), median with 80% and 95% bands, from a few months before the first difference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    compared = [arm for arm in arms if arm.baseline is not None]
    if not compared or diff.empty:
        return None
    moved = diff[(diff["q025"] != 0) | (diff["q975"] != 0)]
    lo = (pd.Timestamp(moved["month"].min()) - pd.DateOffset(months=3)) if len(moved) else None
    fig, axes = plt.subplots(len(compared), 1, figsize=(11, 2.6 * len(compared) + 0.6),
                             sharex=True, squeeze=False)
    for ax, arm in zip(axes[:, 0], compared, strict=True):
        table = diff[diff["arm"] == arm.label]
        if lo is not None:
            table = table[pd.to_datetime(table["month"]) >= lo]
        _fan(ax, pd.to_datetime(table["month"]), table, "tab:purple", "median difference")
        ax.axhline(0, color="k", linewidth=0.8)
        dates = sorted(set(_lever_dates(runs, arm)) | set(_lever_dates(runs, arm.baseline)))
        _draw_dates(ax, dates, lo)
        n = int(table["n"].max()) if len(table) else 0
        ax.set_title(f"{arm.label} minus {arm.baseline.label} (same seed, {n} pairs)",
                     fontsize=9)
        ax.set_ylabel("fatalities / month")
    axes[0, 0].legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    return _save(fig, path)


# --- the report -----------------------------------------------------------------------------


def _markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(none)\n"
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    lines = ["| " + " | ".join(text.columns) + " |", "|" + "---|" * len(text.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in text.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _report_markdown(folder: Path, report: Report, info: dict, baseline: list[str],
                     arms: list[Arm], constant: dict[str, str], commits: Counter,
                     cumulative: pd.DataFrame) -> str:
    lines = [f"# Sweep report: {folder}", ""]
    expected = f" of {report.expected} expected" if report.expected is not None else ""
    lines += [f"Runs: {report.n_runs} run folders{expected}; {report.finished} finished, "
              f"{len(report.failed)} failed, {report.unfinished} unfinished.", ""]
    if report.failed:
        lines += ["## Failed runs", "", _markdown_table(pd.DataFrame(
            [(r.name, r.scenario, r.seed, r.error) for r in report.failed],
            columns=["run", "scenario", "seed", "error"])),
            "Each failed run folder holds error.json with the traceback.", ""]
    lines += ["## Arms", "",
              f"Baseline (compared with, seed by seed): `{' '.join(baseline)}`"
              + ("" if any(a.is_baseline for a in arms) else " — no such runs in this sweep, "
                 "so no paired differences."), ""]
    if constant:
        lines += ["Overrides shared by every run: "
                  + ", ".join(f"`{k}={v}`" for k, v in constant.items()), ""]
    lines += [_markdown_table(pd.DataFrame(
        [(a.label, len(a.runs), "baseline" if a.is_baseline else
          (a.baseline.label if a.baseline else "")) for a in arms],
        columns=["arm", "finished runs", "compared with"]))]
    lines += [f"## Cumulative {COMPARISON_YEAR} fatalities added (+) or averted (-)", "",
              "Arm minus its baseline with the same seed, summed over the months of "
              f"{COMPARISON_YEAR}; median and 10-90% / 2.5-97.5% over seeds (fatalities).", ""]
    shown = cumulative[["arm", "actor", "n_pairs", "median", "q10", "q90", "q025", "q975",
                        "arm_median", "baseline_median"]].round(1) if len(cumulative) else \
        cumulative
    lines += [_markdown_table(shown), "## How to read this report", "",
              "- `fan_<arm>.png`: national fatalities of one arm over its seeds: the line is "
              "the median, the dark band holds 80% of seeds (10-90%), the light band 95% "
              "(2.5-97.5%). Bottom panel: annual totals with the CRSS figures as points "
              "(filled: reported, hollow: derived). Dashed lines: lever start and end dates.",
              "- `difference.png`: per seed, the arm minus its baseline; both share every "
              "random draw until the first day they differ, so the difference is exactly 0 "
              "before that day and then shows the effect with its spread over seeds.",
              "- `fatalities_2026.csv`: the same paired difference summed over 2026, by "
              "actor. Negative = fatalities averted, positive = added.",
              "- `sweep_monthly.parquet` / `.csv`: every finished run's monthly table, one "
              "row per run, month and region; `runs.csv`: every run folder and its status.",
              ""]
    if commits:
        lines += ["Source commits of the runs: "
                  + ", ".join(f"`{c}` ({n})" for c, n in commits.most_common()), ""]
    if info.get("overrides"):
        lines += [f"Command-line overrides: `{' '.join(info['overrides'])}`", ""]
    return "\n".join(lines)


def build_report(sweep_dir: Path, baseline: list[str] | None = None) -> Report:
    """Read every run folder of a sweep and write its report into ``<sweep_dir>/report/``.

    Args:
        sweep_dir: the sweep folder (``hydra.sweep.dir``).
        baseline: ``key=value`` overrides that pick the baseline arm; default: what the
            sweep recorded in sweep.json, else ``scenario=as_happened``.

    Raises:
        SweepError: the folder is not a sweep folder (one-line message).
    """
    sweep_dir = Path(sweep_dir)
    runs = read_runs(sweep_dir)
    info = read_sweep_info(sweep_dir)
    baseline = list(baseline or info.get("baseline") or DEFAULT_BASELINE)
    parameters, constant = sweep_parameters(runs)
    out = sweep_dir / REPORT_DIR
    files: list[Path] = []

    table = tidy_table(runs, parameters)
    files += [write_parquet(table, out / "sweep_monthly.parquet"),
              write_csv(table, out / "sweep_monthly.csv"),
              write_csv(runs_table(runs, parameters), out / "runs.csv")]

    arms = list(make_arms(runs, parameters).values())
    pair_arms(arms, baseline, constant)
    nat = national(table) if len(table) else pd.DataFrame(columns=["run", "seed", "month"])
    cumulative = cumulative_table(nat, arms, parameters)
    if arms:
        fan = fan_table(nat, arms)
        diff = difference_table(nat, arms)
        files += [write_csv(fan, out / "fan.csv"), write_csv(diff, out / "difference.csv"),
                  write_csv(cumulative, out / "fatalities_2026.csv")]
        for arm in arms:
            files.append(plot_fan(nat, arm, _lever_dates(runs, arm), out / f"fan_{arm.slug}.png"))
        drawn = plot_differences(diff, arms, runs, out / "difference.png")
        files += [drawn] if drawn else []

    failed = [r for r in runs if r.status == "failed"]
    report = Report(
        folder=out, n_runs=len(runs), finished=sum(r.status == "finished" for r in runs),
        failed=failed, unfinished=sum(r.status == "unfinished" for r in runs),
        expected=info.get("total_runs"), files=files, headline=cumulative,
    )
    commits = Counter(r.git_commit for r in runs if r.status == "finished" and r.git_commit)
    text = _report_markdown(sweep_dir, report, info, baseline, arms, constant, commits,
                            cumulative)
    report.files.append(atomic_write(out / "report.md",
                                     lambda tmp: tmp.write_text(text, encoding="utf-8")))
    return report
