"""The reported-figures file: complete, with provenance, derived rows reproducible."""

from pathlib import Path

import pytest

from sim.data import reported

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
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


def test_every_target_figure_is_present_with_provenance():
    table = reported.figures()
    assert set(table.index) >= REQUIRED_IDS
    sources = reported.sources()
    for fid, row in table.iterrows():
        assert row["kind"] in ("reported", "derived"), fid
        assert row["source"] in sources, fid
        source = sources[row["source"]]
        assert {"publisher", "title", "date", "seed_file"} <= set(source), fid
        if row["kind"] == "reported":
            assert isinstance(row["quote"], str) and row["quote"], fid
        else:
            assert isinstance(row["derivation"], str) and row["derivation"], fid


def test_derived_figures_follow_from_the_reported_ones():
    v = reported.value
    assert v("fatalities_national_2023") == round(v("fatalities_national_2024")
                                                  / (1 + v("growth_national_2024")))
    assert v("fatalities_national_2022") == round(v("fatalities_national_2023")
                                                  / (1 + v("growth_national_2023")))
    assert v("fatalities_national_2021") == round(v("fatalities_national_2022")
                                                  / (1 + v("growth_national_2022")))
    assert v("fatalities_national_2020") == round(v("fatalities_national_2021")
                                                  / (1 + v("growth_national_2021")))
    assert v("fatalities_security_2025") == v("fatalities_army_fc_2025") + v(
        "fatalities_police_2025")
    assert v("fatalities_civilian_2025") == (v("fatalities_national_2025")
                                             - v("fatalities_militant_2025")
                                             - v("fatalities_security_2025"))


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed articles not beside the checkout")
def test_quotes_appear_in_their_seed_articles():
    def normal(text):
        return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())

    sources = reported.sources()
    for fid, row in reported.figures().iterrows():
        if row["kind"] != "reported":
            continue
        article = normal((SEEDS / sources[row["source"]]["seed_file"]).read_text())
        assert normal(row["quote"]) in article, fid


def test_unknown_figure_id_names_itself():
    with pytest.raises(KeyError, match="no_such_figure"):
        reported.value("no_such_figure")
