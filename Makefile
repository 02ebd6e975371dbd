# Two commands for a newcomer: `make demo` (set up and start with the demo store) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test lint setup migrate worker bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

setup: $(BIN)/.installed

migrate: setup
	$(BIN)/flask --app wsgi migrate

# Demo store on http://127.0.0.1:$(PORT)/ (no Shopify or LINE accounts needed; loopback only).
demo: migrate
	PORT=$(PORT) sh scripts/demo.sh

# The whole suite; also on PostgreSQL when TEST_DATABASE_URL points at one.
test: setup
	$(BIN)/python -m pytest -q

# Lint, format check and the import contracts of pyproject.toml (CI runs this before the tests).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache --no-logo

worker: migrate
	$(BIN)/flask --app wsgi worker

bench: setup
	$(BIN)/python bench/webhooks.py --quick

clean:
	rm -rf $(VENV) instance .pytest_cache
