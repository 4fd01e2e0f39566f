"""Every coordinate rule: CRS, GCJ-02/BD-09, districts by location, the 1 km grid, the detail window."""
