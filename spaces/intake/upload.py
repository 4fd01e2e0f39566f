"""Checking an uploaded file before anything is written: validation report, CRS suggestion, preview."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import shapely

from spaces.errors import Problem, ReadError, SpacesError, ValidationError
from spaces.geo.crs import suggest_crs
from spaces.reference.i18n import printable, t

from .enterprises import Known
from .readers import read_bytes
from .result import Intake
from .validation import validate_frame

CRS_CHOICES = ("file", "EPSG:4326", "EPSG:4490", "EPSG:4549", "EPSG:4550", "EPSG:4528", "EPSG:4529",
               "gcj02", "bd09")
REPORT_COLUMNS = ["severity", "row", "feature_id", "column", "value", "message"]
# Where UploadCheck.report() keeps each row's catalogue key and params (by index label), for presented_report.
TEXTS_ATTR = "problem_texts"


@dataclass
class UploadCheck:
    """The outcome of checking one upload: an Intake when it may be written, and every finding."""

    file: str
    layer: str
    intake: Intake | None
    problems: list[Problem] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intake is not None

    def report(self) -> pd.DataFrame:
        """Errors and warnings as a table (the UI shows it and offers it as CSV); ``row`` as whole numbers.

        Messages are in English; ``attrs["problem_texts"]`` maps each row's index to its problem's
        ``(key, params)``, which :func:`presented_report` uses to show them in the planner's language.
        """
        rows = [{column: getattr(problem, column) for column in REPORT_COLUMNS} for problem in self.problems]
        report = pd.DataFrame(rows, columns=REPORT_COLUMNS)
        report["row"] = pd.array(report["row"], dtype="Int64")
        report.attrs[TEXTS_ATTR] = {index: (problem.key, problem.params)
                                    for index, problem in zip(report.index, self.problems, strict=True)}
        return report


def problem_text(problem: Problem, language: str) -> str:
    """What ``problem`` says in ``language``: ``problem_<key>`` of the catalogue filled with its params.

    Values from the file (ids, column names, values) are inserted as they are. A problem without a key
    is its (English) message.

    Examples
    --------
    >>> problem_text(Problem("error", "f.csv", "level must not be empty", key="empty",
    ...                      params={"column": "level"}), "zh")
    '“level”列不能为空'
    """
    return _text(problem.key, problem.params, problem.message, language)


def _text(key: str | None, params: dict, message: str, language: str) -> str:
    if key is None:
        return message
    params = dict(params)
    more = params.pop("more_rows", None)  # the summary of a check capped at MAX_PROBLEMS_PER_CHECK rows
    text = t(f"problem_{key}", language, count=params.get("count")).format(**params)
    if more is None:
        return text
    return t("problem_more_rows", language, count=more).format(count=more, finding=text)


def presented_report(report: pd.DataFrame, language: str) -> pd.DataFrame:
    """:meth:`UploadCheck.report` as a planner reads it: headers, severities and messages in ``language``,
    empty cells for what a finding does not name (see :func:`problem_text`)."""
    texts = report.attrs.get(TEXTS_ATTR, {})
    messages = [_text(*texts.get(index, (None, {})), message, language)
                for index, message in zip(report.index, report["message"], strict=True)]
    shown = report.assign(severity=[t(f"severity_{s}", language) for s in report["severity"]], message=messages)
    for column in ("row", "feature_id", "column", "value"):
        shown[column] = [("" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)) for v in shown[column]]
    return shown.rename(columns={column: t(f"report_{column}", language) for column in REPORT_COLUMNS})


def check_upload(name: str, data: bytes, *, layer: str, crs: str | None, known: Known | None = None) -> UploadCheck:
    """Read and validate an upload as ``layer`` (``crs`` None: the file's own); writes nothing. ``known``: the
    store's plots and parks that enterprise rows may name (:class:`~spaces.intake.enterprises.Known`).

    Examples
    --------
    >>> check = check_upload("f.csv", "factory_id,name_zh,level,certified_year,industry,lon,lat\\n"
    ...                      "F1,甲,国家级,2023,模具,121.55,29.87\\n".encode(), layer="factories", crs=None)
    >>> check.ok, check.intake.frame["district_adcode"].tolist()
    (True, ['330203'])
    """
    try:
        raw = read_bytes(name, data)
    except ReadError as exc:
        problem = Problem("error", name, str(exc), key=exc.key, params=exc.params)
        return UploadCheck(file=name, layer=layer, intake=None, problems=[problem])
    except SpacesError as exc:
        return UploadCheck(file=name, layer=layer, intake=None, problems=[Problem("error", name, str(exc))])
    suggestions = _suggestions(raw.frame)
    try:
        intake = validate_frame(raw.frame, layer, file=raw_name(name), file_crs=raw.file_crs, crs=crs,
                                has_geometry=raw.has_geometry, notes=raw.notes, known=known)
    except ValidationError as exc:
        return UploadCheck(file=name, layer=layer, intake=None, problems=exc.problems, suggestions=suggestions)
    return UploadCheck(file=name, layer=layer, intake=intake, problems=intake.problems, suggestions=suggestions)


def raw_name(name: str) -> str:
    """The uploaded file's own name, without folders, control or bidi characters (it is logged and shown)."""
    return printable(name.replace("\\", "/").rsplit("/", 1)[-1]).strip()


def _suggestions(frame: pd.DataFrame) -> list[str]:
    """CRSs the raw coordinates could be in, from their range (Gauss-Kruger metres, degrees …)."""
    if "geometry" not in getattr(frame, "columns", []):
        return []
    geometries = frame.geometry.to_numpy()
    present = geometries[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]
    if not len(present):
        return []
    return suggest_crs(tuple(shapely.total_bounds(present)))
