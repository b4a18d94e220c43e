"""The precise shape validator: run only on the files the one-parse checks found suspect.

``from_json`` turns a value of the wrong type into NULL (or coerces it) without a word: a track sent
as ``"id": 5`` or ``"duration_ms": "abc"`` would vanish or lose a value silently. This reads each
item again as JSON and fails naming the file, the item and the field. Null items (Spotify pads with
them) and absent fields (removed for Development-Mode apps) stay fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spotify_assets.landing.layout import RawDataError
from spotify_assets.tables.raw_files import FileKind, RawSnapshotFiles, read_objects
from spotify_assets.tables.raw_shapes import ARTIST, FULL_ALBUM, LISTED_ALBUM, TRACK, TRACK_PAGE, Shape, json_types
from spotify_assets.tables.sql import records

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class ItemShape:
    """The items at ``path`` (a JSON path) of every file of ``kind`` must have ``shape``."""

    kind: FileKind
    path: str
    shape: Shape
    id_required: bool


ITEM_SHAPES: tuple[ItemShape, ...] = (
    ItemShape("release_pages", "$.albums.items[*]", LISTED_ALBUM, id_required=True),
    ItemShape("release_pages", "$.albums.items[*].artists[*]", ARTIST, id_required=False),
    ItemShape("albums_batches", "$.albums[*]", FULL_ALBUM, id_required=True),
    ItemShape("albums_batches", "$.albums[*].tracks.items[*]", TRACK, id_required=True),
    ItemShape("albums_batches", "$.albums[*].tracks.items[*].artists[*]", ARTIST, id_required=False),
    ItemShape("track_pages", "$", TRACK_PAGE, id_required=False),
    ItemShape("track_pages", "$.items[*]", TRACK, id_required=True),
    ItemShape("track_pages", "$.items[*].artists[*]", ARTIST, id_required=False),
)


def reject_malformed_items(conn: duckdb.DuckDBPyConnection, files: RawSnapshotFiles) -> None:
    """Raise ``RawDataError`` naming the file, the item and the field of the first raw item of the
    wrong shape, if any."""
    for item_shape in ITEM_SHAPES:
        sources = files.of_kind(item_shape.kind)
        if not sources:
            continue
        problems = records(conn.execute(first_problem_sql(sources, item_shape)))  # the first, if any
        if problems:
            problem = problems[0]
            item_id = problem["item_id"]
            where = f"item {problem['position']} of {item_shape.path}" + (f" (id {item_id})" if item_id else "")
            raise RawDataError(
                f"{problem['filename']}: {where}: {problem['problem']}; "
                "the raw file is kept, fix the source or the schema"
            )


def declared_fields(shape: Shape, prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    """(dotted field name, JSON types it may have) for every field of ``shape``, nested objects included."""
    fields: list[tuple[str, tuple[str, ...]]] = []
    for name, spec in shape.items():
        label = f"{prefix}{name}"
        fields.append((label, json_types(spec)))
        if isinstance(spec, dict):
            fields += declared_fields(spec, f"{label}.")
    return fields


def first_problem_sql(files: Sequence[str], item_shape: ItemShape) -> str:
    """The first (file, position, id, problem) among the items at ``item_shape.path`` of ``files``.

    Each item is parsed once: ``json_extract`` with a list of paths pulls every declared field in
    one pass, and only the small extracted values are typed (``->`` per field re-parses the item).
    """
    fields = declared_fields(item_shape.shape)
    paths = ", ".join(f"'$.{label}'" for label, _ in fields)
    branches = ["WHEN json_type(item) <> 'OBJECT' THEN 'is ' || json_type(item) || ', not an object'"]
    if item_shape.id_required:
        branches.append("WHEN json_type(item->'id') IS DISTINCT FROM 'VARCHAR' THEN 'id is missing or not a string'")
    for index, (label, allowed) in enumerate(fields, start=1):
        allowed_sql = ", ".join(f"'{t}'" for t in ("NULL", *allowed))
        branches.append(
            f"WHEN coalesce(json_type(v[{index}]), 'NULL') NOT IN ({allowed_sql}) "
            f"THEN '{label} is ' || json_type(v[{index}]) || ', expected {'/'.join(allowed)}'"
        )
    items = "[json]" if item_shape.path == "$" else f"json_extract(json, '{item_shape.path}')"
    return f"""
        SELECT filename, position, item_id, problem FROM (
            SELECT filename, position, item_id, CASE {" ".join(branches)} END AS problem FROM (
                SELECT filename, position, item,
                       CASE WHEN json_type(item) = 'OBJECT' THEN item->>'id' END AS item_id,
                       CASE WHEN json_type(item) = 'OBJECT' THEN json_extract(item, [{paths}]) END AS v
                FROM (SELECT filename, unnest(items) AS item, unnest(range(len(items))) AS position
                      FROM (SELECT filename, {items} AS items FROM {read_objects(files)}))
                WHERE coalesce(json_type(item), 'NULL') <> 'NULL'
            )
        )
        WHERE problem IS NOT NULL
        ORDER BY filename, position
        LIMIT 1
        """
