# Every target creates .venv on first use, installing the exact versions of requirements/lock.txt
# (compiled from pyproject.toml, with hashes): the versions the committed findings were made with.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
LOCK    := requirements/lock.txt
# DISTRICT=data/x: run findings and the dashboard on that district folder (default: data/banan)
DISTRICT ?=
# make lock: the uv that compiles the lock (pinned, so the lock's format does not drift), in its own venv
UV_VERSION ?= 0.13.10
TOOLS   ?= .venv-tools
# make lock LOCK_ARGS=--upgrade: newest versions of everything (default: keep the lock's pins, add what is new)
LOCK_ARGS ?=
# make test: the tests not marked slow (make test-slow: the others; make test-all: both)
MARKS   ?= not slow
# make test-latest: the newest versions pyproject.toml allows, in a venv of their own
LATEST  ?= .venv-latest

.PHONY: run test test-slow test-all findings docs lab dashboard bench bench-dashboard validate clean-venv lock test-latest

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check >/dev/null || { $(BIN)/python -m pip check; echo "$(LOCK) does not fit pyproject.toml: run make lock"; exit 1; }
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (simulate)" >/dev/null
	@# a CJK font for the Chinese charts (apt-get as root on Debian/Ubuntu, else one line on how); never fails
	-@$(BIN)/python -m simulate.views.dashboard.fonts || echo "warning: the CJK font check did not run; Chinese chart labels may fall back to English"
	@# Chromium for the dashboard's browser test (apt-get as root on Debian, else one line on how); never fails
	-@$(BIN)/python -m simulate.views.dashboard.chromium || echo "warning: the Chromium check did not run; make test may skip the browser test"
	touch $(STAMP)

## lock: recompile requirements/lock.txt from pyproject.toml (with hashes; keeps its pins, adds new packages)
lock:
	test -x $(TOOLS)/bin/uv || { $(PY) -m venv $(TOOLS) && $(TOOLS)/bin/python -m pip install --quiet uv==$(UV_VERSION); }
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --universal --python-version 3.11 \
	  --no-config --custom-compile-command "make lock" --quiet \
	  $(LOCK_ARGS) -o $(LOCK)

## test-latest: the test suite against the newest versions pyproject.toml allows (not the lock), in $(LATEST)
test-latest:
	test -x $(LATEST)/bin/python || $(PY) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	$(LATEST)/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (simulate, latest)" >/dev/null
	$(LATEST)/bin/python -m pip list --format=freeze | grep -iE '^(numpy|pandas|scipy|matplotlib|dask|numba)=' || true
	$(LATEST)/bin/python -m pytest $(PYTEST_ARGS)

## run: the main job — regenerate every table and figure under findings/
run: $(STAMP)
	$(BIN)/simulate run baseline --versus no_policy --out outputs

## findings: regenerate findings/ with papermill from params/findings.yaml
findings: $(STAMP)
	$(BIN)/simulate findings $(if $(DISTRICT),--district $(DISTRICT) --out findings-$(notdir $(patsubst %/,%,$(DISTRICT))))

## test: the test suite's main profile, every test not marked slow (browser test included), ~10 min on 2 cores;
## skip the browser test locally with MARKS="not slow and not browser"; more pytest options in PYTEST_ARGS
## (the docs site is built and every code block of the docs run, tests/docs)
test: $(STAMP)
	$(BIN)/simulate calibrate --check
	$(BIN)/python -m pytest -m "$(MARKS)" $(PYTEST_ARGS)

## test-slow: the slow profile (long fuzzing, whole findings regeneration, the posterior's rerun, ...); CI runs both
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m "slow" $(PYTEST_ARGS)

## test-all: both profiles in one run
test-all: $(STAMP)
	$(BIN)/simulate calibrate --check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## docs: the documentation site, offline, warnings as errors → docs/_build/html (open docs/_build/html/docs/index.html)
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html -c docs -d docs/_build/doctrees . docs/_build/html
	@echo "docs/_build/html/docs/index.html"

validate: $(STAMP)
	$(BIN)/simulate validate

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

dashboard: $(STAMP)
	exec $(BIN)/simulate dashboard $(if $(DISTRICT),--district $(DISTRICT))

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# the dashboard as a service in headless Chromium against 127.0.0.1 (first numbers, reloads, 10 planners)
bench-dashboard: $(STAMP)
	$(BIN)/python benchmarks/dashboard_service.py --first 5 --reloads 30 --sessions 10 --rounds 3 --together

clean-venv:
	rm -rf $(VENV)
