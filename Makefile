# The same commands CI runs. `make run` starts a demo hub and the app; `make test` runs the whole suite.
# `make help` lists the targets: each is described by its `## ` comment.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The demo's ports and device (a port in use by another program: the demo says so and moves to a free one).
PORT     ?= 8550
HUB_PORT ?= 8600
DEVICE   ?= device

.DEFAULT_GOAL := help
.PHONY: help install system-deps run web hub test fuzz mutation lint format bench safety clean

help: ## list the targets, each with one line
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /\1\t/' | \
		awk -F'\t' '{ printf "  make %-12s %s\n", $$1, $$2 }'
	@echo "  Ports: make web PORT=8650 HUB_PORT=8700; a second device: make web DEVICE=gp"

$(STAMP): pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[field,dev]"
	command -v npm >/dev/null 2>&1 || scripts/install-system-deps  # a machine without node gets it from Debian
	npm ci --no-audit --no-fund --silent  # GOV.UK Frontend for the hub's console (node_modules/, pinned by the lockfile)
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

system-deps: ## Debian packages the tests use: Chromium (end-to-end tests), PostgreSQL (root or sudo)
	scripts/install-system-deps

run: install ## the demo: a local hub and the app in a desktop window (HUB_PORT=, DEVICE=)
	$(BIN)/python scripts/run_demo.py --hub-port $(HUB_PORT) --device $(DEVICE)

web: install ## the demo with the app in a browser, http://127.0.0.1:8550 (PORT=, HUB_PORT=, DEVICE=)
	$(BIN)/python scripts/run_demo.py --web --port $(PORT) --hub-port $(HUB_PORT) --device $(DEVICE)

hub: install ## the demo hub alone, with its enrolment codes, for an app you start yourself (HUB_PORT=)
	$(BIN)/python scripts/run_demo.py --hub-only --hub-port $(HUB_PORT)

test: install system-deps ## every test (installs Chromium and PostgreSQL first if missing)
	$(BIN)/python -m pytest

fuzz: install system-deps ## the fuzzers at depth (schemathesis, the three-device state machine, forms): ~30 min
	MASH_FUZZ=deep $(BIN)/python -m pytest -p no:cacheprovider --timeout=3600 tests/hub/test_schemathesis.py \
		tests/sync/test_statemachine.py tests/forms/test_fuzz.py

mutation: install ## mutation testing of consent, access, identifiers and merge (python -m bench.mutation)
	$(BIN)/python -m bench.mutation

lint: install ## ruff, ruff format --check, mypy --strict, import-linter contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## ruff format and ruff check --fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install system-deps ## every benchmark (python -m bench.vault | forms | hub | sync | chaos | app | console)
	for b in vault forms hub sync chaos app console; do $(BIN)/python -m bench.$$b || exit 1; done

safety: install ## the hazard log as a table for the clinical safety officer (docs/safety/hazard-log.md)
	$(BIN)/python scripts/safety.py > docs/safety/hazard-log.md

clean: ## remove .venv, the tools' caches and test artefacts (not .demo/)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts
