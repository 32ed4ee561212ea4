# The two commands a user needs: `make demo` and `make test`.
# Each creates or reuses .venv and installs what it needs, idempotently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "missing: $(PYTHON) (install Python >= 3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "missing: python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/truce demo

test: $(STAMP)
	@scripts/run-tests

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks fuzz tools
	$(BIN)/ruff format --check src tests benchmarks fuzz tools

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/aid.py
	$(BIN)/python benchmarks/ledger.py
	$(BIN)/python benchmarks/simulate.py
	$(BIN)/python benchmarks/negotiation.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
