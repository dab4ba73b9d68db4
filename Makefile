# samenspel: every target creates .venv and installs what it needs on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run compare load test bench check docs baseline validate clean

# The dashboard's front-end files come from the npm registry into Solara's proxy cache
# (scripts/solara_assets.py), so the pages work without internet.
$(STAMP): pyproject.toml scripts/solara_assets.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[experiments,dashboard,dev]'
	$(BIN)/python scripts/solara_assets.py
	@touch $(STAMP)

## run: the dashboard at http://127.0.0.1:8765 (compare scenarios, elephant, sweeps)
run: $(STAMP)
	$(BIN)/python -m sim dashboard

## compare: in the terminal, Rotterdam's front desk vs Schiedam's walk-in, KPIs side by side
##          (a year from a warm start, ODD 5: no warm-up year needed)
compare: $(STAMP)
	rm -rf results/access
	$(BIN)/python -m sim compare rotterdam_vraagwijzer schiedam_walk_in schiedam_walk_in_triage \
		--replications 8 --days 365 --out results/access

## load: the access answer against load: front desk vs walk-in with the need rate scaled by
##       0.6-1.5, 8 paired seeds per factor, a year each; writes results/load/load.md, .csv, .png
load: $(STAMP)
	rm -rf results/load
	$(BIN)/python -m sim load --out results/load

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

## validate: docs/validation.md and its figures: queue-only runs against Erlang C, Cobham,
##           Little and pooling; the elephant against Darley & Latane; the time budget and
##           the pass-through desk; outreach over paired seeds; Schiedam's four weeks, held
##           out from its calibration; the city presets beside the Dutch figures and what
##           holds by construction (both reported, never failing); the robustness of the
##           access answer over 500 plausible worlds (experiments/robustness_access.toml).
##           One line per check; exits non-zero if any check fails.
##           Interrupted? `.venv/bin/python -m sim validate --out docs --resume`
validate: $(STAMP)
	$(BIN)/python -m sim validate --out docs

## baseline: rewrite the regression baseline (only on purpose, after a model change)
baseline: $(STAMP)
	$(BIN)/python scripts/update_baseline.py

clean:
	rm -rf $(VENV) results .pytest_cache .ruff_cache
