# Everyday targets. `make run` serves the demo; `make test` is what CI runs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export TICKETRY_HOST ?= $(HOST)
export TICKETRY_PORT ?= $(PORT)
TICKETRY_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export TICKETRY_TEST_POSTGRES_URL

.PHONY: browser run install install-dev test lint typecheck test-sqlite test-postgres migrate openapi bench format clean

# Each step says what it is doing: the first install takes a minute or two.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	@echo "==> creating the virtualenv in $(VENV)"
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	@echo "==> installing the pinned dependencies (requirements.lock); the first time takes a minute or two"
	$(BIN)/pip install --disable-pip-version-check --progress-bar off -r requirements.lock
	@echo "==> installing ticketry itself"
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	@echo "==> installing the development tools (requirements-dev.lock)"
	$(BIN)/pip install --disable-pip-version-check --progress-bar off -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	@echo "==> migrating the database"
	@$(BIN)/ticketry migrate
	@echo "==> loading the demo account (once; later runs keep its data and its token)"
	@$(BIN)/ticketry demo
	@echo "==> serving at http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	@$(BIN)/ticketry serve --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/ticketry migrate

lint: install-dev
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/lint-imports  # the layering contract: [tool.importlinter] in pyproject.toml

typecheck: install-dev
	$(BIN)/mypy

# The browser tests (tests/web/test_browser.py) drive Debian's Chromium, on the SQLite pass only.
browser:
	command -v chromium || (apt-get update && apt-get install -y chromium)

test-sqlite: install-dev browser
	TICKETRY_TEST_DB=sqlite $(BIN)/pytest -p no:cacheprovider

test-postgres: install-dev
	@if $(BIN)/python -m tests.pg_available; then \
		TICKETRY_TEST_DB=postgres $(BIN)/pytest -p no:cacheprovider; \
	elif [ -n "$$CI" ]; then \
		echo "FAIL: PostgreSQL is not reachable at $$TICKETRY_TEST_POSTGRES_URL (required under CI)"; exit 1; \
	else \
		echo; echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!  SKIPPED the PostgreSQL run: nothing answers at $$TICKETRY_TEST_POSTGRES_URL"; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; echo; \
	fi

test: lint typecheck test-sqlite test-postgres

openapi: install
	$(BIN)/python -m ticketry.openapi_dump docs/openapi

bench: install-dev
	$(BIN)/python bench/run.py

format: install-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
