"""Fan charts: national fatalities of one arm over its seeds.

The top panel is national monthly fatalities (all actors): the median over seeds, the 80%
band (10-90%) and the 95% band (2.5-97.5%), with lever dates dashed. The bottom panel is the
same for annual totals (whole calendar years only), with the annual figures CRSS reported as
points: they are annual counts, so they are never drawn against monthly values. Beside each
year's band of the simulated events it draws, where the runs' monitor tables are at hand, the
band of CRSS's view of the same runs (:mod:`sim.model.observation`): that band carries CRSS's
reporting error as well, and it is what CRSS's points should be compared with.

matplotlib is imported only to draw (:func:`pyplot`), so the bands can be computed without it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.tables import QUANTILES, quantile_bands
from sim.data import reported
from sim.running.outputs import atomic_write

VALUE = "fatalities_total"
"""The column of the national table a fan chart shows [fatalities per month]."""
OBSERVED_MONITOR = "crss"
"""The monitor whose view of the runs the annual panel draws (its figures are the points)."""


def pyplot():
    """matplotlib's pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def lever_lines(events: pd.DataFrame) -> list[tuple[pd.Timestamp, str]]:
    """(date, label) of the lever events every seed shares: each start, and each end of a
    lever that never broke down (breakdowns, and the ends they bring, differ by seed)."""
    if events.empty:
        return []
    broke = set(events.loc[events["event"] == "breakdown", "lever"])
    keep = events[(events["event"] == "start")
                  | ((events["event"] == "end") & ~events["lever"].isin(broke))]
    return sorted({(pd.Timestamp(r.date), f"{r.lever} {r.event}") for r in keep.itertuples()})


def _by_seed(national: pd.DataFrame, period: str) -> pd.DataFrame:
    """Seeds x periods matrix of ``VALUE``."""
    return national.pivot_table(index="seed", columns=period, values=VALUE, aggfunc="sum",
                                sort=True)


def _bands_of(matrix: pd.DataFrame, period: str) -> pd.DataFrame:
    values = matrix.to_numpy(dtype=float)
    out = pd.DataFrame({period: matrix.columns, **quantile_bands(values)})
    out["n"] = matrix.shape[0]
    return out[[period, *QUANTILES, "n"]]


def monthly_bands(national: pd.DataFrame) -> pd.DataFrame:
    """Per month: median and bands over seeds of national fatalities, and the seeds ``n``.

    Args:
        national: one row per seed and month: ``seed``, ``month`` (YYYY-MM),
            ``fatalities_total`` [fatalities per month, national].
    """
    return _bands_of(_by_seed(national, "month"), "month")


def annual_bands(national: pd.DataFrame) -> pd.DataFrame:
    """Per whole calendar year in the table: median and bands over seeds of national
    fatalities [fatalities per year]."""
    year = national["month"].str.slice(0, 4).astype(int)
    months = national.assign(year=year).groupby("year")["month"].nunique()
    whole = months.index[months == 12]
    frame = national.assign(year=year)
    frame = frame[frame["year"].isin(whole)]
    if frame.empty:
        return pd.DataFrame(columns=["year", *QUANTILES, "n"])
    return _bands_of(_by_seed(frame, "year"), "year")


def monitor_national_annual(monitors_annual: pd.DataFrame, monitor: str = OBSERVED_MONITOR
                            ) -> pd.DataFrame:
    """One monitor's national annual view of the runs: ``seed``, ``year``, ``fatalities_total``
    [fatalities per year], from monitor tables (``seed``, ``year``, ``region``, ``monitor``,
    the counts)."""
    rows = monitors_annual[monitors_annual["monitor"] == monitor]
    return rows.groupby(["seed", "year"], as_index=False)[VALUE].sum()


def read_monitor_annual(folder: Path, seed: int | None = None) -> pd.DataFrame | None:
    """The monitor tables of a run or arm folder (``monitors_annual.parquet`` of an arm, or a
    single run's ``monitors_annual.csv``, given its ``seed``); None when the folder has
    neither."""
    parquet, csv = Path(folder) / "monitors_annual.parquet", Path(folder) / "monitors_annual.csv"
    if parquet.is_file():
        table = pd.read_parquet(parquet)
    elif csv.is_file():
        table = pd.read_csv(csv)
    else:
        return None
    if "seed" not in table.columns:
        if seed is None:
            return None
        table = table.assign(seed=int(seed))
    return table


def draw_bands(ax, x, table: pd.DataFrame, colour: str, label: str) -> None:
    """The 95% band, the 80% band and the median of ``table`` against ``x``."""
    ax.fill_between(x, table["q025"], table["q975"], color=colour, alpha=0.18, linewidth=0,
                    label="95% band (2.5-97.5%)")
    ax.fill_between(x, table["q10"], table["q90"], color=colour, alpha=0.35, linewidth=0,
                    label="80% band (10-90%)")
    ax.plot(x, table["median"], color=colour, linewidth=1.5, label=label)


LABEL_GAP = 0.035
"""Smallest gap between two labelled lever lines, as a share of the panel's width: closer
lines are drawn without a label (``levers.csv`` lists every event)."""


