"""Tiny hand-made stores for the planning tests: every layer empty but the ones a test writes out."""

import geopandas as gpd
import pandas as pd
import shapely

from spaces.reference.schema import load_schemas
from spaces.store import empty_layer


def hand_layers(*, source: str | None = None, **frames) -> dict[str, pd.DataFrame]:
    """Every layer empty except the ones given (plain dicts of columns; spatial ones get a point each).
    ``source`` fills the provenance column where a test needs the data source to be known."""
    layers = {name: empty_layer(schema) for name, schema in load_schemas().items()}
    for name, columns in frames.items():
        frame = pd.DataFrame(columns)
        if load_schemas()[name].is_spatial:
            frame = gpd.GeoDataFrame(frame, geometry=[shapely.Point(121.5, 29.8)] * len(frame), crs=4326)
        layers[name] = frame if source is None else frame.assign(source=source)
    return layers


def allocations_of(key: str, targets: dict[str, float]) -> pd.DataFrame:
    """District allocations of one target: ``{adcode: goal}``."""
    return pd.DataFrame({"district_adcode": list(targets), "target_key": key, "target": list(targets.values())})


def row_of(result: pd.DataFrame, adcode: str, key: str) -> pd.Series:
    """One (district, target) row of compute_attainment's table."""
    return result.loc[(result["adcode"] == adcode) & (result["key"] == key)].iloc[0]
