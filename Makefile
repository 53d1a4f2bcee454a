# Signoff: the two commands are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
PEER_VENV := .venv-peer
PEER_STAMP := $(PEER_VENV)/.installed
PAGES ?= 1000

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install Signoff with its dev tools

system-deps: ## install the Debian packages the tests need (postgresql, chromium) when missing
	@scripts/system-deps

run: install ## set up, migrate, seed demo data if empty, serve on http://127.0.0.1:8000 (PORT=8123 for another port)
	$(BIN)/signoff demo --port $(PORT)

check: install ## ruff, formatting, mypy --strict, the layer contract
	$(BIN)/ruff check src tests loadtest
	$(BIN)/ruff format --check src tests loadtest
	$(BIN)/mypy
	$(BIN)/lint-imports

test: system-deps install check ## set up and run every test (SQLite and PostgreSQL), on both cores
	$(BIN)/pytest -n 2 --dist loadfile

reliability: system-deps install ## the long reliability tier: more races, crash trials and fuzzing; prints the figures table
	SIGNOFF_TIER=long $(BIN)/pytest -n 2 --dist loadfile --durations=15 tests/reliability tests/api/test_openapi_fuzz.py tests/oauth/test_fuzz.py \
		tests/integration/test_audit_append_only.py tests/cli/test_audit.py tests/cli/test_audit_checkpoint.py

loadtest: install ## serve Signoff on loopback, drive it with Locust (mixed reads and approvals, then a trivial endpoint); prints p50/p95/p99, throughput and the ceiling ratio
	$(BIN)/python -m loadtest $(LOADTEST_ARGS)

loadtest-postgres: system-deps install ## the load test on a private throw-away PostgreSQL cluster, two server processes
	$(BIN)/python -m loadtest --postgres --workers 2 $(LOADTEST_ARGS)

startup: install ## how long signoff takes to start (pipeline commands and an admin one), best of 5
	$(BIN)/python scripts/cli_startup.py

$(PEER_STAMP): peer/requirements.txt
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet --upgrade pip
	$(PEER_VENV)/bin/pip install --quiet -r peer/requirements.txt
	touch $(PEER_STAMP)

peerbench: $(PEER_STAMP) ## time Wagtail 8's workflow (submits, approvals) as signoff bench times ours, in .venv-peer (PAGES=1000)
	$(PEER_VENV)/bin/python peer/wagtail_bench.py --pages $(PAGES)

bench-vs-peer: install $(PEER_STAMP) ## signoff bench and the Wagtail peer alternately, twice each: best rates and their ratios (PAGES=1000)
	$(BIN)/python scripts/bench_vs_peer.py --pages $(PAGES)

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests loadtest
	$(BIN)/ruff format src tests loadtest

clean: ## remove the virtualenvs and caches (keeps signoff-data)
	rm -rf $(VENV) $(PEER_VENV) .mypy_cache .pytest_cache .ruff_cache

.PHONY: help install system-deps run check test reliability loadtest loadtest-postgres startup peerbench bench-vs-peer format clean