def draw_lever_lines(ax, lines: list[tuple[pd.Timestamp, str]],
                     since: pd.Timestamp | None = None) -> None:
    """Dashed vertical lines at lever dates, labelled along the top of the panel where there is
    room (a line closer than :data:`LABEL_GAP` to the last labelled one keeps no label)."""
    from matplotlib import dates as mdates

    low, high = ax.get_xlim()
    gap = LABEL_GAP * (high - low)
    last_labelled = None
    for date, text in sorted(lines):
        if since is not None and date < since:
            continue
        ax.axvline(date, color="k", linestyle="--", linewidth=0.6, alpha=0.45)
        at = mdates.date2num(date)
        if last_labelled is None or at - last_labelled >= gap:
            ax.annotate(text, (date, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                        va="top", ha="right", fontsize=6.5, alpha=0.8)
            last_labelled = at


def save_figure(fig, path: Path) -> Path:
    """Write ``fig`` as PNG (atomically) and close it."""
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    pyplot().close(fig)
    return Path(path)


def draw_annual(ax, annual: pd.DataFrame, colour: str, label: str,
                offset: float = 0.0) -> None:
    """Annual medians as points with the 80% band (thick) and the 95% band (thin) as bars,
    ``offset`` years right of each year."""
    years = annual["year"].astype(int) + offset
    ax.vlines(years, annual["q025"], annual["q975"], color=colour, alpha=0.45, linewidth=2,
              label=f"{label}: 95% band (2.5-97.5%)")
    ax.vlines(years, annual["q10"], annual["q90"], color=colour, linewidth=6, alpha=0.6,
              label=f"{label}: 80% band (10-90%)")
    ax.scatter(years, annual["median"], color=colour, s=30, zorder=3,
               label=f"{label}: median")


def _reported_points(ax, years: pd.Series) -> None:
    """CRSS national annual fatalities for ``years``, drawn a little right of the simulated
    ones: filled reported, hollow derived."""
    points = reported.national_fatalities()
    points = points[points.index.isin(years)]
    if points.empty:
        return
    kinds = reported.figures().loc[[f"fatalities_national_{y}" for y in points.index],
                                   "kind"].to_numpy()
    for kind, marker in (("reported", "s"), ("derived", "D")):
        mask = kinds == kind
        if mask.any():
            ax.scatter(points.index[mask] + 0.17, points.values[mask], marker=marker, s=50,
                       facecolors="tab:red" if kind == "reported" else "none",
                       edgecolors="tab:red", zorder=3, label=f"CRSS national, {kind} (per year)")


BAND_CAPTION = ("Bands are quantiles over seeds, each run drawing its parameters from the "
                "calibration's posterior (the default): parameter and simulation uncertainty\n"
                "(with parameters.draw_from_posterior=false: simulation noise only). Blue bands "
                "are of the simulated events, without a monitor's reporting (observation) "
                "error;\npurple bands, where drawn, are CRSS's view of the same runs, with it.")
"""The caption under every figure with bands, so that no band is read as all we know."""


def add_band_caption(fig) -> None:
    """Lay out ``fig`` leaving room for :data:`BAND_CAPTION` at its foot, and write it."""
    height = fig.get_figheight()
    fig.tight_layout(rect=(0, 0.45 / height, 1, 1))
    fig.text(0.01, 0.08 / height, BAND_CAPTION, fontsize=7.5, color="0.3", ha="left",
             va="bottom")


def plot_fan(national: pd.DataFrame, lines: list[tuple[pd.Timestamp, str]], title: str,
             path: Path, monitors_annual: pd.DataFrame | None = None) -> Path:
    """Fan chart of one arm (see the module docstring) from its national table (``seed``,
    ``month``, ``fatalities_total``), its lever dates (:func:`lever_lines`) and, if given,
    its runs' monitor tables (:func:`read_monitor_annual`) for CRSS's view."""
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D

    monthly = monthly_bands(national)
    annual = annual_bands(national)
    n_seeds = int(national["seed"].nunique())
    fig, (top, bottom) = pyplot().subplots(2, 1, figsize=(11, 8),
                                      gridspec_kw={"height_ratios": [3, 2]})
    draw_bands(top, pd.to_datetime(monthly["month"]), monthly, "tab:blue", "median")
    draw_lever_lines(top, lines)
    top.set_title(f"{title}\nnational fatalities per month: median and bands over "
                  f"{n_seeds} seeds", fontsize=10)
    top.set_ylabel("fatalities per month\n(Pakistan, all actors)")
    top.set_ylim(bottom=0)
    top.xaxis.set_major_locator(mdates.YearLocator())
    top.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    handles, _ = top.get_legend_handles_labels()
    if lines:
        handles.append(Line2D([], [], color="k", linestyle="--", linewidth=0.8,
                              label="lever start / end"))
    top.legend(handles=handles, loc="upper left", fontsize=8)

    if len(annual):
        draw_annual(bottom, annual, "tab:blue", "simulated events", -0.15)
        if monitors_annual is not None and len(monitors_annual):
            view = monitor_national_annual(monitors_annual)
            view = view[view["year"].isin(annual["year"].astype(int))]
            if len(view):
                draw_annual(bottom, _bands_of(_by_seed(view, "year"), "year"), "tab:purple",
                            "CRSS's view of them (with its reporting error)", 0.0)
        _reported_points(bottom, annual["year"].astype(int))
        bottom.set_xlim(annual["year"].min() - 0.6, annual["year"].max() + 0.6)
        bottom.legend(fontsize=7, loc="best")
    else:
        bottom.text(0.5, 0.5, "no whole calendar year in the window", ha="center",
                    va="center", transform=bottom.transAxes)
    bottom.set_title("national fatalities per calendar year", fontsize=9)
    bottom.set_ylabel("fatalities per year\n(Pakistan, all actors)")
    bottom.set_xlabel("year")
    bottom.xaxis.get_major_locator().set_params(integer=True)
    bottom.set_ylim(bottom=0)
    add_band_caption(fig)
    return save_figure(fig, path)

