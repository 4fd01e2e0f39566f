"""Feature exports: GeoPackage, zipped Shapefile and zipped GeoJSON read back to the filtered layers."""

import io
import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from spaces.exports import export
from spaces.exports.features import METADATA_TABLE, feature_layers, shapefile_field_names
from spaces.planning.filters import MAP_LAYERS, Filters
from spaces.planning.summary import SAMPLE_NOTICE_ZH
from spaces.store import local_actor, open_store

HOSTILE = "<img src=x onerror=alert(1)> 宁波“园区”$x$"
FILTERS = Filters(year=2024)


@pytest.fixture(scope="module")
def layers(shared_sample_layers):
    """The 300-plot sample with a park whose name carries markup, quotes, "$" and Chinese."""
    parks = shared_sample_layers["parks"].copy()
    parks.loc[parks.index[0], "name_zh"] = HOSTILE
    return {**shared_sample_layers, "parks": parks}


@pytest.fixture(scope="module")
def expected(layers):
    """What every format must hold: the layers as the filters select them."""
    return feature_layers(layers, FILTERS)


def _export(fmt, layers, filters=FILTERS):
    return export("features", fmt, layers, filters=filters, store="test.gpkg")


def _assert_same_features(read: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, id_column: str, rename=None) -> None:
    """Same ids, same attributes (numbers numerically, text exactly) and same geometries.

    ``rename`` maps column -> the field name it was written under (Shapefile).
    """
    if rename:
        read = read.rename(columns={field: column for column, field in rename.items()})
    read = read.set_index(id_column).loc[frame[id_column]]
    frame = frame.set_index(id_column)
    assert len(read) == len(frame)
    for column in frame.columns:
        if column == frame.geometry.name:
            continue
        ours, theirs = frame[column], read[column]
        if pd.api.types.is_bool_dtype(ours):
            assert theirs.astype(bool).tolist() == ours.tolist(), column
        elif pd.api.types.is_numeric_dtype(ours):
            np.testing.assert_allclose(pd.to_numeric(theirs, errors="coerce").astype(float),
                                       ours.astype(float).to_numpy(), rtol=1e-9, err_msg=column)
        else:
            ours_text = [None if pd.isna(v) else str(v) for v in ours]
            theirs_text = [None if pd.isna(v) or v == "" else str(v) for v in theirs]
            assert theirs_text == ours_text, column
    assert shapely.equals_exact(_single_part(read.geometry), _single_part(frame.geometry), tolerance=1e-9).all()


def _single_part(geometries) -> np.ndarray:
    """Normalised geometries with one-part multis as their part (GeoPackage stores polygons as multi)."""
    shapes = geometries.to_numpy()
    single = shapely.get_num_geometries(shapes) == 1
    shapes = np.where(single, shapely.get_geometry(shapes, 0), shapes)
    return shapely.normalize(shapes)


def test_feature_layers_follow_the_filters_and_keep_the_source(layers):
    frames = feature_layers(layers, Filters(year=2023, districts=("330206",), statuses=("reclaimed",)))
    assert set(frames) == set(MAP_LAYERS)
    for frame in frames.values():
        assert frame.crs == "EPSG:4326"
        assert set(frame["district_adcode"]) <= {"330206"}
        assert set(frame["source"]) <= {"sample"}
    assert set(frames["plots"]["status_as_of"]) == {"reclaimed"}
    assert (pd.to_numeric(frames["plots"]["reclaimed_year"]) <= 2023).all()
    assert (frames["factories"]["certified_year"].dropna() <= 2023).all()


# -- GeoPackage --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gpkg(layers, tmp_path_factory):
    path = tmp_path_factory.mktemp("gpkg") / "features.gpkg"
    path.write_bytes(_export("gpkg", layers).data)
    return path


def test_geopackage_has_a_layer_per_map_layer_and_a_metadata_table(gpkg):
    names = [name for name, _ in pyogrio.list_layers(gpkg)]
    assert names == [*MAP_LAYERS, METADATA_TABLE]


ID_COLUMNS = {"parks": "park_id", "communities": "community_id", "plots": "plot_id", "factories": "factory_id"}


@pytest.mark.parametrize("layer", MAP_LAYERS)
def test_geopackage_round_trips_features_and_attributes(gpkg, expected, layer):
    read = pyogrio.read_dataframe(gpkg, layer=layer)
    frame = expected[layer]
    assert read.crs == "EPSG:4326"
    assert set(read.columns) == set(frame.columns)
    _assert_same_features(read, frame, ID_COLUMNS[layer])


def test_geopackage_keeps_the_hostile_chinese_name_and_says_sample(gpkg):
    parks = pyogrio.read_dataframe(gpkg, layer="parks")
    assert HOSTILE in parks["name_zh"].tolist()
    meta = pyogrio.read_dataframe(gpkg, layer=METADATA_TABLE).set_index("key")["value"]
    assert meta["sample"] == "True" and meta["notice"] == SAMPLE_NOTICE_ZH
    assert meta["year"] == "2024"
    assert json.loads(meta["filters"])["year"] == "2024"
    assert json.loads(meta["feature_counts"])["plots"] > 0
    assert meta["exported_at"].startswith("20")


# -- Shapefile ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shapefiles(layers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("shp")
    with zipfile.ZipFile(io.BytesIO(_export("shp-zip", layers).data)) as archive:
        archive.extractall(folder)
    return folder


SHAPEFILE_PARTS = ["parks", "communities_polygons", "communities_points", "plots", "factories"]


