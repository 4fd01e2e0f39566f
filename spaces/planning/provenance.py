"""Where each layer's rows came from: source (sample / import / default), file and time."""

from __future__ import annotations

import pandas as pd


def layer_provenance(layers: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``layer, source, source_file, rows, last_imported_at`` per layer and source file; empty layers show 0 rows."""
    rows = []
    for name, frame in layers.items():
        if not len(frame):
            rows.append({"layer": name, "source": "", "source_file": "", "rows": 0, "last_imported_at": ""})
            continue
        grouped = frame.assign(source_file=frame["source_file"].fillna(""),
                               imported_at=frame["imported_at"].fillna("")).groupby(["source", "source_file"])
        for (source, source_file), group in grouped:
            rows.append({"layer": name, "source": source, "source_file": source_file, "rows": len(group),
                         "last_imported_at": group["imported_at"].max()})
    return pd.DataFrame(rows, columns=["layer", "source", "source_file", "rows", "last_imported_at"])
