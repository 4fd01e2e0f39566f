"""Exports: one registry of (kind, format) -> bytes, shared by the UI's downloads and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from spaces.errors import ExportError
from spaces.planning.calendar import today_in_beijing
from spaces.planning.filters import Filters
from spaces.planning.provenance import DataSource
from spaces.planning.summary import data_source

from . import features
from .context import (
    DATA_SOURCE_KEYS,
    ExportRequest,
    data_source_text,
    describe_filters,
    export_metadata,
    restrict_to_districts,
    year_text,
)
from .tables import CSV_CONTEXT_COLUMNS, SUMMARY_EXPORTERS, summary_csv, summary_json, summary_xlsx

__all__ = [
    "CSV_CONTEXT_COLUMNS",
    "DATA_SOURCE_KEYS",
    "EXPORTERS",
    "SUMMARY_EXPORTERS",
    "Export",
    "ExportRequest",
    "Exporter",
    "available_exports",
    "class_list_export",
    "data_source_text",
    "describe_filters",
    "export",
    "export_filename",
    "export_metadata",
    "exporter",
    "restrict_to_districts",
    "summary_csv",
    "summary_json",
    "summary_xlsx",
    "year_text",
]


@dataclass(frozen=True)
class Exporter:
    """One registered export: a kind of content in one format, with its file suffix, media type and renderer."""

    kind: str
    format: str
    suffix: str  # of the file name, after the dot: "geojson.zip"
    media_type: str
    render: Callable[[ExportRequest], bytes]

    def filename(self, filters: Filters, *, sample: bool) -> str:
        """:func:`export_filename` of this kind and suffix."""
        return export_filename(self.kind, filters, suffix=self.suffix, sample=sample)


@dataclass(frozen=True)
class Export:
    """One finished export: what to save and under which name and media type."""

    data: bytes
    filename: str
    media_type: str


def _summary_csv(request: ExportRequest) -> bytes:
    return summary_csv(request.summary, filters=request.filters)


def _summary_xlsx(request: ExportRequest) -> bytes:
    return summary_xlsx(request.summary, filters=request.filters, language=request.language)


def _summary_json(request: ExportRequest) -> bytes:
    return summary_json(request.summary, filters=request.filters)


def _features_geojson(request: ExportRequest) -> bytes:
    return features.geojson_zip(request.feature_layers, request.metadata("export_scope_features"),
                                language=request.language)


def _features_gpkg(request: ExportRequest) -> bytes:
    return features.geopackage(request.feature_layers, request.metadata("export_scope_features"))


def _features_shapefile(request: ExportRequest) -> bytes:
    return features.shapefile_zip(request.feature_layers, request.metadata("export_scope_features"),
                                  language=request.language)


def _brief_pdf(request: ExportRequest) -> bytes:
    # Imported here, not at the top: matplotlib adds about a second to every CLI command and page that never
    # draws a brief.
    from . import brief

    return brief.brief_pdf(request.summary, request.layers, request.feature_layers,
                           request.metadata("export_scope_brief"), language=request.language)


def _brief_html(request: ExportRequest) -> bytes:
    from . import brief  # matplotlib: see _brief_pdf

    return brief.brief_html(request.summary, request.layers, request.feature_layers,
                            request.metadata("export_scope_brief"), language=request.language)


def _mujun_metadata(request: ExportRequest) -> dict:
    """The class list's metadata: sample or not by the enterprises layer alone."""
    return export_metadata(source=_mujun_source(request), filters=request.filters, store=request.store,
                           exported_at=request.created_at, scope="export_scope_mujun", language=request.language,
                           today=request.today)


def _mujun_source(request: ExportRequest) -> str:
    return data_source({"enterprises": request.layers.get("enterprises", pd.DataFrame())})


def _mujun_csv(request: ExportRequest) -> bytes:
    from .mujun_tables import class_list, class_list_csv  # scoring: only for this export

    return class_list_csv(class_list(request.layers, request.filters),
                          notice=_mujun_metadata(request)["notice_zh"])


def _mujun_xlsx(request: ExportRequest) -> bytes:
    from .mujun_tables import class_list, class_list_xlsx

    return class_list_xlsx(class_list(request.layers, request.filters), _mujun_metadata(request),
                           language=request.language)


