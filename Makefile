# Quick start: `make demo` runs the app on the built-in emulator; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint typecheck bench bench-smoke screenshot bundle clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/event-monitor --demo

test: $(STAMP)
	$(BIN)/ruff check gui tests
	$(BIN)/mypy
	scripts/with-keyring $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory bench-smoke

lint: $(STAMP)
	$(BIN)/ruff check gui tests

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench.py

bench-smoke: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench.py --smoke --check

screenshot: $(STAMP)
	xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python scripts/screenshot.py resources/screenshots/main-window.png

bundle: $(STAMP)
	$(BIN)/python -m pip install -q pyinstaller
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/event-monitor.spec
	scripts/bundle-smoke dist/event-monitor/event-monitor

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
