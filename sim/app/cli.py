"""The ``sim`` console command (also ``python -m sim``): the Hydra app of :mod:`sim.app.run`.

When the command asks for an ensemble run in this process (``ensemble.size`` above 1, or a
sweep preset, on Hydra's basic launcher), the fork server of the ensemble's workers is started
first (:func:`sim.running.pool.warm`), so that it imports the model while this process starts
Hydra and checks the config.
"""

from __future__ import annotations

import sys

from sim.app.command_line import last_value

EXIT_SWEEP_INCOMPLETE = 1
"""Exit status of a sweep some of whose jobs failed, or whose report failed."""


def runs_ensembles_here(args: list[str]) -> bool:
    """Whether ``args`` ask for ensembles whose workers this process starts."""
    if any(a.startswith("--") and a != "--multirun" or a in ("-h", "-i", "-c") for a in args):
        return False  # --help, --cfg, --info ... run nothing
    if last_value(args, "hydra/launcher") not in (None, "basic"):
        return False  # jobs run in other processes, which start their own workers
    if (last_value(args, "ensemble.n_jobs") or "").strip() == "1":
        return False
    size = last_value(args, "ensemble.size")
    if size is not None:
        return any(value.strip() not in ("1", "") for value in size.split(","))
    return any(a in ("-m", "--multirun") for a in args) and last_value(args, "sweep") is not None


def main() -> None:
    if runs_ensembles_here(sys.argv[1:]):
        from sim.running import pool

        pool.warm()
    from sim.app.run import main as app_main

    app_main()
    from sim.app.callbacks import OUTCOME

    if OUTCOME.get("problem"):  # the sweep's last line, and a non-zero exit
        print(f"sim: error: sweep incomplete: {OUTCOME['problem']} (see the log above)",
              file=sys.stderr)
        sys.exit(EXIT_SWEEP_INCOMPLETE)
