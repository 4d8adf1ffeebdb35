"""The reported-figures file: complete, with provenance, monitors and their definitions,
derived rows reproducible, no figure duplicated, the seed figures unchanged.

The checks themselves are in ``tests/reported_checks.py``;
``test_the_checks_catch_broken_rows`` shows each of them failing on a broken copy.
"""

import csv
import datetime as dt
import fnmatch
import hashlib
import math
import re
import tomllib
from pathlib import Path

import pytest

from sim.data import reported
from sim.model.space import PAKISTAN_REGIONS
from tests.reported_checks import (
    SEED_SOURCES,
    check_derived,
    check_duplicates,
    check_links,
    check_rows,
    data,
)

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
RESEARCHED = Path(__file__).resolve().parents[2] / "shared" / "data" / "reported_2019_2025.csv"
REQUIRED_IDS = {
    "fatalities_national_2020", "fatalities_national_2021", "fatalities_national_2022",
    "fatalities_national_2023", "fatalities_national_2024", "fatalities_national_2025",
    "growth_national_2021", "growth_national_2022", "growth_national_2023",
    "growth_national_2024", "growth_national_2025", "fatalities_kp_2024", "fatalities_kp_2025",
    "kp_share_of_national_rise_2025", "fatalities_balochistan_2024",
    "fatalities_balochistan_2025", "kp_balochistan_share_of_fatalities_2025",
    "kp_balochistan_share_of_incidents_2025", "punjab_sindh_share_of_casualties_2025",
    "fatalities_ajk_2024", "fatalities_ajk_2025", "fatalities_militant_2025",
    "operations_2025", "fatalities_army_fc_2025", "fatalities_police_2025",
    "fatalities_civilian_2025", "fatalities_security_2025", "border_closure_date",
    "attacks_change_2025_11", "attacks_change_2025_12", "ttp_fighters_claim_2024",
    "taliban_takeover_date", "ceasefire_start_2022", "ceasefire_end_2022", "ttp_attacks_2022",
    "security_fatalities_2022_12", "us_border_security_funding", "kabul_delegation_date",
    "unsc_appeal_date", "deportation_campaign_start",
}
D = dt.date
SEED_FIGURES = {  # id: (value, period, kind) as they were before the researched rows came in
    "fatalities_national_2024": (2555, "2024", "reported"),
    "fatalities_national_2025": (3417, "2025", "reported"),
    "growth_national_2021": (0.38, "2021", "reported"),
    "growth_national_2022": (0.15, "2022", "reported"),
    "growth_national_2023": (0.56, "2023", "reported"),
    "growth_national_2024": (0.67, "2024", "reported"),
    "growth_national_2025": (0.34, "2025", "reported"),
    "fatalities_national_2023": (1530, "2023", "derived"),
    "fatalities_national_2022": (981, "2022", "derived"),
    "fatalities_national_2021": (853, "2021", "derived"),
    "fatalities_national_2020": (618, "2020", "derived"),
    "fatalities_kp_2024": (1620, "2024", "reported"),
    "fatalities_kp_2025": (2331, "2025", "reported"),
    "growth_kp_2025": (0.44, "2025", "reported"),
    "kp_share_of_national_rise_2025": (0.82, "2025", "reported"),
    "fatalities_balochistan_2024": (787, "2024", "reported"),
    "fatalities_balochistan_2025": (956, "2025", "reported"),
    "kp_balochistan_share_of_fatalities_2025": (0.96, "2025", "reported"),
    "kp_balochistan_share_of_incidents_2025": (0.93, "2025", "reported"),
    "punjab_sindh_share_of_casualties_2025": (0.03, "2025", "reported"),
    "fatalities_ajk_2024": (0, "2024", "reported"),
    "fatalities_ajk_2025": (15, "2025", "reported"),
    "fatalities_militant_2025": (2060, "2025", "reported"),
    "militant_share_of_fatalities_2025": (0.6, "2025", "reported"),
    "operations_2025": (392, "2025", "reported"),
    "fatalities_army_fc_2025": (374, "2025", "reported"),
    "fatalities_police_2025": (216, "2025", "reported"),
    "fatalities_security_2025": (590, "2025", "derived"),
    "fatalities_civilian_2025": (767, "2025", "derived"),
    "border_closure_date": (D(2025, 10, 11), "2025-10-11", "reported"),
    "attacks_change_2025_11": (-0.09, "2025-11", "reported"),
    "attacks_change_2025_12": (-0.17, "2025-12", "reported"),
    "fatalities_civilian_security_change_2025_q4_a": (-0.04, "2025-11/2025-12", "reported"),
    "fatalities_civilian_security_change_2025_q4_b": (-0.19, "2025-11/2025-12", "reported"),
    "ttp_fighters_claim_2024": (50000, "2024-03-06", "reported"),
    "taliban_takeover_date": (D(2021, 8, 15), "2021-08", "reported"),
    "ceasefire_start_2022": (D(2022, 6, 1), "2022-06", "reported"),
    "ceasefire_end_2022": (D(2022, 11, 28), "2022-11", "reported"),
    "ceasefire_mediator_2022": ("afghan_taliban", "2022", "reported"),
    "ttp_attacks_2022": (150, "2022", "reported"),
    "security_fatalities_2022_12": (40, "2022-12", "reported"),
    "us_border_security_funding": (15000000, "2023-01", "reported"),
    "kabul_delegation_date": (D(2023, 2, 22), "2023-02", "reported"),
    "unsc_appeal_date": (D(2024, 3, 6), "2024-03-06", "reported"),
    "deportation_campaign_start": (D(2023, 11, 1), "2023 (late)", "reported"),
}
SEED_TEXT_SHA256 = "4431fe0c2623f363b5de52b830a832ae4dfabf33f27a8a882a26513c84694839"
"""sha256 of "id<TAB>quote<TAB>derivation" lines of the seed figures, in file order."""
@pytest.mark.parametrize("check", [check_rows, check_links, check_duplicates, check_derived])
def test_the_file_passes(check):
    assert check(data()) == []


