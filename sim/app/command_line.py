"""Reading the raw command line before Hydra parses it (light: imported at start-up)."""

from __future__ import annotations


def last_value(args: list[str], key: str) -> str | None:
    """The value of the last ``key=value`` (``+``/``~`` prefixes ignored) among ``args``."""
    values = [a.partition("=")[2] for a in args if a.lstrip("+~").partition("=")[0] == key]
    return values[-1] if values else None
