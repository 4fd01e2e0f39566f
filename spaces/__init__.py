"""Ningbo industrial-space explorer: data loading, geometry and analysis helpers."""
