# Tollgate's developer commands. `make check` runs every check CI runs
# (.ci/run installs the system packages and then runs `make check`).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
# staticcheck, run through the module proxy at a pinned version that
# understands the Go release in go.mod.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
# 1: staticcheck findings fail the build; 0: they are printed as a warning.
STATICCHECK_GATE ?= 1
# The PostgreSQL the PostgreSQL tests use (CI's; trust auth, database test).
TOLLGATE_TEST_POSTGRES ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
# Fuzzing: how long each fuzz target runs, and which (regex on the name).
FUZZTIME ?= 60s
FUZZ ?=
# Benchmarks: which (regex), in which packages.
BENCH ?= .
BENCHPKG ?= ./...
# Extra flags for `make serve`, such as SERVE_FLAGS='--auth emulator'.
SERVE_FLAGS ?=

# The console's browser tests run in the headless Chromium this names
# (/usr/bin/chromium from Debian's chromium package); they skip without it.
# Their screenshots go to TOLLGATE_SCREENSHOTS.
TOLLGATE_TEST_CHROMIUM ?=
TOLLGATE_SCREENSHOTS ?= screenshots

# The checks `make check` (and so CI) runs, in order; the browser tests
# when TOLLGATE_TEST_CHROMIUM names a browser.
CHECKS := vet staticcheck test test-postgres test-race e2e
ifneq ($(TOLLGATE_TEST_CHROMIUM),)
CHECKS += test-browser
endif

.PHONY: help check $(CHECKS) test-browser lint build serve fuzz bench

help: ## list the targets
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-zA-Z0-9_-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

# In `make check`, `make test` runs without TOLLGATE_TEST_POSTGRES: the
# PostgreSQL tests run in test-postgres (which fails if any skips) and under
# the race detector, not a third time.
check: ## everything CI runs: vet, staticcheck, tests, PostgreSQL tests, race detector, end-to-end, browser tests (with TOLLGATE_TEST_CHROMIUM)
	@for t in $(CHECKS); do \
		start=$$SECONDS; \
		echo "==> make $$t"; \
		runner=(); [[ $$t == test ]] && runner=(env -u TOLLGATE_TEST_POSTGRES); \
		"$${runner[@]}" $(MAKE) --no-print-directory $$t || { echo "==> make $$t FAILED after $$((SECONDS - start))s"; exit 1; }; \
		echo "==> make $$t ok ($$((SECONDS - start))s)"; \
	done; \
	echo "==> make check: all passed ($(CHECKS))"

vet: ## go vet ./..., and gofmt -l (any file it lists fails)
	$(GO) vet ./...
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [[ -n "$$unformatted" ]]; then echo "gofmt would change:"; echo "$$unformatted"; echo "run gofmt -w on them"; exit 1; fi

staticcheck: ## staticcheck ./... (pinned version, through the module proxy)
	@echo '$(STATICCHECK) ./...'
	@if [[ '$(STATICCHECK_GATE)' == 1 ]]; then \
		$(STATICCHECK) ./...; \
	else \
		$(STATICCHECK) ./... || echo "staticcheck: WARNING: the findings above do not fail this run (STATICCHECK_GATE=0)"; \
	fi

lint: vet staticcheck ## vet and staticcheck

# The browser tests are left to test-browser, which runs them verbosely and
# fails if any skips: here they would only run a second time.
test: ## go test ./... (PostgreSQL tests run too when TOLLGATE_TEST_POSTGRES is set; browser tests in test-browser)
	TOLLGATE_TEST_CHROMIUM= $(GO) test ./...

# The packages whose code runs concurrently: the race detector checks their
# tests (a few minutes: it slows them 2-10x). Those of RACE_POSTGRES_PKGS
# run on PostgreSQL too: the store, where the code that only PostgreSQL
# runs lives (advisory locks, the in-memory queue of a hot key's writers,
# serialization retries), and the license pools that write through it.
# Above the store the code is the same on either database, and its
# PostgreSQL tests run without the race detector in test-postgres.
RACE_PKGS ?= ./internal/app ./internal/awsapi/... ./internal/clock ./internal/license/... ./internal/nativeapi/... ./internal/server ./internal/store/...
RACE_POSTGRES_PKGS ?= ./internal/license/... ./internal/store/...

test-race: ## the concurrent packages' tests under the race detector, on SQLite (the store and license pools on PostgreSQL too)
	TOLLGATE_TEST_POSTGRES='$(TOLLGATE_TEST_POSTGRES)' $(GO) test -race -count=1 $(RACE_POSTGRES_PKGS)
	TOLLGATE_TEST_POSTGRES= $(GO) test -race -count=1 $(filter-out $(RACE_POSTGRES_PKGS),$(RACE_PKGS))

test-browser: ## the console's browser tests in headless Chromium (TOLLGATE_TEST_CHROMIUM=/usr/bin/chromium), screenshots in screenshots/
	TOLLGATE_TEST_CHROMIUM='$(TOLLGATE_TEST_CHROMIUM)' TOLLGATE_SCREENSHOTS='$(TOLLGATE_SCREENSHOTS)' scripts/test-browser.sh

test-postgres: ## the PostgreSQL tests, verbosely, failing if any is skipped
	TOLLGATE_TEST_POSTGRES='$(TOLLGATE_TEST_POSTGRES)' scripts/test-postgres.sh

e2e: ## end-to-end: a live server driven by the AWS CLI v2 and boto3 (e2e/README.md)
	e2e/run.sh

build: ## build bin/tollgate
	$(GO) build -o bin/tollgate ./cmd/tollgate

serve: ## the demo server on 127.0.0.1:7070 (embedded SQLite in ./tollgate-data)
	$(GO) run ./cmd/tollgate serve --demo $(SERVE_FLAGS)

fuzz: ## every fuzz target for FUZZTIME (60s) each
	FUZZTIME='$(FUZZTIME)' FUZZ='$(FUZZ)' scripts/fuzz.sh

bench: ## go benchmarks (BENCH=regex, BENCHPKG=packages)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem $(BENCHPKG)