def _break(mutate):
    d = data()
    mutate({row["id"]: row for row in d["figures"]}, d)
    return d


@pytest.mark.parametrize("check, mutate", [
    (check_rows, lambda r, d: d["figures"].append(dict(r["fatalities_national_2024"]))),
    (check_rows, lambda r, d: r["CRSS_2019_FAT_NAT"].update(period_start="2017-01-01")),
    (check_rows, lambda r, d: r["PICSS_2022_01_ATT"].update(period_end="2021-12-31")),
    (check_rows, lambda r, d: r["PIPS_2025_FAT"].update(monitor="nobody")),
    (check_rows, lambda r, d: r["PIPS_2025_FAT"].update(definition="combined")),
    (check_rows, lambda r, d: r["PIPS_2025_FAT"].update(region="Khyber Pakhtunkhwa")),
    (check_rows, lambda r, d: r["PIPS_2025_FAT"].pop("quote")),
    (check_rows, lambda r, d: d["sources"][r["PIPS_2025_FAT"]["source"]].pop("url")),
    (check_links, lambda r, d: r["CRSS_2021_FAT_NAT"].pop("superseded_by")),
    (check_links, lambda r, d: r["CRSS_2025_FAT_NAT"].update(value=3400)),
    (check_duplicates, lambda r, d: (r["CRSS_2021_FAT_NAT_REV"].pop("revision_of"),
                                     r["CRSS_2021_FAT_NAT"].pop("superseded_by"))),
    (check_duplicates, lambda r, d: r["PICSS_2025_08_ATT"].update(period_start="2025-07-01",
                                                                   period_end="2025-07-31")),
    (check_derived, lambda r, d: r["PICSS_2022_05_ATT"].update(value=30)),
    (check_derived, lambda r, d: r["DERIVED_CRSS_2025_CIVSF"]["inputs"].pop()),
])
def test_the_checks_catch_broken_rows(check, mutate):
    assert check(_break(mutate))


