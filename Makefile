# Every target creates .venv from pyproject.toml on first use.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# DISTRICT=data/x: run findings and the dashboard on that district folder (default: data/banan)
DISTRICT ?=

.PHONY: run test findings lab dashboard bench validate clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (simulate)" >/dev/null
	@# a CJK font for the Chinese charts (apt-get as root on Debian/Ubuntu, else one line on how); never fails
	-@$(BIN)/python -m simulate.views.dashboard.fonts || echo "warning: the CJK font check did not run; Chinese chart labels may fall back to English"
	touch $(STAMP)

## run: the main job — regenerate every table and figure under findings/
run: $(STAMP)
	$(BIN)/simulate run baseline --versus no_policy --out outputs

## findings: regenerate findings/ with papermill from params/findings.yaml
findings: $(STAMP)
	$(BIN)/simulate findings $(if $(DISTRICT),--district $(DISTRICT) --out findings-$(notdir $(patsubst %/,%,$(DISTRICT))))

## test: the whole test suite (browser tests included; skip them locally with PYTEST_ARGS="-m 'not browser'")
test: $(STAMP)
	$(BIN)/simulate calibrate --check
	$(BIN)/python -m pytest $(PYTEST_ARGS)

validate: $(STAMP)
	$(BIN)/simulate validate

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

dashboard: $(STAMP)
	exec $(BIN)/simulate dashboard $(if $(DISTRICT),--district $(DISTRICT))

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean-venv:
	rm -rf $(VENV)
