"""sim: agent-based scenarios of cross-border militant violence between Afghanistan and Pakistan.

``sim.simulate(...)`` runs one simulation from a config or a list of Hydra overrides and
returns a :class:`~sim.runner.SimulationResult` with ``.monthly`` and ``.annual`` tables.
"""

from sim.config import ConfigError
from sim.runner import SimulationResult, simulate

__version__ = "0.1.0"
__all__ = ["ConfigError", "SimulationResult", "simulate", "__version__"]