def test_every_target_figure_is_present_with_provenance():
    table = reported.figures()
    assert set(table.index) >= REQUIRED_IDS
    for fid in REQUIRED_IDS:
        source = reported.sources()[table.loc[fid, "source"]]
        assert {"publisher", "title", "date", "seed_file"} <= set(source), fid


def test_the_seed_figures_are_unchanged():
    table = reported.figures()
    for fid, (value, period, kind) in SEED_FIGURES.items():
        assert (reported.value(fid), table.loc[fid, "period"], table.loc[fid, "kind"]) == (
            value, period, kind), fid
    seeds = [row for row in data()["figures"] if row["source"] in SEED_SOURCES]
    assert {row["id"] for row in seeds} == set(SEED_FIGURES)
    text = "\n".join(f"{r['id']}\t{r.get('quote', '')}\t{r.get('derivation', '')}" for r in seeds)
    assert hashlib.sha256(text.encode()).hexdigest() == SEED_TEXT_SHA256


def test_national_fatalities_is_the_seed_series():
    series = reported.national_fatalities()
    assert series.to_dict() == {2020: 618, 2021: 853, 2022: 981, 2023: 1530, 2024: 2555,
                                2025: 3417}
    assert reported.annual_series("crss").to_dict() == {
        2019: 679, 2020: 600, 2021: 850, 2022: 980, 2023: 1533, 2024: 2555, 2025: 3417}


