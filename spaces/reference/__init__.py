"""Loaders of the reference data in geodata/, validated on load: schemas, vocabularies, districts, targets, basemaps, texts, colours."""
