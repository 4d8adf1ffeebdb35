"""Hydra's basic sweeper without composing every job's config a second time before launch.

Hydra's ``BasicSweeper`` composes the config of every job in a batch in the main process
before handing the batch to the launcher (``validate_batch_is_legal``), and the launcher's
workers compose each one again to run it. For sim's sweeps that check costs about a tenth of a
run per job, serially in the main process, and it checks nothing new: ``sim -m`` composes and
validates every swept value before Hydra starts (``sim.app.run.preflight``), and every job
validates its own config before it runs. Everything else is the basic sweeper's.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper


def sweeper_class(basic: type) -> type:
    """The sweeper as a subclass of ``basic`` (the BasicSweeper class Hydra registered)."""

    class SimSweeper(basic):
        """``BasicSweeper`` that skips the duplicate composition of each batch."""

        def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
            """Nothing to do: sim validated the sweep before Hydra started."""

    SimSweeper.__module__ = __name__
    SimSweeper.__qualname__ = "SimSweeper"
    return SimSweeper


SimSweeper = sweeper_class(BasicSweeper)
