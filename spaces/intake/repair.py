"""Repairing invalid polygons under a time budget: a child process runs make_valid and is stopped when time is up."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import shapely

# make_valid's cost grows with a ring's crossings, not its vertices (BENCHMARKS.md, "Repair"): no vertex limit
# bounds it, so an upload can hold a server's core for the budget at most.
# At most this many vertices to repair run in this process: a worst case (every edge crossing every other) of
# this size takes about 0.1 s; the child process costs about 0.3 s to start.
IN_PROCESS_VERTICES = 60

# Reads pickled WKB from stdin, writes the repaired WKB pickled to stdout; reads nothing else.
_CHILD = """
import pickle, sys
import shapely
wkb = pickle.load(sys.stdin.buffer)
pickle.dump(shapely.to_wkb(shapely.make_valid(shapely.from_wkb(wkb))).tolist(), sys.stdout.buffer)
"""


def repaired(geometries: np.ndarray, *, budget_seconds: float) -> np.ndarray | None:
    """``shapely.make_valid`` of ``geometries``, or None when it would take longer than ``budget_seconds``.

    Examples
    --------
    >>> bowtie = shapely.from_wkt("POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))")
    >>> repaired(np.array([bowtie]), budget_seconds=5)[0].geom_type
    'MultiPolygon'
    """
    if not len(geometries):
        return geometries
    if int(shapely.get_num_coordinates(geometries).sum()) <= IN_PROCESS_VERTICES:
        return shapely.make_valid(geometries)
    payload = pickle.dumps(shapely.to_wkb(geometries).tolist())
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD], input=payload, capture_output=True,
                              timeout=budget_seconds, check=True)
    except subprocess.TimeoutExpired:  # run() has killed the child
        return None
    except subprocess.CalledProcessError:  # the child died (out of memory): the repair did not finish either
        return None
    return shapely.from_wkb(pickle.loads(done.stdout))
