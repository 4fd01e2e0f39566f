"""Map layer data: what pydeck draws, built from the store's frames (colours, escaped tooltips)."""

from __future__ import annotations

import html

import geopandas as gpd
import pandas as pd

STATUS_COLOURS = {"met": [26, 152, 80, 190], "on_track": [254, 196, 79, 190], "behind": [215, 48, 39, 190]}
NO_DATA_COLOUR = [189, 189, 189, 150]
NINGBO_VIEW = {"longitude": 121.55, "latitude": 29.68, "zoom": 7.7}


def district_choropleth(districts: gpd.GeoDataFrame, long: pd.DataFrame, *, key: str,
                        status_labels: dict[str, str]) -> dict:
    """GeoJSON of the districts coloured by the status of target ``key``, with an HTML tooltip.

    Every text that reaches the tooltip is HTML-escaped.
    """
    rows = long.loc[long["key"] == key].set_index("adcode")
    features = []
    for record in districts.itertuples():
        status = rows["status"].get(record.adcode)
        attainment = rows["attainment"].get(record.adcode)
        shown = "—" if attainment is None or pd.isna(attainment) else f"{attainment:.0%}"
        label = status_labels.get(status, "—") if isinstance(status, str) else "—"
        features.append({
            "type": "Feature",
            "geometry": record.geometry.__geo_interface__,
            "properties": {
                "adcode": record.adcode,
                "fill": STATUS_COLOURS.get(status, NO_DATA_COLOUR),
                "tooltip": f"<b>{html.escape(record.name_zh)}</b> {html.escape(record.name_en)}<br/>"
                           f"{html.escape(shown)} · {html.escape(label)}",
            },
        })
    return {"type": "FeatureCollection", "features": features}
