# Two commands on a fresh machine with Python 3.11 and make: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PYTEST_ARGS ?=

.PHONY: venv dev demo ui test test-fast chromium lint typecheck bench bench-flatten bench-download bench-query clean

# demo/ui need the package only; tests add the dev tools, the official SDK, moto and pyspark.
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[s3]"
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(DEV)

venv: $(RUNTIME)
dev: $(DEV)

## Run the whole pipeline through Dagster against the local Labelbox emulator and print what landed.
demo: venv
	$(BIN)/lb-export demo --home .demo

## Start the emulator and the Dagster UI (`dg dev`, http://127.0.0.1:3000) against it, sensors on.
ui: venv
	$(BIN)/lb-export ui --home .demo

lint: dev
	$(BIN)/ruff check lb_export_pipeline tests benchmarks

typecheck: dev
	$(BIN)/mypy

test: lint typecheck chromium
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## The inner loop: the tests without the webserver, browser and Spark ones (marked slow).
test-fast: dev
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

# The browser test drives Debian's chromium (Playwright cannot download a browser here); CI runs as root.
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

## Benchmarks (not part of `make test`): figures go to benchmarks/results/.
bench: bench-flatten bench-download bench-query
bench-flatten: dev
	$(BIN)/python benchmarks/bench_flatten.py
bench-download: dev
	$(BIN)/python benchmarks/bench_download.py
bench-query: dev
	$(BIN)/python benchmarks/bench_query.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
