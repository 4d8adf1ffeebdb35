"""Changing a validated config's parameters without validating it again: the same config as
full validation, the same range checks, the base untouched."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.calibration.evaluate import with_parameters
from sim.running.compose import compose_config
from sim.running.errors import ConfigError
from sim.running.reparameterise import with_values
from sim.running.runner import run
from sim.running.validation import validate

VALUES = {
    "model.groups.ttp.attack_rate": 0.031,
    "model.groups.ttp.recruitment_ceiling": 70000,
    "model.security.kill_fraction_per_operation": 0.2,
    "levers.border_closure_2025.leakage": 0.33,
    "levers.ceasefire_2022.compliance.ttp": 0.5,
}


@pytest.fixture(scope="module")
def base() -> dict:
    config = OmegaConf.to_container(compose_config(["parameters.draw_from_posterior=false",
                                                    "window.start=2025-06-01"]), resolve=True)
    config.pop("hydra", None)
    return config


def test_setting_values_equals_validating_the_changed_config(base):
    fast = with_values(validate(base), VALUES)
    full = validate(with_parameters(base, VALUES))
    assert fast == full
    assert run(fast).monitors_monthly.equals(run(full).monitors_monthly)


def test_the_validated_base_is_left_unchanged(base):
    validated = validate(base)
    before = repr(validated)
    with_values(validated, VALUES)
    assert repr(validated) == before


@pytest.mark.parametrize(("path", "value"), [
    ("model.security.kill_fraction_per_operation", 1.5),
    ("model.groups.ttp.attack_rate", float("nan")),
    ("levers.border_closure_2025.leakage", -0.1),
])
def test_a_value_out_of_range_is_refused_as_full_validation_refuses_it(base, path, value):
    with pytest.raises(ConfigError) as fast:
        with_values(validate(base), {path: value})
    with pytest.raises(ConfigError) as full:
        validate(with_parameters(base, {path: value}))
    assert str(fast.value) == str(full.value)
    assert path in str(fast.value)


@pytest.mark.parametrize("path", ["model.groups.ttp.no_such_rate", "levers.nothing.leakage",
                                  "seed", "window.start"])
def test_an_unknown_or_unsettable_path_is_refused(base, path):
    with pytest.raises(KeyError):
        with_values(validate(base), {path: 1})


def test_a_drawn_config_is_not_drawn_from_again(base):
    """Its drawn values differ from the point estimate and would count as explicit: every seed
    would keep the first seed's draw."""
    from sim.running.config import check_config
    from sim.running.validation import for_seed, validate, with_draw

    drawing = {**base, "parameters": {"draw_from_posterior": True}}
    drawn = validate(drawing)
    with pytest.raises(ValueError, match="undrawn"):
        with_draw(drawn, 1)
    undrawn = check_config(drawing)
    assert for_seed(undrawn, 1).resolved["parameters"]["drawn"]["row"] == \
        validate({**drawing, "seed": 1}).resolved["parameters"]["drawn"]["row"]
