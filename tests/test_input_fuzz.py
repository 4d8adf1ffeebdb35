"""Property-based fuzz of the config (hypothesis, a bounded number of examples): every
numeric value of the model and of the levers, set to NaN, an infinity or a huge or negative
number from the command line or the API, is refused with one ConfigError line naming the key;
any value of any type either validates or is refused that way, never another exception."""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sim.running.compose import compose_config
from sim.running.config import ConfigError
from sim.running.validation import validate


@functools.cache
def leaves(numbers_only: bool = True) -> tuple[str, ...]:
    """Dotted paths of every number (or every value) under ``model``, ``levers`` and
    ``window`` of the composed config."""
    plain = OmegaConf.to_container(compose_config(), resolve=True)
    found: list[str] = []

    def walk(node, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif not numbers_only or (isinstance(node, int | float) and not isinstance(node, bool)):
            found.append(path)

    for top in ("model", "levers", "window"):
        walk(plain[top], top)
    return tuple(found)


def numeric_leaves() -> tuple[str, ...]:
    return leaves(True)


@pytest.fixture(scope="module")
def monkeypatch_session():
    """A monkeypatch that outlives hypothesis's examples; ``hydra_main`` never runs a job."""
    import sim.app.run

    patch = pytest.MonkeyPatch()
    patch.setattr(sim.app.run, "hydra_main", lambda: None)
    yield patch
    patch.undo()


def test_the_config_has_many_numbers_to_fuzz():
    assert len(numeric_leaves()) > 100


def refused_in_one_line(override: str) -> str:
    try:
        validate(compose_config([override]))
    except ConfigError as exc:
        message = str(exc)
        assert "\n" not in message, message
        return message
    raise AssertionError(f"{override} was accepted")


BAD_NUMBERS = st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "1e300"])
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(path=st.sampled_from(sorted(set(leaves.__wrapped__(True)))), value=BAD_NUMBERS)
def test_no_number_is_unbounded(path, value):
    message = refused_in_one_line(f"{path}={value}")
    assert message.startswith(f"{path}="), message


ANY_VALUE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.sampled_from(["abc", "''", "[]", "[1, 2]", "{}", "{a: 1}", "true", "null",
                     "2026-01-01", "'2026-13-45'"]),
)


@FUZZ
@given(path=st.sampled_from(sorted(set(leaves.__wrapped__(False)))), value=ANY_VALUE)
def test_any_value_of_any_key_validates_or_is_refused_in_one_line(path, value):
    try:
        validate(compose_config([f"{path}={value}"]))
    except ConfigError as exc:
        assert "\n" not in str(exc)


OVERRIDE_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz._=+~[]{},:'\"$0123456789- ",
                        min_size=1, max_size=30)


@FUZZ
@given(args=st.lists(st.one_of(
    OVERRIDE_TEXT,
    st.builds(lambda path, value: f"{path}={value}",
              st.sampled_from(sorted(set(leaves.__wrapped__(True)))), OVERRIDE_TEXT)),
    min_size=1, max_size=3))
def test_the_command_line_refuses_garbage_in_one_line(args, monkeypatch_session):
    """What ``sim`` checks before Hydra runs: any override text either passes the check or
    exits 2 with one ``sim: config error`` line (the job itself is not run here)."""
    import contextlib
    import io
    import sys

    import sim.app.run

    args = [a for a in args if not a.startswith("-")]  # flags are Hydra's own (--help ...)
    monkeypatch_session.setattr(sys, "argv", ["sim", *args])
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            sim.app.run.main()
        except SystemExit as exc:
            lines = stderr.getvalue().strip().splitlines()
            assert exc.code == 2 and len(lines) == 1, stderr.getvalue()
            assert lines[0].startswith("sim: config error: ")
