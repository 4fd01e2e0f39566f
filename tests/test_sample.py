"""The sample dataset: deterministic, inside the real districts, honest about what is real."""

import numpy as np
import pytest
import shapely

from spaces.planning.attainment import compute_attainment
from spaces.reference.districts import DISTRICT_ADCODES, load_districts
from spaces.sample import PARKS, build_sample


@pytest.fixture(scope="module")
def sample():
    """A sample with fewer plots than the default, to keep the module fast."""
    return build_sample(plots=1500)


def test_sizes_follow_the_plan(sample):
    assert len(sample["parks"]) == 20
    assert len(sample["communities"]) == 70
    assert len(sample["plots"]) == 1500
    assert len(sample["factories"]) >= 1000
    assert set(sample["factories"]["level"]) == {"national", "provincial", "municipal"}
    years = sample["factories"]["certified_year"]
    assert years.min() == 2017 and years.max() == 2025
    assert sorted(sample["indicators"]["year"].unique()) == [2021, 2022, 2023, 2024, 2025]


def test_the_same_seed_gives_the_same_data(sample):
    again = build_sample(plots=1500)
    for name in ("parks", "plots", "factories", "indicators"):
        left, right = sample[name].drop(columns="geometry", errors="ignore"), again[name].drop(
            columns="geometry", errors="ignore")
        assert left.equals(right), name
    assert shapely.equals_exact(sample["plots"].geometry.to_numpy(), again["plots"].geometry.to_numpy(), 0).all()
    different = build_sample(plots=1500, seed=1)
    assert not different["plots"]["status"].equals(sample["plots"]["status"])


def test_every_record_is_marked_sample(sample):
    for name, frame in sample.items():
        expected = "default" if name == "allocations" else "sample"
        assert (frame["source"] == expected).all(), name


@pytest.mark.parametrize("layer", ["parks", "communities", "plots", "factories"])
def test_features_lie_in_the_district_they_claim(sample, layer):
    """Each feature's representative point falls in its own district (plots: at most a few on a boundary)."""
    districts = load_districts().set_index("adcode").geometry
    frame = sample[layer]
    points = shapely.point_on_surface(frame.geometry.to_numpy())
    inside = np.array([districts[code].contains(p) for code, p in zip(frame["district_adcode"], points, strict=True)])
    assert inside.mean() >= 0.99
    assert set(frame["district_adcode"]) <= set(DISTRICT_ADCODES)


def test_plots_do_not_overlap(sample):
    plots = sample["plots"].geometry.to_numpy()
    tree = shapely.STRtree(plots)
    left, right = tree.query(plots, predicate="overlaps")
    assert len(left) == 0


def test_real_names_only_where_documented_and_flagged_approximate(sample):
    """Parks with real names carry approximate=True; every other name says 示例 (sample)."""
    parks = sample["parks"]
    real = {seed.name_zh for seed in PARKS if seed.approximate}
    assert parks.loc[parks["approximate"], "name_zh"].tolist() == [n for n in parks["name_zh"] if n in real]
    assert parks.loc[~parks["approximate"], "name_zh"].str.contains("示例").all()
    assert sample["communities"]["name_zh"].str.contains("示例").all()
    assert sample["factories"]["name_zh"].str.contains("示例").all()
    assert "宁波前湾新区智能汽车产业平台" in set(parks.loc[parks["wanmu_qianyi"] == "accepted", "name_zh"])


def test_progress_differs_by_district(sample):
    """Attainment is worth looking at: in 2025 some districts meet a target and others are behind."""
    result = compute_attainment(sample, sample["allocations"], year=2025)
    statuses = result.loc[result["key"] == "reclaimed_land_mu"].iloc[:10]["status"]
    assert {"met", "behind"} <= set(statuses)


def test_many_plots_scale_without_overlap_or_leaving_ningbo():
    """The generator behind --plots 1000000 keeps plots disjoint and inside the city at high density."""
    layers = build_sample(plots=40_000, seed=3)
    plots = layers["plots"]
    assert len(plots) == 40_000 and plots["plot_id"].is_unique
    tree = shapely.STRtree(plots.geometry.to_numpy())
    assert len(tree.query(plots.geometry.to_numpy(), predicate="overlaps")[0]) == 0
    assert plots["area_mu"].sum() < 160_000
