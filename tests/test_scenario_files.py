"""Scenario files as a researcher writes them: their own folder, and bad files refused clearly.

A bad file (not YAML, empty, or whose scenario.name is not its file name) is refused with
one line naming the file when it is selected, and never breaks the other scenarios or --help.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.running import scenarios
from sim.running.compose import available_scenarios, compose_config
from sim.running.config import ConfigError
from sim.running.validation import validate
from tests.conftest import SHORT, run_cli

GOOD = """\
# talks_2027: a researcher's own scenario
scenario:
  name: talks_2027
  description: "Talks from mid-2022 (a test scenario)"
  sources: [S2]
levers:
  talks:
    kind: mediation
    start: "2022-07-01"
    end: null
    note: "assumption of the test"
"""


HOSTILE = {
    "unquoted_date": "scenario:\n  name: unquoted_date\nlevers:\n  talks:\n    kind: mediation"
                     "\n    start: 2026-01-01\n",
    "twice": "scenario:\n  name: twice\nlevers:\n  a: null\nlevers:\n  b: null\n",
    "tabs": "scenario:\n\tname: tabs\n",
    "callback": "scenario:\n  name: callback\nhydra:\n  callbacks:\n    x:\n"
                "      _target_: os.makedirs\n      name: made_by_a_scenario\n",
    "run_dir": "scenario:\n  name: run_dir\nhydra:\n  run:\n    dir: /tmp/elsewhere\n",
    "target": "scenario:\n  name: target\nlevers:\n  x:\n    _target_: os.getcwd\n",
    "from_env": "scenario:\n  name: from_env\n  description: ${oc.env:SECRET_TOKEN}\n",
    "self_include": "defaults:\n  - self_include\nscenario:\n  name: self_include\n",
    "loop_a": "defaults:\n  - loop_b\n  - _self_\nscenario:\n  name: loop_a\n",
    "loop_b": "defaults:\n  - loop_a\n  - _self_\nscenario:\n  name: loop_b\n",
    "on_broken": "defaults:\n  - broken\n  - _self_\nscenario:\n  name: on_broken\n",
    "path_name": "defaults:\n  - ../../etc\nscenario:\n  name: path_name\n",
    "other_keys": "scenario:\n  name: other_keys\nseed: 3\n",
    "1digit": "scenario:\n  name: 1digit\n",
}
"""Files a hostile or careless researcher might write -> each is refused on its own."""
HOSTILE_SAYS = {
    "unquoted_date": "unquoted_date.yaml line 6: unquoted date 2026-01-01; write dates as "
                     'quoted text, e.g. "2026-01-01"',
    "twice": "twice.yaml line 5: 'levers' is set twice in the same mapping (first on line 3)",
    "tabs": "tabs.yaml line 2: not valid YAML",
    "callback": "callback.yaml: sets 'hydra', which a scenario file may not set",
    "run_dir": "run_dir.yaml: sets 'hydra', which a scenario file may not set",
    "target": "target.yaml: levers.x._target_ names code to run",
    "from_env": "from_env.yaml: scenario.description is an interpolation",
    "self_include": "self_include.yaml: includes itself in defaults",
    "loop_a": "loop_a.yaml: includes itself through loop_a -> loop_b -> loop_a",
    "on_broken": "on_broken.yaml: builds on 'broken', which cannot be used",
    "path_name": "path_name.yaml: defaults entry '../../etc' is not allowed",
    "other_keys": "other_keys.yaml: sets 'seed', which a scenario file may not set",
    "1digit": "its name '1digit' is not a plain name",
}


@pytest.fixture
def own_folder(tmp_path):
    folder = tmp_path / "my_scenarios"
    folder.mkdir()
    (folder / "talks_2027.yaml").write_text(GOOD)
    (folder / "broken.yaml").write_text("scenario:\n  name: broken\n levers: [\n")
    (folder / "empty.yaml").write_text("# nothing yet\n")
    (folder / "renamed.yaml").write_text(GOOD)  # says talks_2027 inside
    (folder / "no_closure.yaml").write_text(GOOD.replace("talks_2027", "no_closure"))
    for name, text in HOSTILE.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def test_own_folder_adds_its_scenarios(own_folder):
    cfg = validate(compose_config([f"scenarios_dir={own_folder}", "scenario=talks_2027"]))
    assert cfg.scenario.name == "talks_2027"
    assert cfg.levers["talks"].start == "2022-07-01"
    assert cfg.resolved["scenarios_dir"] == str(own_folder)
    names = available_scenarios(str(own_folder))
    assert "talks_2027" in names and "as_happened" in names
    assert not {"broken", "empty", "renamed", *HOSTILE} & set(names)


@pytest.mark.parametrize(("name", "says"), [
    ("broken", "broken.yaml line 3: not valid YAML"),
    ("empty", "empty.yaml is empty"),
    ("renamed", "renamed.yaml sets scenario.name: 'talks_2027', but its file name says "
                "'renamed'"),
    ("no_closure", "no_closure.yaml: the name 'no_closure' is taken by the built-in"),
    *HOSTILE_SAYS.items(),
])
def test_bad_scenario_files_are_refused_naming_the_file(own_folder, name, says):
    with pytest.raises(ConfigError, match="scenario=") as caught:
        compose_config([f"scenarios_dir={own_folder}", f"scenario={name}"])
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_folder_is_refused():
    with pytest.raises(ConfigError, match="scenarios_dir='/no/such/folder' is not allowed"):
        compose_config(["scenarios_dir=/no/such/folder"])


def test_checking_all_scenarios_names_a_bad_file(own_folder):
    with pytest.raises(ConfigError, match="my_scenarios/"):
        scenarios.check_all_scenarios(str(own_folder))
    scenarios.check_all_scenarios()  # the built-in library is clean


def test_cli_refuses_a_bad_file_in_one_line_and_runs_the_others(own_folder, tmp_path):
    folder = f"scenarios_dir={own_folder}"
    proc = run_cli([folder, "scenario=broken"], cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert line.startswith("sim: config error: scenario='broken' is not allowed: ")
    assert "broken.yaml line 3: not valid YAML" in line
    assert not (tmp_path / "outputs").exists()

    proc = run_cli([folder, "--help"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "talks_2027" in proc.stdout

    out = tmp_path / "run"
    proc = run_cli([folder, "scenario=talks_2027", *SHORT, "seed=2", "output.plots=false",
                    f"hydra.run.dir={out}"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / "manifest.json").exists()


def test_a_sweep_over_every_scenario_refuses_a_bad_file(own_folder, tmp_path):
    """The study sweeps scenario=glob(*): a bad file must stop it, not silently drop out."""
    proc = run_cli(["-m", f"scenarios_dir={own_folder}", "scenario=glob(*)",
                    f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert "is not allowed: " in line and "my_scenarios/" in line
    assert not (tmp_path / "sweep").exists()


def test_a_hostile_file_runs_nothing_and_writes_nothing(own_folder, tmp_path, monkeypatch):
    """Selecting the file with a callback refuses it in one line: no folder made, no run."""
    monkeypatch.setenv("SECRET_TOKEN", "do-not-leak")
    for name in ("callback", "run_dir", "from_env", "unquoted_date"):
        proc = run_cli([f"scenarios_dir={own_folder}", f"scenario={name}"], cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert one_line(proc.stderr).startswith(f"sim: config error: scenario='{name}'")
        assert "do-not-leak" not in proc.stderr + proc.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_scenarios"]
    assert not Path("/tmp/elsewhere").exists()
