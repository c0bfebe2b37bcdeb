# tickroom: `make test` is everything CI runs (.ci/run calls it).
# Needs Go, Node 20 with npm, and the package registries through their own clients.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO ?= go
NPM ?= npm
# Node packages the tests need; each dir has a package.json and a committed package-lock.json.
NODE_DIRS := tests/node netio/sioparser/testdata/capture client-js
GOTEST_TIMEOUT ?= 12m
FUZZTIME ?= 6s
EIO_SUITE ?=
SIO_SUITE ?=

.PHONY: test deps chromium tools vet gotest fuzz bench run conformance-published

test: deps vet gotest fuzz

deps: chromium tools
	@for d in $(NODE_DIRS); do \
		echo "npm: installing $$d"; \
		if [ -f "$$d/package-lock.json" ]; then \
			(cd "$$d" && $(NPM) ci --no-audit --no-fund --loglevel=error); \
		else \
			(cd "$$d" && $(NPM) install --no-audit --no-fund --loglevel=error); \
		fi; \
	done

# Debian's Chromium for the browser test (tests/browser, playwright-core drives it); installed
# only when missing. CI runs as root; elsewhere run `sudo make chromium` once.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "chromium: installing Debian's chromium"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

# The load script (tests/load/run.sh, run by its Go test) needs jq and /usr/bin/time (Debian's
# jq and time packages); installed only when missing.
tools:
	@missing=""; \
	command -v jq >/dev/null || missing="$$missing jq"; \
	[ -x /usr/bin/time ] || missing="$$missing time"; \
	if [ -n "$$missing" ]; then \
		echo "tools: installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

vet:
	$(GO) vet ./...

# One package at a time: the end-to-end packages run real servers and many clients, and on a
# 2-core machine running them side by side starves timing-sensitive checks (heartbeats).
gotest:
	$(GO) test -race -count=1 -p 1 -timeout=$(GOTEST_TIMEOUT) ./...

# Short fuzz run of every fuzz target in the repo (found by tests/scripts/fuzz.sh).
fuzz:
	GO="$(GO)" FUZZTIME="$(FUZZTIME)" tests/scripts/fuzz.sh

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

run:
	$(GO) run ./cmd/gameserver

# The published Engine.IO and Socket.IO protocol suites against tests/conformance/server.
# EIO_SUITE and SIO_SUITE are paths to their test-suite/ directories (see the script).
conformance-published:
	tests/conformance/run-published.sh "$(EIO_SUITE)" "$(SIO_SUITE)"
