"""Every key of the composed config with bad values of every type: how many are refused in
one line, accepted, or crash (a measurement, too slow for the suite: about 4 minutes).

    .venv/bin/python tests/config_sweep.py

Prints the counts, the accepted values by the type of the key's default, and any crash.
"""

from __future__ import annotations

import collections

from omegaconf import OmegaConf

from sim.running.compose import compose_config
from sim.running.config import ConfigError
from sim.running.validation import validate

TOPS = ("seed", "window", "model", "levers", "ensemble", "output", "parameters")
BAD = ["nan", "inf", "-inf", "1e308", "-1", "''", "[]", "[1,2]", "abc", "'2026-13-45'", "{}"]


def leaves() -> list[tuple[str, object]]:
    plain = OmegaConf.to_container(compose_config(), resolve=True)
    found: list[tuple[str, object]] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        else:
            found.append((path, node))

    for top in TOPS:
        walk(plain[top], top)
    return found


def main() -> None:
    counts: collections.Counter = collections.Counter()
    accepted: dict[str, list[str]] = collections.defaultdict(list)
    crashed = []
    keys = leaves()
    for path, default in keys:
        for bad in BAD:
            try:
                validate(compose_config([f"{path}={bad}"]))
            except ConfigError as exc:
                counts["refused in one line" if "\n" not in str(exc) else "multi-line"] += 1
            except Exception as exc:  # noqa: BLE001 (what is being counted)
                counts["crashed"] += 1
                crashed.append(f"{path}={bad}: {type(exc).__name__}: {str(exc)[:100]}")
            else:
                counts["accepted"] += 1
                accepted[type(default).__name__].append(f"{path}={bad}")
    print(f"{len(keys)} keys, {sum(counts.values())} tries: {dict(counts)}", flush=True)
    for kind, items in accepted.items():
        print(f"accepted, default a {kind} ({len(items)}): {', '.join(items[:12])}"
              f"{' ...' if len(items) > 12 else ''}")
    for line in crashed:
        print("crashed:", line)


if __name__ == "__main__":
    main()
