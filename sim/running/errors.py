"""The one error a bad config raises: :class:`ConfigError`, one line naming the key, the value
and what is allowed (re-exported by :mod:`sim.running.config`)."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf


class ConfigError(ValueError):
    """A config value that is not allowed; ``str()`` is a one-line explanation."""

    def __init__(self, key: str, value: Any, allowed: str):
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}={_show(value)} is not allowed: {allowed}")

    def __reduce__(self):  # picklable across worker processes
        return (ConfigError, (self.key, self.value, self.allowed))


def _show(value: Any) -> str:
    if isinstance(value, DictConfig | ListConfig):
        value = OmegaConf.to_container(value)
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
