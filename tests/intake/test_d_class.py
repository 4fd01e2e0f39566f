"""From D class to land: the D-class firms and their plots, and the action making a pending plot of a firm's land."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fixtures_intake import box_at, inside

from spaces.errors import ValidationError
from spaces.geo.crs import area_mu
from spaces.intake.d_class import make_plot_from_d_class, plot_from_d_class
from spaces.planning.mujun_land import d_class_land, d_land_totals
from spaces.reference.schema import load_schemas
from spaces.store import GeoPackageStore, empty_layer, local_actor

BEILUN = "330206"


def layers_with_firms() -> dict[str, pd.DataFrame]:
    """20 规下 firms of 北仑 in 2024 at tax 20..1 万元 on 10 亩 each, so the last (F19) is the one D. F18 (C) sits
    on plot L1 by plot_id, F19 on plot L2 by its location; F00 has an official D."""
    lon, lat = inside(BEILUN)
    layers = {name: empty_layer(schema) for name, schema in load_schemas().items()}
    layers["plots"] = gpd.GeoDataFrame({
        "plot_id": ["L1", "L2"], "status": ["pending", "in_progress"], "reclaimed_year": pd.array([None, None], "Int64"),
        "district_adcode": [BEILUN, BEILUN], "name_zh": ["甲", "乙"], "source": "import", "source_file": "t",
        "imported_at": None}, geometry=[box_at(lon, lat - 0.01), box_at(lon, lat)], crs=4326)
    layers["plots"]["area_mu"] = area_mu(layers["plots"].geometry)
    points = [shapely.Point(lon + 0.002 * i, lat + 0.02) for i in range(20)]
    points[18], points[19] = None, shapely.Point(lon, lat)
    firms = pd.DataFrame({
        "enterprise_id": [f"F{i:02d}" for i in range(20)], "name_zh": [f"企业{i}" for i in range(20)], "year": 2024,
        "group": "below_scale_large", "district_adcode": BEILUN, "land_mu": 10.0,
        "tax": [float(20 - i) for i in range(20)], "electricity_mwh": None,
        "plot_id": [None] * 18 + ["L1", None], "grade": ["D"] + [None] * 19,
        "source": "import", "source_file": "t", "imported_at": None})
    layers["enterprises"] = gpd.GeoDataFrame(firms, geometry=points, crs=4326)
    return layers


def test_the_d_class_firms_with_their_land_and_plots():
    table = d_class_land(layers_with_firms(), year=2024, district=BEILUN)
    assert set(table["enterprise_id"]) == {"F00", "F19"}  # the official D and the computed one
    found = table.set_index("enterprise_id")
    assert (found.loc["F19", "plot_id"], found.loc["F19", "plot_found_by"], found.loc["F19", "plot_status"]) == \
        ("L2", "location", "in_progress")
    assert found.loc["F00", "plot_id"] is None
    totals = d_land_totals(table)
    assert totals == {"firms": 2, "land_mu": 20.0, "plots": 1, "plots_area_mu": pytest.approx(found.loc["F19",
                      "plot_area_mu"], abs=0.01), "firms_without_plot": 1}
    assert d_class_land(layers_with_firms(), year=2023).empty
    assert d_class_land(layers_with_firms(), year=2024, district="330212").empty


def test_a_firm_on_a_plot_by_its_plot_id_is_found_by_it():
    layers = layers_with_firms()
    layers["enterprises"].loc[18, "grade"] = "D"
    found = d_class_land(layers, year=2024).set_index("enterprise_id")
    assert (found.loc["F18", "plot_id"], found.loc["F18", "plot_found_by"]) == ("L1", "plot_id")


def test_a_d_class_firms_land_becomes_a_pending_plot_that_undo_removes(tmp_path):
    store = GeoPackageStore(tmp_path / "s.gpkg")
    store.initialise(layers_with_firms(), dataset="test", actor=local_actor())
    before = store.read_layer("plots")
    counts = make_plot_from_d_class(store, "F00", 2024, actor=local_actor())
    assert counts.added == 1
    plots = store.read_layer("plots").set_index("plot_id")
    assert plots.loc["D-F00", "status"] == "pending" and plots.loc["D-F00", "district_adcode"] == BEILUN
    assert plots.loc["D-F00", "area_mu"] == pytest.approx(10.0, rel=0.001)
    assert store.import_log().iloc[-1]["file"] == "app: D-class firm to land"
    with pytest.raises(ValidationError) as again:
        make_plot_from_d_class(store, "F00", 2024, actor=local_actor())
    assert again.value.errors[0].key == "d_class_done"
    store.undo_last(actor=local_actor())
    assert store.read_layer("plots")["plot_id"].tolist() == before["plot_id"].tolist()


@pytest.mark.parametrize(("firm", "year", "key"), [
    ("F05", 2024, "d_class_not_d"),
    ("F99", 2024, "d_class_unknown_firm"),
    ("F00", 2023, "d_class_unknown_firm"),
])
def test_what_cannot_become_a_plot_is_refused_naming_the_firm(firm, year, key):
    with pytest.raises(ValidationError) as caught:
        plot_from_d_class(layers_with_firms(), firm, year)
    [problem] = caught.value.errors
    assert problem.key == key and problem.feature_id == f"{firm}/{year}"


def test_a_d_firm_already_on_a_plot_or_without_location_is_refused():
    layers = layers_with_firms()
    layers["enterprises"].loc[18, "grade"] = "D"
    with pytest.raises(ValidationError) as caught:
        plot_from_d_class(layers, "F18", 2024)
    assert caught.value.errors[0].key == "d_class_on_plot"
    layers["enterprises"].loc[18, "plot_id"] = None
    with pytest.raises(ValidationError) as caught:
        plot_from_d_class(layers, "F18", 2024)
    assert caught.value.errors[0].key == "d_class_no_location"
