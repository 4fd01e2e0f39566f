"""Who may change what, enforced where the change is made: the store's writes take the acting user and check it."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from fixtures_store import plots_file, snapshot

from spaces.errors import AccessError, ValidationError
from spaces.intake import update_plot_status, validate_file
from spaces.store import ANONYMOUS, Action, Actor, Role, Via, actor_for, local_actor, visible_audit
from spaces.store.audit import EventLog, events_path

ADMIN = Actor("admin@example.org", Role.ADMIN)
VIEWER = Actor("viewer@example.org", Role.VIEWER)


def _plots_of(sample_layers, district: str, count: int = 3) -> pd.DataFrame:
    plots = sample_layers["plots"]
    return plots[plots["district_adcode"] == district].head(count)


def _editor_of(district: str, user: str = "editor@example.org") -> Actor:
    return Actor(user, Role.EDITOR, frozenset({district}))


def _file_with(tmp_path, sample_layers, ids_by_district: dict[str, list[str]]):
    """A plots file whose new plots lie in the given districts (geometries borrowed from the sample's plots there)."""
    import geopandas as gpd
    import pyogrio

    parts = []
    for district, ids in ids_by_district.items():
        rows = _plots_of(sample_layers, district, len(ids))
        parts.append(gpd.GeoDataFrame({"plot_id": ids, "status": "pending",
                                       "reclaimed_year": pd.array([None] * len(ids), dtype="Int64")}, geometry=rows.geometry.to_numpy(),
                                      crs="EPSG:4326"))
    path = tmp_path / "plots.gpkg"
    pyogrio.write_dataframe(pd.concat(parts, ignore_index=True), path)
    return path


def test_a_viewer_changes_nothing_and_the_refusal_is_recorded(sample_store, sample_layers, tmp_path):
    path = plots_file(tmp_path / "p.gpkg", sample_layers, ["N1", "N2"])
    before = snapshot(sample_store.path)
    with pytest.raises(AccessError, match="viewer"):
        sample_store.upsert(validate_file(path, "plots"), actor=VIEWER)
    with pytest.raises(AccessError):
        sample_store.undo_last(actor=VIEWER)
    with pytest.raises(AccessError):
        sample_store.upsert(validate_file(path, "plots"), actor=ANONYMOUS)
    assert snapshot(sample_store.path) == before  # the store itself is untouched: refusals go beside it
    refused = sample_store.audit_log().query("action == 'refused'")
    assert refused["user"].tolist() == ["viewer@example.org", "viewer@example.org", "anonymous"]


def test_an_editor_imports_into_their_district_and_is_refused_other_rows_by_row(sample_store, sample_layers,
                                                                                 tmp_path):
    editor = _editor_of("330282")
    ok = _file_with(tmp_path, sample_layers, {"330282": ["E1", "E2"]})
    counts = sample_store.upsert(validate_file(ok, "plots"), actor=editor)
    assert counts.added == 2

    mixed = _file_with(tmp_path, sample_layers, {"330282": ["E3"], "330281": ["E4", "E5"]})
    before = snapshot(sample_store.path)
    with pytest.raises(ValidationError) as refused:
        sample_store.upsert(validate_file(mixed, "plots"), actor=editor)
    problems = refused.value.errors
    assert [(p.row, p.feature_id, p.column, p.value, p.key) for p in problems] == [
        (2, "E4", "district_adcode", "330281", "outside_districts"),
        (3, "E5", "district_adcode", "330281", "outside_districts")]
    assert snapshot(sample_store.path) == before
    audit = sample_store.audit_log()
    assert audit[["user", "action", "districts"]].tail(2).values.tolist() == [
        ["editor@example.org", "import", "330282"], ["editor@example.org", "refused", "330281"]]


def test_an_editor_cannot_take_over_a_row_stored_in_another_district(sample_store, sample_layers, tmp_path):
    """Same id, a geometry in the editor's district: the stored row is another district's, so it is refused."""
    other = _plots_of(sample_layers, "330281", 1)["plot_id"].iloc[0]
    path = _file_with(tmp_path, sample_layers, {"330282": [other]})
    with pytest.raises(ValidationError) as refused:
        sample_store.upsert(validate_file(path, "plots"), actor=_editor_of("330282"))
    assert [(p.row, p.feature_id, p.value, p.key) for p in refused.value.errors] == [
        (None, other, "330281", "stored_outside_districts")]
    assert sample_store.read_layer("plots").set_index("plot_id").loc[other, "district_adcode"] == "330281"


def test_status_updates_follow_the_plots_district(sample_store, sample_layers):
    mine = _plots_of(sample_layers, "330282", 1)["plot_id"].iloc[0]
    theirs = _plots_of(sample_layers, "330281", 1)["plot_id"].iloc[0]
    editor = _editor_of("330282")
    assert update_plot_status(sample_store, mine, status="in_progress", reclaimed_year=None, actor=editor).updated == 1
    with pytest.raises(ValidationError) as refused:
        update_plot_status(sample_store, theirs, status="in_progress", reclaimed_year=None, actor=editor)
    assert refused.value.errors[0].key == "stored_outside_districts"
    assert sample_store.import_log()["user"].iloc[-1] == "editor@example.org"


def test_an_editor_undoes_their_own_change_only_and_an_admin_undoes_anyones(sample_store, sample_layers, tmp_path):
    editor, colleague = _editor_of("330282"), _editor_of("330282", "colleague@example.org")
    sample_store.upsert(validate_file(_file_with(tmp_path, sample_layers, {"330282": ["U1"]}), "plots"),
                        actor=colleague)
    with pytest.raises(AccessError, match="colleague@example.org") as refused:
        sample_store.undo_last(actor=editor)
    assert refused.value.key == "access_undo_other"
    entry = sample_store.undo_last(actor=ADMIN)
    assert entry.user == "colleague@example.org"

    sample_store.upsert(validate_file(_file_with(tmp_path, sample_layers, {"330282": ["U2"]}), "plots"), actor=editor)
    assert sample_store.undo_last(actor=editor).file == "plots.gpkg"
    actions = sample_store.audit_log()[["user", "action"]].values.tolist()
    assert ["admin@example.org", "undo"] in actions and ["editor@example.org", "undo"] in actions
    assert ["editor@example.org", "refused"] in actions


def test_the_initialisation_and_older_stores_changes_are_undone_by_admins_only(sample_store, sample_layers,
                                                                                  tmp_path):
    """A change whose author is not known (a store written before changes were signed) is an admin's to undo."""
    sample_store.upsert(validate_file(_file_with(tmp_path, sample_layers, {"330282": ["O1"]}), "plots"),
                        actor=Actor("", Role.ADMIN))
    with pytest.raises(AccessError):
        sample_store.undo_last(actor=_editor_of("330282"))


def test_roles_are_granted_by_admins_checked_and_kept_across_an_initialisation(sample_store, sample_layers):
    with pytest.raises(AccessError):
        sample_store.set_role("x@example.org", "admin", actor=_editor_of("330282"))
    assert sample_store.set_role("  Li.Ming@Example.ORG ", "editor", ["330206", "330211"], actor=ADMIN) == \
        "li.ming@example.org"
    for user, role, districts, key in (("a@b", "boss", [], "role_unknown"),
                                       ("a@b", "editor", [], "role_editor_needs_district"),
                                       ("a@b", "editor", ["999999"], "role_unknown_district"),
                                       ("", "viewer", [], "role_bad_user")):
        with pytest.raises(AccessError) as refused:
            sample_store.set_role(user, role, districts, actor=ADMIN)
        assert refused.value.key == key
    sample_store.initialise(sample_layers, dataset="sample", actor=local_actor())
    roles = sample_store.roles()
    assert roles[["user", "role", "districts", "granted_by"]].values.tolist() == [
        ["li.ming@example.org", "editor", "330206,330211", "admin@example.org"]]
    assert "role_change" in set(sample_store.audit_log()["action"])  # the trail survives the new dataset
    sample_store.set_role("li.ming@example.org", None, actor=ADMIN)
    assert sample_store.roles().empty


def test_a_signed_in_identity_is_looked_up_by_email_then_subject():
    roles = pd.DataFrame({"user": ["li@example.org", "sub-42"], "role": ["editor", "admin"],
                          "districts": ["330206", ""]})
    assert actor_for({"email": "LI@example.org", "sub": "x"}, roles) == Actor(
        "li@example.org", Role.EDITOR, frozenset({"330206"}), Via.WEB)
    assert actor_for({"email": None, "sub": "sub-42"}, roles).role is Role.ADMIN
    assert actor_for({"email": "nobody@example.org"}, roles) == Actor("nobody@example.org", Role.VIEWER)
    assert actor_for(None, roles) is ANONYMOUS
    assert actor_for({"email": "li@example.org"}, roles.iloc[:0]).role is Role.VIEWER


def test_editors_read_the_audit_of_their_districts_and_viewers_none():
    audit = pd.DataFrame({"user": ["a@x", "b@x", "b@x", "c@x"], "action": ["import"] * 4,
                          "districts": ["330206", "330211", "330206,330211", ""]})
    editor = Actor("a@x", Role.EDITOR, frozenset({"330211"}))
    assert visible_audit(audit, editor)["user"].tolist() == ["a@x", "b@x"]
    assert visible_audit(audit, ADMIN).equals(audit)
    assert visible_audit(audit, VIEWER).empty


def test_a_failed_sign_in_that_the_server_only_logs_reaches_the_audit_trail(sample_store):
    logger = logging.getLogger("test.auth.routes")
    handler = EventLog(sample_store.path, Action.SIGN_IN_FAILURE, ANONYMOUS)
    logger.addHandler(handler)
    try:
        logger.error("Error during authentication: %s. Error description: %s", "access_denied", "denied")
        logger.info("not a failure")
    finally:
        logger.removeHandler(handler)
    failures = sample_store.audit_log().query("action == 'sign_in_failure'")
    assert failures["detail"].tolist() == ["Error during authentication: access_denied. Error description: denied"]
    assert events_path(sample_store.path).exists()


def test_a_sign_in_seen_again_is_recorded_once(sample_store):
    editor = _editor_of("330282")
    for _reload in range(3):
        sample_store.record(Action.SIGN_IN, actor=editor, detail="editor; token issued 2026-12-05T08:00:00+00:00",
                            once=True)
    sample_store.record(Action.SIGN_IN, actor=editor, detail="editor; token issued 2026-12-05T09:00:00+00:00",
                        once=True)
    assert len(sample_store.audit_log().query("action == 'sign_in'")) == 2
