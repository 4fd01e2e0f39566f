"""Issue 10 at the door: plot years judged as a progress update judges them, old park and factory files, city rows."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fixtures_intake import HAISHU, YINZHOU, assert_names, box_at, inside, plot_rows, plots_frame

from spaces.errors import ValidationError
from spaces.intake import validate_frame
from spaces.planning.attainment import compute_attainment
from spaces.reference.schema import load_schemas
from spaces.store import empty_layer

TODAY = date(2026, 12, 5)  # this year is 2026 in 北京时间
CITY = "330200"


def _plots(*rows: tuple[str, str, object]) -> gpd.GeoDataFrame:
    """Plots (plot_id, status, reclaimed_year), side by side in 鄞州区."""
    frame = plots_frame(plot_rows(len(rows)))
    frame["plot_id"] = [plot_id for plot_id, _, _ in rows]
    frame["status"] = [status for _, status, _ in rows]
    frame["reclaimed_year"] = pd.array([year for *_, year in rows], dtype=object)
    return frame


def _rejected(frame: pd.DataFrame, layer: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_frame(frame, layer, file=f"{layer}.csv", today=TODAY)
    return caught.value


def _keys(problems) -> list[str]:
    return [p.key for p in problems]


def _store(**frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every layer empty except those given: the engine's view of a store holding only this import."""
    return {name: frames.get(name, empty_layer(schema)) for name, schema in load_schemas().items()}


# --- plots: the finding --------------------------------------------------------------------------------------
def test_reclaimed_without_a_year_or_after_this_year_is_refused_naming_row_id_column_and_value():
    """Found: a plot reclaimed in 2030, or reclaimed without a year, was accepted without a word."""
    error = _rejected(_plots(("L1", "已盘活", None), ("L2", "已盘活", "2030"), ("L3", "已盘活", "2024")), "plots")
    no_year, future = error.errors
    assert no_year.key == "reclaimed_without_year"
    assert_names(no_year, file="plots.csv", row=1, feature_id="L1", column="reclaimed_year")
    assert future.key == "reclaimed_year_in_future" and future.params == {"last": 2026}
    assert_names(future, file="plots.csv", row=2, feature_id="L2", column="reclaimed_year", value="2030")


def test_a_year_that_is_not_a_number_is_reported_once():
    """"20x3" is not a number: that error names the cell; "needs its year" would say the same again."""
    assert _keys(_rejected(_plots(("L1", "reclaimed", "20x3")), "plots").errors) == ["not_a_number"]


def test_this_year_is_accepted_and_next_year_is_not():
    """The bound is this year in 北京时间: 2026 may already be reclaimed on 5 December 2026, 2027 not."""
    intake = validate_frame(_plots(("L1", "reclaimed", 2026)), "plots", file="plots.csv", today=TODAY)
    assert intake.frame["reclaimed_year"].tolist() == [2026]
    assert _keys(_rejected(_plots(("L1", "reclaimed", 2027)), "plots").errors) == ["reclaimed_year_in_future"]


def test_a_year_on_a_pending_plot_is_dropped_with_a_warning():
    """Found: a pending plot with a year was accepted without a word (and kept the year)."""
    intake = validate_frame(_plots(("L1", "待处置", 2024), ("L2", "处置中", None)), "plots", file="plots.csv",
                            today=TODAY)
    assert intake.frame["reclaimed_year"].isna().tolist() == [True, True]
    [dropped] = [p for p in intake.warnings if p.key == "reclaimed_year_dropped"]
    assert_names(dropped, file="plots.csv", row=1, feature_id="L1", column="reclaimed_year", value="2024")


def test_reclaimed_before_the_plan_is_kept_with_one_note_and_counted_nowhere():
    """Found: a plot reclaimed in 2021 was accepted without a word. It is kept (it was reclaimed), said once
    per file, and the plan's total counts only the plot of 2023."""
    frame = _plots(("L1", "reclaimed", 2021), ("L2", "reclaimed", 2019), ("L3", "reclaimed", 2023))
    intake = validate_frame(frame, "plots", file="plots.csv", today=TODAY)
    assert intake.frame["reclaimed_year"].tolist() == [2021, 2019, 2023]
    [note] = [p for p in intake.warnings if p.key == "reclaimed_before_plan"]
    assert note.params == {"count": 2, "first": 2022} and note.row is None
    # How the map and the totals then agree: tests/planning/test_reclaimed_before_plan.py.


