"""The comparison of a sweep's arms, seed by seed: the entry point of ``sim-compare`` and of
the report written when a sweep ends.

The work is split by part: arms and their baselines (:mod:`sim.analysis.arms`), quantile and
paired-difference tables (:mod:`sim.analysis.tables`), fan charts (:mod:`sim.analysis.fan`),
the difference figure (:mod:`sim.analysis.figures`) and the report itself
(:mod:`sim.analysis.report`, which lists the files written).
"""

from sim.analysis.arms import DEFAULT_BASELINE, Arm, make_arms, matches, pair_arms
from sim.analysis.report import Report, build_report
from sim.analysis.tables import QUANTILES, bands, national

__all__ = ["DEFAULT_BASELINE", "QUANTILES", "Arm", "Report", "bands", "build_report",
           "make_arms", "matches", "national", "pair_arms"]
