# samenspel: every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test bench check docs baseline clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[experiments,dev]'
	@touch $(STAMP)

## run: the main job: Rotterdam's front desk vs Schiedam's walk-in, KPIs side by side
##      (a year from a warm start, ODD 5: no warm-up year needed)
run: $(STAMP)
	rm -rf results/access
	$(BIN)/python -m sim compare rotterdam_vraagwijzer schiedam_walk_in schiedam_walk_in_triage \
		--replications 5 --days 365 --out results/access

## test: the whole test suite (what CI runs)
test: $(STAMP)
	$(BIN)/python -m pytest -q

## bench: speed and memory figures (printed, never asserted by tests)
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

## check: lint
check: $(STAMP)
	$(BIN)/ruff check .

## docs: regenerate the parameter and KPI tables in docs/ from sim/params.py and sim/kpis.py
docs: $(STAMP)
	$(BIN)/python -m sim.docgen

## baseline: rewrite the regression baseline (only on purpose, after a model change)
baseline: $(STAMP)
	$(BIN)/python scripts/update_baseline.py

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
