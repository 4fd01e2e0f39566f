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
    assert len(detail.attainment) == 12


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
