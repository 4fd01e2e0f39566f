"""One click where a planner clicks opens that object's detail, in fresh sessions with the default layers (issue 12).

Each trial is a fresh browser context (a fresh Streamlit session) on the default URL, no query parameters:
the map as it opens, 1440×900 and 1280×720 in turn. The mouse moves onto a district, a park, a community or
a 1 km cell (its tooltip shows), then clicks once; the URL must name that object (``sel=``, or ``f=`` for a
cell) and the panel must show it. Where to click is computed from the store and the map's initial view
(``NINGBO_VIEW``, Web Mercator) as the point of the object farthest from its edges and from anything drawn
above it, the place a person aims at. Above ``PLOT_POLYGON_LIMIT`` plots the 1 km cells lie under the parks and
communities (issue 12), so a park, a community and a cell are each clicked where nothing is drawn above them.

``SPACES_CLICK_TRIALS`` sessions per kind (2 by default: one per window size); ``SPACES_CLICK_STORE`` clicks
on that store instead of the 6,000-plot sample (cells on it too when it has more than ``PLOT_POLYGON_LIMIT``)::

    SPACES_CLICK_TRIALS=10 SPACES_CLICK_STORE=/tmp/spaces100k.gpkg pytest tests/browser/test_clicks_browser.py
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import numpy as np
import pandas as pd
import pytest
import shapely
from PIL import Image
from shapely.ops import polylabel

from spaces.geo.grid import aggregate_plots, block_outline, cell_of
from spaces.planning.calendar import today_in_beijing
from spaces.planning.filters import Filters, apply_filters
from spaces.planning.summary import build_summary
from spaces.reference.districts import load_districts
from spaces.reference.i18n import t
from spaces.sample import build_sample
from spaces.store import local_actor, open_store
from spaces.view.deck import (
    NINGBO_VIEW,
    NO_DATA_COLOUR,
    PLOT_POLYGON_LIMIT,
    STATUS_COLOURS,
    PlotDrawing,
    build_layers,
    district_labels,
)
from spaces.view.mapstate import district_at
from spaces.view.urlstate import defaults

ROOT = Path(__file__).resolve().parents[2]
APP_READY = 60_000
OPENED = 30_000  # a panel opens in a few seconds; a lost click sends nothing, so waiting longer only costs time
TRIALS = int(os.environ.get("SPACES_CLICK_TRIALS", "2"))
STORE = os.environ.get("SPACES_CLICK_STORE")
VIEWPORTS = ({"width": 1440, "height": 900}, {"width": 1280, "height": 720})
WORLD = 512 * 2 ** NINGBO_VIEW["zoom"]  # deck.gl's Web Mercator world, in CSS pixels at the initial zoom
EDGE_PX = 2.0  # how far inside its object the click lands
ABOVE_PX = 1.5  # how far from anything drawn above it: a picked pixel's centre is within 0.71 px of the pointer
CANVAS_PX = 30  # how far from the canvas edge
COMMUNITY_POINT_PX = 4  # communities given as points are circles of point_radius_min_pixels
KINDS = ("district", "park", "community", "cell")


@dataclass(frozen=True)
class Target:
    """Where to click (deck.gl world pixels) and what must open: ``sel`` for the URL, ``name`` for the panel."""

    kind: str
    x: float
    y: float
    sel: str | None
    name: str
    clearance_px: float


def _world_pixels(coords: np.ndarray) -> np.ndarray:
    """(lon, lat) -> deck.gl's Web Mercator world pixels at the initial zoom (y down)."""
    lon, lat = coords[:, 0], coords[:, 1]
    x = (lon + 180) / 360 * WORLD
    y = (1 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / np.pi) / 2 * WORLD
    return np.stack([x, y], axis=1)


def _lon_lat(x: float, y: float) -> tuple[float, float]:
    return x / WORLD * 360 - 180, math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / WORLD))))


VIEW_CENTRE = _world_pixels(np.array([[NINGBO_VIEW["longitude"], NINGBO_VIEW["latitude"]]]))[0]


def _pixels(geometries) -> np.ndarray:
    return shapely.transform(np.asarray(geometries, dtype=object), _world_pixels)


def _deepest_point(region) -> tuple[shapely.Point, float]:
    """The point of ``region`` farthest from its edges, and that distance (0 for an empty region)."""
    if region.is_empty:
        return shapely.Point(), 0.0
    parts = [p for p in shapely.get_parts(region) if p.geom_type == "Polygon"]
    best = max(parts, key=lambda p: p.area)
    point = polylabel(best, tolerance=0.1)
    return point, best.boundary.distance(point)


def drawn_layers(layers: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Geometry in world pixels of every default layer as the map draws it, bottom to top: above
    ``PLOT_POLYGON_LIMIT`` plots, 1 km cells (``plot_cells``) right above the districts, under the parks."""
    shown = apply_filters(layers, Filters(year=defaults()["year"]))
    plots = shown["plots"]
    aggregated = len(plots) > PLOT_POLYGON_LIMIT
    drawing = PlotDrawing([{"kind": "plot_cell"}] if aggregated else [], aggregated=aggregated)  # for the order
    order = [layer.id for layer in build_layers(shown, visible=defaults()["layers"], language="zh",
                                                choropleth={"type": "FeatureCollection", "features": []},
                                                plots=drawing)]
    communities = _pixels(shown["communities"].geometry.to_numpy())
    points = shapely.get_type_id(communities) == 0
    communities[points] = shapely.buffer(communities[points], COMMUNITY_POINT_PX)
    cells = []
    if aggregated:
        grid = aggregate_plots(plots)
        cells = [shapely.Polygon(block_outline(x, y, x + 1, y + 1, per_side=1))
                 for x, y in zip(grid["cell_x"], grid["cell_y"], strict=True)]
    geometry = {"districts": _pixels(load_districts().geometry.to_numpy()),
                "plot_cells": _pixels(cells),
                "parks": _pixels(shown["parks"].geometry.to_numpy()), "communities": communities,
                "plots": _pixels([] if aggregated else plots.geometry.to_numpy())}
    return {name: geometry[name] for name in order}


def click_targets(layers: dict[str, pd.DataFrame]) -> dict[str, list[Target]]:
    """For each kind, the objects a click can reach with the default layers, best first.

    A district, park or community is reachable where it is ``EDGE_PX`` inside its outline and ``ABOVE_PX``
    from everything drawn above it; a cell (only when the plots are drawn as cells) where ``EDGE_PX``
    inside a block of cells, so that the pointer is on a cell whichever pixel deck.gl reads.
    """
    shown = apply_filters(layers, Filters(year=defaults()["year"]))
    drawn = drawn_layers(layers)
    names = list(drawn)
    objects = {
        "district": ("districts", load_districts(), "adcode", "name_zh"),
        "park": ("parks", shown["parks"], "park_id", "name_zh"),
        "community": ("communities", shown["communities"], "community_id", "name_zh"),
    }
    targets: dict[str, list[Target]] = {}
    for kind, (layer, frame, id_column, name_column) in objects.items():
        above = [g for name in names[names.index(layer) + 1:] for g in drawn[name]]
        covered = shapely.union_all(shapely.buffer(np.asarray(above, dtype=object), ABOVE_PX))
        found = []
        for ident, name, shape in zip(frame[id_column], frame[name_column], drawn[layer], strict=True):
            point, depth = _deepest_point(shapely.difference(shapely.buffer(shape, -EDGE_PX), covered))
            if depth > 0:
                found.append(Target(kind, point.x, point.y, f"{kind}:{ident}", str(name), round(depth, 1)))
        targets[kind] = sorted(found, key=lambda target: -target.clearance_px)
    targets["cell"] = []
    if "plot_cells" in drawn:  # cells lie under the parks and communities: a click there picks those
        above = [g for name in names[names.index("plot_cells") + 1:] for g in drawn[name]]
        covered = shapely.union_all(shapely.buffer(np.asarray(above, dtype=object), ABOVE_PX))
        blocks = shapely.difference(shapely.buffer(shapely.union_all(drawn["plot_cells"]), -EDGE_PX), covered)
        for block in sorted(shapely.get_parts(blocks), key=lambda b: -b.area)[:8]:
            point, depth = _deepest_point(block)
            targets["cell"].append(Target("cell", point.x, point.y, None, "宗地块", round(depth + EDGE_PX, 1)))
    return targets


@dataclass(frozen=True)
class Served:
    url: str
    targets: dict[str, list[Target]]
    plots: int
    store: Path


def _serve(tmp_path_factory, streamlit_server, store: Path, name: str):
    layers = open_store(str(store)).read_all()
    with streamlit_server(ROOT / "streamlit_app.py", env={**os.environ, "SPACES_STORE": str(store)}, cwd=ROOT,
                          log_dir=tmp_path_factory.mktemp(f"{name}_log")) as url:
        yield Served(url, click_targets(layers), len(layers["plots"]), store)


@pytest.fixture(scope="module")
def town(tmp_path_factory, streamlit_server):
    """The app on the default sample (6,000 plots, drawn one by one), or on ``SPACES_CLICK_STORE``."""
    store = Path(STORE) if STORE else tmp_path_factory.mktemp("town") / "spaces.gpkg"
    if not STORE:
        open_store(str(store)).initialise(build_sample(), dataset="sample", actor=local_actor())
    yield from _serve(tmp_path_factory, streamlit_server, store, "town")


@pytest.fixture(scope="module")
def city(request, tmp_path_factory, streamlit_server):
    """The app on 30,000 plots, drawn as 1 km cells; the ``town`` store when it has cells itself."""
    if STORE:
        served = request.getfixturevalue("town")
        if served.plots <= PLOT_POLYGON_LIMIT:
            pytest.fail(f"{STORE} has {served.plots} plots: no 1 km cells to click (more than {PLOT_POLYGON_LIMIT})")
        yield served
        return
    store = tmp_path_factory.mktemp("city") / "spaces.gpkg"
    open_store(str(store)).initialise(build_sample(plots=30_000), dataset="sample", actor=local_actor())
    yield from _serve(tmp_path_factory, streamlit_server, store, "city")


def _tooltip(page) -> str:
    return page.evaluate("(() => { const t = document.querySelector('.deck-tooltip');"
                         " return t && getComputedStyle(t).display !== 'none' ? t.innerText : ''; })()")


def _opened(page, condition: str) -> bool:
    """Whether the URL meets ``condition`` (JavaScript on ``location``) within ``OPENED``."""
    try:
        page.wait_for_function(condition, timeout=OPENED)
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError; the caller's assertion says what was lost
        return False
    return True


def aim(page, served: Served, kind: str, trial: int, query: str = "") -> tuple[Target, float, float]:
    """A fresh session at the trial's window size: open the map (``query`` after the URL); returns the kind's
    target for this trial and where it is on the page."""
    page.set_viewport_size(VIEWPORTS[trial % len(VIEWPORTS)])
    page.goto(served.url + query, wait_until="domcontentloaded")
    page.get_by_text("Sample data" if "lang=en" in query else "示例数据", exact=False).first.wait_for(timeout=APP_READY)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=APP_READY)
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(3000)  # SwiftShader draws the first frame slowly
    box = canvas.bounding_box()
    half_width, half_height = box["width"] / 2 - CANVAS_PX, box["height"] / 2 - CANVAS_PX
    reachable = [t for t in served.targets[kind]
                 if abs(t.x - VIEW_CENTRE[0]) < half_width and abs(t.y - VIEW_CENTRE[1]) < half_height]
    assert reachable, f"no {kind} can be clicked on this map: {served.targets[kind][:3]}"
    target = reachable[trial // len(VIEWPORTS) % min(len(reachable), 5)]  # a few of the best, in turn
    return target, *on_page(page, target)


def on_page(page, target: Target) -> tuple[float, float]:
    """Where ``target`` is on the page, the map scrolled into view (the map still at its initial view)."""
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    return box["x"] + box["width"] / 2 + (target.x - VIEW_CENTRE[0]), box["y"] + box["height"] / 2 + (target.y - VIEW_CENTRE[1])


def hover(page, target: Target, x: float, y: float) -> str:
    """Move onto ``target`` at (x, y) as a hand does; the tooltip shown then."""
    page.mouse.move(x - 40, y - 30)  # as a hand comes onto the object
    page.mouse.move(x, y, steps=8)
    try:
        page.wait_for_function("t => { const e = document.querySelector('.deck-tooltip');"
                               " return e && e.innerText.includes(t); }", arg=target.name, timeout=10_000)
    except Exception:  # noqa: BLE001 - reported by the caller with what the tooltip did show
        pass
    return _tooltip(page)


def click_once(page, served: Served, kind: str, trial: int) -> tuple[Target, str]:
    """A fresh session at the trial's window size: open the map, hover the kind's target, click once.

    Returns the target clicked and the tooltip shown under the pointer before the click.
    """
    target, x, y = aim(page, served, kind, trial)
    tooltip = hover(page, target, x, y)
    page.mouse.down()
    page.wait_for_timeout(90)  # a hand's press
    page.mouse.up()
    return target, tooltip


@pytest.mark.parametrize("trial", range(TRIALS))
@pytest.mark.parametrize("kind", ["district", "park", "community"])
def test_one_click_opens_the_panel_of_what_is_under_the_pointer(page, town, screenshot, kind, trial):
    target, tooltip = click_once(page, town, kind, trial)
    where = f"{kind} {target} at {page.viewport_size}, tooltip {tooltip!r}"
    assert target.name in tooltip, f"the pointer is not on the {where}: the test aims wrong"
    assert _opened(page, f"location.search.includes('sel={quote(target.sel, safe='')}')"), \
        f"the click on the {where} was lost: the URL is {page.url}"
    page.locator("h4", has_text=target.name).wait_for(timeout=APP_READY)
    if trial == 0:
        screenshot(page, f"click_{kind}")
    assert page.errors == [] and page.outside_requests == []


@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_click_on_a_cell_zooms_in_around_it(page, city, screenshot, trial):
    target, tooltip = click_once(page, city, "cell", trial)
    assert target.name in tooltip, f"the pointer is not on a cell ({target}, tooltip {tooltip!r}): the test aims wrong"
    assert _opened(page, "location.search.includes('f=')"), \
        f"the click on a cell ({target}, tooltip {tooltip!r}) was lost: the URL is {page.url}"
    page.get_by_text("黑框内", exact=False).first.wait_for(timeout=APP_READY)
    focus = parse_qs(urlparse(page.url).query)["f"][0]
    lon, lat = (float(v) for v in focus.split(","))
    aimed = np.array(cell_of(*_lon_lat(target.x, target.y))).ravel()
    opened = np.array(cell_of(lon, lat)).ravel()
    assert np.abs(aimed - opened).max() <= 1, f"aimed at cell {aimed}, opened {opened} ({focus})"
    # ... and the panel tells about the district the cell lies in (cells cover most of a district at city scale).
    district = district_at(lon, lat)
    assert district is not None, f"a cell with plots ({focus}) lies in no district"
    assert _opened(page, f"location.search.includes('sel={quote('district:' + district, safe='')}')"), page.url
    if trial == 0:
        screenshot(page, "click_cell")
    assert page.errors == [] and page.outside_requests == []


def _colour_at(page, x: float, y: float) -> np.ndarray:
    """The median RGB of the 5×5 page pixels around (x, y)."""
    png = page.screenshot(clip={"x": x - 2, "y": y - 2, "width": 5, "height": 5})
    return np.median(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3), axis=0)


def _nearest_status(colour: np.ndarray) -> str:
    """The status (or ``no_data``) whose map colour, drawn at its alpha over the white page, is nearest."""
    colours = {**STATUS_COLOURS, "no_data": NO_DATA_COLOUR}
    drawn = {s: np.array(c[:3]) * c[3] / 255 + 255 * (1 - c[3] / 255) for s, c in colours.items()}
    return min(drawn, key=lambda s: np.abs(drawn[s] - colour).sum())


@pytest.mark.parametrize(("language", "trial"), [("zh", 0), ("en", 1)])
def test_a_target_card_recolours_a_district_and_its_tooltip_says_the_new_status(page, town, screenshot, language,
                                                                                 trial):
    """The districts' outlines come in a file loaded once, their colours and tooltip lines in the chart message
    (spaces/view/deck.py, district_layer and map_tooltip): a click on another target's card must still recolour the
    district by its status for that target, and its tooltip must say that status, not the previous one."""
    target, x, y = aim(page, town, "district", trial, "?lang=en" if language == "en" else "")
    adcode = target.sel.removeprefix("district:")
    year = defaults()["year"]
    long = build_summary(open_store(str(town.store)).read_all(), year=year, today=today_in_beijing()).long
    statuses = long.loc[long["adcode"] == adcode].set_index("key")["status"].dropna()
    first = defaults()["target"]
    second = next(k for k, s in statuses.items() if s != statuses[first])  # a target this district stands apart on
    # Where to read the colour: inside the district, on the side away from its name (drawn on top).
    label = next(lab for lab in district_labels(load_districts(), language=language)
                 if lab["text"] == load_districts().set_index("adcode").loc[adcode, f"name_{language}"])
    lx, ly = _world_pixels(np.array([label["position"]]))[0]
    step = min(target.clearance_px * 0.6, 30)
    dx, dy = max(((0, step), (0, -step), (step, 0), (-step, 0)),
                 key=lambda d: math.hypot(target.x + d[0] - lx, target.y + d[1] - ly))
    page.mouse.move(1, 1)  # no tooltip over the place read
    for key in (first, second):
        if key != first:
            page.locator(f".st-key-card_{key} button").first.click()
            page.wait_for_function(f"location.search.includes('t={key}')", timeout=APP_READY)
            page.mouse.move(1, 1)
            page.wait_for_timeout(3000)  # the chart message, then one frame in SwiftShader
            x, y = on_page(page, target)  # the card is above the map: the page may have scrolled
        status = statuses[key]
        assert _nearest_status(_colour_at(page, x + dx, y + dy)) == status, f"{target.name}, {key}: not {status}"
        tooltip = hover(page, target, x, y)
        assert target.name in tooltip, f"the pointer is not on {target}: tooltip {tooltip!r}"
        assert t(f"status_{status}", language) in tooltip.splitlines(), f"{key}: {tooltip!r}"
        page.mouse.move(1, 1)
    screenshot(page, f"target_card_recolours_{language}")
    assert page.errors == [] and page.outside_requests == []
