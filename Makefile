# The same commands CI runs. `make run` starts a demo hub and the app; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install system-deps run web test fuzz mutation lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
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

# The property-based fuzzers at depth (schemathesis on every API operation, the three-device state machine, the
# forms fuzzer): many times CI's examples, about half an hour on a 2-core machine.
fuzz: install system-deps
	MASH_FUZZ=deep $(BIN)/python -m pytest -p no:cacheprovider --timeout=3600 tests/hub/test_schemathesis.py \
		tests/sync/test_statemachine.py tests/forms/test_fuzz.py

# Mutation testing of consent, access, identifiers and merge (mutmut; not part of CI): figures last.
mutation: install
	$(BIN)/python -m bench.mutation

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install system-deps
	for b in vault forms hub sync chaos app; do $(BIN)/python -m bench.$$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis test-artifacts
