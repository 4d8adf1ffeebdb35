"""``sim-compare``: rebuild a sweep's comparison report from its saved run folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.analysis.compare import build_report
from sim.running.sweep import SweepError


def main(argv: list[str] | None = None) -> None:
    """``sim-compare``: rebuild a sweep's report from its saved run folders."""
    parser = argparse.ArgumentParser(
        prog="sim-compare",
        description="Rebuild the comparison report of a sweep folder from its saved runs.")
    parser.add_argument("sweep_dir", type=Path, help="the sweep folder (hydra.sweep.dir)")
    parser.add_argument("--baseline", nargs="+", metavar="KEY=VALUE",
                        help="overrides that pick the baseline arm (default: the sweep's "
                             "own, else scenario=as_happened)")
    args = parser.parse_args(argv)
    if args.baseline and any("=" not in b for b in args.baseline):
        parser.error(f"--baseline takes KEY=VALUE, got {' '.join(args.baseline)}")
    try:
        report = build_report(args.sweep_dir, args.baseline)
    except SweepError as exc:
        print(f"sim-compare: error: {exc}", file=sys.stderr)
        sys.exit(2)
    print(report.summary())
    if report.failed:
        for run in report.failed:
            print(f"  failed: {run.name}: {run.error}")


if __name__ == "__main__":
    main()
