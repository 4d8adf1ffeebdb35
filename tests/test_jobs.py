"""sim's launcher composes job configs by reusing compositions: it must equal Hydra's own.

Every job config from :class:`sim.app.jobs.JobComposer` is compared with Hydra's
``load_sweep_config`` for the same overrides (the whole config, Hydra node included, as YAML,
and its flags), through one composer so that reused compositions are exercised too.
"""

from __future__ import annotations

import copy

import pytest
from hydra import initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import setup_globals
from hydra.errors import ConfigCompositionException
from hydra.types import RunMode
from omegaconf import OmegaConf, open_dict, read_write

from sim.app.jobs import JobComposer
from sim.app.worker import _copy_without_hydra, to_yaml
from sim.running.compose import CONFIG_MODULE, CONFIG_NAME, register

JOBS = [
    ["seed=0"],
    ["seed=1"],
    ["scenario=no_closure", "seed=3"],
    ["scenario=no_closure", "seed=4"],
    ["seed=5", "model.groups.ttp.fighters_start=6000"],
    ["seed=6", "model.groups.ttp.fighters_start=5000"],
    ["seed=7", "levers.border_closure_2025.end=2026-03-01"],
    ["seed=8", "levers.border_closure_2025.end=null"],
    ["seed=9", "~levers.ceasefire_2022"],
    ["seed=10", "hydra.job.chdir=false"],
    ["output.plots=false", "seed=11", "window.end=2025-12-31"],
    ["seed=12", "+extra_note=hello"],
    ["+sweep=closure_grid", "seed=2"],
    ["scenario=permanent_closure", "scenario.name=renamed", "seed=1"],
    ["seed=13"],
]


@pytest.fixture(scope="module")
def hydra_loader():
    register()
    setup_globals()
    GlobalHydra.instance().clear()
    with initialize_config_module(config_module=CONFIG_MODULE, version_base=None):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration(
            CONFIG_NAME, ["hydra.sweep.dir=/tmp/sim-jobs-test", "seed=range(3)"],
            run_mode=RunMode.MULTIRUN)
        yield loader, master


def flags(config) -> tuple:
    return (config._get_flag("struct"), config._get_flag("readonly"),
            config.hydra._get_flag("readonly"), OmegaConf.get_type(config))


def test_composer_equals_hydra_for_every_job(hydra_loader):
    loader, master = hydra_loader
    composer = JobComposer(loader, master)
    for overrides in JOBS:
        expected = loader.load_sweep_config(master, overrides)
        got = composer.compose(overrides)
        assert to_yaml(got) == OmegaConf.to_yaml(expected), overrides
        assert flags(got) == flags(expected), overrides
        assert list(got.hydra.overrides.task) == [o for o in overrides
                                                  if not o.startswith("hydra.")]
        # What a job does to its config (HydraConfig marks the Hydra node read-only, the
        # launcher numbers the job) must not leak into the next job's config.
        with open_dict(got):
            got.hydra.job.num = 99
        HydraConfig.instance().set_config(got)
    assert composer.compositions < len(JOBS) - 3


def test_jobs_that_differ_in_plain_values_share_one_composition(hydra_loader):
    loader, master = hydra_loader
    composer = JobComposer(loader, master)
    for seed in range(5):
        composer.compose([f"seed={seed}", "scenario=no_closure"])
    assert composer.compositions == 1
    composer.compose(["seed=1", "scenario=as_happened"])
    assert composer.compositions == 2


def test_a_bad_value_fails_as_in_hydra_and_leaves_later_jobs_right(hydra_loader):
    loader, master = hydra_loader
    composer = JobComposer(loader, master)
    composer.compose(["seed=1"])
    with pytest.raises(ConfigCompositionException):
        loader.load_sweep_config(master, ["seed=not_a_number"])
    with pytest.raises(ConfigCompositionException):
        composer.compose(["seed=not_a_number"])
    got = composer.compose(["seed=4"])
    assert to_yaml(got) == OmegaConf.to_yaml(loader.load_sweep_config(master, ["seed=4"]))


def test_a_prepared_composer_travels_to_workers_with_its_compositions(hydra_loader):
    import pickle

    import cloudpickle

    loader, master = hydra_loader
    composer = JobComposer(loader, master)
    composer.prepare(["seed=0", "scenario=no_closure"])
    assert composer.compositions == 1
    copied = pickle.loads(cloudpickle.dumps(composer))
    got = copied.compose(["seed=7", "scenario=no_closure"])
    assert copied.compositions == 1
    expected = loader.load_sweep_config(master, ["seed=7", "scenario=no_closure"])
    assert to_yaml(got) == OmegaConf.to_yaml(expected)


def test_task_config_copy_equals_hydras(hydra_loader):
    loader, master = hydra_loader
    config = loader.load_sweep_config(master, ["seed=3", "scenario=combined"])
    before = OmegaConf.to_yaml(config)
    hydras = copy.deepcopy(config)
    with read_write(hydras), open_dict(hydras):
        del hydras["hydra"]
    ours = _copy_without_hydra(config)
    assert OmegaConf.to_yaml(ours) == OmegaConf.to_yaml(hydras)
    assert ours == hydras and flags_without_hydra(ours) == flags_without_hydra(hydras)
    assert OmegaConf.to_yaml(config) == before and config.hydra._get_parent() is config
    ours.model.groups.ttp.fighters_start = 1  # a copy: the job's config is untouched
    assert config.model.groups.ttp.fighters_start != 1


def flags_without_hydra(config) -> tuple:
    return (config._get_flag("struct"), config._get_flag("readonly"), OmegaConf.get_type(config))


def test_fast_yaml_is_omegaconfs_yaml(hydra_loader):
    loader, master = hydra_loader
    config = loader.load_sweep_config(master, ["seed=3", "+note='quoted: yes'", "+flag='true'",
                                               "+number='12'", "+empty=''"])
    with open_dict(config):
        config.text = "Peshawar – Torkham, Khyber Pakhtunkhwa\nsecond line"
    for node in (config, config.hydra, config.hydra.overrides.task):
        assert to_yaml(node) == OmegaConf.to_yaml(node)
