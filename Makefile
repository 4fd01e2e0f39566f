# Two commands on a fresh machine: `make app` (the explorer on the sample data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: app test lint sample clean

# Leaflet comes from the npm registry into static/vendor/leaflet/ (git-ignored): offline folium maps.
$(STAMP): requirements.txt requirements-dev.txt scripts/vendor_leaflet.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/python scripts/vendor_leaflet.py
	touch $(STAMP)

app: $(STAMP)
	$(BIN)/streamlit run streamlit_app.py

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

sample: $(STAMP)
	$(BIN)/python -m spaces init --sample

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache artifacts
