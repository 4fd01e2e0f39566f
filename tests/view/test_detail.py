"""The detail panel's content for a park, a community and a district."""

import pytest

from spaces.planning.attainment import compute_attainment
from spaces.sample import build_sample
from spaces.view.detail import community_detail, district_detail, park_detail


@pytest.fixture(scope="module")
def layers():
    """A small sample (the detail functions only read it)."""
    return build_sample(plots=600)


def test_park_detail_counts_what_lies_inside_and_brings_its_districts_attainment(layers):
    long = compute_attainment(layers, layers["allocations"], year=2025)
    detail = park_detail(layers, "P001", year=2025, long=long)
    assert detail.title == "宁波经济技术开发区" and detail.approximate
    assert detail.attributes["district"] == "北仑区"
    contents = detail.contents.set_index(["layer", "category"])["count"]
    members = (layers["communities"]["park_id"] == "P001").sum()
    assert contents[("communities", "—")] >= members > 0
    assert contents.loc["plots"].sum() > 0 and contents.loc["factories"].sum() > 0
    assert len(detail.attainment) == 11  # the city-only ETDZ rank has no district value


def test_plots_count_by_status_as_of_the_year(layers):
    late = park_detail(layers, "P001", year=2025).contents.set_index(["layer", "category"])["count"]
    early = park_detail(layers, "P001", year=2022).contents.set_index(["layer", "category"])["count"]
    assert early[("plots", "已盘活")] <= late[("plots", "已盘活")]
    assert early.loc["plots"].sum() == late.loc["plots"].sum()


def test_missing_ids_give_none_and_districts_give_their_targets(layers):
    long = compute_attainment(layers, layers["allocations"], year=2024)
    assert park_detail(layers, "nope", year=2024) is None
    assert community_detail(layers, "nope", year=2024) is None
    district = district_detail(layers, long, "330282", year=2024, language="en")
    assert district.title == "Cixi" and int(district.attributes["parks"]) == 3
    assert community_detail(layers, "C001", year=2024).title.startswith("海曙")


def test_a_selection_from_the_url_gives_its_detail_or_none():
    from spaces.planning.summary import build_summary
    from spaces.sample import build_sample
    from spaces.view.detail import selected_detail

    layers = build_sample(plots=100)
    long = build_summary(layers, year=2025).long
    assert selected_detail(layers, long, "park:P001", year=2025).kind == "park"
    assert selected_detail(layers, long, "district:330206", year=2025).kind == "district"
    community = layers["communities"]["community_id"].iloc[0]
    assert selected_detail(layers, long, f"community:{community}", year=2025).kind == "community"
    for nothing in (None, "", "park:NOPE", "plot:L1", "park"):
        assert selected_detail(layers, long, nothing, year=2025) is None


@pytest.mark.parametrize(("language", "land", "count"), [("zh", " 亩", " 个"), ("en", " mu", " parks")])
def test_a_districts_figures_carry_their_units_and_no_raw_decimals(layers, language, land, count):
    from spaces.reference.targets import load_targets

    long = compute_attainment(layers, layers["allocations"], year=2025)
    table = district_detail(layers, long, "330206", year=2025, language=language).attainment
    labels = {getattr(target, f"label_{language}"): key for key, target in load_targets().items()}
    by_key = table.assign(key=table["target"].map(labels)).set_index("key")
    assert by_key.loc["reclaimed_land_mu", "actual"].endswith(land)
    assert by_key.loc["strategic_parks", "target_value"].endswith(count)
    actual = long.set_index(["adcode", "key"]).loc[("330206", "reclaimed_land_mu"), "actual"]
    assert by_key.loc["reclaimed_land_mu", "actual"] == f"{actual:,.1f}{land}"
    growth = by_key.loc[by_key.index.str.contains("growth|tax|value_added"), "actual"]
    assert all(text == "—" or (text.endswith("%") and len(text.split(".")[-1]) == 2) for text in growth), growth
    assert "None" not in set(table["actual"]) | set(table["target_value"])


