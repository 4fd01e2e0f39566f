"""Map layer data: colours by status and escaped tooltips."""

import geopandas as gpd
import pandas as pd
import shapely

from spaces.layers import NO_DATA_COLOUR, STATUS_COLOURS, district_choropleth


def test_colours_follow_status_and_tooltips_are_escaped():
    """A hostile district name must reach the tooltip as text, never as markup."""
    districts = gpd.GeoDataFrame({"adcode": ["1", "2"], "name_zh": ["<img src=x onerror=alert(1)>", "乙"],
                                  "name_en": ["A", "B"]}, geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=4326)
    long = pd.DataFrame({"adcode": ["1", "2"], "key": "k", "attainment": [1.2, None], "status": ["met", None]})
    data = district_choropleth(districts, long, key="k", status_labels={"met": "已达标"})
    first, second = (f["properties"] for f in data["features"])
    assert first["fill"] == STATUS_COLOURS["met"]
    assert second["fill"] == NO_DATA_COLOUR
    assert "<img" not in first["tooltip"] and "&lt;img src=x onerror=alert(1)&gt;" in first["tooltip"]
    assert "120%" in first["tooltip"] and "已达标" in first["tooltip"]
