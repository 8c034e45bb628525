# tuichart: `make demo` runs the app on the built-in exchange; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# The project's bytecode, written now: an editable install compiles none, and where PYTHONDONTWRITEBYTECODE is set no
# run writes it either, so each start would compile every module again (0.1-0.3 s of CPU before the first chart).
COMPILE := $(PY) -m compileall -q tuichart
DATA ?= data

.PHONY: demo test lint bench chaos soak install clean screenshot system-tools

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "installing tuichart and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(PY) -m pip install --upgrade pip > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(PY) -m pip install -e '.[dev]' >> $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	@$(COMPILE)
	@$(PY) -m tuichart.web.vendor  # the popout's chart library from the npm registry, integrity-checked
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@$(COMPILE)
	$(VENV)/bin/tuichart --demo --data-dir $(DATA)

system-tools:  # tmux, chromium, openssl (and setpriv as root): installed with apt-get as root, else named
	@bash .ci/system-tools

test: system-tools $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check tuichart tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	@$(COMPILE)
	$(PY) bench/run.py

chaos: $(STAMP)  # faults, kill -9 restarts and a full disk during one recording, then the store checked (root)
	$(PY) bench/chaos.py

soak: $(STAMP)  # half an hour: record's memory stays flat and the store equals the exchange (bench/soak.py --minutes N)
	$(PY) bench/soak.py

screenshot:  # README's picture, from the main-screen snapshot (needs rsvg-convert and fonts-firacode)
	rsvg-convert -w 1500 tests/tui/__snapshots__/test_snapshots/test_main_screen.svg -o docs/screenshot.png

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
