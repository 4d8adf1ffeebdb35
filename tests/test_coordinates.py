"""The calibration's growth coordinates: they set the TTP's base and sanctuary recruitment,
round-trip, and the prior never proposes a pair that would make either negative."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.calibration import coordinates as c
from sim.calibration.abc import prior_distribution
from sim.calibration.evaluate import with_parameters
from sim.calibration.search import free_parameters
from sim.running.posterior import parameter_columns

BASE = {"model": {"taliban": {"tolerance_before_takeover": 0.3, "tolerance_in_power": 0.9},
                  "groups": {"ttp": {"recruitment_base_per_year": 0.2,
                                     "recruitment_sanctuary_per_year": 0.4}}}}


def test_coordinates_set_the_growth_before_and_after_the_takeover():
    values = {c.GROWTH_BEFORE: 0.4, c.GROWTH_AFTER: 0.8, c.TOLERANCE_BEFORE: 0.2}
    model = c.to_model(values, BASE)
    base, sanctuary = model[c.BASE], model[c.SANCTUARY]
    assert base + sanctuary * 0.2 == pytest.approx(0.4)
    assert base + sanctuary * 0.9 == pytest.approx(0.8)
    assert not any(key.startswith(c.PREFIX) for key in model)
    back = c.to_coordinates(model, BASE, [c.GROWTH_BEFORE, c.GROWTH_AFTER])
    assert back[c.GROWTH_BEFORE] == pytest.approx(0.4)
    assert back[c.GROWTH_AFTER] == pytest.approx(0.8)


def test_tolerance_comes_from_the_config_when_not_free():
    model = c.to_model({c.GROWTH_BEFORE: 0.3, c.GROWTH_AFTER: 0.9}, BASE)
    assert model[c.BASE] + model[c.SANCTUARY] * 0.3 == pytest.approx(0.3)
    config = with_parameters(BASE, {c.GROWTH_BEFORE: 0.3, c.GROWTH_AFTER: 0.9})
    assert config["model"]["groups"]["ttp"]["recruitment_sanctuary_per_year"] == pytest.approx(1.0)
    assert "coordinates" not in config


def test_infeasible_pairs_are_recognised():
    assert not c.feasible({c.GROWTH_BEFORE: 0.8, c.GROWTH_AFTER: 0.5}, BASE)  # sanctuary < 0
    assert not c.feasible({c.GROWTH_BEFORE: 0.1, c.GROWTH_AFTER: 1.2}, BASE)  # base < 0
    assert c.feasible({c.GROWTH_BEFORE: 0.4, c.GROWTH_AFTER: 0.8}, BASE)
    assert c.feasible({"model.groups.ttp.attack_rate": 0.02}, BASE)


def test_mixing_a_coordinate_with_the_parameter_it_sets_is_refused():
    with pytest.raises(ValueError, match="free one pair or the other"):
        c.to_model({c.GROWTH_BEFORE: 0.4, c.GROWTH_AFTER: 0.8, c.BASE: 0.2}, BASE)
    with pytest.raises(ValueError, match="both together"):
        c.to_model({c.GROWTH_BEFORE: 0.4}, BASE)


def test_the_prior_proposes_only_feasible_pairs():
    parameters = free_parameters({
        c.GROWTH_BEFORE: {"low": 0.1, "high": 0.9},
        c.GROWTH_AFTER: {"low": 0.2, "high": 1.3},
        c.TOLERANCE_BEFORE: {"low": 0.05, "high": 0.5},
    })
    prior = prior_distribution(parameters, BASE)
    draws = [dict(prior.rvs()) for _ in range(500)]
    assert all(c.feasible(d, BASE) for d in draws)
    assert prior.pdf({c.GROWTH_BEFORE: 0.8, c.GROWTH_AFTER: 0.5, c.TOLERANCE_BEFORE: 0.3}) == 0
    assert prior.pdf({c.GROWTH_BEFORE: 0.4, c.GROWTH_AFTER: 0.8, c.TOLERANCE_BEFORE: 0.3}) > 0
    assert prior.copy().pdf({c.GROWTH_BEFORE: 0.8, c.GROWTH_AFTER: 0.5,
                             c.TOLERANCE_BEFORE: 0.3}) == 0


def test_a_posterior_table_gets_the_model_columns_and_draws_set_only_those():
    table = pd.DataFrame({"weight": [0.5, 0.5], "distance": [1.0, 2.0],
                          c.GROWTH_BEFORE: [0.3, 0.4], c.GROWTH_AFTER: [0.9, 0.8],
                          c.TOLERANCE_BEFORE: [0.3, 0.2]})
    table = c.with_model_columns(table, BASE)
    assert table[c.BASE].iloc[0] + 0.9 * table[c.SANCTUARY].iloc[0] == pytest.approx(0.9)
    assert set(parameter_columns(table)) == {c.BASE, c.SANCTUARY, c.TOLERANCE_BEFORE}
