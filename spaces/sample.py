"""The built-in sample dataset: simulated parks, communities, plots, factories and indicators in the real districts.

Everything here is simulated except what ``shared/reference/ningbo-facts.md`` documents: the
district boundaries, the names, districts and levels of some real development zones (their
outlines are invented, so they are flagged ``approximate``), and the ETDZ's #9 rank in the 2024
national assessment. Every row carries ``source = "sample"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from spaces.geo.crs import EQUAL_AREA_CRS, STORAGE_CRS, area_mu
from spaces.reference.districts import CITY_ADCODE, DISTRICT_ADCODES, load_districts
from spaces.reference.targets import load_default_allocations

from .sample_mujun import sample_enterprises

DEFAULT_SEED = 20260
DEFAULT_PLOTS = 6000
# What the README promises init can build (about 2 minutes); 1e8 ran 11 minutes at 3–6 GB before failing.
MAX_PLOTS = 1_000_000
SAMPLE_SOURCE = "sample"
# Total plot area stays near this (亩) whatever the plot count, so a million plots still fit.
PLOT_AREA_BUDGET_MU = 150_000
MU = 2000.0 / 3.0

# How far ahead (>1) or behind (<1) each district runs in the simulation, so that attainment differs.
PROGRESS = {
    "330203": 0.85, "330205": 0.75, "330206": 1.25, "330211": 1.05, "330212": 1.10,
    "330213": 0.70, "330225": 0.55, "330226": 0.80, "330281": 0.95, "330282": 1.20,
}
# Relative density of industrial activity (plots, factories) per district.
DENSITY = {
    "330203": 2.0, "330205": 1.2, "330206": 3.0, "330211": 2.0, "330212": 3.0,
    "330213": 1.0, "330225": 0.7, "330226": 1.0, "330281": 2.0, "330282": 3.0,
}
# Communities per district; 慈溪's 10 follows its reported "2.5 parks + 10 communities".
COMMUNITIES = {
    "330203": 6, "330205": 5, "330206": 10, "330211": 7, "330212": 10,
    "330213": 5, "330225": 3, "330226": 6, "330281": 8, "330282": 10,
}
INDUSTRIES = [
    "汽车及零部件", "绿色石化", "高端装备", "集成电路", "新材料", "智能家电", "时尚纺织服装",
    "生物医药", "节能环保", "软件与信息服务", "模具", "文具", "光电", "通用航空", "新能源",
]


PROMOTION_SEED = 2022


@dataclass(frozen=True)
class ParkSeed:
    name_zh: str
    adcode: str
    level: str | None
    industries: tuple[str, ...]
    near: tuple[float, float] | None  # rough WGS-84 location of a real zone, else None
    radius_km: float
    approximate: bool = False
    strategic_park: bool = True
    wanmu_qianyi: str | None = None  # "cultivating" (培育) or "accepted" (命名)
    wanmu_qianyi_year: int | None = None  # year accepted
    green_park_level: str | None = None
    green_park_year: int | None = None
    note: str = "simulated"


# Real zones: name, district and level from ningbo-facts.md §1a/§2/§3c; outline simulated.
REAL = "real name, district and level (ningbo-facts.md); outline, year and figures simulated"
PARKS = (
    ParkSeed("宁波经济技术开发区", "330206", "national", ("汽车及零部件", "高端装备", "绿色石化", "集成电路", "新材料"),
             (121.86, 29.90), 5.0, approximate=True, note=REAL),
    ParkSeed("宁波大榭开发区", "330206", "national", ("绿色石化",), (121.95, 29.93), 2.5, approximate=True,
             strategic_park=False, green_park_level="national",
             note=REAL + "; national green park (ningbo-facts.md §3c), year unknown; not a strategic park (simulated)"),
    ParkSeed("北仑高端装备示例园", "330206", "municipal", ("高端装备", "模具"), None, 2.2),
    ParkSeed("宁波石化经济技术开发区", "330211", "national", ("绿色石化", "新材料"), (121.60, 30.03), 3.5,
             approximate=True, green_park_level="national", green_park_year=2017,
             note=REAL + "; first-batch national green park 2017 (ningbo-facts.md §1a)"),
    ParkSeed("镇海新材料示例园", "330211", "provincial", ("新材料", "节能环保"), None, 2.0, wanmu_qianyi="accepted",
             wanmu_qianyi_year=2025),
    ParkSeed("宁波杭州湾经济技术开发区", "330282", "national", ("汽车及零部件", "通用航空", "新材料", "生物医药", "高端装备"),
             (121.25, 30.30), 4.5, approximate=True, note=REAL),
    ParkSeed("宁波前湾新区智能汽车产业平台", "330282", "provincial", ("汽车及零部件",), (121.33, 30.27), 3.0,
             approximate=True, wanmu_qianyi="accepted", wanmu_qianyi_year=2023,
             note=REAL + "; Zhejiang's first accepted 万亩千亿 platform (2023-10-23, ningbo-facts.md §2)"),
    ParkSeed("慈溪滨海经济开发区", "330282", None, ("智能家电", "新材料"), (121.42, 30.22), 3.0, approximate=True,
             strategic_park=False, green_park_level="national",
             note=REAL + "; national green park per a single (C) source; not a strategic park (simulated)"),
    ParkSeed("宁波国家高新技术产业开发区", "330212", "national", ("集成电路", "软件与信息服务", "新材料"),
             (121.62, 29.88), 2.5, approximate=True, note=REAL),
    ParkSeed("鄞州经济开发区", "330212", None, ("新材料", "高端装备", "汽车及零部件"), (121.66, 29.74), 2.8,
             approximate=True, note=REAL + "; level not stated in the source"),
    ParkSeed("鄞州生物医药示例园", "330212", "municipal", ("生物医药",), None, 1.8),
    ParkSeed("宁海经济开发区", "330226", "provincial", ("模具", "文具", "智能家电", "汽车及零部件"), (121.44, 29.31), 3.0,
             approximate=True, note=REAL),
    ParkSeed("宁波南部滨海经济开发区", "330226", "provincial", ("新能源", "生物医药", "通用航空"), (121.52, 29.17), 2.5,
             approximate=True, note=REAL),
    ParkSeed("浙江余姚经济开发区", "330281", "provincial", ("智能家电", "光电", "高端装备"), (121.18, 30.06), 3.0,
             approximate=True, note=REAL),
    ParkSeed("余姚节能环保示例园", "330281", "municipal", ("节能环保", "新能源"), None, 2.0),
    ParkSeed("海曙时尚纺织示例园", "330203", "municipal", ("时尚纺织服装", "智能家电"), None, 2.0),
    ParkSeed("海曙智能制造示例园", "330203", "municipal", ("高端装备", "汽车及零部件"), None, 1.8),
    ParkSeed("江北光电示例园", "330205", "municipal", ("光电", "新材料"), None, 2.0, wanmu_qianyi="cultivating"),
    ParkSeed("奉化智能装备示例园", "330213", "municipal", ("高端装备", "汽车及零部件"), None, 2.0),
    ParkSeed("象山新能源示例园", "330225", "municipal", ("新能源", "模具"), None, 2.0),
)


class _Geometry:
    """Shapes in the equal-area plane (metres), converted to WGS-84 once at the end."""

    def __init__(self) -> None:
        self.to_metric = pyproj.Transformer.from_crs(STORAGE_CRS, EQUAL_AREA_CRS, always_xy=True)
        self.to_wgs84 = pyproj.Transformer.from_crs(EQUAL_AREA_CRS, STORAGE_CRS, always_xy=True)
        districts = load_districts()
        metric = districts.to_crs(EQUAL_AREA_CRS)
        self.adcodes = districts["adcode"].to_numpy()
        self.shapes = dict(zip(self.adcodes, metric.geometry.to_numpy(), strict=True))
        for shape in self.shapes.values():
            shapely.prepare(shape)

    def wgs84(self, geometries: np.ndarray) -> np.ndarray:
        return shapely.transform(geometries, lambda xy: np.column_stack(self.to_wgs84.transform(xy[:, 0], xy[:, 1])))

    def random_point_in(self, rng, shape, *, inset: float = 0.0):
        area = shape.buffer(-inset) if inset else shape
        if area.is_empty:
            area = shape
        shapely.prepare(area)
        minx, miny, maxx, maxy = area.bounds
        for _ in range(2000):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(area, x, y):
                return x, y
        return area.representative_point().coords[0]


def _blob(rng, x, y, radius_m, vertices=28):
    """A smooth, irregular polygon around (x, y) with mean radius ``radius_m``."""
    angles = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    harmonics = sum(rng.normal(0, 0.12 / k) * np.cos(k * angles + rng.uniform(0, 2 * np.pi)) for k in range(1, 5))
    radii = radius_m * (1 + harmonics)
    return shapely.Polygon(np.column_stack([x + radii * np.cos(angles), y + radii * np.sin(angles)]))


def _inside(shape, container):
    clipped = shapely.intersection(shape, container)
    polygons = [g for g in shapely.get_parts(clipped) if g.geom_type == "Polygon"]
    return max(polygons, key=lambda g: g.area) if polygons else shape


def _parks(rng, geo: _Geometry) -> tuple[pd.DataFrame, list]:
    rows, shapes = [], []
    for number, seed in enumerate(PARKS, start=1):
        district = geo.shapes[seed.adcode]
        radius = seed.radius_km * 1000
        if seed.near is not None:
            x, y = geo.to_metric.transform(*seed.near)
            if not shapely.contains_xy(district, x, y):
                x, y = geo.random_point_in(rng, district, inset=radius * 0.5)
        else:
            x, y = geo.random_point_in(rng, district, inset=radius)
        shape = _inside(_blob(rng, x, y, radius), district)
        shapes.append(shape)
        established = int(rng.choice([2022, 2022, 2023, 2023, 2024, 2025]))
        green_level = seed.green_park_level
        green_year = seed.green_park_year
        if green_level is None and seed.approximate is False and rng.random() < 0.35:
            green_level = rng.choice(["provincial", "municipal"])
            green_year = int(rng.integers(established, 2026))  # a simulated park is green only once it exists
        rows.append({
            "park_id": f"P{number:03d}",
            "name_zh": seed.name_zh,
            "district_adcode": seed.adcode,
            "industries": ";".join(seed.industries),
            "level": seed.level,
            "strategic_park": seed.strategic_park,
            "wanmu_qianyi": seed.wanmu_qianyi,
            "wanmu_qianyi_year": seed.wanmu_qianyi_year,
            "green_park_level": green_level,
            "green_park_year": green_year,
            "established_year": established,
            "approximate": seed.approximate,
            "note": seed.note,
        })
    return pd.DataFrame(rows), shapes


def _communities(rng, geo: _Geometry, parks: pd.DataFrame, park_shapes: list) -> tuple[pd.DataFrame, list]:
    rows, shapes = [], []
    number = 0
    for adcode, count in COMMUNITIES.items():
        district = geo.shapes[adcode]
        local_parks = parks.index[parks["district_adcode"] == adcode].tolist()
        short = load_districts().set_index("adcode").loc[adcode, "name_zh"][:-1]
        for k in range(count):
            number += 1
            in_park = bool(local_parks) and k < max(1, int(count * 0.6))
            park_index = local_parks[k % len(local_parks)] if in_park else None
            container = park_shapes[park_index] if in_park else district
            x, y = geo.random_point_in(rng, container)
            if number % 7 == 0:
                shape = shapely.Point(x, y)  # some communities are only known as a point
            else:
                shape = _inside(_blob(rng, x, y, rng.uniform(500, 1100), vertices=18), container)
            if in_park:
                industries = parks.loc[park_index, "industries"].split(";")
            else:
                industries = list(rng.choice(INDUSTRIES, size=int(rng.integers(1, 3)), replace=False))
            main = industries[int(rng.integers(0, len(industries)))]
            shapes.append(shape)
            rows.append({
                "community_id": f"C{number:03d}",
                "name_zh": f"{short}{main}示例社区{k + 1:02d}",
                "district_adcode": adcode,
                "industries": ";".join(industries[:3]),
                "park_id": parks.loc[park_index, "park_id"] if in_park else None,
                "established_year": None if number % 11 == 0 else int(rng.choice([2022, 2023, 2023, 2024, 2025])),
            })
    return pd.DataFrame(rows), shapes


def _grid_sites(rng, geo: _Geometry, count: int, cell: float, park_union, *, park_bias: float):
    """``count`` distinct grid cells (centres) inside districts, denser where industry is, and in parks."""
    bounds = np.array([s.bounds for s in geo.shapes.values()])
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    columns = int((bounds[:, 2].max() - minx) // cell)
    rows_ = int((bounds[:, 3].max() - miny) // cell)
    chosen_cells = np.empty(0, dtype=np.int64)
    chosen_adcodes = np.empty(0, dtype=object)
    weights = np.array([DENSITY[a] for a in geo.adcodes]) / max(DENSITY.values())
    shapes = list(geo.shapes.values())
    while len(chosen_cells) < count:
        draw = max(4 * (count - len(chosen_cells)), 1000)
        cells = rng.integers(0, columns * rows_, size=draw)
        xs = minx + (cells % columns + 0.5) * cell
        ys = miny + (cells // columns + 0.5) * cell
        # Prepared point-in-polygon per district is ~15x faster than an STRtree "within" query here.
        district_of = np.full(draw, -1)
        for index, shape in enumerate(shapes):
            open_ = np.flatnonzero(district_of < 0)
            district_of[open_[shapely.contains_xy(shape, xs[open_], ys[open_])]] = index
        point_idx = np.flatnonzero(district_of >= 0)
        district_idx = district_of[point_idx]
        accept = weights[district_idx] / park_bias
        in_park = shapely.contains_xy(park_union, xs[point_idx], ys[point_idx])
        accept = np.where(in_park, accept * park_bias, accept)
        keep = rng.random(len(point_idx)) < accept
        chosen_cells = np.concatenate([chosen_cells, cells[point_idx[keep]]])
        chosen_adcodes = np.concatenate([chosen_adcodes, geo.adcodes[district_idx[keep]]])
        chosen_cells, first = np.unique(chosen_cells, return_index=True)
        chosen_adcodes = chosen_adcodes[first]
    pick = rng.permutation(len(chosen_cells))[:count]
    cells = chosen_cells[pick]
    return minx + (cells % columns + 0.5) * cell, miny + (cells // columns + 0.5) * cell, chosen_adcodes[pick]


def _plots(rng, geo: _Geometry, count: int, park_union) -> tuple[pd.DataFrame, np.ndarray]:
    land_m2 = sum(s.area for s in geo.shapes.values())
    mean_area_m2 = min(150.0, PLOT_AREA_BUDGET_MU / count) * MU
    # Cells large enough for a plot, small enough that the candidates outnumber the plots 4:1.
    cell = min(np.sqrt(mean_area_m2) * 2.2, np.sqrt(land_m2 / (4 * count)))
    xs, ys, adcodes = _grid_sites(rng, geo, count, cell, park_union, park_bias=2.5)
    area = np.minimum(rng.lognormal(np.log(mean_area_m2) - 0.3, 0.6, count), (cell * 0.6) ** 2)
    aspect = rng.uniform(0.6, 1.6, count)
    width, height = np.sqrt(area * aspect), np.sqrt(area / aspect)
    theta = rng.uniform(0, np.pi / 2, count)
    cos, sin = np.cos(theta), np.sin(theta)
    # Rotated rectangles whose bounding box stays inside their cell: plots never overlap.
    extent = np.maximum(width * cos + height * sin, height * cos + width * sin)
    scale = np.minimum(1.0, 0.9 * cell / extent)
    width, height = width * scale, height * scale
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local_x = corners[None, :, 0] * width[:, None]
    local_y = corners[None, :, 1] * height[:, None]
    world_x = xs[:, None] + local_x * cos[:, None] - local_y * sin[:, None]
    world_y = ys[:, None] + local_x * sin[:, None] + local_y * cos[:, None]
    lon, lat = geo.to_wgs84.transform(world_x.ravel(), world_y.ravel())
    coords = np.stack([np.asarray(lon).reshape(count, 5), np.asarray(lat).reshape(count, 5)], axis=-1)
    geometries = shapely.polygons(coords)

    progress = np.array([PROGRESS[a] for a in adcodes])
    draw = rng.random(count)
    reclaimed = draw < 0.32 * progress
    in_progress = ~reclaimed & (draw < 0.32 * progress + 0.25)
    status = np.where(reclaimed, "reclaimed", np.where(in_progress, "in_progress", "pending"))
    years = rng.choice([2022, 2023, 2024, 2025], size=count, p=[0.18, 0.24, 0.28, 0.30])
    frame = pd.DataFrame({
        "plot_id": [f"L{n:07d}" for n in range(1, count + 1)],
        "status": status,
        "reclaimed_year": pd.array(np.where(reclaimed, years, 0), dtype="Int64"),
        "district_adcode": adcodes.astype(object),
    })
    frame.loc[~reclaimed, "reclaimed_year"] = pd.NA
    return frame, geometries


def _factories(rng, geo: _Geometry, parks: pd.DataFrame, park_shapes: list) -> tuple[pd.DataFrame, list]:
    per_level = {"national": 96, "provincial": 210, "municipal": 820}
    start = {"national": 2017, "provincial": 2018, "municipal": 2019}
    adcodes = np.array(list(DENSITY))
    weights = np.array([DENSITY[a] * PROGRESS[a] for a in adcodes])
    rows, shapes = [], []
    number = 0
    # Its own generator, so that the promotions leave every location and year as they were drawn before.
    promotions = np.random.default_rng(PROMOTION_SEED)
    for level, count in per_level.items():
        districts = rng.choice(adcodes, size=count, p=weights / weights.sum())
        years = rng.integers(start[level], 2026, size=count)
        for adcode, year in zip(districts, years, strict=True):
            number += 1
            local_parks = parks.index[parks["district_adcode"] == adcode].tolist()
            if local_parks and rng.random() < 0.5:
                park = int(rng.choice(local_parks))
                x, y = geo.random_point_in(rng, park_shapes[park])
                industry = str(rng.choice(parks.loc[park, "industries"].split(";")))
            else:
                x, y = geo.random_point_in(rng, geo.shapes[adcode])
                industry = str(rng.choice(INDUSTRIES))
            shapes.append(shapely.Point(x, y))
            held = {f"{name}_year": None for name in per_level}
            held[f"{level}_year"] = int(year)
            # About half the national and provincial factories were municipal green factories first,
            # one to three years earlier: they keep counting towards the municipal 1,000.
            if level != "municipal" and promotions.random() < 0.5:
                held["municipal_year"] = max(start["municipal"], int(year) - int(promotions.integers(1, 4)))
            rows.append({
                "factory_id": f"F{number:04d}",
                "name_zh": f"示例{industry}绿色工厂{number:04d}",
                "level": level,
                "certified_year": int(year),
                **held,
                "industry": industry,
                "district_adcode": str(adcode),
            })
    frame = pd.DataFrame(rows)
    for column in ("national_year", "provincial_year", "municipal_year"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    return frame, shapes


def _indicators(rng) -> pd.DataFrame:
    rows = []
    years = range(2021, 2026)
    allocations = load_default_allocations().set_index(["district_adcode", "target_key"])["target"]
    city = {year: {"tax": [], "va": [], "w": []} for year in years}
    for adcode in DISTRICT_ADCODES:
        progress = PROGRESS[adcode]
        tax, value_added = rng.uniform(32, 58), rng.uniform(110, 190)
        growth = 0.072 * progress
        for year in years:
            t = year - 2021
            noise = rng.normal(1, 0.015)
            rows.append({
                "district_adcode": adcode,
                "year": year,
                "tax_per_mu": round(tax * (1 + growth) ** t * noise, 2),
                "value_added_per_mu": round(value_added * (1 + growth * 0.9) ** t * noise, 2),
                "inefficient_enterprises_upgraded": int(allocations[(adcode, "inefficient_enterprises_upgraded")]
                                                        * progress * rng.uniform(0.15, 0.22)),
                "scattered_polluting_enterprises_cleared": int(
                    allocations[(adcode, "scattered_polluting_enterprises_cleared")] * progress * rng.uniform(0.15, 0.22)),
                "etdz_national_rank": None,
                "note": "simulated",
            })
            city[year]["tax"].append(rows[-1]["tax_per_mu"])
            city[year]["va"].append(rows[-1]["value_added_per_mu"])
            city[year]["w"].append(DENSITY[adcode])
    for year in years:
        w = np.array(city[year]["w"])
        documented = year == 2024
        rows.append({
            "district_adcode": CITY_ADCODE,
            "year": year,
            "tax_per_mu": round(float(np.average(city[year]["tax"], weights=w)), 2),
            "value_added_per_mu": round(float(np.average(city[year]["va"], weights=w)), 2),
            "inefficient_enterprises_upgraded": None,
            "scattered_polluting_enterprises_cleared": None,
            # The only sourced value: #9 in the 2024 national assessment (ningbo-facts.md §1b).
            "etdz_national_rank": 9 if documented else None,
            "note": ("ETDZ rank #9: 2024 national assessment (ningbo-facts.md §1b); other values simulated"
                     if documented else "simulated (weighted mean of the districts)"),
        })
    return pd.DataFrame(rows)


def build_sample(*, plots: int = DEFAULT_PLOTS, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Build the sample dataset deterministically: the same ``seed`` and ``plots`` give the same data.

    Returns every layer of the store in its canonical columns, with ``source = "sample"``.
    """
    if plots < 1:
        raise ValueError("plots must be at least 1")
    rng = np.random.default_rng(seed)
    geo = _Geometry()
    parks, park_shapes = _parks(rng, geo)
    communities, community_shapes = _communities(rng, geo, parks, park_shapes)
    park_union = shapely.union_all(park_shapes)
    shapely.prepare(park_union)
    plot_rows, plot_shapes = _plots(rng, geo, plots, park_union)
    factories, factory_shapes = _factories(rng, geo, parks, park_shapes)
    layers = {
        "parks": _spatial(parks, geo.wgs84(np.array(park_shapes, dtype=object))),
        "communities": _spatial(communities, geo.wgs84(np.array(community_shapes, dtype=object))),
        "plots": _spatial(plot_rows, plot_shapes),
        "factories": _spatial(factories, geo.wgs84(np.array(factory_shapes, dtype=object))),
        "indicators": _indicators(rng),
        "allocations": default_allocation_layer(),
    }
    layers["enterprises"] = sample_enterprises(np.random.default_rng(seed + 1), parks=layers["parks"],
                                               plots=layers["plots"], plot_areas=area_mu(layers["plots"].geometry),
                                               indicators=layers["indicators"])
    provenance = f"sample (seed {seed})"
    for name, frame in layers.items():
        if name == "allocations":
            continue
        frame["source"] = SAMPLE_SOURCE
        frame["source_file"] = provenance
        frame["imported_at"] = None
        if name in ("parks", "communities", "plots"):
            frame["area_mu"] = area_mu(frame.geometry)
            if name == "communities":
                frame.loc[frame.geometry.geom_type == "Point", "area_mu"] = np.nan
    return layers


def default_allocation_layer() -> pd.DataFrame:
    """The shipped illustrative allocations as a store layer (``source = "default"``)."""
    frame = load_default_allocations()
    frame["source"] = "default"
    frame["source_file"] = "geodata/allocations.csv"
    frame["imported_at"] = None
    return frame


def _spatial(frame: pd.DataFrame, geometries) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=STORAGE_CRS))
