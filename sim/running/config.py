"""Typed run configuration: the schema Hydra composes against, and validation.

A config is checked completely before anything runs; the first problem becomes a
:class:`ConfigError` whose message is one line naming the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.model.calendar import SimCalendar, parse_date
from sim.model.lever_configs import LEVER_CONFIGS, LeverConfig
from sim.model.params import ModelParams
from sim.model.space import AFGHAN_SANCTUARIES, CROSSING_KEYS, PAKISTAN_REGIONS
from sim.running.errors import ConfigError
from sim.running.limits import MAPPING_UPPER, number_problem
from sim.running.observation_limits import observation_problem
from sim.running.plain_levers import plain_lever


@dataclass
class WindowConfig:
    """The simulated period, first and last day inclusive (YYYY-MM-DD)."""

    start: str = "2020-01-01"
    end: str = "2026-12-31"


@dataclass
class ScenarioInfo:
    """What the scenario represents; set by the files in scenarios/."""

    name: str = "as_happened"
    description: str = ""
    sources: list[str] = field(default_factory=list)


@dataclass
class OutputConfig:
    """What a run writes besides its tables and manifest."""

    plots: bool = True
    """Write overview.png."""
    parquet: bool = False
    """Also write the tables as Parquet."""


@dataclass
class ParameterSource:
    """Where a run's free parameters come from."""

    draw_from_posterior: bool = True
    """True (default): each run draws them from the calibration's posterior sample with its
    own seed (see ``sim.running.posterior``), so an ensemble carries parameter uncertainty;
    false: the point estimate in conf/model/calibrated.yaml."""
    posterior_file: str = ""
    """Posterior file to draw from; empty = the committed conf/calibration/posterior.csv."""
    keep: list[str] = field(default_factory=list)
    """Parameter paths never drawn: their configured value wins. ``sim`` adds every model or
    lever key its command line or sweep sets; a value that differs from the point estimate
    (set by a scenario file) is kept as well."""


MAX_ENSEMBLE_SIZE = 1_000_000
"""Most seeds one ensemble may run (a million full runs is days of work on a large node)."""


@dataclass
class EnsembleConfig:
    """How many seeds one job runs, and on how many worker processes."""

    size: int = 1
    """Seeds ``seed, seed+1, ..., seed+size-1``; 1 (the default) is one run with its own files,
    more is an ensemble into one folder (see ``sim.running.ensemble``)."""
    n_jobs: int = -1
    """Worker processes for an ensemble; -1 = one per usable core (``sim.running.pool``)."""


@dataclass
class SimConfig:
    """The whole run configuration (the Hydra schema)."""

    seed: int = 0
    """The run's seed; every random draw comes from streams split off it."""
    window: WindowConfig = field(default_factory=WindowConfig)
    model: ModelParams = field(default_factory=ModelParams)
    levers: dict[str, Any] = field(default_factory=dict)
    """Named levers; each is a mapping with a ``kind`` (see ``sim.model.levers.LEVER_CONFIGS``)."""
    scenario: ScenarioInfo = field(default_factory=ScenarioInfo)
    scenarios_dir: str = ""
    """A folder of one's own scenario files, added to the built-in scenarios/ (see
    ``sim.running.scenarios``); empty = the built-in ones only."""
    output: OutputConfig = field(default_factory=OutputConfig)
    parameters: ParameterSource = field(default_factory=ParameterSource)
    ensemble: EnsembleConfig = field(default_factory=EnsembleConfig)


@dataclass
class RunConfig:
    """A validated configuration, ready to build a model from."""

    seed: int
    calendar: SimCalendar
    params: ModelParams
    levers: dict[str, LeverConfig]
    scenario: ScenarioInfo
    output: OutputConfig
    resolved: dict
    """The resolved config as plain data, for the manifest."""
    ensemble: EnsembleConfig = field(default_factory=EnsembleConfig)
    """How many seeds the job runs from ``seed`` on, and on how many workers."""
    parameters: ParameterSource = field(default_factory=ParameterSource)
    """Where the free parameters come from (the point estimate or a posterior draw)."""


MAX_HOMECOMING = 10.0
"""Largest homecoming multiplier of a mediation: ten times the usual crossings home is already
a mass return."""


