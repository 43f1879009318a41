# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_DIR := .demo
PORT ?= 8000

.PHONY: setup demo serve test lint bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "Python >= 3.11 is needed; $(PYTHON) is $$($(PYTHON) --version 2>&1)." \
	       "Run e.g. 'make $(MAKECMDGOALS) PYTHON=python3.12'."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

## demo: deterministic sample history (no network) → .demo/site, served on localhost
demo: setup
	$(PY) -m generator demo --out $(DEMO_DIR) --serve --port $(PORT)

## test: sets up everything the suite needs (venv, chromium, actionlint) and runs it
test: setup
	bash scripts/ensure-test-tools.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

bench: setup
	$(PY) scripts/benchmark.py
	bash scripts/ensure-test-tools.sh
	$(PY) scripts/page_benchmark.py

clean:
	rm -rf site $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
