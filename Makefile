# Two commands on a fresh machine with only Python 3.11 and make:
#   make demo   -> .venv, install, run the default GA campaign on digits, write results/demo
#   make test   -> .venv, install, run the whole test suite
# and, on demand (slow, not part of make test):
#   make mutation -> mutate the pure modules and run the fast pure tests against each mutant
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint install clean mutation

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

# the suite in TEST_WORKERS processes (pytest-xdist), a test file per process at a time so a
# file's module fixtures (a trained campaign) run once; TEST_WORKERS=0 runs it in this process
TEST_WORKERS ?= 2

test: $(STAMP)
	$(BIN)/ruff check evohpo tests experiments benchmarks
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# mutmut's settings (modules, tests) are in pyproject.toml [tool.mutmut]; the survivors judged
# equivalent are listed in tests/MUTATION.md. Starts afresh: cached verdicts of an older test
# suite would hide new kills. nice: the machine is shared with TensorFlow runs.
MUTATION_STAMP := $(VENV)/.mutation-stamp

$(MUTATION_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,mutation]'
	@touch $(MUTATION_STAMP)

mutation: $(STAMP) $(MUTATION_STAMP)
	rm -rf mutants
	nice -n 10 $(BIN)/mutmut run --max-children 2
	$(BIN)/python tests/mutation_score.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache mutants
