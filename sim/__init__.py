"""sim: agent-based scenarios of cross-border militant violence between Afghanistan and Pakistan.

``sim.simulate(...)`` runs one simulation from a config or a list of Hydra overrides and
returns a :class:`~sim.running.runner.SimulationResult` with ``.monthly`` and ``.annual`` tables.

The names below are imported on first use, so that ``sim``'s command line can start its
sweep workers before the model's dependencies are loaded (see sim/cli.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ConfigError", "SimulationResult", "simulate", "__version__"]

_LAZY = {"ConfigError": "sim.running.config", "SimulationResult": "sim.running.runner",
         "simulate": "sim.running.runner"}

if TYPE_CHECKING:
    from sim.running.config import ConfigError
    from sim.running.runner import SimulationResult, simulate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
