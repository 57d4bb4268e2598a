# Rapport: `make run` serves the demo clinic, `make test` runs every test. Both install what is
# missing first (Debian packages, npm packages), so a fresh Debian 12 machine needs nothing else.

SHELL := /bin/bash
JOBS ?= $(shell nproc)
DB ?= data/rapport.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps web-deps web build build-dev build-release build-fuzz rapport-release run test test-unit test-fuzz lint format bench clean

all: build

deps:
	@scripts/install-deps.sh

# npm ci only when the lock file changed since the last install.
web/node_modules/.installed: web/package-lock.json | deps
	cd web && npm ci --no-audit --no-fund
	touch $@

web-deps: web/node_modules/.installed

web: web-deps
	cd web && npm run build

build-dev: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

build-release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# The libFuzzer targets alone (clang 19) in build/fuzz, for long runs: fuzz/README.md. The dev
# build has them too, for their short runs.
build-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)

# Only the binary: what `make run` needs, without the tests and benchmarks.
rapport-release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target rapport

build: build-release

run: web rapport-release
	@mkdir -p $(dir $(DB))
	@if [ ! -s "$(DB)" ]; then ./build/release/src/app/rapport demo --db $(DB); fi
	./build/release/src/app/rapport serve --db $(DB) --listen $(LISTEN) --web web/dist

# Every test of build/dev: unit, integration, browser, the web app's, and a short run of every
# fuzz target.
test: web build-dev
	ctest --preset dev -j $(JOBS)

test-unit: build-dev
	ctest --preset dev -j $(JOBS) -LE 'browser|fuzz'

# A short run of every fuzz target over its seeds (fuzz/README.md).
test-fuzz: build-dev
	ctest --preset dev -j $(JOBS) -L fuzz

lint: deps
	@files=$$(git ls-files '*.h' '*.cc'); clang-format-19 --dry-run --Werror $$files
	python3 scripts/check_house.py
	cmake --preset tidy >/dev/null
	cmake --build --preset tidy -j $(JOBS)

format:
	clang-format-19 -i $$(git ls-files '*.h' '*.cc')

bench: web build-release
	bench/run.sh

clean:
	rm -rf build web/dist
