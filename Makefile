# The two commands of the README: `make demo` and `make test`. Both install what is missing.
CARGO ?= cargo
PYTHON ?= python3

.PHONY: setup build demo test clean-runs

setup:
	@$(PYTHON) scripts/setup_libtorch.py

build: setup
	$(CARGO) build

# A fresh run each time: the quickstart, its shortlist for synthesis and its report.
demo: build
	rm -rf runs/quickstart
	$(CARGO) run --quiet -- run configs/quickstart.yaml --out runs/quickstart
	$(CARGO) run --quiet -- rank runs/quickstart --top 5 --diverse
	$(CARGO) run --quiet -- report runs/quickstart

test: setup
	$(CARGO) test

clean-runs:
	rm -rf runs
