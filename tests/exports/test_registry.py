"""The export registry: every (kind, format) with its file name and media type; what every export says about itself."""

import json

import pandas as pd
import pytest

from spaces.errors import ExportError
from spaces.exports import available_exports, describe_filters, export, export_metadata, exporter
from spaces.planning.filters import Filters

YEAR = 2025


@pytest.fixture(scope="module")
def layers(shared_sample_layers):
    """The session's 300-plot sample (shared, so the tests below also prove exports do not change it)."""
    return shared_sample_layers


@pytest.fixture(scope="module")
def imported_layers(layers):
    """The same rows relabelled as imported, for what an export says when no sample data is in it."""
    return {name: frame.assign(source="import") if name != "allocations" else frame
            for name, frame in layers.items()}


def _export(kind, fmt, layers, language="zh", **filters):
    return export(kind, fmt, layers, filters=Filters(year=YEAR, **filters), store="test.gpkg", language=language)


# -- the registry --------------------------------------------------------------------------------------
def test_the_registry_lists_every_kind_and_format():
    assert available_exports() == [
        ("summary", "csv"), ("summary", "xlsx"), ("summary", "json"),
        ("features", "geojson"), ("features", "gpkg"), ("features", "shp-zip"),
        ("brief", "pdf"), ("brief", "html"), ("mujun", "csv"), ("mujun", "xlsx"),
    ]
    for kind, fmt in available_exports():
        assert callable(exporter(kind, fmt).render)
        assert exporter(kind, fmt).suffix and exporter(kind, fmt).media_type


@pytest.mark.parametrize("kind, fmt", [("summary", "pdf"), ("maps", "csv"), ("features", "shp")])
def test_an_unknown_kind_or_format_is_refused_with_the_choices(layers, kind, fmt):
    with pytest.raises(ExportError, match="summary/csv.*brief/html"):
        _export(kind, fmt, layers)


def test_filename_and_media_type_say_kind_year_districts_and_sample(layers, imported_layers):
    result = _export("summary", "xlsx", layers, districts=("330206",))
    assert result.filename == "spaces-summary-2025-330206-sample.xlsx"
    assert result.media_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert _export("summary", "csv", imported_layers).filename == "spaces-summary-2025.csv"


def test_exports_do_not_change_the_layers(layers):
    before = {name: frame.copy() for name, frame in layers.items()}
    _export("summary", "xlsx", layers, districts=("330206",), industries=("绿色石化",))
    for name, frame in layers.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_filters_are_described_in_the_planners_words():
    assert describe_filters(Filters(year=2024)) == "年份 2024；无其他筛选（全部数据）"
    text = describe_filters(Filters(year=2024, districts=("330206", "330211"), levels=("national",),
                                    statuses=("reclaimed",), inside_parks=True), "en")
    assert text == ("Year 2024; District: Beilun, Zhenhai; Levels: National; Plot status: Reclaimed; "
                    "inside the selected parks only")


def test_exports_name_the_store_file_but_not_the_folder_it_sits_in():
    """Exports leave the office; the store's folder (often a home directory) stays behind."""
    metadata = export_metadata(source="sample", filters=Filters(year=2025), store="/home/zhang/规划/spaces.gpkg",
                               exported_at="2026-11-28T00:00:00+00:00", scope="export_scope_summary")
    assert metadata["store"] == "spaces.gpkg"
    assert "zhang" not in json.dumps(metadata, ensure_ascii=False)
