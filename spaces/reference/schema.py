"""Layer schemas (columns, types, aliases, ids), read from geodata/layers.toml and checked on load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from spaces.errors import ReferenceDataError
from spaces.paths import GEODATA_DIR

LAYERS_FILE = GEODATA_DIR / "layers.toml"
COLUMN_TYPES = {"text", "int", "year", "float", "bool", "adcode", "status", "level", "designation", "industries",
                "target_key", "group", "grade"}
GEOMETRY_KINDS = {"polygon", "point", "none"}
SHAPEFILE_FIELD_WIDTH = 10
# Columns the store adds to every row; an imported file may not set them.
PROVENANCE_COLUMNS = ("source", "source_file", "imported_at")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    nullable: bool
    aliases: tuple[str, ...]
    empty_means: object = None  # what an empty cell (or a store written before the column existed) stands for


@dataclass(frozen=True)
class LayerSchema:
    name: str
    label_zh: str
    label_en: str
    id_columns: tuple[str, ...]
    geometry: tuple[str, ...]
    columns: dict[str, Column]
    # A column whose value lets a row go without geometry (enterprises: plot_id links a plot); None: never.
    geometry_optional_when: str | None = None

    @property
    def is_spatial(self) -> bool:
        return self.geometry != ("none",)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns.values() if c.required]

    def header_lookup(self) -> dict[str, str]:
        """Folded header spelling -> canonical column, including Shapefile truncations.

        A DBF field name holds 10 bytes, so a header is cut at 10 bytes of its encoding:
        ``certified_`` for ``certified_year``, ``行政区划代`` for ``行政区划代码`` in GBK.
        """
        lookup: dict[str, str] = {}
        cut: dict[str, set[str]] = {}
        for column in self.columns.values():
            for spelling in (column.name, *column.aliases):
                lookup.setdefault(fold_header(spelling), column.name)
                for variant in _truncations(spelling):
                    cut.setdefault(fold_header(variant), set()).add(column.name)
        # A truncation shared by two columns (规上工业亩均税收 / 规上工业亩均增加值) identifies neither.
        for variant, columns in cut.items():
            if len(columns) == 1:
                lookup.setdefault(variant, next(iter(columns)))
        return lookup

    def describe(self, column: str) -> str:
        """``name (aliases: a, b)`` for error messages."""
        aliases = self.columns[column].aliases
        return f"{column} (aliases: {', '.join(aliases)})" if aliases else column


def _truncations(header: str) -> set[str]:
    """``header`` cut to the Shapefile field width in characters, GBK bytes and UTF-8 bytes."""
    cuts = {header[:SHAPEFILE_FIELD_WIDTH]}
    for encoding in ("gbk", "utf-8"):
        try:
            encoded = header.encode(encoding)
        except UnicodeEncodeError:
            continue
        cuts.add(encoded[:SHAPEFILE_FIELD_WIDTH].decode(encoding, errors="ignore"))
    return {cut for cut in cuts if cut}


def fold_header(header: object) -> str:
    return str(header).strip().lower()


@cache
def load_schemas() -> dict[str, LayerSchema]:
    """Every layer's schema, keyed by layer name."""
    with LAYERS_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    schemas = {}
    for name, spec in data.items():
        columns = {}
        for column_name, column_spec in spec["columns"].items():
            column_type = column_spec["type"]
            if column_type not in COLUMN_TYPES:
                raise ReferenceDataError(f"{LAYERS_FILE}: {name}.{column_name}: unknown type {column_type!r}")
            is_id = column_name in spec["id"]
            columns[column_name] = Column(
                name=column_name,
                type=column_type,
                required=bool(column_spec.get("required", False)) or is_id,
                nullable=bool(column_spec.get("nullable", not is_id)),
                aliases=tuple(column_spec.get("aliases", [])),
                empty_means=column_spec.get("empty_means"),
            )
        missing_ids = [c for c in spec["id"] if c not in columns]
        bad_geometry = set(spec["geometry"]) - GEOMETRY_KINDS
        if missing_ids or bad_geometry:
            raise ReferenceDataError(f"{LAYERS_FILE}: {name}: bad id {missing_ids} or geometry {bad_geometry}")
        schemas[name] = LayerSchema(
            name=name,
            label_zh=spec["label_zh"],
            label_en=spec["label_en"],
            id_columns=tuple(spec["id"]),
            geometry=tuple(spec["geometry"]),
            columns=columns,
            geometry_optional_when=spec.get("geometry_optional_when"),
        )
        if schemas[name].geometry_optional_when not in (None, *columns):
            raise ReferenceDataError(f"{LAYERS_FILE}: {name}: geometry_optional_when names no column")
    return schemas


def layer_names() -> list[str]:
    return list(load_schemas())
