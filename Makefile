# The two commands of the quick start are `make demo` and `make test`; the rest are their parts.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node >= 22.19 (bootstrapped from the npm registry when the system Node is older) goes first on PATH.
NODE_BIN := $(shell scripts/lab/node.sh)
export PATH := $(NODE_BIN):$(PATH)

.PHONY: help setup build lab-build lab-up lab-down demo demo-down test check record-histories

help:
	@echo "make demo        start the lab and the product; a node recovery, a bad rollout rolled back, an approval through Slack, an analysis alert and a dashboard's data, a service recovered dependencies first"
	@echo "make test        every check and test suite on a lab of its own"
	@echo "make lab-up      start the Temporal dev server (UI :8233), the simulated cluster and its HTTP backends"
	@echo "make lab-down    stop them (Temporal history is kept in .lab/temporal)"
	@echo "make lab-build   build the lab binaries into ~/.cache/self-healing (first time ~30-45 min)"

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

setup: node_modules/.installed

build: setup
	npm run --silent build

lab-build:
	scripts/lab/build.sh

lab-up: lab-build
	scripts/lab/up.sh

lab-down:
	scripts/lab/down.sh

demo: build lab-up
	scripts/demo.sh

demo-down:
	scripts/demo.sh stop

test: setup
	scripts/test.sh

check: setup
	npm run --silent typecheck && npm run --silent lint && npm run --silent format:check

# Re-records the replay fixtures from a dev-server run (commit them with the workflow change).
record-histories: setup
	RECORD_HISTORIES=1 scripts/test.sh test/lab/temporal-dev-server.test.ts test/lab/node-recovery-e2e.test.ts test/lab/workload-recovery-e2e.test.ts test/workflows/human-loop.test.ts
