"""Register sim's schema and scenario files with Hydra, and compose configs.

conf/ is found as ``pkg://sim.conf``. Scenario files live in the top-level scenarios/ folder
(mapped to the ``sim.scenarios`` package) and are registered as the config group
``scenario`` with global package, so ``scenario=<name>`` selects one and the file can set any
key (levers, model parameters, the window).
"""

from __future__ import annotations

from importlib import resources

import yaml
from hydra import compose, initialize_config_module
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.running.config import ConfigError, SimConfig, config_error_from_omegaconf

CONFIG_MODULE = "sim.conf"
CONFIG_NAME = "config"
_registered = False


def scenario_files() -> dict[str, object]:
    """Available scenario names and their files."""
    root = resources.files("sim.scenarios")
    return {
        entry.name.removesuffix(".yaml"): entry
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


def available_scenarios() -> list[str]:
    return list(scenario_files())


def check_scenario(name: str) -> None:
    if name not in scenario_files():
        raise ConfigError("scenario", name, f"one of {', '.join(available_scenarios())}")


def register() -> None:
    """Store the schema and every scenario file in Hydra's ConfigStore (idempotent)."""
    global _registered
    if _registered:
        return
    store = ConfigStore.instance()
    store.store(name="sim_schema", node=SimConfig)
    for name, entry in scenario_files().items():
        node = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        store.store(group="scenario", name=name, node=OmegaConf.create(node), package="_global_")
    _registered = True


def compose_config(overrides: list[str] | tuple[str, ...] = ()) -> DictConfig:
    """Compose the run config from conf/ and ``overrides`` (Hydra override syntax)."""
    register()
    for override in overrides:
        key, _, value = override.partition("=")
        if key.lstrip("+~") == "scenario":
            check_scenario(value)
    try:
        if GlobalHydra.instance().is_initialized():
            # Inside a running Hydra app (sim-calibrate): its search path includes sim.conf.
            return compose(config_name=CONFIG_NAME, overrides=list(overrides))
        with initialize_config_module(config_module=CONFIG_MODULE, version_base=None):
            return compose(config_name=CONFIG_NAME, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as exc:
        raise _composition_error(exc, list(overrides)) from None


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
