"""The layer store: one GeoPackage (EPSG:4326) that QGIS can open, written atomically, with undo."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from spaces.errors import AccessError, Problem, StoreError, ValidationError
from spaces.geo.crs import STORAGE_CRS
from spaces.paths import default_store_location
from spaces.reference.schema import PROVENANCE_COLUMNS, LayerSchema, load_schemas

from . import audit, history, in_place, layer_io, sql
from .access import (
    Actor,
    check_rows,
    check_undo,
    clean_user,
    require_admin,
    require_editor,
    touched_districts,
)
from .atomic import locked, sweep_when_idle, transaction
from .audit import Action, append_audit, audit_row
from .base import Store, ValidatedRows
from .history import (
    FID_COLUMN,
    LOG_COLUMNS,
    LOG_TABLE,
    POSITION_COLUMN,
    LogEntry,
    Undo,
    forget_undo,
    has_undo,
    last_standing,
    load_undo,
    normalised_log,
    remember_undo,
    restore,
    undo_for,
)
from .rows import (
    KEY_SEPARATOR,
    ChangeCounts,
    align_columns,
    canonical,
    empty_layer,
    merge_rows,
    row_keys,
    values_equal,
)

META_TABLE = "spaces_meta"
# Lock-free reads of every layer tried before a reader waits for the writer (see read_all).
OPTIMISTIC_READS = 3
# An import reads only the stored rows it names while it holds at most this share of the layer's rows.
PART_IMPORT_SHARE = 0.25


def open_store(location: str | None = None) -> Store:
    """The store at ``location`` (a path, or a URL), else ``$SPACES_STORE``, else ``data/spaces.gpkg``."""
    location = location or default_store_location()
    if location.startswith(("postgresql://", "postgres://")):
        raise StoreError(f"{location.split('@')[-1]}: the PostGIS store is not built yet; use a .gpkg path")
    path = Path(location)
    sweep_when_idle(path)  # copies left by a writer killed mid-write, each the size of the store
    return GeoPackageStore(path)


# Every SQLite database, and so every GeoPackage, starts with these 16 bytes.
SQLITE_HEADER = b"SQLite format 3\x00"


class GeoPackageStore:
    """A GeoPackage holding one table per layer, an import log and a little metadata.

    Every write copies the file, changes the copy and renames it over the original while holding
    an exclusive lock, so a failed or interrupted write leaves the store as it was, two writers
    queue, and a reader sees either the old file or the new one, never a mixture.

    A status update (:meth:`update_row`) and its undo change the copy with SQL on the one row, and an
    import deletes the rows it replaces and appends its new and changed rows (``in_place``), when
    that stores exactly what rewriting the layer would. ``in_place=False`` rewrites the layer for every
    change, as the store did before: the reference the in-place writes are tested and timed against.
    """

    def __init__(self, path: Path, *, in_place: bool = True):
        self.path = Path(path)
        self.location = str(self.path)
        self.in_place = in_place

    # -- reading -----------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def version(self) -> str:
        """Changes whenever the store is rewritten (inode and modification time)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return "missing"
        return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"

    def _require(self) -> None:
        if not self.exists():
            raise StoreError(f"{self.path}: no store here; run `python -m spaces init --sample` or `--empty` first")
        # GDAL and sqlite report a damaged file as a missing table ("nothing to undo") or a raw traceback.
        with open(self.path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            raise StoreError(f"{self.path}: not a GeoPackage store (the file is not an SQLite database; damaged "
                             "or replaced?); restore it from a backup or run `python -m spaces init`")

    def read_layer(self, layer: str) -> pd.DataFrame:
        self._require()
        return self._read_layer_from(self.path, layer)

    def read_all(self) -> dict[str, pd.DataFrame]:
        """Every layer, all from the same version of the file.

        Writers replace the file whole, so a read needs no lock unless a write lands between two
        layers; after a few such clashes the reader waits for the writer and holds the next one off.
        """
        self._require()
        for _attempt in range(OPTIMISTIC_READS):
            before = self.version()
            layers = self._read_every_layer()
            if self.version() == before:
                return layers
        if not os.access(self.path.parent, os.W_OK):  # no lock file can be made in a read-only folder
            raise StoreError(f"{self.path}: the store kept changing while being read; try again")
        with locked(self.path, shared=True):
            self._require()
            return self._read_every_layer()

    def _read_every_layer(self) -> dict[str, pd.DataFrame]:
        return {name: self._read_layer_from(self.path, name) for name in load_schemas()}

    def _read_layer_from(self, path: Path, layer: str) -> pd.DataFrame:
        return layer_io.read_canonical(path, layer)

    def import_log(self) -> pd.DataFrame:
        """Every recorded change, oldest first: ``id, time, file, layer, crs, added, updated, unchanged,
        detail, undone_at`` (``undone_at`` is empty while a change stands)."""
        self._require()
        try:
            log = pyogrio.read_dataframe(self.path, layer=LOG_TABLE)
        except (DataLayerError, DataSourceError):
            log = pd.DataFrame(columns=list(LOG_COLUMNS))
        return normalised_log(log)

    def next_undo(self) -> LogEntry | None:
        """The change :meth:`undo_last` would undo now, or None when there is none it can undo."""
        if not self.exists():
            return None
        entry = last_standing(self.import_log())
        if entry is None or not has_undo(self.path, entry.id):
            return None
        return entry

    def meta(self) -> dict[str, str]:
        if not self.exists():
            return {}
        try:
            table = pyogrio.read_dataframe(self.path, layer=META_TABLE)
        except (DataLayerError, DataSourceError):
            return {}
        return dict(zip(table["key"], table["value"], strict=True))

    # -- writing -----------------------------------------------------------------------------
    def initialise(self, layers: dict[str, pd.DataFrame], *, dataset: str, actor: Actor) -> None:
        """Replace the whole store with ``layers`` (missing layers are created empty); an admin's act.

        The roles and the audit trail of the store it replaces are kept: a new dataset is not a new bureau.
        """
        require_admin(actor, "initialise the store")
        schemas = load_schemas()
        with locked(self.path), transaction(self.path, start_empty=True) as target:
            for name, schema in schemas.items():
                frame = layers.get(name)
                frame = empty_layer(schema) if frame is None else canonical(frame, schema)
                layer_io.write_layer(target, name, frame, schema)
            # A new store starts a new history: nothing before it can be undone.
            layer_io.write_table(target, LOG_TABLE, normalised_log(pd.DataFrame(
                [{"id": 1, "time": _now(), "user": actor.shown, "file": f"init ({dataset})", "layer": "*",
                  "crs": STORAGE_CRS, "added": int(sum(len(f) for f in layers.values())), "updated": 0,
                  "unchanged": 0}])))
            layer_io.write_table(target, META_TABLE, pd.DataFrame(
                {"key": ["dataset", "created_at", "schema_version"], "value": [dataset, _now(), "1"]}))
            audit.copy_tables(self.path, target)
            append_audit(target, [audit_row(actor, Action.INIT, layer="*", file=f"init ({dataset})", change_id=1)])

    def upsert(self, validated: ValidatedRows, *, actor: Actor) -> ChangeCounts:
        """Insert new ids and update changed rows of ``validated.layer``; rows not in the file stay.

        ``actor`` must be an editor of every district the file's rows name and the replaced rows are stored
        in, or an admin; a refusal names the rows and is recorded in the audit trail.

        Importing the same file twice changes nothing (the second time nothing is written). The
        import is recorded in the import log and can be undone (:meth:`undo_last`). In place, only the
        stored rows the file names are read (:meth:`_upsert_part`) when that is enough to store what a
        rewrite would; otherwise the whole layer is read and merged.
        """
        schema = load_schemas()[validated.layer]
        with locked(self.path):
            self._require()
            with self._refusals(actor, Action.IMPORT, layer=schema.name, file=validated.file):
                check_rows(actor, validated.frame, file=validated.file, id_columns=schema.id_columns)
            table = in_place.table_of(self.path, schema)
            counts = self._upsert_part(validated, schema, table, actor) if self.in_place else None
            if counts is not None:
                return counts
            existing = self._read_layer_from(self.path, validated.layer)
            merged, counts, replaced, added = _merge(existing, validated, schema)
            if not counts.changed:
                return counts
            districts = self._check_replaced(actor, existing.iloc[replaced], validated, schema)
            appending = in_place.appending(table, schema, existing, merged, replaced) if self.in_place else None
            undo = undo_for(existing, merged, schema, replaced=replaced, added=added,
                            extent=_recorded_extent(self.path, schema.name),
                            fids=in_place.fids_of(table, existing))
            self._commit(schema, undo, counts=counts, file=validated.file, crs=validated.source_crs or "",
                         layer=None if appending else merged, appending=appending,
                         actor=actor, action=Action.IMPORT, districts=districts)
            return counts

    def _upsert_part(self, validated: ValidatedRows, schema: LayerSchema,
                     table: in_place.Table | None, actor: Actor) -> ChangeCounts | None:
        """:meth:`upsert` reading only the stored rows whose ids the file holds (lock held); None when
        only the whole layer tells what a rewrite would store.

        The merge of those rows with the file gives the counts, the replaced rows and the rows to append,
        as the merge of the whole layer does: untouched rows take no part in it. What the rest of the
        layer could change is checked from the table instead: its columns' declared types (only schema
        columns, whose dtypes do not depend on the values, and text or real extras), its feature ids
        (the places of the replaced rows) and its recorded extent (deleted rows must not lie on it).
        """
        if (table is None or not len(table.fids) or not in_place.addressable(schema)
                or len(validated.frame) > PART_IMPORT_SHARE * len(table.fids)):
            return None
        extras = [name for name in table.declared if name not in schema.columns
                  and name not in (table.pk, "area_mu", *(table.geometry or ())[:1])]
        if any(table.declared[name] not in ("TEXT", "REAL") for name in extras):
            return None  # an INTEGER extra reads as int64 or float64 depending on the rows: read them all
        recorded = _recorded_extent(self.path, schema.name)
        if schema.is_spatial and recorded is None:
            return None
        keys = row_keys(canonical(validated.frame, schema), schema)
        wanted = [value for value in (in_place.id_values(schema, key) for key in keys) if value is not None]
        with closing(sql.connect(self.path, read_only=True)) as db:
            fids = np.array(sorted(sql.find_fids(db, schema.name, schema.id_columns, wanted).values()),
                            dtype="int64")
        existing = layer_io.read_canonical(self.path, schema.name, fids=fids)
        if len(existing) != len(fids):
            return None
        merged, counts, replaced, added = _merge(existing, validated, schema)
        if not counts.changed:
            return counts
        districts = self._check_replaced(actor, existing.iloc[replaced], validated, schema)
        if not in_place.same_columns(merged, existing):
            return None  # a new or retyped column: the rewrite (and its undo) need the whole layer
        if not in_place.appends_alike(table, schema, merged):
            return None
        rows = merged.iloc[len(existing) - len(replaced):].reset_index(drop=True)
        extent = None
        if schema.is_spatial:
            known, extent = in_place.extent_after(recorded, existing.geometry.to_numpy()[replaced],
                                                  rows.geometry.to_numpy())
            if not known:
                return None
        gone = fids[replaced]
        undo = Undo(schema.name, "rows", len(table.fids), existing.iloc[replaced].assign(**{
            POSITION_COLUMN: np.searchsorted(table.fids, gone), FID_COLUMN: gone}), added, recorded)
        self._commit(schema, undo, counts=counts, file=validated.file, crs=validated.source_crs or "",
                     appending=in_place.Appending(gone, rows, extent), actor=actor, action=Action.IMPORT,
                     districts=districts)
        return counts

    def update_row(self, layer: str, row_id: str | tuple[str, ...], values: dict, *, file: str, source: str,
                   actor: Actor, detail: str = "") -> ChangeCounts:
        """Set ``values`` (canonical, already validated) on the row ``row_id`` of ``layer``, in place.

        The row's provenance becomes ``source`` / ``file``; the change is recorded like an import
        (``file`` in the log, ``detail`` saying what changed) and can be undone. Values equal to the
        stored ones change nothing and write nothing. An unknown id raises :class:`ValidationError`.
        Only the row is read and, in the copy that replaces the store, only the row is changed; a
        value that would change a column's type (text in a column of numbers) rewrites the layer.
        ``actor`` must be an editor of the district the row is stored in, or an admin.
        """
        schema = load_schemas()[layer]
        key = KEY_SEPARATOR.join(row_id) if isinstance(row_id, tuple) else str(row_id)
        with locked(self.path):
            self._require()
            with self._refusals(actor, Action.STATUS_UPDATE, layer=layer, file=file):
                require_editor(actor, "update rows")
                if "district_adcode" in values:  # moving a row: its new district must be the editor's too
                    check_rows(actor, pd.DataFrame([values]), file=file, id_columns=())
            if not self.in_place or not in_place.addressable(schema):
                return self._update_row_rewriting(schema, key, row_id, values, file=file, source=source,
                                                  detail=detail, actor=actor)
            found = in_place.locate(self.path, schema, [key])
            if found is None:
                raise _unknown_row(schema, row_id, file)
            before = found.rows
            with self._refusals(actor, Action.STATUS_UPDATE, layer=layer, file=file):
                check_rows(actor, before, file=file, id_columns=schema.id_columns, stored=True)
            after = before.copy()
            for name, value in values.items():
                after.iloc[0, after.columns.get_loc(name)] = value
            if all(values_equal(before[name], after[name]).all() for name in values):
                return ChangeCounts(layer, added=0, updated=0, unchanged=1)
            for name, value in (("source", source), ("source_file", file), ("imported_at", _now())):
                after.iloc[0, after.columns.get_loc(name)] = value
            after = canonical(after, schema)
            retyped = any(after[name].dtype != before[name].dtype for name in before.columns)
            updates = None if retyped else in_place.sql_updates(found, after, [*values, *PROVENANCE_COLUMNS])
            if updates is None:
                return self._update_row_rewriting(schema, key, row_id, values, file=file, source=source,
                                                  detail=detail, actor=actor)
            counts = ChangeCounts(layer, added=0, updated=1, unchanged=0)
            change_id, log = self._log_with(layer, counts, file=file, crs="", detail=detail, user=actor.shown)
            undo = Undo(layer, "rows", found.row_count,
                        before.assign(**{POSITION_COLUMN: found.positions, FID_COLUMN: found.fids}), [],
                        _recorded_extent(self.path, layer))
            with transaction(self.path) as target:
                layer_io.write_table(target, LOG_TABLE, log)
                in_place.update_in_place(target, schema, updates)
                remember_undo(target, change_id, undo)
                append_audit(target, [audit_row(actor, Action.STATUS_UPDATE, layer=layer, file=file,
                                                districts=touched_districts(before), change_id=change_id,
                                                detail=detail)])
            return counts

    def _update_row_rewriting(self, schema: LayerSchema, key: str, row_id: str | tuple[str, ...], values: dict, *,
                              file: str, source: str, detail: str, actor: Actor) -> ChangeCounts:
        """:meth:`update_row` by reading and rewriting the whole layer (lock held)."""
        existing = self._read_layer_from(self.path, schema.name)
        matches = np.flatnonzero(row_keys(existing, schema).to_numpy() == key)
        if not len(matches):
            raise _unknown_row(schema, row_id, file)
        position = int(matches[0])
        with self._refusals(actor, Action.STATUS_UPDATE, layer=schema.name, file=file):
            check_rows(actor, existing.iloc[[position]], file=file, id_columns=schema.id_columns, stored=True)
        changed = existing.copy()
        for name, value in values.items():
            changed.iloc[position, changed.columns.get_loc(name)] = value
        before, after = existing.iloc[[position]], changed.iloc[[position]]
        if all(values_equal(before[name], after[name]).all() for name in values):
            return ChangeCounts(schema.name, added=0, updated=0, unchanged=1)
        for name, value in (("source", source), ("source_file", file), ("imported_at", _now())):
            changed.iloc[position, changed.columns.get_loc(name)] = value
        changed = canonical(changed, schema)
        counts = ChangeCounts(schema.name, added=0, updated=1, unchanged=0)
        undo = undo_for(existing, changed, schema, replaced=np.array([position]), added=[],
                        extent=_recorded_extent(self.path, schema.name),
                        fids=in_place.fids_of(in_place.table_of(self.path, schema), existing))
        self._commit(schema, undo, counts=counts, file=file, crs="", detail=detail, layer=changed, actor=actor,
                     action=Action.STATUS_UPDATE, districts=touched_districts(existing.iloc[[position]]))
        return counts

    def undo_last(self, *, actor: Actor, expected_id: int | None = None) -> LogEntry:
        """Put the layer the last standing change touched back exactly as it was before it.

        Rows the change added are deleted, rows it replaced are restored with their values,
        geometry and place in the table, columns it brought are dropped. The log keeps the entry,
        marked with ``undone_at``. Called again, it undoes the change before (up to
        :data:`UNDO_DEPTH` changes back); an undo itself cannot be undone (import the file again).
        ``expected_id`` guards a button: the undo happens only if that change is still the last.
        Raises :class:`StoreError` when there is nothing to undo. Written atomically under the lock.
        An editor undoes only their own changes inside their districts (:class:`AccessError` otherwise).
        """
        with locked(self.path):
            self._require()
            with self._refusals(actor, Action.UNDO, layer="", file=""):
                require_editor(actor, "undo changes")
            log = self.import_log()
            entry = last_standing(log)
            if entry is None:
                raise StoreError(f"{self.path}: nothing to undo: no import or status update since the store "
                                 "was initialised (or all of them were undone)")
            if expected_id is not None and entry.id != expected_id:
                raise StoreError(f"{self.path}: the last change is now #{entry.id} ({entry.file}), "
                                 f"not #{expected_id}; nothing was undone")
            changed_districts = audit.district_of_change(self.path, entry.id) or frozenset()
            with self._refusals(actor, Action.UNDO, layer=entry.layer, file=entry.file):
                check_undo(actor, change_user=entry.user, change_districts=changed_districts,
                           change=f"#{entry.id} ({entry.file})")
            undo = load_undo(self.path, entry.id)
            if undo is None:
                raise StoreError(f"{self.path}: the last change #{entry.id} ({entry.file}, {entry.time}) can no "
                                 f"longer be undone: only the last {history.UNDO_DEPTH} changes keep what they replaced")
            schema = load_schemas()[undo.layer]
            updates = in_place.restoring_updates(self.path, undo, schema) if self.in_place else None
            restoring = in_place.restoring_rows(self.path, undo, schema) if self.in_place and updates is None else None
            restored = None
            if updates is None and restoring is None:
                current = self._read_layer_from(self.path, undo.layer)
                restored = restore(current, undo, schema, store=self.path)
            undone_at = _now()
            log.loc[log["id"] == entry.id, "undone_at"] = undone_at
            with transaction(self.path) as target:
                if restored is not None:
                    layer_io.write_layer(target, undo.layer, restored, schema)
                elif restoring is not None:
                    in_place.restore_rows(target, schema, restoring)
                layer_io.write_table(target, LOG_TABLE, log)
                if updates is not None:
                    in_place.update_in_place(target, schema, updates)
                forget_undo(target, entry.id)
                append_audit(target, [audit_row(actor, Action.UNDO, layer=entry.layer, file=entry.file,
                                                districts=changed_districts, change_id=entry.id,
                                                detail=f"#{entry.id} by {entry.user or '?'}")])
            return replace(entry, undone_at=undone_at)

    def _commit(self, schema: LayerSchema, undo: Undo, *, counts: ChangeCounts, file: str, crs: str,
                actor: Actor, action: Action, districts: frozenset[str], detail: str = "",
                layer: pd.DataFrame | None = None, appending: in_place.Appending | None = None) -> None:
        """Write a change with its log entry, its audit entry and what undoing it needs (lock held): the whole
        ``layer``, or the deletes and appends of ``appending``."""
        change_id, log = self._log_with(schema.name, counts, file=file, crs=crs, detail=detail, user=actor.shown)
        with transaction(self.path) as target:
            if layer is not None:
                layer_io.write_layer(target, schema.name, layer, schema)
            else:
                in_place.replace_rows(target, schema, appending)
            layer_io.write_table(target, LOG_TABLE, log)
            remember_undo(target, change_id, undo)
            append_audit(target, [audit_row(actor, action, layer=schema.name, file=file, districts=districts,
                                            change_id=change_id, detail=detail or _counted(counts))])

    def _log_with(self, layer: str, counts: ChangeCounts, *, file: str, crs: str,
                  detail: str, user: str) -> tuple[int, pd.DataFrame]:
        """The next change's id and the import log with its entry added (lock held)."""
        log = self.import_log()
        change_id = int(log["id"].max()) + 1 if len(log) else 1
        entry = {"id": change_id, "time": _now(), "user": user, "file": file, "layer": layer, "crs": crs,
                 "added": counts.added, "updated": counts.updated, "unchanged": counts.unchanged,
                 "detail": detail, "undone_at": None}
        return change_id, normalised_log(pd.concat([log, pd.DataFrame([entry])], ignore_index=True))

    # -- who may change what -----------------------------------------------------------------
    def _check_replaced(self, actor: Actor, replaced: pd.DataFrame, validated: ValidatedRows,
                        schema: LayerSchema) -> frozenset[str]:
        """Refuse an editor a file whose ids name rows stored in another district (lock held); the districts
        the change touches: those of its rows and of the rows it replaces."""
        with self._refusals(actor, Action.IMPORT, layer=schema.name, file=validated.file):
            check_rows(actor, replaced, file=validated.file, id_columns=schema.id_columns, stored=True)
        return touched_districts(validated.frame) | touched_districts(replaced)

    @contextmanager
    def _refusals(self, actor: Actor, action: Action, *, layer: str, file: str) -> Iterator[None]:
        """Record a refused change in the audit trail (beside the store, which stays as it was), then let the
        refusal go on to the caller."""
        try:
            yield
        except (AccessError, ValidationError) as exc:
            problems = getattr(exc, "problems", [])
            districts = frozenset(p.value for p in problems if p.value)
            detail = f"{action.value}: {exc}" if not problems else f"{action.value}: {len(problems)} row(s) outside"
            audit.record_event(self.path, audit_row(actor, Action.REFUSED, layer=layer, file=file,
                                                    districts=districts, detail=detail))
            raise

    def roles(self) -> pd.DataFrame:
        """Who may change what: ``user, role, districts, granted_by, granted_at``."""
        self._require()
        return audit.read_roles(self.path)

    def audit_log(self) -> pd.DataFrame:
        """Every import, status update, undo, role change, refusal and sign-in event, oldest first."""
        self._require()
        return audit.read_audit(self.path)

    def set_role(self, user: str, role: str | None, districts: object = (), *, actor: Actor) -> str:
        """Grant ``user`` a role (``None``: remove them, so they are a viewer); an admin's act, recorded. Returns
        the user as stored (trimmed, lower-case)."""
        with locked(self.path):
            self._require()
            with self._refusals(actor, Action.ROLE_CHANGE, layer="", file=""):
                require_admin(actor, "grant roles")
                if role is None:
                    name, granted, codes = clean_user(user), None, frozenset()
                else:
                    name, granted, codes = audit.checked_role(user, role, districts)
            detail = f"{name}: {granted.value if granted else 'removed'}" + (f" ({','.join(sorted(codes))})"
                                                                            if codes else "")
            with transaction(self.path) as target:
                audit.write_role(target, name, granted, codes, granted_by=actor.shown)
                append_audit(target, [audit_row(actor, Action.ROLE_CHANGE, districts=codes, detail=detail)])
            return name

    def record(self, action: Action, *, actor: Actor, detail: str = "", once: bool = False) -> None:
        """Add an event that changes no data (a sign-in, a failed one) to the audit trail; the store is untouched.
        ``once``: unless the same user's same action with the same detail is there already."""
        audit.record_event(self.path, audit_row(actor, action, detail=detail), once=once)


def _unknown_row(schema: LayerSchema, row_id: str | tuple[str, ...], file: str) -> ValidationError:
    id_label = "+".join(schema.id_columns)
    return ValidationError(file, [Problem("error", file, f"no row of layer {schema.name!r} has this {id_label}",
                                          feature_id=str(row_id), column=id_label, value=str(row_id),
                                          key="unknown_row", params={"layer": schema.name, "id_label": id_label})])


def _merge(existing: pd.DataFrame, validated: ValidatedRows, schema: LayerSchema):
    """:func:`merge_rows` of ``existing`` and the file, its rows stamped as imported now."""
    incoming = canonical(align_columns(validated.frame, existing), schema)
    incoming["source"] = "import"
    incoming["source_file"] = validated.file
    incoming["imported_at"] = _now()
    return merge_rows(existing, incoming, schema)



def _recorded_extent(path: Path, layer: str) -> tuple[float, ...] | None:
    """The extent ``gpkg_contents`` records for ``layer`` (:func:`sql.extent`), kept for its undo."""
    with closing(sql.connect(path, read_only=True)) as db:
        return sql.extent(db, layer)



def _counted(counts: ChangeCounts) -> str:
    return f"{counts.added} added, {counts.updated} updated, {counts.unchanged} unchanged"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