def test_derived_figures_follow_from_the_reported_ones():
    v = reported.value
    assert v("fatalities_national_2023") == round(v("fatalities_national_2024")
                                                  / (1 + v("growth_national_2024")))
    assert v("fatalities_national_2020") == round(v("fatalities_national_2021")
                                                  / (1 + v("growth_national_2021")))
    assert v("fatalities_civilian_2025") == (v("fatalities_national_2025")
                                             - v("fatalities_militant_2025")
                                             - v("fatalities_security_2025"))
    assert v("DERIVED_PICSS_2025_Q4_ATT") == (v("PICSS_2025_10_ATT") + v("PICSS_2025_11_ATT")
                                              + v("DERIVED_PICSS_2025_12_ATT"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not beside the checkout")
def test_quotes_appear_in_their_seed_articles():
    def normal(text):
        return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())

    sources = reported.sources()
    for fid, row in reported.figures().iterrows():
        if row["kind"] == "derived" or row["source"] not in SEED_SOURCES:
            continue
        article = normal((SEEDS / sources[row["source"]]["seed_file"]).read_text())
        assert normal(row["quote"]) in article, fid


@pytest.mark.skipif(not RESEARCHED.is_file(), reason="researched figures not beside the checkout")
def test_every_researched_row_is_in_the_file_with_its_provenance():
    rows = {row["id"]: row for row in data()["figures"]}
    sources = reported.sources()
    with RESEARCHED.open(encoding="utf-8") as handle:
        researched = list(csv.DictReader(handle))
    assert len(researched) == 237
    for c in researched:
        fid = c["figure_id"]
        row = rows[fid]
        assert (row["geography"], row["description"]) == (c["geography"], c["metric"]), fid
        assert row.get("unit_as_reported", row["unit"]) == c["unit"], fid
        if "value_text" in row:
            assert row["value_text"] == c["value"], fid
        elif c["unit"].startswith("percent"):
            assert math.isclose(row["value"], float(c["value"]) / 100), fid
        else:
            assert float(row["value"]) == float(c["value"]), fid
        period = row.get("period_as_reported", f"{row['period_start']}/{row['period_end']}")
        start, end = period.split("/")
        assert start.startswith(c["period_start"]) and end.startswith(c["period_end"]), fid
        kind = "derived" if fid.startswith("DERIVED_") else "event" if fid.startswith(
            "EV_") else "reported"
        assert row["kind"] == kind, fid
        if kind == "derived":
            assert c["source_publisher"].startswith("DERIVED") and row["derivation"] == c[
                "quote"], fid
            continue
        source = sources[row["source"]]
        assert [source["publisher"], source["title"], source["date"], source["url"]] == [
            c["source_publisher"], c["source_title"], c["source_date"], c["url"]], fid
        assert row["quote"] == c["quote"], fid
        named = re.match(r"(CRSS|PICSS|PIPS)\b", c["source_publisher"])
        assert not named or row["monitor"] == named.group(1).lower(), fid
    added = set(rows) - set(SEED_FIGURES) - {c["figure_id"] for c in researched}
    for fid in added:  # revised values quoted in a researched row's source
        row = rows[fid]
        if row["kind"] == "derived":  # arithmetic on rows of the file, checked by check_derived
            assert row["inputs"] and set(row["inputs"]) <= set(rows), fid
            continue
        if row.get("role") == "mechanism":  # evidence for a mechanism, with its own source
            assert row["quote"] and sources[row["source"]]["url"].startswith("http"), fid
            continue
        assert any(row["quote"] in c["quote"] and sources[row["source"]]["url"] == c["url"]
                   for c in researched), fid
        assert "revision_of" in row or "superseded_by" in row, fid


def test_monitors_define_what_they_count():
    monitors = reported.monitors()
    assert {"crss", "picss", "pips", "un_mt", "ispr", "pk_officials"} <= set(monitors)
    assert {"attacks", "combined"} <= set(monitors["picss"]["definitions"])
    assert {"attacks", "operations"} <= set(monitors["pips"]["definitions"])
    for key, monitor in monitors.items():
        assert monitor["name"] and monitor["kind"] and monitor["counts"], key
        assert monitor["definitions"] and all(monitor["definitions"].values()), key
    used = set(reported.figures()["monitor"])
    assert used == set(monitors)
    assert "combined" in reported.definition("PICSS_2024_FAT_COMBINED")


def test_regions_align_with_the_model():
    assert set(PAKISTAN_REGIONS) | {"national", "ex_fata"} <= set(reported.vocabulary("regions"))
    with pytest.raises(KeyError):
        reported.vocabulary("colours")


def test_series_is_tidy_and_keeps_every_vintage_on_request():
    table = reported.series()
    key = ["monitor", "metric", "region", "actor", "period_start", "period_end", "bound"]
    assert not table[key].astype(str).duplicated().any()
    assert list(table.columns) == reported.SERIES_COLUMNS and table["latest"].all()
    monthly = reported.series(monitor="picss", metric="attacks", period="monthly")
    assert len(monthly) >= 27 and set(monthly["period_kind"]) == {"month"}
    assert (monthly["period_end"] - monthly["period_start"]).dt.days.max() <= 30
    every = reported.series(monitor="crss", metric="fatalities", region="national",
                            actor="all", period="annual", vintage="all")
    revised = every.set_index("id").loc[["CRSS_2024_FAT_NAT", "CRSS_2024_FAT_NAT_REV",
                                         "fatalities_national_2024"], ["value", "latest"]]
    assert revised.to_dict("list") == {"value": [2546, 2555, 2555],
                                       "latest": [False, False, True]}
    assert reported.latest("CRSS_2024_FAT_NAT") == "fatalities_national_2024"
    assert reported.annual_series("picss", "attacks", actor="militant").to_dict() == {
        2020: 188, 2021: 294, 2022: 380, 2023: 645, 2024: 908, 2025: 1066}
    events = reported.events()
    assert events["period_start"].is_monotonic_increasing and "EV_TALIBAN_TAKEOVER" in set(
        events["id"])


def test_unknown_figure_id_names_itself():
    with pytest.raises(KeyError, match="no_such_figure"):
        reported.value("no_such_figure")
    with pytest.raises(KeyError, match="no_such_figure"):
        reported.figure("no_such_figure")


def test_the_file_is_packaged_and_hashed_whole():
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["sim.data"]
    assert any(fnmatch.fnmatch(reported.DATA_FILE, pattern) for pattern in package_data)
    path = REPO / "sim" / "data" / reported.DATA_FILE
    assert reported.sha256() == hashlib.sha256(path.read_bytes()).hexdigest()
