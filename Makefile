# Two commands do all the set-up on a fresh machine:
#   make run   creates .venv if missing, installs sim, runs the default study
#   make test  creates .venv if missing, installs sim, runs the test suite
PYTHON_VERSION := $(shell cat .python-version)
PYENV_PYTHON := $(HOME)/.pyenv/versions/$(PYTHON_VERSION)/bin/python
BASE_PYTHON ?= $(if $(wildcard $(PYENV_PYTHON)),$(PYENV_PYTHON),python3.12)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench calibrate validate forecast baseline clean-venv

$(PY):
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The default study: every scenario in scenarios/ as a 100-seed ensemble on all cores
# (conf/sweep/study.yaml), report in outputs/study/report/. Running it again skips the arms
# already finished and completes interrupted ones.
run: $(STAMP)
	$(VENV)/bin/sim -m +sweep=study

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/run.py

calibrate: $(STAMP)
	$(VENV)/bin/sim-calibrate

validate: $(STAMP)
	$(VENV)/bin/sim-validate

# Rolling-origin forecasts (origins 2022-2024), scored against naive forecasts; writes the
# tracked results in benchmarks/forecasts/ (about 35 minutes on 2 cores).
forecast: $(STAMP)
	$(VENV)/bin/sim-forecast

baseline: $(STAMP)
	$(PY) -m sim.calibration.baseline --update

clean-venv:
	rm -rf $(VENV)
