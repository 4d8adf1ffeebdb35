"""A scenario file is data, not code: what it may contain, checked before Hydra sees it.

A scenario file may set ``scenario`` (its name and description), ``levers``, ``model`` and
``window``, and list other scenarios under ``defaults`` to build on them. It may not set
``hydra`` (callbacks, run folders), name a ``_target_`` to instantiate, or hold an
interpolation (``${...}``, e.g. ``${oc.env:TOKEN}``): nothing in it is run, resolved from the
environment, or written outside the run's folder. Its name is a plain identifier.

:func:`load` reads a file strictly (one line naming the file and line for a duplicate key or
an unquoted date, which YAML would otherwise silently merge or turn into a date object), and
:func:`content_problem` checks what the file says.
"""

from __future__ import annotations

import re

import yaml

ALLOWED_KEYS = ("scenario", "levers", "model", "window", "defaults")
"""Top-level keys a scenario file may set."""
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""A scenario name: letters, digits and underscores, not starting with a digit."""
SELF = "_self_"


class ScenarioFileError(ValueError):
    """A scenario file that cannot be used: the message names the line and what is allowed."""


class StrictLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses duplicate keys and keeps no date objects."""


def _mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict:
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise ScenarioFileError(
                f"line {key_node.start_mark.line + 1}: {key!r} is set twice in the same mapping "
                f"(first on line {seen[key]}); YAML would silently keep only the last")
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


def _timestamp(loader: StrictLoader, node: yaml.ScalarNode):
    raise ScenarioFileError(
        f"line {node.start_mark.line + 1}: unquoted date {node.value}; write dates as quoted "
        f'text, e.g. "{node.value}"')


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load(text: str):
    """The YAML document in ``text``; ScenarioFileError or yaml.YAMLError if it is bad."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (a SafeLoader subclass)


def _walk(node, path: str):
    """Every (dotted path, key or value) in a nested structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            yield here, key
            yield from _walk(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")
    else:
        yield path, node


def content_problem(name: str, node: dict) -> str:
    """What is not allowed in the scenario file ``name`` holding ``node``; '' if nothing."""
    if not NAME.fullmatch(name):
        return (f"its name {name!r} is not a plain name: letters, digits and underscores, "
                "not starting with a digit")
    extra = [k for k in node if k not in ALLOWED_KEYS]
    if extra:
        return (f"sets {extra[0]!r}, which a scenario file may not set; it may set "
                f"{', '.join(ALLOWED_KEYS)}")
    for path, item in _walk(node, ""):
        if item == "_target_":
            return f"{path} names code to run; a scenario file holds values only"
        if isinstance(item, str) and "${" in item:
            return (f"{path} is an interpolation ({item}); a scenario file holds plain values, "
                    "never values resolved from the environment or elsewhere")
    return defaults_problem(name, node.get("defaults"))


def defaults_problem(name: str, defaults) -> str:
    """What is wrong with a ``defaults`` list; '' if nothing. Entries are other scenarios'
    names and ``_self_``."""
    if defaults is None:
        return ""
    if not isinstance(defaults, list):
        return "defaults must be a list of other scenarios' names (and _self_)"
    for entry in defaults:
        if not isinstance(entry, str) or not (entry == SELF or NAME.fullmatch(entry)):
            return (f"defaults entry {entry!r} is not allowed: other scenarios' names and "
                    "_self_ only")
        if entry == name:
            return "includes itself in defaults"
    return ""


def included(node: dict | None) -> list[str]:
    """The scenarios a file builds on (its ``defaults``, without ``_self_``)."""
    if not node or not isinstance(node.get("defaults"), list):
        return []
    return [e for e in node["defaults"] if isinstance(e, str) and e != SELF]
