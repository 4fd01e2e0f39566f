"""The layer store: a GeoPackage written atomically, with history and undo."""
