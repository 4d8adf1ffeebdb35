"""Register sim's schema and scenario files with Hydra, and compose configs.

conf/ is found as ``pkg://sim.conf``. Scenario files live in the top-level scenarios/ folder
(mapped to the ``sim.scenarios`` package) and in a researcher's own ``scenarios_dir``; they
are registered as the config group ``scenario`` with global package, so ``scenario=<name>``
selects one and the file can set any key (levers, model parameters, the window).
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.running import scenarios
from sim.running.config import ConfigError, SimConfig, config_error_from_omegaconf

CONFIG_MODULE = "sim.conf"
CONFIG_NAME = "config"
_registered: set[str] = set()
"""Scenario folders already stored in the ConfigStore ('' = the built-in library)."""


def scenario_files(own_folder: str = "") -> dict[str, Path]:
    """Usable scenario names and their files (see :mod:`sim.running.scenarios`)."""
    return {name: s.path for name, s in scenarios.usable(own_folder).items()}


def available_scenarios(own_folder: str = "") -> list[str]:
    return list(scenarios.usable(own_folder))


def register(own_folder: str = "") -> None:
    """Store the schema and every usable scenario file in Hydra's ConfigStore (idempotent).

    ``own_folder`` (the ``scenarios_dir`` key) adds a researcher's own scenario files. Files
    that cannot be used are left out, so one bad file does not break the others (or --help);
    selecting one is refused by :func:`sim.running.scenarios.check_scenario`.
    """
    if own_folder in _registered:
        return
    store = ConfigStore.instance()
    store.store(name="sim_schema", node=SimConfig)
    for name, scenario in scenarios.usable(own_folder).items():
        store.store(group="scenario", name=name, node=OmegaConf.create(scenario.node),
                    package="_global_")
    _registered.add(own_folder)


ENVIRONMENT_RESOLVERS = ("${oc.env:", "${env:", "${oc.decode:")
"""Interpolations that read the environment (or decode text into config): never allowed in a
run's config, whose resolved values every manifest records."""


def check_no_environment_values(overrides: list[str] | tuple[str, ...]) -> None:
    """ConfigError for an override (other than ``hydra.*``) whose value reads the environment:
    a token set there would otherwise be written into manifest.json."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key.lstrip("+~").startswith("hydra"):
            continue
        plain = value.replace("\\", "")  # Hydra's parser escapes $, { and : in values
        if any(resolver in plain for resolver in ENVIRONMENT_RESOLVERS):
            raise ConfigError(key.lstrip("+~"), value,
                              "a plain value: values read from the environment are not "
                              "allowed, since every manifest records the config")


def compose_config(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the run config from conf/ and ``overrides`` (Hydra override syntax)."""
    check_no_environment_values(overrides)
    own_folder = scenarios.scenarios_dir_in(overrides)
    register(own_folder)
    for override in overrides:
        key, _, value = override.partition("=")
        if key.lstrip("+~") == "scenario":
            scenarios.check_scenario(value, own_folder)
    try:
        if GlobalHydra.instance().is_initialized():
            # Inside a running Hydra app (sim-calibrate): its search path includes sim.conf.
            cfg = compose(config_name=CONFIG_NAME, overrides=list(overrides))
        else:
            with initialize_config_module(config_module=CONFIG_MODULE, version_base=None):
                cfg = compose(config_name=CONFIG_NAME, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as exc:
        raise _composition_error(exc, list(overrides)) from None
    check_booleans_given(cfg, overrides)
    return cfg


def check_booleans_given(cfg: DictConfig, overrides: list[str] | tuple[str, ...]) -> None:
    """ConfigError for an override that sets a true/false key to anything else: the schema
    would read -1 or 2 as true."""
    for override in overrides:
        key, sep, value = override.partition("=")
        key = key.lstrip("+~")
        if not sep or key.startswith("hydra") or "," in value:
            continue
        if isinstance(OmegaConf.select(cfg, key, default=None), bool) and \
                value.strip().lower() not in ("true", "false"):
            raise ConfigError(key, value, "true or false")


def _composition_error(exc: Exception, overrides: list[str]) -> ConfigError:
    """One-line ConfigError for a failed composition (bad type, unknown key, bad syntax)."""
    cause = exc.__cause__ if isinstance(exc.__cause__, OmegaConfBaseException) else exc
    if isinstance(cause, OmegaConfBaseException):
        key = getattr(cause, "full_key", None) or ""
        return config_error_from_omegaconf(cause, value=_value_of(key, overrides))
    message = " ".join(str(cause).split())
    return ConfigError(" ".join(overrides) or "config", "(override)", message)


def _value_of(key: str, overrides: list[str]) -> str:
    for override in overrides:
        k, _, v = override.partition("=")
        if k.lstrip("+~") == key:
            return v
    return "(missing)"
