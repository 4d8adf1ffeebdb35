"""A sweep's worker process: set up Hydra's state once, then run the jobs it is sent.

Used by sim's launcher (hydra_plugins/sim_launcher). The sweep's context arrives once per
worker (:func:`initialize`), not with every job. Job configs come from a
:class:`sim.app.jobs.JobComposer`, which composes once for the many jobs that differ only in
plain values such as the seed. Each job then runs through :func:`run_job`, Hydra's
``hydra.core.utils.run_job`` step for step (output folder, ``.hydra/`` files, per-job
logging, callbacks, working directory, ``JobReturn``) with fewer copies of the config.

Importing this module imports what a job needs (sim's model, Hydra, pandas, Mesa): it is
the fork server's preload (:mod:`sim.app.pool`).
"""

from __future__ import annotations

import copy
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

import yaml
from hydra import version
from hydra._internal.deprecation_warning import deprecation_warning
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import (
    JobReturn,
    JobRuntime,
    JobStatus,
    _flush_loggers,
    configure_log,
    env_override,
    setup_globals,
)
from hydra.types import HydraContext, TaskFunction
from omegaconf import AnyNode, DictConfig, ListConfig, OmegaConf, open_dict, read_write
from omegaconf._utils import get_omega_conf_dumper

import sim.app.run  # noqa: F401  (the task function's module)
import sim.running.outputs  # noqa: F401  (what a job runs: imported once, in the fork server)
import sim.running.runner  # noqa: F401
from sim.app.jobs import JobComposer


@dataclass
class _Worker:
    hydra_context: HydraContext
    task_function: TaskFunction
    composer: JobComposer


_worker: _Worker | None = None


def _yaml_dumper() -> type:
    """OmegaConf's YAML dumper on libyaml's emitter: the same text, about three times faster."""
    omegaconf_dumper = get_omega_conf_dumper()
    if not getattr(yaml, "__with_libyaml__", False):
        return omegaconf_dumper

    class FastOmegaConfDumper(yaml.CDumper):
        pass

    for data_type, representer in omegaconf_dumper.yaml_representers.items():
        FastOmegaConfDumper.add_representer(data_type, representer)
    return FastOmegaConfDumper


_DUMPER = _yaml_dumper()


def to_yaml(config: DictConfig | ListConfig) -> str:
    """``OmegaConf.to_yaml(config)`` (tests/test_jobs.py checks the text is the same)."""
    container = OmegaConf.to_container(config, resolve=False, enum_to_str=True)
    return yaml.dump(container, default_flow_style=False, allow_unicode=True, sort_keys=False,
                     Dumper=_DUMPER)


def _save_config(config: DictConfig | ListConfig, filename: str, output_dir: Path) -> None:
    """Hydra's ``hydra.core.utils._save_config`` with :func:`to_yaml`."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with open(str(output_dir / filename), "w", encoding="utf-8") as file:
        file.write(to_yaml(config))


def initialize(payload: bytes) -> None:
    """Worker initializer: unpack the sweep's context, pickled once by the launcher: Hydra's
    context, a :class:`~sim.app.jobs.JobComposer` (with the configs the launcher composed while
    the workers started), the task function and Hydra's global state."""
    global _worker
    hydra_context, composer, task_function, singleton_state = pickle.loads(payload)
    setup_globals()
    Singleton.set_state(singleton_state)
    _worker = _Worker(hydra_context, task_function, composer)


def run(idx: int, overrides: Sequence[str]) -> JobReturn:
    """Run job number ``idx`` of the sweep with its ``overrides``."""
    if _worker is None:
        raise RuntimeError("sim.app.worker.run called in a process that was not initialised")
    config = _worker.composer.compose(list(overrides))
    with open_dict(config):
        config.hydra.job.id = f"{config.hydra.job.name}_{idx}"
        config.hydra.job.num = idx
    return run_job(config, _worker.hydra_context, _worker.task_function)


