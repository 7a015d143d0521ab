# Quick start: `make demo` runs the app on the built-in emulator; `make test` runs the whole suite.
# `make install` installs what the app needs to run; `make test` adds the test extras. Both install
# the versions in packaging/constraints.txt (`make lock` refreshes it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install -q -c packaging/constraints.txt
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-test

APP_ID := io.github.eventmonitor.EventMonitor
DATADIR ?= $(HOME)/.local/share

.PHONY: install install-test install-desktop uninstall-desktop demo test lint typecheck bench bench-smoke screenshot bundle lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME): pyproject.toml packaging/constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml packaging/constraints.txt | $(BIN)/python
	$(PIP) -e '.[test]'
	touch $(DEV) $(RUNTIME)

install: $(RUNTIME)

install-test: $(DEV)

demo: $(RUNTIME)
	$(BIN)/event-monitor --demo

test: $(DEV)
	$(BIN)/ruff check gui tests
	$(MAKE) --no-print-directory typecheck
	scripts/with-keyring $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory bench-smoke

lint: $(DEV)
	$(BIN)/ruff check gui tests

# the whole package (strict, the Qt shell included) type-checked as it is on each platform the app runs on: a POSIX-only call with
# no portable path (os.fdatasync, socket.AF_UNIX) fails here rather than on a user's Mac or PC
typecheck: $(DEV)
	$(BIN)/mypy
	$(BIN)/mypy --platform win32 --cache-dir .mypy_cache/win32
	$(BIN)/mypy --platform darwin --cache-dir .mypy_cache/darwin

bench: $(DEV)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench.py

bench-smoke: $(DEV)
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/perf/bench.py --smoke --check

# The README's pictures: the window (1400x900 light, dark, 1024x700) under Xvfb, and an export opened
# by Gnumeric (needs xvfb, gnumeric, poppler-utils, imagemagick).
screenshot: $(DEV)
	xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python scripts/screenshot.py resources/screenshots/main-window.png 1400x900 light tabs
	xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python scripts/screenshot.py resources/screenshots/main-window-dark.png 1400x900 dark tabs
	xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python scripts/screenshot.py resources/screenshots/main-window-1024.png 1024x700 light tabs
	$(BIN)/python scripts/export-screenshot.py resources/screenshots/export-in-spreadsheet.png

bundle: $(RUNTIME)
	$(PIP) -e '.[bundle]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller packaging/event-monitor.spec
	scripts/bundle-smoke dist/event-monitor/event-monitor

# The launcher entry, AppStream metadata and icons for this user (DATADIR=/usr/local/share for all),
# starting this checkout's .venv/bin/event-monitor.
install-desktop: $(RUNTIME)
	install -d $(DATADIR)/applications $(DATADIR)/metainfo
	sed -e 's#^Exec=event-monitor#Exec=$(abspath $(BIN))/event-monitor#' \
		-e 's#^TryExec=event-monitor#TryExec=$(abspath $(BIN))/event-monitor#' \
		packaging/$(APP_ID).desktop > $(DATADIR)/applications/$(APP_ID).desktop
	install -m644 packaging/$(APP_ID).metainfo.xml $(DATADIR)/metainfo/
	cd resources/icons && find hicolor -name '$(APP_ID).*' -exec install -Dm644 {} $(DATADIR)/icons/{} \;
	-update-desktop-database -q $(DATADIR)/applications 2>/dev/null
	@echo "Event Monitor is in the application menu (desktop entry $(DATADIR)/applications/$(APP_ID).desktop)"

uninstall-desktop:
	rm -f $(DATADIR)/applications/$(APP_ID).desktop $(DATADIR)/metainfo/$(APP_ID).metainfo.xml
	find $(DATADIR)/icons/hicolor -name '$(APP_ID).*' -delete 2>/dev/null || true

# Re-resolve every dependency to its newest allowed version (PySide6 stays at its pin in pyproject.toml).
lock: | $(BIN)/python
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --extra test --extra bundle \
		--custom-compile-command 'make lock' -q -o packaging/constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build dist
