"""AppTest of the minimal app: it shows the sample warning, the district map and the summary table."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from spaces.sample import build_sample
from spaces.store import open_store


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The app on a small sample store in a temporary folder."""
    location = tmp_path / "spaces.gpkg"
    open_store(str(location)).initialise(build_sample(plots=300), dataset="sample")
    monkeypatch.setenv("SPACES_STORE", str(location))
    return AppTest.from_file("../streamlit_app.py", default_timeout=60)


def _deck(at) -> dict:
    charts = [e for e in at.main if getattr(e.proto, "json", None) and '"layers"' in e.proto.json]
    return json.loads(charts[0].proto.json)


def test_overview_shows_sample_banner_map_and_table(app):
    at = app.run()
    assert not at.exception
    assert any("示例数据" in w.value for w in at.warning)
    deck = _deck(at)
    assert deck["layers"][0]["id"] == "districts"
    assert len(deck["layers"][0]["data"]["features"]) == 10
    table = at.dataframe[0].value
    assert len(table) == 11 and table["adcode"].iloc[-1] == "330200"


def test_changing_target_and_year_changes_the_table(app):
    at = app.run()
    at.selectbox(key="target").set_value("reclaimed_land_mu").run()
    at.select_slider(key="year").set_value(2022).run()
    early = at.dataframe[0].value["actual"].iloc[-1]
    at.select_slider(key="year").set_value(2025).run()
    late = at.dataframe[0].value["actual"].iloc[-1]
    assert 0 < early < late


def test_english_switch(app):
    at = app.run()
    at.radio(key="language").set_value("en").run()
    assert any("Sample data" in w.value for w in at.warning)
    assert at.select_slider(key="year").label == "Year"
