"""The planning logic: filters, attainment of the 2026 targets, the summary, provenance."""
