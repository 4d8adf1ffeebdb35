"""Regression: fresh runs reproduce the stored baseline summary exactly.

If this fails after a deliberate change, update the baseline on purpose:
``make baseline`` (``python -m sim.calibration.baseline --update``) and say why in the commit.
"""

import json

from sim.calibration.baseline import BASELINE_FILE, diff, fresh_summary


def test_fresh_runs_match_the_stored_baseline():
    stored = json.loads(BASELINE_FILE.read_text())
    lines = diff(stored, fresh_summary())
    assert not lines, "baseline changed (run `make baseline` if on purpose):\n" + "\n".join(lines)


def test_diff_reports_a_changed_statistic():
    stored = {"as_happened/0": {"fatalities_national_2025": 3400.0, "x": float("nan")}}
    fresh = {"as_happened/0": {"fatalities_national_2025": 3570.0, "x": float("nan")}}
    (line,) = diff(stored, fresh)
    assert "fatalities_national_2025: stored 3400.0 -> fresh 3570.0 (+5.0%)" in line
