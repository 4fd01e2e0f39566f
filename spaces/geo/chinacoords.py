"""Vectorised conversions between WGS-84, GCJ-02 (AMap/Tencent) and BD-09 (Baidu) coordinates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely

__all__ = [
    "ConvergenceError",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "transform_geometries",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
CoordFunc = Callable[[ArrayLike, ArrayLike], tuple[FloatArray, FloatArray]]

# Krasovsky 1940 ellipsoid: GCJ-02 scales its offset (expressed in metres) with it, not with WGS-84.
_A = 6378245.0
_EE = 0.00669342162296594323

# BD-09 rotates/scales around a constant based on this, per the published Baidu closed forms.
_X_PI = np.pi * 3000.0 / 180.0

# The obfuscation is only applied inside this rectangle; it is a coarse box, not China's border.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

_INVERSE_TOL_DEG = 1e-9
_INVERSE_MAX_ITER = 30


class ConvergenceError(ArithmeticError):
    """Raised when an iterative inverse (GCJ-02 or BD-09) fails to reach its tolerance."""


def _as_float_pair(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Broadcast lon and lat to float64 arrays of a common shape."""
    lon_arr, lat_arr = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    # broadcast_arrays returns read-only views; copies keep callers' arrays untouched downstream.
    return lon_arr.copy(), lat_arr.copy()


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    """Mask of points inside the GCJ-02 bounding box (NaN counts as outside)."""
    return (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Unmasked GCJ-02 offset (degrees) to add to a WGS-84 position."""
    x = lon - 105.0
    y = lat - 35.0
    # The trigonometric "noise" terms shared by both axes.
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0

    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0

    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    # dlat/dlon above are metres on the Krasovsky ellipsoid; convert to degrees at this latitude.
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 coordinates to GCJ-02.

    Points outside China's bounding box (lon 72.004–137.8347, lat 0.8293–55.8271)
    are returned unchanged, as in the widely copied reference implementation.

    Parameters
    ----------
    lon, lat : array_like
        WGS-84 longitude and latitude in degrees; scalars or broadcastable arrays.

    Returns
    -------
    lon, lat : numpy.ndarray
        GCJ-02 longitude and latitude (float64, broadcast shape of the inputs).

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(121.55, 29.87)
    >>> bool(0.003 < lon - 121.55 < 0.007)
    True
    """
    lon_arr, lat_arr = _as_float_pair(lon, lat)
    dlon, dlat = _gcj_offset(lon_arr, lat_arr)
    inside = _in_china(lon_arr, lat_arr)
    return np.where(inside, lon_arr + dlon, lon_arr), np.where(inside, lat_arr + dlat, lat_arr)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    t_lon: FloatArray,
    t_lat: FloatArray,
    s_lon: FloatArray,
    s_lat: FloatArray,
    active: npt.NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(x) == t`` by fixed-point iteration ``x <- x + (t - forward(x))``.

    Both forward maps here are the identity plus a slowly varying offset, so
    the iteration contracts by ~1e-3 per step. Each point is frozen as soon as
    its own residual is below tolerance: that way a point's result does not
    depend on the other points in the batch, so shared polygon vertices stay
    bit-identical after conversion. Inputs are 1-d; inactive points keep ``s``.
    """
    x_lon, x_lat = s_lon.copy(), s_lat.copy()
    active = active.copy()
    for _ in range(_INVERSE_MAX_ITER + 1):
        if not active.any():
            return x_lon, x_lat
        idx = np.flatnonzero(active)
        f_lon, f_lat = forward(x_lon[idx], x_lat[idx])
        r_lon = t_lon[idx] - f_lon
        r_lat = t_lat[idx] - f_lat
        done = np.maximum(np.abs(r_lon), np.abs(r_lat)) < _INVERSE_TOL_DEG
        active[idx[done]] = False
        step = idx[~done]
        x_lon[step] += r_lon[~done]
        x_lat[step] += r_lat[~done]
    raise ConvergenceError(
        f"inverse did not converge for {int(active.sum())} point(s) in {_INVERSE_MAX_ITER} iterations"
    )


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to WGS-84 by fixed-point iteration.

    Iterates ``w <- w + (g - wgs84_to_gcj02(w))`` from ``w = g`` until the
    forward residual of every point is below 1e-9 degrees (at most 30
    iterations; 3 or 4 are typical). Points whose GCJ-02 position is outside
    China's bounding box are returned unchanged.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees; scalars or broadcastable arrays.

    Returns
    -------
    lon, lat : numpy.ndarray
        WGS-84 longitude and latitude (float64, broadcast shape of the inputs).
        NaN inputs give NaN outputs.

    Raises
    ------
    ConvergenceError
        If some point has not converged after 30 iterations.

    Examples
    --------
    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(121.55, 29.87))
    >>> bool(abs(lon - 121.55) < 1e-8 and abs(lat - 29.87) < 1e-8)
    True
    """
    g_lon, g_lat = _as_float_pair(lon, lat)
    shape = g_lon.shape
    # Flat copies so boolean/fancy indexing also works for 0-d (scalar) input.
    g_lon, g_lat = g_lon.ravel(), g_lat.ravel()

    def forward(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        dlon, dlat = _gcj_offset(x, y)
        return x + dlon, y + dlat

    # The mask is decided on the GCJ input: re-masking each iterate could oscillate near the box edge.
    w_lon, w_lat = _invert(forward, g_lon, g_lat, g_lon, g_lat, _in_china(g_lon, g_lat))
    return w_lon.reshape(shape), w_lat.reshape(shape)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert GCJ-02 coordinates to BD-09 (Baidu) with the standard closed form.

    Unlike GCJ-02, the BD-09 step is applied everywhere: it is a purely
    algebraic distortion with no bounding box in the published formula.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray
        BD-09 longitude and latitude (float64).

    Examples
    --------
    >>> lon, lat = gcj02_to_bd09(121.55, 29.87)
    >>> bool(0.005 < lon - 121.55 < 0.008 and 0.005 < lat - 29.87 < 0.008)
    True
    """
    x, y = _as_float_pair(lon, lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    # asarray keeps scalar input as 0-d arrays, like the other converters.
    return np.asarray(z * np.cos(theta) + 0.0065), np.asarray(z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, *, refine: bool = True) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 (Baidu) coordinates to GCJ-02 with the standard closed form.

    The published closed form is only an approximate inverse of
    :func:`gcj02_to_bd09` (round-trip error up to ~2e-6 degrees, ~0.2 m), so by
    default its result is refined by fixed-point iteration against the
    forward closed form to a residual below 1e-9 degrees.

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in degrees.
    refine : bool, default True
        If False, return the bare closed form, matching other tools bit for bit.

    Returns
    -------
    lon, lat : numpy.ndarray
        GCJ-02 longitude and latitude (float64).

    Examples
    --------
    >>> lon, lat = bd09_to_gcj02(*gcj02_to_bd09(121.55, 29.87))
    >>> bool(abs(lon - 121.55) < 1e-6 and abs(lat - 29.87) < 1e-6)
    True
    """
    bx, by = _as_float_pair(lon, lat)
    shape = bx.shape
    bx, by = bx.ravel(), by.ravel()
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    g_lon, g_lat = z * np.cos(theta), z * np.sin(theta)
    if refine:
        # The closed form alone is off by up to ~2e-6 degrees (0.2 m); polish it against the forward map.
        g_lon, g_lat = _invert(gcj02_to_bd09, bx, by, g_lon, g_lat, np.isfinite(g_lon) & np.isfinite(g_lat))
    return g_lon.reshape(shape), g_lat.reshape(shape)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert WGS-84 coordinates to BD-09 (via GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        WGS-84 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray
        BD-09 longitude and latitude (float64).
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Convert BD-09 coordinates to WGS-84 (via GCJ-02).

    Parameters
    ----------
    lon, lat : array_like
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    lon, lat : numpy.ndarray
        WGS-84 longitude and latitude (float64).
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def transform_geometries(geoms: ArrayLike, func: CoordFunc) -> npt.NDArray[np.object_]:
    """Apply a coordinate conversion to every vertex of an array of geometries.

    Parameters
    ----------
    geoms : array_like of shapely.Geometry or None
        A numpy array, list or GeoSeries of shapely geometries. ``None`` and
        empty geometries pass through unchanged. Z values, if any, are dropped.
    func : callable
        One of this module's converters, ``func(lon, lat) -> (lon, lat)``.

    Returns
    -------
    numpy.ndarray
        Object array of transformed geometries, same shape as ``geoms``.

    Examples
    --------
    >>> from shapely import Point
    >>> out = transform_geometries([Point(121.55, 29.87), None], wgs84_to_gcj02)
    >>> out[1] is None, round(out[0].x - 121.55, 3)
    (True, 0.004)
    """
    # np.asarray on a GeoSeries yields its shapely objects; dtype=object keeps None as None.
    arr = np.asarray(geoms, dtype=object)

    def _xy(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
        return func(x, y)

    return np.asarray(shapely.transform(arr, _xy, include_z=False, interleaved=False), dtype=object)