def test_the_shapefile_zip_has_every_part_with_a_utf8_cpg(shapefiles):
    for part in SHAPEFILE_PARTS:
        for suffix in (".shp", ".shx", ".dbf", ".prj"):
            assert (shapefiles / f"{part}{suffix}").is_file(), part + suffix
        assert (shapefiles / f"{part}.cpg").read_text().strip().upper() == "UTF-8"
    for info in pyogrio.list_layers(shapefiles / "communities_points.shp"):
        assert info[1] == "Point"
    for name in pyogrio.list_layers(shapefiles / "communities_polygons.shp"):
        assert name[1] == "Polygon"


@pytest.mark.parametrize("layer, parts, id_column", [
    ("parks", ["parks"], "park_id"),
    ("communities", ["communities_polygons", "communities_points"], "community_id"),
    ("plots", ["plots"], "plot_id"),
    ("factories", ["factories"], "factory_id"),
])
def test_shapefiles_round_trip_features_and_attributes(shapefiles, expected, layer, parts, id_column):
    frame = expected[layer]
    fields = shapefile_field_names([c for c in frame.columns if c != frame.geometry.name])
    assert all(len(field) <= 10 for field in fields.values())
    read = pd.concat([pyogrio.read_dataframe(shapefiles / f"{part}.shp") for part in parts], ignore_index=True)
    assert set(read.columns) == {*fields.values(), "geometry"}
    _assert_same_features(read, frame, id_column, rename=fields)


def test_the_shapefile_readme_maps_every_field_and_says_sample(shapefiles, expected):
    readme = (shapefiles / "README.txt").read_text(encoding="utf-8")
    assert SAMPLE_NOTICE_ZH in readme and "2024" in readme
    assert "district_a = district_adcode" in readme
    assert "green_pa_1 = green_park_year" in readme
    meta = json.loads((shapefiles / "metadata.json").read_text(encoding="utf-8"))
    assert meta["sample"] is True and meta["year"] == 2024
    assert meta["feature_counts"] == {name: len(frame) for name, frame in expected.items()}


def test_shapefile_field_names_are_short_unique_and_readable_by_the_importer():
    columns = ["green_park_level", "green_park_year", "district_adcode", "established_year", "park_id",
               "green_park_extra", "a" * 30, "a" * 31]
    fields = shapefile_field_names(columns)
    assert len(set(map(str.lower, fields.values()))) == len(columns)
    assert all(len(name) <= 10 for name in fields.values())
    assert fields["district_adcode"] == "district_a"  # the importer maps truncations back
    assert fields["green_park_level"] == "green_park"


# -- GeoJSON -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def geojson_zip(layers):
    return zipfile.ZipFile(io.BytesIO(_export("geojson", layers).data))


def test_geojson_zip_holds_a_collection_per_layer_and_metadata(geojson_zip):
    assert sorted(geojson_zip.namelist()) == sorted([f"{name}.geojson" for name in MAP_LAYERS]
                                                    + ["metadata.json", "README.txt"])
    meta = json.loads(geojson_zip.read("metadata.json"))
    assert meta["notice"] == SAMPLE_NOTICE_ZH and meta["filters"]["year"] == "2024"
    assert SAMPLE_NOTICE_ZH in geojson_zip.read("README.txt").decode("utf-8")


@pytest.mark.parametrize("layer, id_column", ID_COLUMNS.items())
def test_geojson_parses_to_the_same_features(geojson_zip, expected, layer, id_column):
    text = geojson_zip.read(f"{layer}.geojson").decode("utf-8")
    assert "NaN" not in text
    collection = json.loads(text)
    assert collection["type"] == "FeatureCollection" and collection["name"] == layer
    assert collection["metadata"]["sample"] is True
    read = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    _assert_same_features(read, expected[layer], id_column)


# -- edge cases --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["gpkg", "shp-zip", "geojson"])
def test_a_selection_with_no_features_still_exports(layers, fmt, tmp_path):
    """Inside a park that does not exist: every layer is empty, the files must still open."""
    result = _export(fmt, layers, Filters(year=2024, park_ids=("no such park",), inside_parks=True))
    path = tmp_path / result.filename
    path.write_bytes(result.data)
    if fmt == "gpkg":
        for name in MAP_LAYERS:
            assert len(pyogrio.read_dataframe(path, layer=name)) == 0
    else:
        with zipfile.ZipFile(path) as archive:
            counts = json.loads(archive.read("metadata.json"))["feature_counts"]
            assert counts == dict.fromkeys(MAP_LAYERS, 0)


def test_imported_features_are_not_labelled_sample(layers):
    imported = {name: frame.assign(source="import") for name, frame in layers.items()}
    result = _export("geojson", imported)
    assert not result.filename.endswith("-sample.geojson.zip")
    meta = json.loads(zipfile.ZipFile(io.BytesIO(result.data)).read("metadata.json"))
    assert meta["sample"] is False and meta["notice"] is None and meta["data_source"] == "imported"


def test_layers_read_back_from_the_store_export_the_same_features(layers, expected, tmp_store, tmp_path):
    """The UI and the CLI pass ``open_store().read_all()``: object dtypes, MultiPolygons, Int64 years."""
    store = open_store(str(tmp_store))
    store.initialise(layers, dataset="sample", actor=local_actor())
    result = _export("gpkg", store.read_all())
    path = tmp_path / result.filename
    path.write_bytes(result.data)
    for layer, id_column in ID_COLUMNS.items():
        _assert_same_features(pyogrio.read_dataframe(path, layer=layer), expected[layer], id_column)
