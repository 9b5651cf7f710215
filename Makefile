# Two commands on a fresh machine with Python 3.11 and make: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PYTEST_ARGS ?=
# The native core (Rust, native/) becomes lb_export_pipeline/_native.abi3.so, built by maturin with the
# dist profile (release + LTO); it is rebuilt in place whenever a Rust source changes.
CARGO ?= cargo
NATIVE_SOURCES := native/Cargo.toml native/Cargo.lock $(shell find native/src -name '*.rs' 2>/dev/null)
EXTENSION := lb_export_pipeline/_native.abi3.so

.PHONY: venv dev demo ui test test-fast chromium lint typecheck native-check bench bench-flatten bench-download bench-query wheel clean

# demo/ui need the package only; tests add the dev tools, the official SDK, moto and pyspark.
# The editable install compiles the extension (maturin is the build backend, dist profile).
$(RUNTIME): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "maturin>=1.9,<2.0"
	$(BIN)/python -m pip install --quiet -e ".[s3]"
	touch $(RUNTIME)

$(DEV): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(DEV)

# After a Rust change: rebuild the extension in place (no reinstall; cargo rebuilds only what changed).
$(EXTENSION): $(NATIVE_SOURCES) | $(RUNTIME)
	$(BIN)/maturin develop --profile dist --skip-install
	touch $(EXTENSION)

venv: $(RUNTIME) $(EXTENSION)
dev: $(DEV) $(EXTENSION)

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

# The crate's own checks, with the release profile (no LTO: quicker to build than the extension's
# dist profile); clippy covers the PyO3 module too (all features).
native-check:
	cd native && $(CARGO) fmt --check
	cd native && $(CARGO) clippy --all-targets --all-features -- -D warnings
	cd native && $(CARGO) test --release

test: lint typecheck native-check chromium
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## The inner loop: the tests without the webserver, browser and Spark ones (marked slow).
test-fast: dev
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

# The browser test drives Debian's chromium (Playwright cannot download a browser here); CI runs as root.
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

## A wheel for users without Rust (abi3: one wheel serves CPython 3.11+), into dist/.
wheel: venv
	$(BIN)/maturin build --profile dist --out dist

## Benchmarks (not part of `make test`): figures go to benchmarks/results/.
bench: bench-flatten bench-download bench-query
bench-flatten: dev
	$(BIN)/python benchmarks/bench_flatten.py
bench-download: dev
	$(BIN)/python benchmarks/bench_download.py
bench-query: dev
	$(BIN)/python benchmarks/bench_query.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache dist native/target $(EXTENSION)
