"""The reported figures: one data file with provenance, read by plots, calibration and tests.

``reported_figures.yaml`` holds every published value the project uses: the seed figures
(sources S0-S4, which calibration and plots read by id) and the figures researched from the
monitors (CRSS, PICSS, PIPS, the UN Monitoring Team, officials, ...), each with its source, its
quote, its monitor and the monitor's definition of what it counts. This module is its only
reader.

- :func:`value`, :func:`figure`, :func:`figures`: one figure or all of them, by id.
- :func:`series`: a tidy table of figures chosen by monitor, metric, region, actor and period,
  one row per quantity (the latest published value) unless every vintage is asked for.
- :func:`annual_series`: one monitor's annual series as a :class:`pandas.Series` by year.
- :func:`national_fatalities`: the seed series of national fatalities that calibration and the
  plots compare with (CRSS, 2020-2025, reported and derived); it never takes in researched rows.
- :func:`events`: the dated events; :func:`monitors`, :func:`sources`, :func:`vocabulary`,
  :func:`definition`, :func:`latest`.
- :func:`sha256`: the hash of the whole file, recorded in every manifest.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import pandas as pd

DATA_FILE = "reported_figures.yaml"
SEED_NATIONAL = r"fatalities_national_\d{4}$"
"""Ids of the seed series read by :func:`national_fatalities` (lower case: no researched id
matches it)."""
VOCABULARIES = ("regions", "actors", "metrics", "units")
PERIODS = {"annual": "year", "monthly": "month", "quarterly": "quarter", "half-yearly": "half"}
"""Names :func:`series` accepts for ``period``, besides the period kinds themselves."""
REPLACED = ("superseded_by", "same_as", "variant_of")
"""A row with one of these links is not the latest value of its quantity."""
SERIES_COLUMNS = [
    "id", "kind", "monitor", "definition", "metric", "region", "actor", "period", "period_kind",
    "period_start", "period_end", "value", "bound", "unit", "vintage", "latest", "source",
    "publisher", "url",
]


def _text() -> bytes:
    return resources.files("sim.data").joinpath(DATA_FILE).read_bytes()


def sha256() -> str:
    """Hash of the reported-figures file, recorded in every manifest."""
    return hashlib.sha256(_text()).hexdigest()


@cache
def _load() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(_text(), Loader=loader)


@cache
def _by_id() -> dict[str, dict]:
    return {row["id"]: row for row in _load()["figures"]}


def sources() -> dict[str, dict]:
    """The sources by key: publisher, title, date, and a URL (researched) or seed file (seeds)."""
    return _load()["sources"]


def monitors() -> dict[str, dict]:
    """The monitors by key: name, kind, what they count and their ``definitions``."""
    return _load()["monitors"]


def vocabulary(name: str) -> dict[str, str]:
    """The keys a field may take, with their meaning: ``regions``, ``actors``, ``metrics`` or
    ``units``."""
    if name not in VOCABULARIES:
        raise KeyError(f"no vocabulary {name!r}: one of {VOCABULARIES}")
    return _load()[name]


def _row(figure_id: str) -> dict:
    try:
        return _by_id()[figure_id]
    except KeyError:
        raise KeyError(f"no reported figure with id {figure_id!r} in {DATA_FILE}") from None


def figure(figure_id: str) -> dict:
    """One figure as a dict of its fields (a copy; KeyError names the id if it is missing)."""
    return copy.deepcopy(_row(figure_id))


def value(figure_id: str):
    """The value of one figure by id (KeyError names the id if it is missing)."""
    return _row(figure_id)["value"]


def definition(figure_id: str) -> str:
    """What a figure counts: its monitor's definition, from the ``monitors`` section."""
    row = _row(figure_id)
    return monitors()[row["monitor"]]["definitions"][row["definition"]]


def latest(figure_id: str) -> str:
    """The id of the latest published value of a figure's quantity: follows ``superseded_by``
    (a later revision) and then ``same_as`` / ``variant_of`` to the row that stands for it."""
    seen = [figure_id]
    row = _row(figure_id)
    while any(key in row for key in REPLACED):
        nxt = next(row[key] for key in REPLACED if key in row)
        if nxt in seen:
            raise ValueError(f"revision links loop: {' -> '.join([*seen, nxt])}")
        seen.append(nxt)
        row = _by_id()[nxt]
    return seen[-1]


@cache
def _frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(_load()["figures"]).set_index("id")


def figures() -> pd.DataFrame:
    """All figures as a table, one row per figure, indexed by id (a missing field is NaN)."""
    return _frame().copy()


