# Two commands on a fresh machine with only Python 3.11 and make:
#   make demo   -> .venv, install, run the default GA campaign on digits, write results/demo
#   make test   -> .venv, install, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: python3.11 not found; install Python 3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/evohpo search --task digits --method ga --budget 72 --population 12 --seed 0 \
		--n-jobs 2 --epochs 5 --out results/demo --overwrite

test: $(STAMP)
	$(BIN)/ruff check evohpo tests experiments benchmarks
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
