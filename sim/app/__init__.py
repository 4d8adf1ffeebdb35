"""Entry points: the ``sim``, ``sim-calibrate``, ``sim-validate`` and ``sim-compare`` commands."""
