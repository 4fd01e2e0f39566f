"""Exports: summary tables, features, the brief and the HTML map, in one registry."""
