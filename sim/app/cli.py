"""The ``sim`` console command (also ``python -m sim``).

For a sweep (``-m``/``--multirun``) it starts the fork server of sim's launcher before
anything heavy is imported (:func:`sim.app.pool.warm`), so the workers' imports overlap the main
process's own start-up and the checking of the sweep; then it hands over to the Hydra app
(:func:`sim.app.run.main`).
"""

from __future__ import annotations

import sys

from sim.app import pool


def chosen_launcher(args: list[str]) -> str:
    """The launcher ``args`` choose (``hydra/launcher=NAME``); ``sim``, the default, if none."""
    chosen = [a.partition("=")[2] for a in args if a.lstrip("+~").startswith("hydra/launcher=")]
    return chosen[-1] if chosen else "sim"


def sweeps_on_sim_launcher(args: list[str]) -> bool:
    """Whether ``args`` ask for a sweep that sim's launcher runs."""
    return any(a in ("-m", "--multirun") for a in args) and chosen_launcher(args) == "sim"


def main() -> None:
    if sweeps_on_sim_launcher(sys.argv[1:]):
        pool.warm()
    from sim.app.run import main as app_main

    app_main()
