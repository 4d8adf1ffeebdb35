"""The ``sim`` command: a Hydra app that runs one simulation per job.

    sim scenario=no_closure seed=7
    sim -m scenario=as_happened,no_closure seed='range(30)'

Before Hydra starts, the overrides are composed and validated once, so a bad value is
refused with a one-line error and a non-zero exit before any output folder is created.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig

from sim.config import ConfigError, validate
from sim.configstore import CONFIG_MODULE, CONFIG_NAME, compose_config, register
from sim.outputs import write_run
from sim.runner import run

log = logging.getLogger("sim")
EXIT_CONFIG_ERROR = 2


def _run_job(cfg: DictConfig) -> dict:
    run_config = validate(cfg)
    result = run(run_config)
    folder = Path(HydraConfig.get().runtime.output_dir)
    write_run(result, folder)
    national = result.annual.groupby("year")["fatalities_total"].sum()
    log.info("scenario=%s seed=%d -> %s", run_config.scenario.name, run_config.seed, folder)
    log.info("national fatalities per year: %s", national.to_dict())
    return {"folder": str(folder)}


@hydra.main(config_path=f"pkg://{CONFIG_MODULE}", config_name=CONFIG_NAME, version_base=None)
def hydra_main(cfg: DictConfig) -> dict:
    return _run_job(cfg)


def _preflight_overrides(args: list[str]) -> list[list[str]]:
    """Override lists to check before running: each sweep value once, others at their first."""
    candidates = [a for a in args if not a.startswith("-") and "=" in a
                  and not a.lstrip("+~").startswith("hydra")]
    parsed = OverridesParser.create().parse_overrides(candidates)
    parsed = [o for o in parsed if not o.is_delete()]
    choices = []
    for override in parsed:
        if override.is_sweep_override():
            values = [str(v) for v in override.sweep_string_iterator()]
        else:
            values = [override.get_value_element_as_str()]
        prefix = "+" if override.is_add() else ("++" if override.is_force_add() else "")
        choices.append([f"{prefix}{override.key_or_group}={v}" for v in values] or [""])
    first = [c[0] for c in choices]
    checks = [first]
    for i, values in enumerate(choices):
        for v in values[1:]:
            checks.append(first[:i] + [v] + first[i + 1:])
    return checks


def preflight(args: list[str]) -> None:
    """Compose and validate the config each override value gives; raise ConfigError."""
    for overrides in _preflight_overrides(args):
        validate(compose_config(overrides))


def main() -> None:
    """Console entry point: validate, then hand over to Hydra."""
    register()
    args = sys.argv[1:]
    if not any(a in ("--help", "-h", "--hydra-help", "--info", "-i") or a.startswith("--cfg")
               for a in args):
        try:
            preflight(args)
        except ConfigError as exc:
            print(f"sim: config error: {exc}", file=sys.stderr)
            sys.exit(EXIT_CONFIG_ERROR)
    hydra_main()


if __name__ == "__main__":
    main()
