"""The stored baseline summary: a regression check that behaviour did not change by accident.

``python -m sim.calibration.baseline --update`` (or ``make baseline``) runs the default
scenario for the baseline seeds and stores the run summaries in
tests/baseline/summary.json; the regression test re-runs them
and prints a readable diff of every statistic that moved. Update it on purpose,
after a deliberate model change or recalibration, and say why in the commit.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import sim
from sim.analysis.summary import run_summary

BASELINE_FILE = Path(__file__).resolve().parents[2] / "tests" / "baseline" / "summary.json"
SEEDS = (0, 1, 2)
SCENARIOS = ("as_happened", "no_closure")


def fresh_summary() -> dict[str, dict[str, float]]:
    """Run summaries keyed by 'scenario/seed'."""
    out = {}
    for scenario in SCENARIOS:
        for seed in SEEDS:
            result = sim.simulate([f"scenario={scenario}"], seed=seed)
            out[f"{scenario}/{seed}"] = run_summary(result.monthly)
    return out


def diff(stored: dict, fresh: dict, rel_tol: float = 1e-9) -> list[str]:
    """Readable lines for every statistic that differs (empty when identical)."""
    lines = []
    for run in sorted(set(stored) | set(fresh)):
        if run not in stored or run not in fresh:
            lines.append(f"{run}: only in {'stored' if run in stored else 'fresh'} baseline")
            continue
        for key in sorted(set(stored[run]) | set(fresh[run])):
            old, new = stored[run].get(key), fresh[run].get(key)
            same = (old is not None and new is not None
                    and (math.isclose(old, new, rel_tol=rel_tol)
                         or (math.isnan(old) and math.isnan(new))))
            if not same:
                change = ""
                if old not in (None, 0) and new is not None:
                    change = f" ({(new - old) / abs(old):+.1%})"
                lines.append(f"{run} {key}: stored {old} -> fresh {new}{change}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite the stored baseline")
    args = parser.parse_args(argv)
    fresh = fresh_summary()
    if args.update:
        BASELINE_FILE.parent.mkdir(parents=True, exist_ok=True)
        BASELINE_FILE.write_text(json.dumps(fresh, indent=1, sort_keys=True) + "\n")
        print(f"wrote {BASELINE_FILE}")
        return 0
    lines = diff(json.loads(BASELINE_FILE.read_text()), fresh)
    print("\n".join(lines) if lines else "baseline unchanged")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
