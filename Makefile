# The two commands of the README: `make demo` and `make test`. Both install what is missing.
CARGO ?= cargo
PYTHON ?= python3

.PHONY: setup build demo test clean-runs

setup:
	@$(PYTHON) scripts/setup_libtorch.py

build: setup
	$(CARGO) build

demo: build
	$(CARGO) run --quiet -- run configs/quickstart.yaml --out runs/quickstart

test: setup
	$(CARGO) test

clean-runs:
	rm -rf runs
