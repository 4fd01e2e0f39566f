"""The Data page's intake: upload, check, preview, confirm, undo, and plot progress updates."""

import pydeck as pdk
import streamlit as st

from app_pages.parts.view import View
from spaces import cached
from spaces.errors import AccessError, SpacesError, ValidationError
from spaces.exports.cells import csv_bytes
from spaces.intake import CRS_CHOICES, presented_report, problem_text, update_plot_status
from spaces.reference.i18n import localised, t
from spaces.reference.schema import load_schemas
from spaces.reference.vocab import load_vocabularies
from spaces.store import readable_time, store_name
from spaces.store.access import may_undo
from spaces.view.deck import PREVIEW_FEATURES, TOOLTIP, CompactDeck, markdown_text, preview_layers
from spaces.view.mapstate import features_view


def _message(key: str, language: str, **values) -> str:
    return t(key, language).format(**values)


def _confirm(view: View, name: str, data: bytes, layer: str, crs: str | None) -> None:
    check = cached.upload_check(name, data, layer, crs, view.store.location, view.version)
    try:
        counts = view.store.upsert(check.intake, actor=view.access.actor)
    except (AccessError, ValidationError) as exc:  # rows outside the editor's districts, named one by one
        st.session_state["intake_refused"] = _refusal(exc, view.language)
        return
    # A new uploader: the imported file leaves the page, so its confirm button cannot be pressed twice.
    st.session_state["_upload_generation"] = st.session_state.get("_upload_generation", 0) + 1
    # Names typed or uploaded by anyone are shown as text, never as markdown (links, :red[…], $maths$).
    st.session_state["intake_result"] = _message("import_done", view.language, file=markdown_text(name), layer=layer,
                                                 added=counts.added, updated=counts.updated,
                                                 unchanged=counts.unchanged)


def _undo(view: View, expected_id: int) -> None:
    try:  # expected_id: never undo a colleague's newer change by accident
        entry = view.store.undo_last(expected_id=expected_id, actor=view.access.actor)
        st.session_state["intake_result"] = _message("undo_done", view.language, file=markdown_text(entry.file),
                                                     time=readable_time(entry.time))
    except AccessError as exc:
        st.session_state["intake_refused"] = _refusal(exc, view.language)
    except SpacesError as exc:
        st.session_state["intake_result"] = markdown_text(
            str(exc).replace(view.store.location, store_name(view.store.location)))


def _refusal(exc: AccessError | ValidationError, language: str) -> str:
    """A refused change as a planner reads it: each row with its id and district, or the reason (text, not markdown)."""
    if isinstance(exc, ValidationError):
        lines = [f"{t('report_row', language)} {p.row or '–'} · {p.feature_id or ''} · {p.value or ''}: {problem_text(p, language)}"
                 for p in exc.errors]
    else:
        lines = [t(f"problem_{exc.key}", language).format(**exc.params) if exc.key else str(exc)]
    return "  \n".join(markdown_text(line) for line in lines)


def intake_panel(view: View) -> None:
    language = view.language
    schemas = load_schemas()
    label = localised("label", language)
    st.subheader(t("intake", language))
    upload = st.file_uploader(t("upload", language), key=f"upload_{st.session_state.get('_upload_generation', 0)}",
                              type=["geojson", "json", "gpkg", "zip", "csv", "xlsx"])
    left, right = st.columns(2)
    layer = left.selectbox(t("upload_layer", language), options=list(schemas), key="upload_layer",
                           format_func=lambda name: getattr(schemas[name], label))
    crs_choice = right.selectbox(t("upload_crs", language), options=list(CRS_CHOICES), key="upload_crs",
                                 format_func=lambda c: t("crs_file", language) if c == "file" else c)
    if result := st.session_state.pop("intake_result", None):
        st.success(result)
    if refused := st.session_state.pop("intake_refused", None):
        st.error(refused)
    if upload is not None:
        crs = None if crs_choice == "file" else crs_choice
        data = upload.getvalue()
        check = cached.upload_check(upload.name, data, layer, crs, view.store.location, view.version)
        if check.suggestions:
            st.info(f"{t('crs_suggestion', language)} {', '.join(check.suggestions)}")
        report = check.report()
        if not report.empty:
            st.caption(t("report", language))
            shown = presented_report(report, language)
            st.dataframe(shown, hide_index=True, key="upload_report")
            st.download_button(t("report_download", language), data=csv_bytes(shown),
                               file_name=f"{upload.name}.report.csv", mime="text/csv", key="report_csv",
                               on_click="ignore")
        if not check.ok:
            st.error(t("upload_rejected", language))
        else:
            warnings = int((report["severity"] == "warning").sum()) if not report.empty else 0
            st.info(_message("upload_valid", language, rows=len(check.intake.frame), warnings=warnings))
            if schemas[layer].is_spatial:
                if (rows := len(check.intake.frame)) > PREVIEW_FEATURES:
                    st.caption(_message("preview_sampled", language, shown=f"{PREVIEW_FEATURES:,}", rows=f"{rows:,}"))
                opening = features_view(check.intake.frame, height_px=420)  # flies to what was uploaded
                st.pydeck_chart(CompactDeck(layers=preview_layers(check.intake.frame), map_provider=None,
                                            initial_view_state=pdk.ViewState(**opening), tooltip=TOOLTIP),
                                key="upload_preview", height=420)
            st.button(t("confirm_import", language), type="primary", key="confirm_import", on_click=_confirm,
                      args=(view, upload.name, data, layer, crs))
    actor = view.access.actor
    last = view.store.next_undo()
    if last is not None and may_undo(actor, last.user):  # the store checks it again
        st.button(t("undo_button", language).format(file=markdown_text(last.file), time=readable_time(last.time)), key="undo_last", on_click=_undo,
                  args=(view, last.id), icon=":material/undo:")
    else:
        st.caption(t("nothing_to_undo", language))

    st.subheader(t("status_update", language))
    statuses = load_vocabularies()["status"]
    with st.form("status_form", border=True):
        columns = st.columns(3)
        plot_id = columns[0].text_input(t("plot_id", language), key="status_plot")
        status = columns[1].selectbox(t("status", language), options=statuses.stored_values, key="status_value",
                                      format_func=getattr(statuses, f"labels_{language}").get)
        year = columns[2].number_input(t("reclaimed_year", language), min_value=2022, max_value=2026, step=1,
                                       value=None, key="status_year")
        if st.form_submit_button(t("save", language)):
            try:
                update_plot_status(view.store, plot_id.strip(), status=status,
                                   reclaimed_year=None if year is None else int(year), actor=actor)
                st.session_state["intake_result"] = _message("status_saved", language, plot=markdown_text(plot_id))
                st.rerun()  # redraw the page (undo button, log) with the update in it
            except AccessError as exc:
                st.error(_refusal(exc, language))
            except ValidationError as exc:
                st.error("  \n".join(markdown_text(f"{p.feature_id}：" * bool(p.feature_id) + problem_text(p, language))
                                      for p in exc.errors))
