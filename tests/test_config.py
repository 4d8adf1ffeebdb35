"""Bad input: one line naming key, value and what is allowed; exit 2; no output written."""

import pytest

import sim
from sim.running.config import ConfigError
from tests.conftest import run_cli

BAD_OVERRIDES = [
    ("seed=abc", "seed", "abc", "Integer"),
    ("seed=-1", "seed", "-1", ">= 0"),
    ("model.foo=1", "model.foo", "1", "groups, security, taliban, season"),
    ("+model.foo=1", "model.foo", "1", "groups, security"),
    ("model.groups.ttp.attack_rate=fast", "model.groups.ttp.attack_rate", "fast", "Float"),
    ("model.groups.ttp.cross_in_per_day=1.5", "model.groups.ttp.cross_in_per_day", "1.5",
     "[0, 1]"),
    ("model.groups.ttp.fighters_start=-5", "model.groups.ttp.fighters_start", "-5", ">= 0"),
    ("model.groups.ttp.cell_size=0", "model.groups.ttp.cell_size", "0", "> 0"),
    ("model.groups.ttp.sanctuary=kabul", "model.groups.ttp.sanctuary", "kabul", "af_east"),
    ("model.permeability.torkham=2", "model.permeability.torkham", "2", "[0, 1]"),
    ("model.groups.ttp.attack_rate=nan", "model.groups.ttp.attack_rate", "nan", "finite"),
    ("model.security.kill_fraction_per_operation=inf",
     "model.security.kill_fraction_per_operation", "inf", "finite"),
    ("model.groups.ttp.security_per_attack=-inf", "model.groups.ttp.security_per_attack",
     "-inf", "finite"),
    ("model.permeability.torkham=nan", "model.permeability.torkham", "nan", "finite"),
    ("model.groups.ttp.routes.torkham=nan", "model.groups.ttp.routes.torkham", "nan",
     "finite"),
    ("levers.border_closure_2025.leakage=nan", "levers.border_closure_2025.leakage", "nan",
     "finite"),
    ("model.groups.ttp.fighters_start=100000000000", "model.groups.ttp.fighters_start",
     "100000000000", "at most 1,000,000"),
    ("model.groups.ttp.recruitment_ceiling=20000000", "model.groups.ttp.recruitment_ceiling",
     "20000000", "at most 10,000,000"),
    ("levers.border_closure_2025.leakage=1.5", "levers.border_closure_2025.leakage", "1.5",
     "[0, 1]"),
    ("levers.border_closure_2025.start=2200-01-01", "levers.border_closure_2025.start",
     "2200-01-01", "a date from 1990-01-01 to 2100-12-31"),
    ("levers.ceasefire_2022.end=2022-01-01", "levers.ceasefire_2022.end", "2022-01-01",
     "after start"),
    ("levers.ceasefire_2022.compliance.tpp=0.5", "levers.ceasefire_2022.compliance.tpp", "0.5",
     "+levers.ceasefire_2022.compliance.tpp="),
    ("+levers.ceasefire_2022.compliance.tpp=0.5", "levers.ceasefire_2022.compliance.tpp",
     "0.5", "ttp, baloch, iskp"),
    ("levers.border_closure_2025.crossings=[nowhere]", "levers.border_closure_2025.crossings",
     "nowhere", "torkham"),
    ("+levers.x={kind: pressure, start: 2024-01-01, levl: 1}", "levers.x.levl", "1", "level"),
    ("+levers.y={kind: blockade, start: 2024-01-01}", "levers.y.kind", "blockade",
     "border_closure"),
    ("+levers.z={kind: pressure, start: '2024-01-01', level: abc}", "levers.z.level", "abc",
     "Float"),
    ("+levers.z={kind: pressure, start: '2024-01-01', ramp_days: 2.7}", "levers.z.ramp_days",
     "2.7", "Integer"),
    ("+levers.z={kind: strikes, start: '2024-01-01', groups: 5}", "levers.z.groups", "5",
     "list"),
    ("scenario=nope", "scenario", "nope", "as_happened"),
    ("model.observation.pips.claims_factor=0.5", "model.observation.pips.claims_factor", "0.5",
     "a claims factor in [1, 5]"),
    ("model.observation.crss.claims_factor=6", "model.observation.crss.claims_factor", "6",
     "[1, 5]"),
    ("model.observation.crss.completeness_frontier=0",
     "model.observation.crss.completeness_frontier", "0", "(0, 1]"),
    ("model.observation.picss.completeness_interior=1.2",
     "model.observation.picss.completeness_interior", "1.2", "(0, 1]"),
    ("model.observation.picss.concentration=0", "model.observation.picss.concentration", "0",
     "a Beta concentration in (0, 1e12]"),
    ("model.observation.crss.operations_share=-0.1", "model.observation.crss.operations_share",
     "-0.1", "a share in [0, 1]"),
    ("model.observation.fatalities_exponent=nan", "model.observation.fatalities_exponent", "nan",
     "finite"),
    ("model.observation.claims_concentration=-1", "model.observation.claims_concentration", "-1",
     "a Gamma shape in (0, 1e12]"),
    ("levers.border_closure_2025.enabled=-1", "levers.border_closure_2025.enabled", "-1",
     "true or false"),
    ("model.groups.ttp.fought_by_taliban=2", "model.groups.ttp.fought_by_taliban", "2",
     "true or false"),
    ("output.plots=-1", "output.plots", "-1", "true or false"),
    ("levers.border_closure_2025.crossings=[]", "levers.border_closure_2025.crossings", "[]",
     "at least one crossing"),
    ("levers.strikes_2025_10.groups=[]", "levers.strikes_2025_10.groups", "[]",
     "at least one group"),
    ("levers.ceasefire_2022.kind=[1,2]", "levers.ceasefire_2022.kind", "[1, 2]", "mediation"),
    ("levers.ceasefire_2022.homecoming.ttp=[]", "levers.ceasefire_2022.homecoming.ttp", "[]",
     "a number"),
    ("model.groups.ttp.security_per_attack=1e12", "model.groups.ttp.security_per_attack",
     "1000000000000.0", "at most 100 deaths per event"),
    ("model.taliban.adjustment_days=1e308", "model.taliban.adjustment_days", "1e+308",
     "up to 36,525"),
    ("model.groups.ttp.routes.torkham=1e300", "model.groups.ttp.routes.torkham", "1e+300",
     "a weight in [0, 1,000,000]"),
    ("model.observation.pips.operations_share=0.5", "model.observation.pips.operations_share",
     "0.5", "completeness_frontier"),
]


