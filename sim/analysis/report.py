"""The sweep report: one tidy table for a whole sweep and the paired comparison of its arms.

Every arm is compared with its baseline arm seed by seed: because every run draws its
randomness from streams split off its seed, an arm and its baseline with the same seed are
identical until the first day they differ, so the per-seed difference is the effect of what
differs and its spread over seeds is the uncertainty of that effect. Job folders may be arms
(ensembles, one folder per arm with a seed column) or single runs (one folder per seed).

``sim-compare <sweep folder>`` rebuilds the whole report from the saved job folders; the
``sim`` command builds it when a sweep ends (:class:`sim.app.callbacks.SweepReport`). Written
into ``<sweep folder>/report/``:

======================== =====================================================================
``sweep_monthly.parquet`` / ``.csv``  every finished job's monthly table: run (job folder),
                         scenario, sweep parameters, seed, month, region, counts
``runs.csv``             one row per job folder with its seeds and status (finished / failed /
                         unfinished) and, for a failed job, its error
``fan.csv``              national monthly fatalities per arm: median and bands over seeds
``difference.csv``       per arm and month: arm minus baseline (same seed), median and bands
``fatalities_2026.csv``  cumulative 2026 fatalities added (+) or averted (-) by actor per arm
``fan_<arm>.png``        fan chart per arm (:mod:`sim.analysis.fan`)
``difference.png``       the paired difference from the baseline per arm, with its bands
``report.md``            what the sweep holds (jobs, seeds, failures) and the headline table
======================== =====================================================================
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.analysis.arms import DEFAULT_BASELINE, Arm, make_arms, pair_arms
from sim.analysis.fan import lever_lines, plot_fan, read_monitor_annual
from sim.analysis.figures import plot_differences
from sim.analysis.tables import (
    COMPARISON_YEAR,
    cumulative_table,
    difference_table,
    fan_table,
    national,
    one_row_per_seed,
)
from sim.running.outputs import atomic_write, write_frame
from sim.running.posterior import without_draw
from sim.running.seed_chunks import first_difference
from sim.running.sweep import (
    REPORT_DIR,
    Run,
    SweepError,
    read_runs,
    read_sweep_info,
    runs_table,
    sweep_parameters,
    tidy_table,
)


@dataclass
class Report:
    """What :func:`build_report` wrote and found."""

    folder: Path
    n_runs: int
    """Job folders."""
    finished: int
    failed: list[Run]
    unfinished: int
    expected: int | None
    files: list[Path]
    headline: pd.DataFrame
    seeds: int = 0
    """Seeds in the finished job folders."""
    duplicate_seeds: int = 0
    """Seeds left out because another folder of the same arm holds them too."""

    def summary(self) -> str:
        """One line: how many jobs the report holds and which failed."""
        text = f"sweep report: {self.finished} finished"
        if self.expected is not None:
            text += f" of {self.expected} jobs"
        text += f" ({self.seeds} seeds), {len(self.failed)} failed"
        if self.failed:
            text += " (" + ", ".join(r.name for r in self.failed[:10])
            text += ", ..." if len(self.failed) > 10 else ""
            text += ")"
        if self.unfinished:
            text += f", {self.unfinished} unfinished"
        return text + f" -> {self.folder}"


def _lever_events(runs: list[Run], arm: Arm) -> pd.DataFrame:
    """The lever events of the arm's first job folder (every seed's, for an arm folder)."""
    folder = next(r.folder for r in runs if r.name == arm.runs[0])
    path = folder / "levers.csv"
    return pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["lever", "event"])


def _monitor_tables(runs: list[Run], arm: Arm) -> pd.DataFrame | None:
    """The monitor tables of every job folder of the arm (a seed held twice counted once);
    None if a folder has none (the fan then draws no monitor's view)."""
    tables = []
    for run in runs:
        if run.name in arm.runs and run.status == "finished":
            table = read_monitor_annual(run.folder, run.seed)
            if table is None:
                return None
            tables.append(table)
    if not tables:
        return None
    return pd.concat(tables, ignore_index=True).drop_duplicates(
        ["seed", "year", "region", "monitor"])


def _markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "(none)\n"
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    lines = ["| " + " | ".join(text.columns) + " |", "|" + "---|" * len(text.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in text.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _report_markdown(folder: Path, report: Report, info: dict, baseline: list[str],
                     arms: list[Arm], seeds: dict[str, int], constant: dict[str, str],
                     commits: Counter, cumulative: pd.DataFrame) -> str:
    lines = [f"# Sweep report: {folder}", ""]
    expected = f" of {report.expected} expected" if report.expected is not None else ""
    lines += [f"Jobs: {report.n_runs} job folders{expected}; {report.finished} finished "
              f"({report.seeds} seeds), {len(report.failed)} failed, {report.unfinished} "
              "unfinished.", ""]
    if report.duplicate_seeds:
        lines += [f"{report.duplicate_seeds} seeds held by two folders of the same arm were "
                  "counted once (the first folder's).", ""]
    if report.failed:
        lines += ["## Failed jobs", "", _markdown_table(pd.DataFrame(
            [(r.name, r.scenario, r.seed, r.error) for r in report.failed],
            columns=["job", "scenario", "seed", "error"])),
            "Each failed job folder holds error.json with the traceback.", ""]
    lines += ["## Arms", "",
              f"Baseline (compared with, seed by seed): `{' '.join(baseline)}`"
              + ("" if any(a.is_baseline for a in arms) else " — no such runs in this sweep, "
                 "so no paired differences."), ""]
    if constant:
        lines += ["Overrides shared by every job: "
                  + ", ".join(f"`{k}={v}`" for k, v in constant.items()), ""]
    lines += [_markdown_table(pd.DataFrame(
        [(a.label, len(a.runs), seeds.get(a.label, 0), "baseline" if a.is_baseline else
          (a.baseline.label if a.baseline else "")) for a in arms],
        columns=["arm", "job folders", "seeds", "compared with"]))]
    lines += [f"## Cumulative {COMPARISON_YEAR} fatalities added (+) or averted (-)", "",
              "Arm minus its baseline with the same seed, summed over the months of "
              f"{COMPARISON_YEAR}; median and 10-90% / 2.5-97.5% over seeds (fatalities).", ""]
    shown = cumulative[["arm", "actor", "n_pairs", "median", "q10", "q90", "q025", "q975",
                        "arm_median", "baseline_median"]].round(1) if len(cumulative) else \
        cumulative
    lines += [_markdown_table(shown), "## How to read this report", "",
              "- `fan_<arm>.png`: national fatalities of one arm over its seeds: the line is "
              "the median, the dark band holds 80% of seeds (10-90%), the light band 95% "
              "(2.5-97.5%). Bottom panel: annual totals of the simulated events (blue) and of "
              "CRSS's view of the same runs, with its reporting error (purple: what to compare "
              "with CRSS's points), and the CRSS annual figures as points (filled: reported, "
              "hollow: derived). Dashed lines: lever start and end dates.",
              "- `difference.png`: per seed, the arm minus its baseline; both share every "
              "random draw until the first day they differ, so the difference is exactly 0 "
              "before that day and then shows the effect with its spread over seeds.",
              f"- `fatalities_{COMPARISON_YEAR}.csv`: the same paired difference summed over "
              f"{COMPARISON_YEAR}, by actor. Negative = fatalities averted, positive = added.",
              "- `sweep_monthly.parquet` / `.csv`: every finished job's monthly table, one "
              "row per job folder, seed, month and region; `runs.csv`: every job folder, its "
              "seeds and its status.", ""]
    if commits:
        lines += ["Source commits of the runs: "
                  + ", ".join(f"`{c}` ({n})" for c, n in commits.most_common()), ""]
    if info.get("overrides"):
        lines += [f"Command-line overrides: `{' '.join(info['overrides'])}`", ""]
    return "\n".join(lines)


def refuse_damaged(sweep_dir: Path, runs: list[Run]) -> None:
    """SweepError naming the damaged job folders, if any."""
    damaged = [r for r in runs if r.status == "damaged"]
    if damaged:
        shown = "; ".join(f"{r.name}: {r.error}" for r in damaged[:3])
        more = f" and {len(damaged) - 3} more" if len(damaged) > 3 else ""
        raise SweepError(f"{sweep_dir} has {len(damaged)} damaged job folder(s) ({shown}{more}); "
                         "run the sweep again to redo them")


NOT_IDENTITY = ("seed", "output", "ensemble", "hydra")
"""Config keys that may differ between the runs of one arm."""


def _identity(config: dict) -> dict:
    """What runs of one arm must share: the config without the seed and its posterior draw."""
    return {k: v for k, v in without_draw(config).items() if k not in NOT_IDENTITY}


def refuse_unswept_differences(sweep_dir: Path, runs: list[Run], parameters: list[str],
                               info: dict) -> None:
    """SweepError when runs differ in a key the folder's sweep did not sweep: another sweep
    with another value was run into the same folder (``sweep.json`` records the keys swept;
    a folder without that record is not checked)."""
    if "swept" not in info:
        return
    for key in parameters:
        if key not in info["swept"]:
            values = sorted({str(r.overrides.get(key)) for r in runs})
            raise SweepError(
                f"{sweep_dir} holds runs of different configs: {key} is "
                f"{' in some, '.join(values)} in others, and the sweep recorded in sweep.json "
                "does not sweep it; give each config its own sweep folder")


def refuse_mixed_arms(sweep_dir: Path, runs: list[Run], arms: list[Arm]) -> None:
    """SweepError when the runs of one arm were made with different configs (e.g. a config
    file changed between two runs of the same sweep)."""
    by_name = {r.name: r for r in runs}
    for arm in arms:
        configs = [(name, by_name[name].config) for name in arm.runs
                   if isinstance(by_name[name].config, dict)]
        first_name, first = configs[0] if configs else ("", {})
        for name, config in configs[1:]:
            found = first_difference(_identity(first), _identity(config))
            if found:
                raise SweepError(
                    f"{sweep_dir}: arm {arm.label} holds runs of different configs "
                    f"({first_name} and {name}: {found}); give each config its own sweep "
                    "folder")


def build_report(sweep_dir: Path, baseline: list[str] | None = None) -> Report:
    """Read every job folder of a sweep and write its report into ``<sweep_dir>/report/``.

    Args:
        sweep_dir: the sweep folder (``hydra.sweep.dir``).
        baseline: ``key=value`` overrides that pick the baseline arm; default: what the
            sweep recorded in sweep.json, else ``scenario=as_happened``.

    Raises:
        SweepError: the folder is not a sweep folder (one-line message).
    """
    sweep_dir = Path(sweep_dir)
    runs = read_runs(sweep_dir)
    refuse_damaged(sweep_dir, runs)
    info = read_sweep_info(sweep_dir)
    baseline = list(baseline or info.get("baseline") or DEFAULT_BASELINE)
    parameters, constant = sweep_parameters(runs)
    refuse_unswept_differences(sweep_dir, runs, parameters, info)
    out = sweep_dir / REPORT_DIR
    files: list[Path] = []

    table = tidy_table(runs, parameters)
    files += [write_frame(table, out / "sweep_monthly.parquet"),
              write_frame(table, out / "sweep_monthly.csv"),
              write_frame(runs_table(runs, parameters), out / "runs.csv")]

    arms = list(make_arms(runs, parameters).values())
    refuse_mixed_arms(sweep_dir, runs, arms)
    pair_arms(arms, baseline, constant)
    nat = national(table) if len(table) else pd.DataFrame(columns=["run", "seed", "month"])
    nat, duplicates = one_row_per_seed(nat, arms)
    cumulative = cumulative_table(nat, arms, parameters)
    seeds = {arm.label: int(nat.loc[nat["run"].isin(arm.runs), "seed"].nunique())
             for arm in arms}
    if arms:
        lines = {arm.label: lever_lines(_lever_events(runs, arm)) for arm in arms}
        diff = difference_table(nat, arms)
        files += [write_frame(fan_table(nat, arms), out / "fan.csv"),
                  write_frame(diff, out / "difference.csv"),
                  write_frame(cumulative, out / f"fatalities_{COMPARISON_YEAR}.csv")]
        for arm in arms:
            own = nat[nat["run"].isin(arm.runs)]
            files.append(plot_fan(own, lines[arm.label], f"arm {arm.label}",
                                  out / f"fan_{arm.slug}.png", _monitor_tables(runs, arm)))
        drawn = plot_differences(diff, arms, lines, out / "difference.png")
        files += [drawn] if drawn else []

    failed = [r for r in runs if r.status == "failed"]
    report = Report(
        folder=out, n_runs=len(runs), finished=sum(r.status == "finished" for r in runs),
        failed=failed, unfinished=sum(r.status == "unfinished" for r in runs),
        expected=info.get("total_runs"), files=files, headline=cumulative,
        seeds=sum(seeds.values()), duplicate_seeds=duplicates,
    )
    commits = Counter(r.git_commit for r in runs if r.status == "finished" and r.git_commit)
    text = _report_markdown(sweep_dir, report, info, baseline, arms, seeds, constant, commits,
                            cumulative)
    report.files.append(atomic_write(out / "report.md",
                                     lambda tmp: tmp.write_text(text, encoding="utf-8")))
    return report