@functools.cache
def structured_schema(cls: type) -> DictConfig:
    """The structured config of a dataclass, built once: building it costs more than the rest
    of a validation, and ``OmegaConf.merge`` copies it rather than changing it."""
    return OmegaConf.structured(cls)


def _check_number(key: str, name: str, value: Any) -> None:
    problem = number_problem(name, value)
    if problem:
        raise ConfigError(key, value, problem)


def _check_mapping(key: str, mapping: dict, allowed_keys, what: str, probability: bool) -> None:
    for k, v in mapping.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ConfigError(f"{key}.{k}", v, "a number")
        if not math.isfinite(v):
            raise ConfigError(f"{key}.{k}", v, "a finite number (not NaN or infinity)")
        if k not in allowed_keys:
            raise ConfigError(f"{key}.{k}", v, f"{what} must be one of {', '.join(allowed_keys)}")
        if probability and not 0.0 <= v <= 1.0:
            raise ConfigError(f"{key}.{k}", v, "a probability or share in [0, 1]")
        if not 0 <= v <= MAPPING_UPPER:
            raise ConfigError(f"{key}.{k}", v, f"a weight in [0, {MAPPING_UPPER:,.0f}]")


def check_booleans(prefix: str, raw: Any, obj: Any) -> None:
    """ConfigError where a true/false field of ``obj`` (a dataclass, walked with its nested
    dataclasses and mappings of them) was given anything but true or false in ``raw`` (the
    values as written): OmegaConf would read -1 or 2 as true."""
    if not isinstance(raw, dict):
        return
    for f in dataclasses.fields(obj):
        if f.name not in raw:
            continue
        value, given, key = getattr(obj, f.name), raw[f.name], f"{prefix}.{f.name}"
        if isinstance(value, bool):
            if not isinstance(given, bool):
                raise ConfigError(key, given, "true or false")
        elif dataclasses.is_dataclass(value):
            check_booleans(key, given, value)
        elif isinstance(value, dict) and isinstance(given, dict):
            for name, item in value.items():
                if dataclasses.is_dataclass(item):
                    check_booleans(f"{key}.{name}", given.get(name), item)


def _check_dataclass(prefix: str, obj: Any) -> None:
    for f in dataclasses.fields(obj):
        _check_number(f"{prefix}.{f.name}", f.name, getattr(obj, f.name))


def check_params(params: ModelParams) -> None:
    """Range and reference checks on model parameters."""
    if not params.groups:
        raise ConfigError("model.groups", {}, "at least one militant group")
    for name, group in params.groups.items():
        key = f"model.groups.{name}"
        _check_dataclass(key, group)
        if group.sanctuary not in AFGHAN_SANCTUARIES:
            raise ConfigError(f"{key}.sanctuary", group.sanctuary,
                              f"one of {', '.join(AFGHAN_SANCTUARIES)}")
        _check_mapping(f"{key}.routes", group.routes, CROSSING_KEYS, "a crossing", False)
        if sum(group.routes.values()) <= 0:
            raise ConfigError(f"{key}.routes", group.routes, "at least one weight > 0")
        _check_mapping(f"{key}.spillover_weights", group.spillover_weights, PAKISTAN_REGIONS,
                       "a Pakistani region", False)
        if not 1 <= group.attacks_per_wave <= 20:
            raise ConfigError(f"{key}.attacks_per_wave", group.attacks_per_wave,
                              "a mean wave size in [1, 20] attacks")
        if not 1.5 <= group.lethality_tail_index <= 10:
            raise ConfigError(f"{key}.lethality_tail_index", group.lethality_tail_index,
                              "a tail index in [1.5, 10] (the mean lethality must be finite)")
    _check_dataclass("model.security", params.security)
    _check_dataclass("model.taliban", params.taliban)
    _check_dataclass("model.season", params.season)
    _check_dataclass("model.deportation", params.deportation)
    if not 1 <= params.season.peak_day_of_year <= 366:
        raise ConfigError("model.season.peak_day_of_year", params.season.peak_day_of_year,
                          "a day of the year in 1..366")
    _check_mapping("model.permeability", params.permeability, CROSSING_KEYS, "a crossing", True)
    problem = observation_problem(params.observation)
    if problem is not None:
        raise ConfigError(*problem)


