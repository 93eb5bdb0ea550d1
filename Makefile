# Fangkong: build, run, test. `make help` lists the targets; docs/operations.md explains.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FANGKONG := $(BIN)/fangkong
# Written when the virtualenv matches the lock file; pip runs again only when the lock
# file (or pyproject.toml) is newer.
STAMP := $(VENV)/.fangkong-installed
BIND ?= 127.0.0.1:8000
WORKERS ?= 3

.PHONY: help install system-deps messages run test lint bench load lock vendor pg-start pg-stop clean

help:
	@echo "make install    create .venv from requirements-dev.lock, Debian packages, translations"
	@echo "make run        install, migrate, load the demo district, serve on http://$(BIND)"
	@echo "make test       lint, then the test suite on SQLite and on PostgreSQL"
	@echo "make lint       ruff, mypy, import-linter, makemigrations --check"
	@echo "make bench      benchmarks on a private PostgreSQL cluster (bench/run.sh)"
	@echo "make load       load test of search and lists at 2,000,000 people (bench/load.sh)"
	@echo "make lock       regenerate requirements.lock and requirements-dev.lock"
	@echo "make vendor     refresh the front-end libraries in src/fangkong/static/vendor"
	@echo "make pg-start   start the private PostgreSQL cluster (build/pg); pg-stop stops it"
	@echo "make clean      stop the cluster, delete build/ and caches (keeps .venv and var/)"

# --- install --------------------------------------------------------------------
install: system-deps $(STAMP) messages

system-deps:
	@PYTHON=$(PYTHON) scripts/system_deps.sh

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements-dev.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	@touch $@

messages: $(STAMP)
	@scripts/messages.sh

# --- run ------------------------------------------------------------------------
run: install
	$(FANGKONG) migrate --noinput
	$(FANGKONG) demo
	$(FANGKONG) collectstatic --noinput --verbosity 0
	$(FANGKONG) demo_accounts
	$(FANGKONG) serve --bind $(BIND) --workers $(WORKERS)

# --- checks ---------------------------------------------------------------------
test: install
	@scripts/test.sh all

lint: install
	@scripts/test.sh lint

bench: install
	@bench/run.sh

load: install
	@bench/load.sh

# --- maintenance ----------------------------------------------------------------
# Resolves with uv in a throwaway virtualenv under build/. Versions already in the lock
# files are kept where they still satisfy the .in files; to upgrade everything, delete
# the lock files first (or run `make lock UPGRADE=1`).
UV := build/lock-tools/bin/uv
UV_COMPILE = UV_CACHE_DIR=build/uv-cache $(UV) pip compile --universal --quiet \
	--python-version 3.11 --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

lock:
	@test -x $(UV) || { $(PYTHON) -m venv build/lock-tools && build/lock-tools/bin/pip install -q uv; }
	$(UV_COMPILE) requirements.in -o requirements.lock
	$(UV_COMPILE) requirements-dev.in -c requirements.lock -o requirements-dev.lock

vendor:
	scripts/vendor_static.sh

pg-start:
	@scripts/pg.sh start
	@echo "DATABASE_URL=$$(scripts/pg.sh url)"

pg-stop:
	@scripts/pg.sh stop

clean:
	@if [ -x scripts/pg.sh ] && [ -d build/pg ]; then scripts/pg.sh stop || true; fi
	rm -rf build .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
