"""AppTest of the 亩均评价 page: the figures follow the sidebar's year and districts and the page's class and group
filters, the class list downloads through the project's export, and From D class to land writes a plot for an
editor (desktop mode) and offers nothing to a viewer (server mode without sign-in)."""

from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from spaces.planning.mujun import score_enterprises
from spaces.sample import build_sample
from spaces.store import local_actor, open_store
from spaces.view.urlstate import DEFAULTS

BEILUN = "330206"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("spaces.planning.calendar.today_in_beijing", lambda: date(2026, 12, 5))


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    location = tmp_path_factory.mktemp("mujun_page") / "spaces.gpkg"
    open_store(str(location)).initialise(build_sample(plots=300), dataset="sample", actor=local_actor())
    return str(location)


@pytest.fixture(scope="module")
def firms(store_path):
    """The store's enterprises as plain numbers, for figures computed here without the page's code."""
    return pd.DataFrame(open_store(store_path).read_layer("enterprises")).drop(columns="geometry")


def _page(location: str, monkeypatch, **state) -> AppTest:
    monkeypatch.setenv("SPACES_STORE", location)
    at = AppTest.from_file("../app_pages/mujun.py", default_timeout=60)
    for key, value in {**DEFAULTS, **state}.items():
        at.session_state[key] = value
    return at


def _levels(at) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "tax_per_mu_2021" in frame.value.columns)


def _per_mu(firms: pd.DataFrame, column: str) -> float:
    """Σ column ÷ Σ land of the firms that report the column (the sample leaves a few out)."""
    return round(_ratio(firms, column), 2)


def _ratio(firms: pd.DataFrame, column: str) -> float:
    reported = firms.loc[firms[column].notna()]
    return float(reported[column].sum() / reported["land_mu"].sum())


def test_the_levels_follow_the_year_and_the_districts(store_path, firms, monkeypatch):
    at = _page(store_path, monkeypatch, year=2025).run()
    assert not at.exception
    table = _levels(at).set_index("district")
    assert len(table) == 11 and table.index[-1] == "宁波市"
    beilun = firms.loc[firms["district_adcode"] == BEILUN]
    now, then = beilun.loc[beilun["year"] == 2025], beilun.loc[beilun["year"] == 2021]
    assert table.loc["北仑区", "enterprises"] == len(now)
    assert table.loc["北仑区", "tax_per_mu"] == _per_mu(now, "tax")
    assert table.loc["北仑区", "value_added_per_mu_2021"] == _per_mu(then, "value_added")
    assert table.loc["宁波市", "enterprises"] == int((firms["year"] == 2025).sum())
    assert table.loc["宁波市", "tax_per_mu"] == _per_mu(firms.loc[firms["year"] == 2025], "tax")

    at = _page(store_path, monkeypatch, year=2023, districts=[BEILUN]).run()
    table = _levels(at).set_index("district")
    assert list(table.index) == ["北仑区", "宁波市"]
    then_2023 = beilun.loc[beilun["year"] == 2023]
    growth = _ratio(then_2023, "tax") / _ratio(then, "tax") - 1
    assert table.loc["北仑区", "tax_per_mu"] == _per_mu(then_2023, "tax")
    assert table.loc["北仑区", "tax_per_mu_growth_pct"] == round(growth * 100, 1)
    assert set(table["tax_per_mu_source"]) == {"企业"}
    assert len(at.get("vega_lite_chart")) == 2  # the trend of both figures (tests/view/test_mujun.py: its lines)


def test_the_class_and_group_filters_choose_the_firms(store_path, firms, monkeypatch):
    scored = score_enterprises(firms.assign(geometry=None))
    at = _page(store_path, monkeypatch, year=2025).run()
    at.multiselect(key="mujun_classes").set_value(["D"]).run()
    assert not at.exception
    table = _levels(at).set_index("district")
    d_firms = scored.loc[(scored["year"] == 2025) & (scored["class"] == "D")]
    assert table.loc["北仑区", "enterprises"] == int((d_firms["district_adcode"] == BEILUN).sum())
    assert table.loc["宁波市", "tax_per_mu"] == _per_mu(d_firms, "tax")
    listed = next(frame.value for frame in at.dataframe if "classes_differ" in frame.value.columns)
    assert len(listed) == len(d_firms) and set(listed["class"]) == {"D"}
    at.multiselect(key="mujun_groups").set_value(["above_scale"]).run()
    chosen = d_firms.loc[d_firms["group"] == "above_scale"]
    assert _levels(at).set_index("district").loc["宁波市", "enterprises"] == len(chosen)