# --- parks: old files ----------------------------------------------------------------------------------------
def _parks(**columns) -> gpd.GeoDataFrame:
    """Parks in 海曙区 with the required columns of an old file (no strategic_park, no wanmu_qianyi_year)."""
    count = len(next(iter(columns.values())))
    lon, lat = inside(HAISHU)
    base = {"park_id": [f"P{i + 1}" for i in range(count)], "name_zh": ["园"] * count, "district_adcode": [HAISHU] * count,
            "industries": ["模具"] * count, "level": ["省级"] * count, "wanmu_qianyi": [None] * count,
            "green_park_level": [None] * count, "established_year": ["2015"] * count}
    return gpd.GeoDataFrame({**base, **columns}, geometry=[box_at(lon + i * 0.003, lat) for i in range(count)], crs=4326)


def test_a_parks_file_without_strategic_park_counts_every_park_with_one_warning():
    """An old file has no strategic_park column: every park is a strategic park, as before, said once."""
    intake = validate_frame(_parks(level=["省级", "市级", "省级"]), "parks", file="parks.csv", today=TODAY)
    assert intake.frame["strategic_park"].tolist() == [True, True, True]
    [warning] = [p for p in intake.warnings if p.key == "strategic_park_empty"]
    assert warning.params == {"count": 3} and warning.row is None


def test_an_empty_strategic_park_cell_means_yes_not_no():
    """Found: an empty strategic_park cell was read as 否, so the park left the 20 though empty means yes."""
    intake = validate_frame(_parks(strategic_park=["否", "", "是"]), "parks", file="parks.csv", today=TODAY)
    assert intake.frame["strategic_park"].tolist() == [False, True, True]
    assert [p.params for p in intake.warnings if p.key == "strategic_park_empty"] == [{"count": 1}]


def test_a_file_that_fills_strategic_park_gets_no_warning():
    intake = validate_frame(_parks(strategic_park=["否", "是"]), "parks", file="parks.csv", today=TODAY)
    assert "strategic_park_empty" not in _keys(intake.warnings)


def test_wanmu_qianyi_yes_reads_as_accepted_with_a_warning_and_no_reads_as_none():
    """是 was refused; now it is accepted (命名) with a warning naming row, id and value; 否 is no platform."""
    parks = _parks(wanmu_qianyi=["是", "否", "1", "培育", None], wanmu_qianyi_year=["2023", None, None, None, None])
    intake = validate_frame(parks, "parks", file="parks.csv", today=TODAY)
    designation = intake.frame["wanmu_qianyi"]
    assert designation.astype(object).where(designation.notna(), None).tolist() == [
        "accepted", None, "accepted", "cultivating", None]
    warnings = [p for p in intake.warnings if p.key == "designation_yes_accepted"]
    assert [(p.row, p.feature_id, p.value) for p in warnings] == [(1, "P1", "是"), (3, "P3", "1")]
    assert "wanmu_qianyi_year" in warnings[0].message and "before the plan" in warnings[0].message


def test_accepted_from_its_year_counts_and_without_a_year_counts_before_the_plan():
    """The warning's promise, checked on the engine: 是 with 2023 counts in 2023; 是 without a year is held
    before the plan (in the 2021 baseline), so it is not progress."""
    parks = _parks(wanmu_qianyi=["是", "是"], wanmu_qianyi_year=["2023", None])
    frame = validate_frame(parks, "parks", file="parks.csv", today=TODAY).frame
    allocations = pd.DataFrame({"district_adcode": [HAISHU], "target_key": ["wanmu_qianyi_platforms"], "target": [3.0]})
    result = compute_attainment(_store(parks=frame), allocations, year=2024, today=TODAY)
    row = result.loc[(result["adcode"] == HAISHU) & (result["key"] == "wanmu_qianyi_platforms")].iloc[0]
    assert (row["baseline"], row["actual"]) == (1.0, 2.0)


