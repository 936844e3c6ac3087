# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
TEST_VENV ?= .venv-test
SOURCES := pyproject.toml $(shell find wizard screens assets -type f -not -path '*/__pycache__/*' 2>/dev/null)

.PHONY: demo run test lint bench speed clean

$(VENV)/.installed: $(SOURCES)
	@echo "Installing okta-kandji-setup into $(VENV) (first run, or after a change: about a minute)…"
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet --force-reinstall --no-deps . && \
	$(VENV)/bin/python -m pip install --quiet .
	touch $@

$(TEST_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(TEST_VENV)
	$(TEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TEST_VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/okta-kandji-setup --demo

run: $(VENV)/.installed
	$(VENV)/bin/okta-kandji-setup

lint: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check .

# Two pytest workers per core: the tests wait about as long as they compute (Textual settling
# between keypresses, real processes, servers answering), and a second worker per core runs while
# the first one waits. `loadgroup` keeps tests marked with one xdist_group together.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')
PYTEST_PARALLEL ?= -n $(PYTEST_WORKERS) --dist loadgroup
# Bytecode caches even where PYTHONDONTWRITEBYTECODE is set: without them every worker and every
# process a test starts compiles the wizard and re-rewrites every test module's asserts again
# (about 2 s of CPU per worker). They go to __pycache__/, which git ignores.
TEST_ENV := PYTHONDONTWRITEBYTECODE=

test: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/ruff check .
	$(TEST_ENV) $(TEST_VENV)/bin/python -m pytest $(PYTEST_PARALLEL)

bench: $(TEST_VENV)/.installed
	$(TEST_VENV)/bin/python benchmarks/startup.py

# The suite as `make test` runs it, then its wall time, CPU time and 10 slowest tests.
speed: $(TEST_VENV)/.installed
	$(TEST_ENV) $(TEST_VENV)/bin/python benchmarks/test_speed.py $(PYTEST_PARALLEL)

clean:
	rm -rf $(VENV) $(TEST_VENV) dist build
