# HFS Academy — `make help` lists the targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed-stamp
# `make run PORT=8001` serves elsewhere; load_demo prints the matching address.
PORT ?= 8000

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools

run: install ## Set up, load the demo, serve on http://127.0.0.1:8000 with the task worker
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo --port $(PORT)
	$(MANAGE) setup_roles --verbosity 0
	@# One command, three processes: the web server, the task worker and the periodic scheduler;
	@# Ctrl-C, or the web server stopping, stops all three.
	@trap 'kill 0' EXIT INT TERM; \
	$(MANAGE) run_worker & \
	$(MANAGE) run_scheduler & \
	$(MANAGE) runserver 127.0.0.1:$(PORT)

# Test processes for `make test`: one per core, at least two; TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -lt 2 ] && n=2; echo $$n)
# Each test process compiles the project and rewrites the test modules' asserts as it imports
# them; kept in __pycache__ (ignored by git), that is done once, not in every process of every
# run (13 s to collect the suite without it, 8 s with), so an environment's
# PYTHONDONTWRITEBYTECODE is set aside here.
test: install ## Run every test (DATABASE_URL=postgres://... runs them on PostgreSQL)
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install ## ruff (lint and format check) and mypy on every app
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install ## Fail if models and migrations disagree
	$(MANAGE) makemigrations --check --dry-run

benchmark: install ## Print speed figures (render and submit times against a trivial view)
	$(BIN)/python benchmarks/run.py

clean: ## Remove the virtualenv, the dev database and collected static files
	rm -rf $(VENV) db.sqlite3 static .test-db*.sqlite3

.PHONY: help install run test lint format migrations-check benchmark clean
