"""Scenario files as a researcher writes them: their own folder, and bad files refused clearly.

A bad file (not YAML, empty, or whose scenario.name is not its file name) is refused with
one line naming the file when it is selected, and never breaks the other scenarios or --help.
"""

from __future__ import annotations

import pytest

from sim.running import scenarios
from sim.running.compose import available_scenarios, compose_config
from sim.running.config import ConfigError, validate
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


@pytest.fixture
def own_folder(tmp_path):
    folder = tmp_path / "my_scenarios"
    folder.mkdir()
    (folder / "talks_2027.yaml").write_text(GOOD)
    (folder / "broken.yaml").write_text("scenario:\n  name: broken\n levers: [\n")
    (folder / "empty.yaml").write_text("# nothing yet\n")
    (folder / "renamed.yaml").write_text(GOOD)  # says talks_2027 inside
    (folder / "no_closure.yaml").write_text(GOOD.replace("talks_2027", "no_closure"))
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
    assert not {"broken", "empty", "renamed"} & set(names)


@pytest.mark.parametrize(("name", "says"), [
    ("broken", "broken.yaml line 3: not valid YAML"),
    ("empty", "empty.yaml is empty"),
    ("renamed", "renamed.yaml sets scenario.name: 'talks_2027', but its file name says "
                "'renamed'"),
    ("no_closure", "no_closure.yaml: the name 'no_closure' is taken by the built-in"),
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