def _row(**values):
    """One compute_attainment row of 盘活腾退低效工业用地 for a district given 50,000 亩, read in 2024."""
    import pandas as pd

    row = {"key": "reclaimed_land_mu", "actual": 24_000.0, "target": 50_000.0, "status": "behind",
           "progress": 0.48, "expected": 0.6, "as_of": 2024.0, "stale": False, "projected_2026": 40_000.0,
           "projected_progress": 0.8}
    return pd.Series({**row, **values})


@pytest.mark.parametrize(("language", "lines"), [
    ("zh", ["进度 48%（时间进度 60%）", "按当前进度：2026 年约 40,000 亩（80%）"]),
    ("en", ["Progress 48% (pace 60%)", "At this pace: 40,000 mu by 2026 (80%)"]),
])
def test_pace_lines_say_progress_against_the_pace_and_where_2026_lands(language, lines):
    """24,000 of 50,000 亩 by the end of 2024: 48% of the way, 60% of the time gone; at 8,000 亩 a year
    2026 ends at 40,000 亩, 80% of the target."""
    from spaces.reference.targets import load_targets
    from spaces.view.pace_text import pace_lines

    assert pace_lines(_row(), load_targets()["reclaimed_land_mu"], language) == lines


def test_pace_lines_name_a_stale_data_year_and_leave_out_the_projection_of_a_target_met():
    from spaces.reference.targets import load_targets
    from spaces.view.pace_text import pace_lines

    land = load_targets()["reclaimed_land_mu"]
    stale = pace_lines(_row(as_of=2023.0, stale=True), land, "zh")
    assert stale[-1] == "数据截至 2023 年"
    met = pace_lines(_row(status="met", progress=1.1, projected_2026=60_000.0, projected_progress=1.2), land, "zh")
    assert met == ["进度 110%（时间进度 60%）"]
    assert pace_lines(_row(progress=float("nan"), projected_2026=float("nan")), land, "zh") == []


def test_a_park_shows_its_strategic_and_wanmu_qianyi_designations(layers):
    """Designations as the planner entered them: 命名 with its year, 培育, or not a strategic park."""
    parks = layers["parks"].set_index("park_id")
    accepted = parks.index[parks["wanmu_qianyi"] == "accepted"][0]
    cultivating = parks.index[parks["wanmu_qianyi"] == "cultivating"][0]
    not_strategic = parks.index[~parks["strategic_park"].astype(bool)][0]
    year = int(parks.loc[accepted, "wanmu_qianyi_year"])
    assert park_detail(layers, accepted, year=2025).attributes["wanmu_qianyi"] == f"命名（{year} 年）"
    assert park_detail(layers, cultivating, year=2025, language="en").attributes["wanmu_qianyi"] == "Cultivating"
    assert park_detail(layers, not_strategic, year=2025).attributes["strategic_park"] == "否"
    assert park_detail(layers, accepted, year=2025).attributes["strategic_park"] == "是"


def test_a_district_with_an_annual_task_is_paced_by_it_in_the_panel():
    """Issue 10: where a district has a task for the year, the panel names it instead of the time share."""
    import pandas as pd

    from spaces.reference.targets import load_targets
    from spaces.view.pace_text import pace_lines

    row = pd.Series({"progress": 0.35, "expected": 0.3, "annual_task": 30.0, "status": "on_track",
                     "projected_2026": 58.3, "projected_progress": 0.583, "stale": False, "as_of": 2024})
    lines = pace_lines(row, load_targets()["reclaimed_land_mu"], "zh")
    assert lines[0] == "进度 35%（年度任务 30.0 亩，即 30%）"


def test_industries_read_in_the_panels_language(layers):
    assert park_detail(layers, "P001", year=2025, language="zh").attributes["industries"].startswith("汽车及零部件、")
    english = park_detail(layers, "P001", year=2025, language="en").attributes["industries"]
    assert english.startswith("Automotive and parts, ") and "新材料" not in english
    community = layers["communities"]["community_id"].iloc[0]
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in community_detail(layers, community, year=2025,
                                                                        language="en").attributes["industries"])