def national_fatalities() -> pd.Series:
    """Annual national fatalities of the seed figures (CRSS 2020-2025, reported and derived),
    indexed by year: the series calibration and the plots compare with.

    Chosen by id (:data:`SEED_NATIONAL`), so researched rows (CRSS's own 2019 figure, its
    revisions) never change it; :func:`annual_series` gives each monitor's full series.
    """
    import pandas as pd

    table = figures()
    rows = table[table.index.str.match(SEED_NATIONAL)]
    return pd.Series(
        rows["value"].astype(float).to_numpy(),
        index=[int(i.rsplit("_", 1)[1]) for i in rows.index],
        name="fatalities_total",
    ).sort_index()


def _choose(column: pd.Series, wanted: str | Iterable[str] | None) -> pd.Series:
    if wanted is None:
        return column.map(lambda _: True).astype(bool)
    return column.isin([wanted] if isinstance(wanted, str) else list(wanted))


def series(monitor: str | Iterable[str] | None = None,
           metric: str | Iterable[str] | None = None,
           region: str | Iterable[str] | None = None,
           actor: str | Iterable[str] | None = None,
           period: str | Iterable[str] | None = None,
           kind: str | Iterable[str] | None = "reported",
           vintage: str = "latest") -> pd.DataFrame:
    """A tidy table of numeric figures, sorted by monitor, metric, region, actor and period.

    Each filter takes a key, a list of keys, or None (any). ``period`` is a period kind
    (``year``, ``half``, ``quarter``, ``month``, ``date``, ``range``) or ``annual``,
    ``monthly``, ``quarterly``, ``half-yearly``. ``kind`` is ``reported`` by default (derived
    figures estimate quantities that are also reported: ask for them with ``kind="derived"``
    or ``kind=None``). ``vintage="latest"`` keeps one row per quantity, the latest published
    value (rows superseded by a revision, or repeating or varying another row, are left out);
    ``vintage="all"`` keeps every published value, with ``latest`` telling them apart.

    Columns: :data:`SERIES_COLUMNS`; ``period_start`` and ``period_end`` are timestamps and
    ``value`` is a float (fractions for percentages). Rows whose value is not a number (dates,
    names) are in :func:`events` or :func:`figures`.
    """
    import pandas as pd

    if vintage not in ("latest", "all"):
        raise ValueError(f"vintage={vintage!r}: 'latest' or 'all'")
    if isinstance(period, str):
        period = PERIODS.get(period, period)
    elif period is not None:
        period = [PERIODS.get(p, p) for p in period]
    table = figures().reset_index()
    numeric = table["value"].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
    table["latest"] = table[[c for c in REPLACED if c in table]].isna().all(axis=1)
    keep = numeric & _choose(table["kind"], kind)
    for column, wanted in (("monitor", monitor), ("metric", metric), ("region", region),
                           ("actor", actor), ("period_kind", period)):
        keep &= _choose(table[column], wanted)
    if vintage == "latest":
        keep &= table["latest"]
    out = table[keep].copy()
    srcs = sources()
    out["publisher"] = out["source"].map(lambda s: srcs[s]["publisher"])
    out["url"] = out["source"].map(lambda s: srcs[s].get("url", ""))
    out["value"] = out["value"].astype(float)
    for column in ("period_start", "period_end"):
        out[column] = pd.to_datetime(out[column])
    if "bound" not in out:
        out["bound"] = None
    out = out.sort_values(["monitor", "metric", "region", "actor", "period_start", "period_end",
                           "vintage"])
    return out[SERIES_COLUMNS].reset_index(drop=True)


def annual_series(monitor: str = "crss", metric: str = "fatalities", region: str = "national",
                  actor: str = "all", kind: str = "reported") -> pd.Series:
    """One monitor's annual series, indexed by year: the latest published value of each year.

    ``annual_series("crss")`` is CRSS's own national fatalities, 2019-2025, with its revisions
    applied; ``annual_series("picss", "attacks", actor="militant")`` PICSS's annual attacks.
    """
    import pandas as pd

    table = series(monitor=monitor, metric=metric, region=region, actor=actor, period="annual",
                   kind=kind)
    years = table["period_start"].dt.year
    if years.duplicated().any():
        raise ValueError(f"more than one latest {monitor} {metric} value for a year in "
                         f"{DATA_FILE}: {sorted(table['id'][years.duplicated(keep=False)])}")
    return pd.Series(table["value"].to_numpy(), index=years.to_numpy(),
                     name=f"{monitor}_{metric}_{region}_{actor}").sort_index()


def events() -> pd.DataFrame:
    """The dated events: rows of kind ``event`` and the seed rows whose value is a date,
    sorted by start date, with the quote and the source."""
    import pandas as pd

    table = figures().reset_index()
    keep = (table["kind"] == "event") | (table["unit"] == "date")
    out = table[keep].copy()
    for column in ("period_start", "period_end"):
        out[column] = pd.to_datetime(out[column])
    columns = ["id", "kind", "monitor", "metric", "region", "actor", "period_start",
               "period_end", "value", "unit", "geography", "description", "source", "quote"]
    out = out.reindex(columns=columns)
    return out.sort_values(["period_start", "id"]).reset_index(drop=True)
