# Two entry points: `make demo` and `make test`. Each creates .venv with the locked
# dependencies when it is missing or unusable, so a fresh clone needs nothing but python3 (3.11+).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Tools run as `python -m`, never as .venv/bin scripts: a script's shebang holds the absolute path
# of the venv that wrote it, so it breaks (Error 127) once the venv is copied or moved.
RUN := $(BIN)/python -m

# The venv is usable when its interpreter starts and its editable install is this checkout. One
# copied from another machine or directory fails the check; dropping the stamp makes the rule
# below rebuild it (recreated when the interpreter cannot start, reinstalled otherwise).
VENV_HOME := $(shell cd / && '$(CURDIR)/$(BIN)/python' -c 'import os, syncd; \
	print(os.path.dirname(os.path.dirname(os.path.realpath(syncd.__file__))))' 2>/dev/null)
ifneq ($(VENV_HOME),$(realpath $(CURDIR)))
$(shell rm -f $(STAMP))
endif

.PHONY: demo test browser lint typecheck bench chaos clean

$(STAMP): requirements-dev.lock pyproject.toml
	$(BIN)/python -c '' 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The demo keeps its store and report in data/demo, its own directory (see `syncd demo --help`).
demo: $(STAMP)
	$(RUN) syncd.cli demo --data-dir data/demo

test: $(STAMP) browser
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) pytest

# The report's browser test drives Debian's chromium headless. Installed here when missing and
# run as root (as on CI); elsewhere the test skips and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		apt-get install -y -q chromium >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; } || \
		echo "chromium could not be installed: the browser test will skip"

# Throughput, CPU and memory against the seeded fakes (own process, limits lifted), SQLite and
# PostgreSQL on 127.0.0.1:5432. BENCH_SIZES=1000,10000,100000 picks sizes; BENCH_ARGS=--million
# adds 1,000,000; BENCH_STORES=sqlite limits the stores.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The chaos scenarios at full size (5,000 answers, 20 kills; needs PostgreSQL at
# SYNCD_TEST_PG_URL): prints, per scenario, tasks per answer, contacts written right, lost and
# duplicated. `make test` runs the small version of each. Options: CHAOS_ARGS="--only faults".
chaos: $(STAMP)
	$(RUN) tests.chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
