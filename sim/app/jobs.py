"""Compose the config of each job in a sweep, reusing one composition for many jobs.

Hydra composes every job of a sweep from scratch (``ConfigLoader.load_sweep_config``): it
reads the config files again, builds the defaults list and merges the schema, about 75 ms per
job for sim's config, a tenth of a simulation. Jobs of an ensemble differ mostly in plain
values (``seed=7``, ``model.groups.ttp.fighters_start=6000``), which do not change what is
composed, only a value in the result. :class:`JobComposer` composes once per distinct set of
the other overrides (config group choices such as ``scenario=no_closure``, ``+``/``~``
overrides, ``hydra.*`` overrides) and sets the plain values in that composition, the way
Hydra applies them at the end of its own (``ConfigLoaderImpl._apply_overrides_to_config``).
It then fills in what Hydra derives from the overrides (``hydra.overrides.task``,
``hydra.job.override_dirname``). The result equals Hydra's own composition of the job
(tests/test_jobs.py compares them); anything it cannot prove to be a plain value is composed
by Hydra.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.config_loader import ConfigLoader
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, ValueType
from omegaconf import Container, DictConfig, Node, OmegaConf

_ABSENT = object()
SET_BY_JOB = ("hydra.job.num", "hydra.job.id", "hydra.runtime.output_dir")
"""Keys of a job's config that the launcher and ``run_job`` set (unset when composed)."""


def _node(config: DictConfig, path: str) -> Node:
    parent, _, name = path.rpartition(".")
    return OmegaConf.select(config, parent)._get_node(name)


def _may_be_plain_value(override: Override) -> bool:
    """Whether ``override`` has the form of a plain value change: ``key=element``."""
    return (override.type == OverrideType.CHANGE and override.package is None
            and override.value_type == ValueType.ELEMENT and not override.is_hydra_override()
            and "/" not in override.key_or_group)


def _related(a: str, b: str) -> bool:
    """Whether config paths ``a`` and ``b`` are the same node or one contains the other."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


class JobComposer:
    """Compose job configs as ``config_loader.load_sweep_config(master_config, overrides)``.

    Args:
        config_loader: Hydra's config loader (from the launcher's ``HydraContext``).
        master_config: the sweep's config (the launcher's ``config``).
    """

    def __init__(self, config_loader: ConfigLoader, master_config: DictConfig):
        self._loader = config_loader
        self._master = master_config
        self._parser = OverridesParser.create()
        self._templates: dict[tuple[tuple[str, ...], tuple[str, ...]], DictConfig] = {}
        # Config groups chosen in the sweep's config (scenario, model, hydra/launcher, ...) are
        # never plain values; other keys are checked against the composed config.
        self._not_plain: set[str] = set(master_config.hydra.runtime.choices.keys())
        self._fresh: dict[tuple, dict[str, object]] = {}
        self.compositions = 0
        """How many times Hydra composed a config (the rest were derived from a template)."""

    def compose(self, overrides: Sequence[str]) -> DictConfig:
        """The job's config: equal to Hydra's ``load_sweep_config`` for ``overrides``.

        The config returned may be the composer's own, reused for the next job with the same
        shape: it is valid until the next call. Keep a copy of what must outlive the job
        (Hydra's ``run_job`` and :func:`sim.app.worker.run_job` copy what they keep).
        """
        found = self._template(overrides)
        if found is None:
            return self._hydra_compose(list(overrides))
        key, parsed, plain = found
        try:
            return self._derive(key, parsed, plain)
        except BaseException:
            del self._templates[key], self._fresh[key]
            raise

    def prepare(self, overrides: Sequence[str]) -> None:
        """Compose now the config that jobs shaped like ``overrides`` start from."""
        self._template(overrides)

    def _template(self, overrides: Sequence[str]):
        """The template key for ``overrides`` (composing it if new), the parsed overrides and
        the plain ones; None if no override is a plain value."""
        parsed = self._parser.parse_overrides(list(overrides))
        candidates = {i for i, o in enumerate(parsed)
                      if _may_be_plain_value(o) and o.key_or_group not in self._not_plain}
        others = [o.key_or_group for i, o in enumerate(parsed) if i not in candidates]
        chosen = [i for i in sorted(candidates)
                  if not any(_related(parsed[i].key_or_group, k) for k in others)]
        if not chosen:
            return None
        plain = [parsed[i] for i in chosen]
        key = (tuple(o.input_line for i, o in enumerate(parsed) if i not in chosen),
               tuple(o.key_or_group for o in plain))
        template = self._templates.get(key)
        if template is None:
            template = self._hydra_compose(list(key[0]))
            self._templates[key] = template
            self._fresh[key] = {path: _node(template, path)._value() for path in SET_BY_JOB}
        not_plain = {o.key_or_group for o in plain if not self._is_value_node(template, o)}
        if not_plain:  # a config group or container after all: let Hydra compose it
            self._not_plain |= not_plain
            del self._templates[key], self._fresh[key]
            return self._template(overrides)
        return key, parsed, plain

    def __getstate__(self) -> dict:
        # Sent to worker processes with the templates composed so far; the parser is rebuilt.
        return {k: v for k, v in self.__dict__.items() if k != "_parser"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._parser = OverridesParser.create()

    def _hydra_compose(self, overrides: list[str]) -> DictConfig:
        self.compositions += 1
        return self._loader.load_sweep_config(self._master, overrides)

    @staticmethod
    def _is_value_node(template: DictConfig, override: Override) -> bool:
        node = OmegaConf.select(template, override.key_or_group, default=_ABSENT,
                                throw_on_missing=False)
        return node is not _ABSENT and not isinstance(node, Container)

    def _derive(self, key: tuple, parsed: list[Override], plain: list[Override]) -> DictConfig:
        """Set the job's plain values and override bookkeeping in the composition itself.

        Every job that uses this template sets the same keys (they are part of the cache
        key), so each job replaces all that the previous one set, and nothing is copied; what
        a launcher and ``run_job`` write into a job's config (:data:`SET_BY_JOB`) is reset to
        its value as composed.
        """
        config = self._templates[key]
        OmegaConf.set_readonly(config.hydra, False)  # as composed (HydraConfig sets it)
        for path, value in self._fresh[key].items():
            _node(config, path)._set_value(value)
        ConfigLoaderImpl._apply_overrides_to_config(plain, config)
        app_overrides = [o for o in parsed if not o.is_hydra_override()]
        job = config.hydra.job
        config.hydra.overrides.task = [o.input_line for o in app_overrides]
        job.override_dirname = get_overrides_dirname(
            overrides=app_overrides, kv_sep=job.config.override_dirname.kv_sep,
            item_sep=job.config.override_dirname.item_sep,
            exclude_keys=job.config.override_dirname.exclude_keys)
        OmegaConf.copy_cache(from_config=self._master, to_config=config)
        return config
