"""Progress updates: a planner sets a plot's status and reclaimed year in the app, recorded and undoable."""

from __future__ import annotations

from datetime import date

import pandas as pd

from spaces.errors import Problem, ValidationError
from spaces.planning.calendar import today_in_beijing
from spaces.reference.targets import PLAN_START_YEAR
from spaces.store import Actor, ChangeCounts, Store

from .plot_years import check_plot_years
from .validation import validate_values

PLOTS = "plots"


def status_update_file(source: str) -> str:
    """What the import log and the row's ``source_file`` say for an update from ``source``: ``app: status update``."""
    return f"{source}: status update"


def validate_plot_status(plot_id: str, *, status: object, reclaimed_year: object, source: str = "app",
                         today: date | None = None) -> dict:
    """Check a progress update and return ``{"status", "reclaimed_year"}`` in canonical form.

    The rules of an import (status spellings such as 已盘活 or 整治中, whole-number years) and its
    plot-year rules (:func:`spaces.intake.plot_years.check_plot_years`), stricter, because an update
    records what has just happened:

    - a ``reclaimed`` plot needs a ``reclaimed_year`` from the plan's first year (2022) to this
      year (北京时间): earlier years do not count towards the plan and later ones have not happened
      (plots reclaimed before 2022 come in with an imported file, kept as reclaimed before the plan);
    - a plot that is not reclaimed has no ``reclaimed_year`` (an import drops it with a warning).

    Raises :class:`ValidationError` whose problems name the plot id, the column and the value.

    Examples
    --------
    >>> validate_plot_status("L0001", status="已盘活", reclaimed_year="2024", today=date(2025, 3, 1))
    {'status': 'reclaimed', 'reclaimed_year': 2024}
    """
    file = status_update_file(source)
    plot_id = "" if plot_id is None else str(plot_id).strip()
    if not plot_id:
        raise ValidationError(file, [Problem("error", file, "plot_id must not be empty", column="plot_id",
                                             value=plot_id, key="empty", params={"column": "plot_id"})])
    values = validate_values(PLOTS, {"status": status, "reclaimed_year": reclaimed_year}, file=file,
                             feature_id=plot_id)
    this_year = (today or today_in_beijing()).year
    year = values["reclaimed_year"]
    shown = None if reclaimed_year is None else str(reclaimed_year)
    checked = check_plot_years(pd.Series([values["status"]]), pd.Series([year]), this_year=this_year)
    message, key, params = None, None, {"first": PLAN_START_YEAR, "last": this_year}
    if checked.missing[0]:
        message, key = f"a reclaimed plot needs its reclaimed_year ({PLAN_START_YEAR}–{this_year})", "needs_reclaimed_year"
    elif checked.future[0] or checked.before_plan[0]:
        message = (f"reclaimed_year must be between {PLAN_START_YEAR} and {this_year} for a progress update; "
                   "plots reclaimed earlier are imported from a file")
        key = "reclaimed_year_out_of_plan"
    elif checked.not_reclaimed[0]:
        message = f"a plot that is {values['status']} has no reclaimed_year; leave it empty"
        key, params = "reclaimed_year_not_reclaimed", {"status": values["status"]}
    if message:
        raise ValidationError(file, [Problem("error", file, message, feature_id=plot_id, column="reclaimed_year",
                                             value=shown, key=key, params=params)])
    return values


def update_plot_status(store: Store, plot_id: str, *, status: object, reclaimed_year: object, actor: Actor,
                       source: str = "app") -> ChangeCounts:
    """Set one plot's ``status`` and ``reclaimed_year``, atomically, recorded in the import log, undoable.

    Validated by :func:`validate_plot_status`. The plot's provenance becomes ``source`` (``app``)
    and ``app: status update``; the log entry says which plot and what it now holds. An update
    that changes nothing writes nothing and returns ``unchanged=1``; an unknown plot id raises
    :class:`ValidationError`. ``actor`` must be an editor of the plot's district or an admin. Undo it with
    ``store.undo_last(actor=…)``.
    """
    values = validate_plot_status(plot_id, status=status, reclaimed_year=reclaimed_year, source=source)
    plot_id = str(plot_id).strip()
    year = values["reclaimed_year"]
    detail = f"plot {plot_id}: status {values['status']}" + (f", reclaimed {year}" if year is not None else "")
    return store.update_row(PLOTS, plot_id, values, file=status_update_file(source), source=source, detail=detail,
                            actor=actor)
