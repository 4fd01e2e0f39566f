# Two commands on a fresh machine: `make app` (the explorer on the sample data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test lint sample clean

# Leaflet comes from the npm registry into static/vendor/leaflet/ (git-ignored): offline folium maps.
# `pip install -e .` puts `python -m spaces` on the venv's path from any folder.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml scripts/vendor_leaflet.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python scripts/vendor_leaflet.py
	touch $(STAMP)

# Desktop mode: one planner on this computer, edits recorded under the OS user name. Any other start of the app
# (no SPACES_MODE=desktop, or listening beyond 127.0.0.1) is server mode: read-only without sign-in (README, Deployment).
app: $(STAMP)
	SPACES_MODE=desktop $(BIN)/streamlit run streamlit_app.py --server.address 127.0.0.1

# The tests that need no browser run in parallel (pytest-xdist); the browser tests after them, one at a time, so
# that no test's clicks and timeouts compete with others for the CPU. Together well under 15 minutes on 2 cores.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -n auto --maxprocesses 4 --ignore=tests/browser
	$(BIN)/pytest tests/browser

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/python -m spaces init --sample

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