# --- factories: old files ------------------------------------------------------------------------------------
def _factories(rows: list[dict]) -> gpd.GeoDataFrame:
    lon, lat = inside(YINZHOU)
    base = {"name_zh": "厂", "industry": "模具"}
    frame = pd.DataFrame([{**base, "factory_id": f"F{i + 1}", **row} for i, row in enumerate(rows)])
    return gpd.GeoDataFrame(frame, geometry=[shapely.Point(lon + i * 0.001, lat) for i in range(len(rows))], crs=4326)


def test_level_and_certified_year_fill_that_levels_year():
    """An old file says only national + certified 2023: national_year becomes 2023, so the factory is 2023's
    progress, not stock held before the plan. A year given for the level is kept."""
    frame = validate_frame(_factories([{"level": "国家级", "certified_year": "2023"},
                                       {"level": "市级", "certified_year": "2024", "municipal_year": "2022"}]),
                           "factories", file="factories.csv", today=TODAY).frame
    assert frame["national_year"].iloc[0] == 2023 and pd.isna(frame["national_year"].iloc[1])
    assert pd.isna(frame["municipal_year"].iloc[0]) and frame["municipal_year"].iloc[1] == 2022
    allocations = pd.DataFrame({"district_adcode": [YINZHOU], "target_key": ["national_green_factories"],
                                "target": [2.0]})
    result = compute_attainment(_store(factories=frame), allocations, year=2024, today=TODAY)
    row = result.loc[(result["adcode"] == YINZHOU) & (result["key"] == "national_green_factories")].iloc[0]
    assert (row["baseline"], row["actual"]) == (0.0, 1.0)


def test_a_promotion_is_fine_and_a_level_below_a_held_one_is_a_warning():
    """Municipal 2019 then national 2024 is a promotion (no word); level 市级 with a national_year or a
    provincial_year contradicts itself: a warning naming the highest level held."""
    intake = validate_frame(_factories([
        {"level": "national", "national_year": "2024", "municipal_year": "2019"},
        {"level": "municipal", "national_year": "2024", "provincial_year": "2022"},
        {"level": "municipal", "provincial_year": "2023"},
        {"level": "provincial", "provincial_year": "2023", "municipal_year": "2025"},
    ]), "factories", file="factories.csv", today=TODAY)
    warnings = [p for p in intake.warnings if p.key == "level_below_held"]
    assert [(p.row, p.feature_id, p.value, p.params["held"]) for p in warnings] == [
        (2, "F2", "municipal", "national"), (3, "F3", "municipal", "provincial")]


# --- indicators: the city row against its districts -------------------------------------------------------
def test_a_city_count_below_a_district_is_a_warning_naming_row_column_and_value():
    """Found: a city row smaller than one district's value was accepted silently."""
    table = pd.DataFrame({"district_adcode": [CITY, YINZHOU, HAISHU], "year": ["2023"] * 3,
                          "inefficient_enterprises_upgraded": ["40", "55", "5"], "tax_per_mu": ["30", "40", "50"]})
    intake = validate_frame(table, "indicators", file="indicators.csv", today=TODAY)
    [warning] = [p for p in intake.warnings if p.key == "city_below_district"]
    assert_names(warning, file="indicators.csv", row=1, feature_id=f"{CITY}/2023",
                 column="inefficient_enterprises_upgraded", value="40")
    assert warning.params["district"] == YINZHOU and warning.params["value"] == "55"
    assert len(intake.frame) == 3  # a warning: nothing is refused


def test_a_consistent_city_row_gets_no_warning():
    table = pd.DataFrame({"district_adcode": [CITY, YINZHOU, HAISHU], "year": ["2023"] * 3,
                          "inefficient_enterprises_upgraded": ["60", "55", "5"]})
    intake = validate_frame(table, "indicators", file="indicators.csv", today=TODAY)
    assert not {"city_below_district", "city_far_from_district_sum"} & set(_keys(intake.warnings))
