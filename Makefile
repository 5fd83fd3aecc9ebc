# The same commands CI runs. `make run` starts a demo hub and the app; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps run web test lint format bench safety clean

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	npm ci --no-audit --no-fund --silent  # GOV.UK Frontend for the hub's console (node_modules/, pinned by the lockfile)
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use: Chromium for the end-to-end tests, PostgreSQL for the hub's second database.
system-deps:
	scripts/install-system-deps

run: install
	$(BIN)/python scripts/run_demo.py

web: install
	$(BIN)/python scripts/run_demo.py --web

test: install system-deps
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install system-deps
	for b in vault forms hub sync chaos app console; do $(BIN)/python -m bench.$$b || exit 1; done

# The hazard log as a table for the clinical safety officer (docs/safety/hazard-log.md, checked by the tests).
safety: install
	$(BIN)/python scripts/safety.py > docs/safety/hazard-log.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts
