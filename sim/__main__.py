"""``python -m sim`` is the ``sim`` command."""

from sim.app import main

main()
