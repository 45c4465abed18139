# Each target is self-sufficient on a fresh machine: it creates .venv when missing and
# installs the project (with its extras) before acting. Re-running is cheap: the install
# step is skipped while pyproject.toml is unchanged.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck bench cassettes clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/close-contract run --target emulator

lint: $(STAMP)
	$(BIN)/ruff check contract strategies tests benchmarks
	$(BIN)/ruff format --check contract strategies tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set (as in many CI images):
# pytest rewrites the asserts of every module of the plugin's distribution, and without a
# cache each of the suite's processes (its workers, the CLI subprocesses, the pytest
# sessions the plugin's tests start) would rewrite and compile them all again.
# Three workers on two cores, stealing work from each other: a third of the suite waits on
# sockets and rate limits, and without stealing one worker ends up with the slow tail.
test: lint typecheck
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -p xdist -n 3 --dist worksteal

cassettes: $(STAMP)
	rm -rf cassettes/emulator-default
	$(BIN)/close-contract run --record cassettes/emulator-default

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache
