"""Spatial relations with the districts: which district each feature belongs to."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spaces.reference.districts import load_districts


def assign_districts(geometries: gpd.GeoSeries) -> pd.Series:
    """The adcode of the district each EPSG:4326 geometry belongs to.

    A point belongs to the district that contains it; a polygon to the district it overlaps most.
    A feature touching no district (on the coast, just offshore) gets the nearest one; a missing
    geometry gets None.

    Examples
    --------
    >>> assign_districts(gpd.GeoSeries([shapely.Point(121.544, 29.868)], crs=4326)).tolist()
    ['330203']
    """
    districts = load_districts()
    adcodes = districts["adcode"].to_numpy()
    shapes = districts.geometry.to_numpy()
    values = geometries.to_numpy()
    result = np.full(len(values), None, dtype=object)
    present = ~(shapely.is_missing(values) | shapely.is_empty(values))
    tree = shapely.STRtree(shapes)
    feature_idx, district_idx = tree.query(values[present], predicate="intersects")
    present_positions = np.flatnonzero(present)
    feature_idx = present_positions[feature_idx]

    candidates = pd.DataFrame({"feature": feature_idx, "district": district_idx})
    counts = candidates.groupby("feature")["district"].transform("size").to_numpy()
    single = counts == 1
    result[candidates["feature"].to_numpy()[single]] = adcodes[candidates["district"].to_numpy()[single]]

    shared = candidates[~single]
    if len(shared):
        # Overlap areas in degrees² are only compared for one feature at a time, where the
        # latitude scale factor is the same for every candidate district.
        overlap = shapely.area(shapely.intersection(values[shared["feature"].to_numpy()],
                                                    shapes[shared["district"].to_numpy()]))
        is_point = np.isin(shapely.get_type_id(values[shared["feature"].to_numpy()]), [0, 4])
        # A point on a boundary has zero overlap everywhere: the lower adcode wins, deterministically.
        overlap = np.where(is_point, 0.0, overlap)
        best = shared.assign(overlap=overlap).sort_values(["feature", "overlap", "district"],
                                                          ascending=[True, False, True])
        best = best.drop_duplicates("feature")
        result[best["feature"].to_numpy()] = adcodes[best["district"].to_numpy()]

    unassigned = present & pd.isna(result)
    if unassigned.any():
        nearest_feature, nearest_district = tree.query_nearest(values[unassigned], return_distance=False,
                                                               all_matches=False)
        positions = np.flatnonzero(unassigned)[nearest_feature]
        result[positions] = adcodes[nearest_district]
    return pd.Series(result, index=geometries.index, dtype=object)


def lies_within(geometries: gpd.GeoSeries, areas) -> np.ndarray:
    """Which ``geometries`` lie inside any of ``areas`` (judged by a point on each one's surface).

    The GeoSeries' spatial index picks the candidates first, so only features near the areas get a
    surface point: a park's contents among a million plots cost a few hundred points, not a million.
    """
    shapes = np.asarray(areas, dtype=object).reshape(-1)
    shapes = shapes[~(shapely.is_missing(shapes) | shapely.is_empty(shapes))]
    inside = np.zeros(len(geometries), dtype=bool)
    if not len(geometries) or not len(shapes):
        return inside
    _, candidates = geometries.sindex.query(shapes, predicate="intersects")
    candidates = np.unique(candidates)
    points = shapely.point_on_surface(geometries.to_numpy()[candidates])
    hits, _ = shapely.STRtree(shapes).query(points, predicate="within")
    inside[candidates[np.unique(hits)]] = True
    return inside