def test_the_class_list_downloads_through_the_projects_export(store_path, monkeypatch):
    at = _page(store_path, monkeypatch, year=2025).run()
    buttons = {button.proto.id.rsplit("-", 1)[-1]: button.proto for button in at.get("download_button")}
    assert {"mujun_csv", "mujun_xlsx"} <= set(buttons)
    assert buttons["mujun_csv"].label == "CSV"


def test_an_editor_makes_a_pending_plot_from_a_d_class_firm_and_a_refusal_says_why(tmp_path, monkeypatch, desktop):
    location = tmp_path / "spaces.gpkg"
    store = open_store(str(location))
    store.initialise(build_sample(plots=300), dataset="sample", actor=local_actor())
    layers = store.read_all()
    from spaces.planning.mujun_land import d_class_land

    table = d_class_land(layers, year=2025)
    free = table.loc[table["plot_found_by"] != "plot_id", "enterprise_id"].iloc[0]
    on_plot = table.loc[table["plot_found_by"] == "plot_id", "enterprise_id"].iloc[0]
    at = _page(str(location), monkeypatch, year=2025).run()
    at.multiselect(key="mujun_d_firms").set_value([free, on_plot]).run()
    at.button(key=f"mujun_d_make_{free}").click().run()
    assert not at.exception
    plots = store.read_layer("plots").set_index("plot_id")
    assert plots.loc[f"D-{free}", "status"] == "pending"
    assert store.next_undo().user == local_actor().user  # written by the desktop user, undoable
    assert any(f"D-{free}" in s.value.replace("\\", "") for s in at.success)
    before = len(store.read_layer("plots"))
    at.button(key=f"mujun_d_make_{on_plot}").click().run()
    assert len(store.read_layer("plots")) == before  # refused: nothing written
    assert any("已位于库中的地块上" in e.value for e in at.error)


def test_a_viewer_sees_the_d_class_land_but_no_button(store_path, monkeypatch):
    at = _page(store_path, monkeypatch, year=2025).run()
    assert not at.exception
    keys = {getattr(element, "key", None) for element in at.main}
    assert "mujun_d_firms" not in keys
    assert not [b for b in at.button if str(b.key).startswith("mujun_d_make_")]
    assert any("只有编辑者或管理员" in c.value for c in at.caption)
    assert any("plot_found_by" in frame.value.columns and len(frame.value) for frame in at.dataframe)


def test_the_page_in_english_says_units_and_sample(store_path, monkeypatch):
    at = _page(store_path, monkeypatch, year=2025, language="en").run()
    assert at.header[0].value == "Land efficiency"
    assert any("10k yuan/mu" in s.value for s in at.subheader)
    assert any("simulated sample" in c.value for c in at.caption)


def test_from_d_class_to_land_narrows_to_a_park(store_path, monkeypatch):
    at = _page(store_path, monkeypatch, year=2025).run()
    d_table = next(frame.value for frame in at.dataframe if "plot_found_by" in frame.value.columns)
    parks = open_store(store_path).read_layer("parks").set_index("park_id")["name_zh"]
    busiest = d_table["park_id"].replace("", None).dropna().value_counts().index[0]  # a park name, as shown
    park_id = parks.index[parks == busiest][0]
    at.selectbox(key="mujun_d_park").set_value(park_id).run()
    narrowed = next(frame.value for frame in at.dataframe if "plot_found_by" in frame.value.columns)
    assert 0 < len(narrowed) < len(d_table) and set(narrowed["park_id"]) == {busiest}
    assert d_table["land_mu"].is_monotonic_decreasing and narrowed["class"].eq("D").all()  # largest land first