def check_ensemble(ensemble: EnsembleConfig) -> None:
    """``ensemble.size`` in 1..:data:`MAX_ENSEMBLE_SIZE`; ``ensemble.n_jobs`` -1 or 1..4 x cores."""
    from sim.running import pool

    size = ensemble.size
    if isinstance(size, bool) or not 1 <= size <= MAX_ENSEMBLE_SIZE:
        raise ConfigError("ensemble.size", size,
                          f"a whole number of seeds in 1..{MAX_ENSEMBLE_SIZE:,}")
    if not pool.n_jobs_is_allowed(ensemble.n_jobs):
        raise ConfigError("ensemble.n_jobs", ensemble.n_jobs, pool.n_jobs_allowed())


LEVER_DATES = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))
"""Dates a lever may name. A lever's window may lie partly or wholly outside the simulated
window (the history is written once for 2019-2026; a shorter window simulates part of it):
it acts on the simulated days inside its window only."""


def _lever_date(key: str, value: Any) -> dt.date:
    try:
        date = parse_date(value)
    except (TypeError, ValueError):
        raise ConfigError(key, value, "a date YYYY-MM-DD") from None
    first, last = LEVER_DATES
    if not first <= date <= last:
        raise ConfigError(key, value, f"a date from {first} to {last}")
    return date


def check_lever(name: str, node: Any, calendar: SimCalendar, groups) -> LeverConfig:
    """Validate one lever mapping and return its typed config."""
    key = f"levers.{name}"
    if not isinstance(node, dict) or "kind" not in node:
        raise ConfigError(key, node, f"a mapping with a kind: {', '.join(LEVER_CONFIGS)}")
    kind = node["kind"]
    if not isinstance(kind, str) or kind not in LEVER_CONFIGS:
        raise ConfigError(f"{key}.kind", kind, f"one of {', '.join(LEVER_CONFIGS)}")
    cfg = plain_lever(LEVER_CONFIGS[kind], node)
    lever_schema = structured_schema(LEVER_CONFIGS[kind])
    try:
        if cfg is None:  # not plainly valid: OmegaConf converts it or names what is wrong
            cfg = OmegaConf.to_object(OmegaConf.merge(lever_schema, node))
    except OmegaConfBaseException as exc:
        bad = str(getattr(exc, "full_key", "") or "").rpartition(".")[2]
        raise config_error_from_omegaconf(exc, prefix=key, value=node.get(bad, "(missing)"),
                                          schema=lever_schema) from None
    _check_dataclass(key, cfg)
    check_booleans(key, node, cfg)
    if not cfg.enabled:
        return cfg
    start = _lever_date(f"{key}.start", cfg.start)
    if cfg.end is not None:
        end = _lever_date(f"{key}.end", cfg.end)
        if end <= start:
            raise ConfigError(f"{key}.end", cfg.end, f"a date after start ({cfg.start})")
    if kind == "border_closure":
        if not cfg.crossings:
            raise ConfigError(f"{key}.crossings", [], "at least one crossing, or 'all' (to "
                              f"switch the lever off: {key}.enabled=false)")
        for crossing in cfg.crossings:
            if crossing != "all" and crossing not in CROSSING_KEYS:
                raise ConfigError(f"{key}.crossings", crossing,
                                  f"'all' or crossings from {', '.join(CROSSING_KEYS)}")
        for crossing in cfg.outbound_open:
            if crossing not in CROSSING_KEYS:
                raise ConfigError(f"{key}.outbound_open", crossing,
                                  f"crossings from {', '.join(CROSSING_KEYS)}")
        if cfg.outbound_open_from is not None:
            _lever_date(f"{key}.outbound_open_from", cfg.outbound_open_from)
    if kind == "strikes":
        if not cfg.groups:
            raise ConfigError(f"{key}.groups", [], f"at least one group (to switch the lever "
                              f"off: {key}.enabled=false)")
        for group in cfg.groups:
            if group not in groups:
                raise ConfigError(f"{key}.groups", group, f"groups from {', '.join(groups)}")
    if kind == "mediation":
        _check_mapping(f"{key}.compliance", cfg.compliance, tuple(groups), "a group", True)
        _check_mapping(f"{key}.homecoming", cfg.homecoming, tuple(groups), "a group", False)
        for group, factor in cfg.homecoming.items():
            if not 1.0 <= factor <= MAX_HOMECOMING:
                raise ConfigError(f"{key}.homecoming.{group}", factor,
                                  f"a multiplier in [1, {MAX_HOMECOMING:g}]")
    return cfg


