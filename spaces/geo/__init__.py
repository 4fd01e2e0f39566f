"""Every coordinate rule: CRS, GCJ-02/BD-09, the display shift, districts by location, the 1 km grid, the zoom window."""