def class_list_export(fmt: str, layers: dict[str, pd.DataFrame], *, filters: Filters, store: str,
                      language: str = "zh", classes: tuple[str, ...] = (), groups: tuple[str, ...] = (),
                      today: date | None = None) -> Export:
    """The ``mujun`` export (``csv`` or ``xlsx``) narrowed to ``classes`` and ``groups`` as the 亩均 page shows
    it: the same file, cells and sample marks as :func:`export`, the narrowing stated in the 说明 sheet."""
    from .mujun_tables import class_list, class_list_csv, class_list_xlsx, narrowed, narrowing_text

    chosen = exporter("mujun", fmt)
    request = ExportRequest(layers=layers, filters=filters, store=store, language=language,
                            today=today or today_in_beijing())
    table = narrowed(class_list(layers, filters), classes=classes, groups=groups)
    metadata = _mujun_metadata(request)
    if fmt == "csv":
        data = class_list_csv(table, notice=metadata["notice_zh"])
    else:
        narrowing = narrowing_text(classes, groups, language)
        about = [*metadata["about"], *([narrowing] if narrowing else [])]
        data = class_list_xlsx(table, {**metadata, "about": about}, language=language)
    sample = DataSource(_mujun_source(request)).is_sample
    return Export(data=data, filename=chosen.filename(filters, sample=sample), media_type=chosen.media_type)


_ZIP = "application/zip"
# The registry, in the order the UI and `available_exports` list it.
EXPORTERS: dict[tuple[str, str], Exporter] = {(record.kind, record.format): record for record in (
    Exporter("summary", "csv", "csv", "text/csv; charset=utf-8", _summary_csv),
    Exporter("summary", "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             _summary_xlsx),
    Exporter("summary", "json", "json", "application/json", _summary_json),
    Exporter("features", "geojson", "geojson.zip", _ZIP, _features_geojson),
    Exporter("features", "gpkg", "gpkg", "application/geopackage+sqlite3", _features_gpkg),
    Exporter("features", "shp-zip", "shp.zip", _ZIP, _features_shapefile),
    Exporter("brief", "pdf", "pdf", "application/pdf", _brief_pdf),
    Exporter("brief", "html", "html", "text/html; charset=utf-8", _brief_html),
    Exporter("mujun", "csv", "csv", "text/csv; charset=utf-8", _mujun_csv),
    Exporter("mujun", "xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             _mujun_xlsx),
)}


def available_exports() -> list[tuple[str, str]]:
    """Every (kind, format) pair the registry can produce, in registry order."""
    return list(EXPORTERS)


def exporter(kind: str, fmt: str) -> Exporter:
    """The registered exporter of ``kind`` as ``fmt``.

    Raises
    ------
    ExportError
        For a kind or format the registry does not have; the message lists the choices.

    Examples
    --------
    >>> exporter("features", "geojson").suffix
    'geojson.zip'
    """
    found = EXPORTERS.get((kind, fmt))
    if found is None:
        known = ", ".join(f"{k}/{f}" for k, f in available_exports())
        raise ExportError(f"no exporter for {kind!r} as {fmt!r}; available: {known}")
    return found


def export_filename(kind: str, filters: Filters, *, suffix: str, sample: bool) -> str:
    """``spaces-<kind>-<year>[-<districts>][-sample].<suffix>``, ASCII so every browser and shell keeps it.

    For exports outside the registry too (the Map page's HTML map); a registered one has
    :meth:`Exporter.filename`.

    Examples
    --------
    >>> export_filename("map", Filters(year=2025, districts=("330206",)), suffix="html", sample=True)
    'spaces-map-2025-330206-sample.html'
    """
    parts = ["spaces", kind, str(filters.year)]
    if filters.districts:
        parts.append("-".join(filters.districts) if len(filters.districts) <= 3 else f"{len(filters.districts)}districts")
    if sample:
        parts.append("sample")
    return f"{'-'.join(parts)}.{suffix}"


def export(kind: str, fmt: str, layers: dict[str, pd.DataFrame], *, filters: Filters, store: str,
           language: str = "zh", today: date | None = None) -> Export:
    """Export ``layers`` (a store's content) as ``kind`` in ``fmt``, reflecting ``filters``.

    Parameters
    ----------
    kind, fmt
        One of :func:`available_exports`: ``summary`` (csv, xlsx, json), ``features`` (geojson,
        gpkg, shp-zip), ``brief`` (pdf, html) or ``mujun`` (csv, xlsx: the 亩均 class list of the year).
    layers
        Every layer of the store (``open_store(...).read_all()``), unfiltered: the summary and the
        brief's attainment need all of it; the filters are applied here.
    filters
        The year of the summary; the districts kept; what the features and maps show.
    store
        The store's location, recorded in the metadata.
    language
        ``zh`` (default) or ``en`` for headers, labels and notes.
    today
        The date the figures are read on (pace of a running year, provisional marks); None: today in
        北京时间, or ``$SPACES_TODAY``.

    Raises
    ------
    ExportError
        For a kind or format the registry does not have.
    """
    chosen = exporter(kind, fmt)
    request = ExportRequest(layers=layers, filters=filters, store=store, language=language,
                            today=today or today_in_beijing())
    data = chosen.render(request)
    if kind == "features":
        source = data_source(request.feature_layers)
    elif kind == "mujun":
        source = _mujun_source(request)
    else:
        source = request.summary.data_source
    return Export(data=data, filename=chosen.filename(filters, sample=DataSource(source).is_sample),
                  media_type=chosen.media_type)