def _copy_without_hydra(config: DictConfig) -> DictConfig:
    """``copy.deepcopy(config)`` with its ``hydra`` node deleted (the task's config), without
    copying the ``hydra`` node first: a placeholder stands in for it in the copy."""
    memo = {id(config._get_node("hydra")): AnyNode(None)}
    task_cfg = copy.deepcopy(config, memo)
    with read_write(task_cfg), open_dict(task_cfg):
        del task_cfg["hydra"]
    return task_cfg


def run_job(config: DictConfig, hydra_context: HydraContext,
            task_function: TaskFunction) -> JobReturn:
    """Hydra's ``run_job(..., job_dir_key="hydra.sweep.dir", job_subdir_key="hydra.sweep.subdir")``
    (hydra-core 1.3) with the same effects and result, and less copying.

    Hydra's copies the config four times per job: the Hydra node twice (it sets the Hydra
    config twice), the whole config once (for the task's config, without the Hydra node) and
    the Hydra config once more (for the ``JobReturn``). Here the Hydra config is set once
    (the output folder is written into both it and ``config``), the task's config is copied
    without first copying the Hydra node it then deletes, and the ``JobReturn`` keeps the
    Hydra config that was set. Each copy costs about 4 ms, under a hundredth of a run. The
    ``.hydra/`` files are written with libyaml's emitter (:func:`to_yaml`).
    """
    callbacks = hydra_context.callbacks
    old_cwd = os.getcwd()
    hydra_config = HydraConfig.instance()
    orig_hydra_cfg = hydra_config.cfg
    hydra_config.set_config(config)
    output_dir = os.path.abspath(os.path.join(str(OmegaConf.select(config, "hydra.sweep.dir")),
                                              str(OmegaConf.select(config, "hydra.sweep.subdir"))))
    for node in (config.hydra.runtime, hydra_config.cfg.hydra.runtime):
        with read_write(node), open_dict(node):
            node.output_dir = output_dir
    chdir = None
    try:
        ret = JobReturn()
        task_cfg = _copy_without_hydra(config)
        ret.cfg = task_cfg
        hydra_cfg = ret.hydra_cfg = hydra_config.cfg
        ret.overrides = OmegaConf.to_container(config.hydra.overrides.task)
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        chdir = hydra_cfg.hydra.job.chdir
        if chdir is None:
            chdir = not version.base_at_least("1.2")
            if chdir:
                deprecation_warning(message=dedent("""\
                    Future Hydra versions will no longer change working directory at job runtime by default.
                    See https://hydra.cc/docs/1.2/upgrades/1.1_to_1.2/changes_to_job_working_dir/ for more information."""),  # noqa: E501
                                    stacklevel=2)
        if chdir:
            os.chdir(output_dir)
            ret.working_dir = output_dir
        else:
            ret.working_dir = os.getcwd()
        configure_log(config.hydra.job_logging, config.hydra.verbose)
        if config.hydra.output_subdir is not None:
            hydra_output = Path(output_dir) / Path(config.hydra.output_subdir)
            _save_config(task_cfg, "config.yaml", hydra_output)
            _save_config(hydra_cfg, "hydra.yaml", hydra_output)
            _save_config(config.hydra.overrides.task, "overrides.yaml", hydra_output)
        with env_override(hydra_cfg.hydra.job.env_set):
            callbacks.on_job_start(config=config, task_function=task_function)
            try:
                ret.return_value = task_function(task_cfg)
                ret.status = JobStatus.COMPLETED
            except Exception as e:
                ret.return_value = e
                ret.status = JobStatus.FAILED
        ret.task_name = JobRuntime.instance().get("name")
        _flush_loggers()
        callbacks.on_job_end(config=config, job_return=ret)
        return ret
    finally:
        if hydra_config.cfg is not orig_hydra_cfg:
            # The job's Hydra config now stands alone, as Hydra's copy of it does.
            hydra_config.cfg.hydra._set_parent(hydra_config.cfg)
        hydra_config.cfg = orig_hydra_cfg
        if chdir:
            os.chdir(old_cwd)