def config_error_from_omegaconf(exc: OmegaConfBaseException, prefix: str = "",
                                value: Any = "(missing)", schema: Any = None) -> ConfigError:
    """Turn an OmegaConf error into a one-line ConfigError naming key, value and what is allowed.

    ``schema`` is the structured node the failing key is relative to (default: SimConfig);
    ``prefix`` is prepended to the error's key when the schema is a sub-node.
    """
    relative = getattr(exc, "full_key", None) or ""
    key = f"{prefix}.{relative}" if prefix and relative else (prefix or relative or "config")
    message = str(getattr(exc, "msg", exc)).splitlines()[0].strip()
    if "not in" in message or "is not in struct" in message:
        parent = relative.rpartition(".")[0]
        known = _schema_keys(parent, schema)
        where = key.rpartition(".")[0]
        message = f"an existing key{' of ' + where if where else ''}" + (
            f": {', '.join(known)}" if known else "")
        message += "" if known else f" (add a new key with +{key}=...)"
    elif "could not be converted to" in message:
        message = "a value of type " + message.rsplit("could not be converted to", 1)[1].strip()
    return ConfigError(key, value, message)


def _schema_keys(path: str, schema: Any = None) -> list[str]:
    node: Any = schema if schema is not None else structured_schema(SimConfig)
    for part in filter(None, path.split(".")):
        node = node.get(part) if isinstance(node, DictConfig) else None
        if node is None:
            return []
    return list(node.keys()) if isinstance(node, DictConfig) else []


def check_config(cfg: DictConfig | dict) -> RunConfig:
    """Check a composed config completely; raise :class:`ConfigError` on the first problem.

    The free parameters are the configured ones: a posterior draw, when the config asks for
    one, is applied on top by :func:`sim.running.validation.validate` (what callers use)."""
    plain = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    plain = {k: v for k, v in plain.items() if k != "hydra"}
    lever_nodes = plain.get("levers") or {}
    if not isinstance(lever_nodes, dict):
        raise ConfigError("levers", lever_nodes, "a mapping of named levers")
    try:
        # Levers are checked one by one below (check_lever), so the schema merge skips them.
        typed = OmegaConf.to_object(OmegaConf.merge(structured_schema(SimConfig),
                                                    {**plain, "levers": {}}))
    except OmegaConfBaseException as exc:
        raise config_error_from_omegaconf(exc, value=OmegaConf.select(OmegaConf.create(plain),
                                                          getattr(exc, "full_key", "") or "",
                                                          default="(missing)")) from None
    if typed.seed < 0:
        raise ConfigError("seed", typed.seed, "an integer >= 0")
    for part in ("model", "output", "parameters"):
        check_booleans(part, plain.get(part), getattr(typed, part))
    keep = (plain.get("parameters") or {}).get("keep") or []
    if not isinstance(keep, list) or not all(isinstance(path, str) for path in keep):
        raise ConfigError("parameters.keep", keep, "a list of config paths (text)")
    check_ensemble(typed.ensemble)
    try:
        calendar = SimCalendar.from_strings(typed.window.start, typed.window.end)
    except ValueError:
        raise ConfigError("window", plain.get("window"), "dates YYYY-MM-DD") from None
    if calendar.n_days < 31:
        raise ConfigError("window.end", typed.window.end, "a date at least 31 days after start")
    check_params(typed.model)
    levers = {
        name: check_lever(str(name), node, calendar, typed.model.groups)
        for name, node in lever_nodes.items()
        if node is not None
    }
    return RunConfig(
        seed=typed.seed, calendar=calendar, params=typed.model, levers=levers,
        scenario=typed.scenario, output=typed.output, resolved=plain, ensemble=typed.ensemble,
        parameters=typed.parameters,
    )
