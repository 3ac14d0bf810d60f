# Rapport: `make run` to try it, `make test` to check it. Everything installs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python >= 3.12 found: PATH first, then pyenv's and the system's versioned binaries.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $(HOME)/.pyenv/versions/3.1[3-9]*/bin/python3 $(HOME)/.pyenv/versions/3.12*/bin/python3 /usr/bin/python3.13 /usr/bin/python3.12; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
RAPPORT := $(BIN)/rapport
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help install run test lint format bench messages clean

help:
	@echo "make run    - set up everything, load demo data and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - set up everything and run lint + the whole test suite"
	@echo "make lint   - ruff, mypy, Django checks, migrations check"
	@echo "make bench  - benchmarks against baselines measured in the same run"

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Rapport needs Python >= 3.12 (python3.13 or python3.12 on PATH)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed node_modules/.installed

var:
	@mkdir -p var

run: install var
	$(RAPPORT) migrate --no-input
	$(RAPPORT) collectstatic --no-input --verbosity 0
	$(RAPPORT) demo --size small --url http://127.0.0.1:$(PORT)/
	RAPPORT_HTTPS=0 $(RAPPORT) serve --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(RAPPORT) check
	$(RAPPORT) makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: install lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install var
	$(BIN)/python -m rapport.bench

messages: install
	# RAPPORT_HOME: rapport keeps its var/ (secret key, database) there, not in the package
	cd src/rapport && RAPPORT_HOME=$(CURDIR) ../../$(RAPPORT) makemessages --all --no-obsolete --ignore 'node_modules/*'
	cd src/rapport && RAPPORT_HOME=$(CURDIR) ../../$(RAPPORT) compilemessages

clean:
	rm -rf $(VENV) node_modules var .mypy_cache .ruff_cache