@pytest.mark.parametrize(("override", "key", "value", "allowed"), BAD_OVERRIDES)
def test_api_refuses_bad_values_with_one_line(override, key, value, allowed):
    with pytest.raises(ConfigError) as info:
        sim.simulate([override])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{key}=")
    assert value in message and allowed in message


@pytest.mark.parametrize(
    "override",
    ["seed=abc", "model.foo=1", "levers.border_closure_2025.leakage=1.5", "scenario=nope"],
)
def test_cli_exits_2_with_one_line_and_writes_nothing(tmp_path, override):
    out = tmp_path / "run"
    proc = run_cli([override, f"hydra.run.dir={out}"], cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: config error: ")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_multirun_checks_every_swept_value(tmp_path):
    proc = run_cli(["-m", "seed=1,2,x", f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "seed='x'" in proc.stderr
    assert not (tmp_path / "sweep").exists()


def test_cli_multirun_checks_every_combination_whatever_the_order(tmp_path):
    """Each start and each end is fine with the other's first value; one pair is not."""
    for starts, ends in (("2025-01-01,2025-09-01", "2025-12-31,2025-06-30"),
                         ("2025-09-01,2025-01-01", "2025-06-30,2025-12-31")):
        proc = run_cli(["-m", f"window.start={starts}", f"window.end={ends}",
                        f"hydra.sweep.dir={tmp_path / 'sweep'}"], cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.strip().startswith("sim: config error: window")
        assert not (tmp_path / "sweep").exists()


def test_levers_outside_a_shorter_window_are_accepted_and_do_not_act():
    short = sim.simulate(["window.end=2022-12-31"])
    assert short.monthly["month"].max() == "2022-12"
    assert "border_closure_2025" not in set(short.lever_events["lever"])
    without = sim.simulate(["window.end=2022-12-31", "levers.border_closure_2025.enabled=false"])
    assert short.monthly.equals(without.monthly)


def test_values_read_from_the_environment_never_reach_a_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "do-not-record")
    with pytest.raises(ConfigError, match="values read from the environment"):
        sim.simulate(["scenario.description=${oc.env:SECRET_TOKEN}"])
    out = tmp_path / "run"
    proc = run_cli(["scenario.description=${oc.env:SECRET_TOKEN}", f"hydra.run.dir={out}"],
                   cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "scenario.description='${oc.env:SECRET_TOKEN}'" in lines[0]
    assert "do-not-record" not in proc.stderr and not out.exists()
