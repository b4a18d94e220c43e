"""Column lineage: what each table's schema says its columns come from, checked against the
definitions (only real upstream assets and columns) and against a real day's data (each copied
column holds the raw field its schema names, on the item its row was built from)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from spotify_assets.analytics.queries import ANALYSES
from spotify_assets.analytics.trends import TRENDS
from spotify_assets.emulator import EmulatorConfig, SpotifyEmulator
from spotify_assets.landing.layout import ALBUM_TRACKS, NEW_RELEASES, partition_prefix
from spotify_assets.tables.lineage import (
    BATCH_TRACKS,
    FULL_ALBUMS,
    LISTED,
    PAGE_TRACKS,
    RAW_ALBUM_TRACKS,
    RAW_NEW_RELEASES,
    UNAVAILABLE_ENTRIES,
    RawItems,
    Source,
    spec_at,
)
from spotify_assets.tables.schema import TABLES, UNAVAILABLE_ALBUMS, Column, Table
from spotify_assets_tests.platform.conftest import DAY, materialize_day, platform_resources

WAREHOUSE_TABLES = (*TABLES, UNAVAILABLE_ALBUMS)
# The items a table row is built from: a raw field belongs to the innermost one its path starts with.
ITEM_KINDS = (LISTED, FULL_ALBUMS, BATCH_TRACKS, PAGE_TRACKS, UNAVAILABLE_ENTRIES)
RAW_FOLDERS = {RAW_NEW_RELEASES: NEW_RELEASES, RAW_ALBUM_TRACKS: ALBUM_TRACKS}
# Which column types hold a raw scalar unchanged.
COPIES = {"VARCHAR": {"VARCHAR"}, "BIGINT": {"INTEGER", "BIGINT"}, "BOOLEAN": {"BOOLEAN"}}


def asset_specs() -> dict[dg.AssetKey, dg.AssetSpec]:
    from spotify_assets.definitions import defs

    return {spec.key: spec for spec in defs().resolve_all_asset_specs()}


def column_names(spec: dg.AssetSpec) -> list[str]:
    schema = spec.metadata.get("dagster/column_schema")
    return [c.name for c in schema.columns] if isinstance(schema, dg.TableSchema) else []


def test_every_lineage_names_an_upstream_asset_and_only_columns_that_exist() -> None:
    specs = asset_specs()
    with_lineage = {key: spec for key, spec in specs.items() if "dagster/column_lineage" in spec.metadata}
    tables = [*WAREHOUSE_TABLES, *(a.table for a in ANALYSES), *(t.table for t in TRENDS)]
    assert {key.to_user_string() for key in with_lineage} == {table.name for table in tables}
    for key, spec in with_lineage.items():
        lineage: dg.TableColumnLineage = spec.metadata["dagster/column_lineage"]
        own_columns = set(column_names(spec))
        upstream = {dep.asset_key for dep in spec.deps}
        assert set(lineage.deps_by_column) <= own_columns, key
        for column, deps in lineage.deps_by_column.items():
            assert deps, f"{key}.{column}: empty lineage"
            for dep in deps:
                assert dep.asset_key in upstream, f"{key}.{column} names {dep.asset_key}, not one of its deps"
                upstream_columns = column_names(specs[dep.asset_key])
                if upstream_columns:  # a table, not a raw asset's JSON
                    assert dep.column_name in upstream_columns, f"{key}.{column}: {dep}"


@pytest.mark.parametrize("table", WAREHOUSE_TABLES, ids=lambda t: t.name)
def test_every_warehouse_column_but_the_partition_date_has_a_raw_source(table: Table) -> None:
    lineage = asset_specs()[dg.AssetKey(table.name)].metadata["dagster/column_lineage"]
    assert set(lineage.deps_by_column) == set(table.column_names) - {"snapshot_date"}
    assert {dep.asset_key.to_user_string() for deps in lineage.deps_by_column.values() for dep in deps} <= set(
        RAW_FOLDERS
    )


def test_a_column_naming_a_field_the_platform_does_not_read_fails_when_the_schema_is_built() -> None:
    with pytest.raises(ValueError, match=r"raw_new_releases albums.items\[\]: no field 'labell'"):
        LISTED.source("labell")
    with pytest.raises(ValueError, match="albums has no column album_name"):
        TABLES[0].source("album_name")


# ----- against a real day's data ---------------------------------------------------------------


def values_at(node: Any, path: str) -> list[Any]:
    """Every value at ``path`` (lineage.py's paths: ``[]`` each element of a list, ``{}`` each entry of a map)."""
    found = [node]
    for step in path.split(".") if path else []:
        name = step.removesuffix("[]").removesuffix("{}")
        found = [item[name] for item in found if isinstance(item, dict) and item.get(name) is not None]
        if step.endswith("[]"):
            found = [element for value in found if isinstance(value, list) for element in value]
        elif step.endswith("{}"):
            found = [entry for value in found if isinstance(value, dict) for entry in value.values()]
    return found


def raw_items(raw: Path, kind: RawItems) -> list[dict[str, Any]]:
    documents = sorted((raw / partition_prefix(RAW_FOLDERS[kind.asset], DAY)).glob("*.json"))
    return [item for path in documents for item in values_at(json.loads(path.read_text()), kind.path)]


def item_field(source: Source) -> tuple[RawItems, str]:
    """The kind of item a raw field belongs to, and its path within one such item."""
    kinds = [k for k in ITEM_KINDS if k.asset == source.asset and source.field.startswith(f"{k.path}.")]
    kind = max(kinds, key=lambda k: len(k.path))
    return kind, source.field.removeprefix(f"{kind.path}.")


def copied_fields(column: Column) -> dict[RawItems, str]:
    """The raw scalar each kind of item gives ``column`` unchanged (not: a count, a position, two
    fields combined)."""
    fields: dict[RawItems, list[str]] = {}
    for source in column.sources:
        if source.field in {k.path for k in ITEM_KINDS}:
            continue  # the item itself (its position, its key)
        kind, path = item_field(source)
        fields.setdefault(kind, []).append(path)
    return {
        kind: paths[0]
        for kind, paths in fields.items()
        if len(paths) == 1 and column.type in COPIES.get(str(spec_at(kind.shape, paths[0])), set())
    }


def rows_of(database: str, table: Table) -> list[dict[str, Any]]:
    with duckdb.connect(database, read_only=True) as conn:
        cursor = conn.execute(f"SELECT * FROM {table.name} WHERE snapshot_date = ?", [DAY])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def mismatches(
    table: Table, rows: Sequence[dict[str, Any]], items: dict[RawItems, list[dict[str, Any]]]
) -> Iterator[str]:
    """Each copied column's value must be its field's value on an item the row was built from (of
    any of the kinds the schema names): one whose fields hold the row's key columns (those the
    schema names from the same kind of item)."""
    keys = [c for c in table.columns if c.name in table.primary_key]
    for column in table.columns:
        # per kind of item: its key columns, and the field's values on the items of each key
        found: list[tuple[list[str], dict[tuple[Any, ...], set[Any]]]] = []
        for kind, path in copied_fields(column).items():
            key_paths = {key.name: p for key in keys for k, p in copied_fields(key).items() if k == kind}
            by_key: dict[tuple[Any, ...], set[Any]] = {}
            for item in items[kind]:
                for key in itertools.product(*(values_at(item, p) for p in key_paths.values())):
                    by_key.setdefault(key, set()).update(values_at(item, path))
            found.append((list(key_paths), by_key))
        for row in rows:
            value = row[column.name]
            if (
                found
                and value is not None
                and not any(value in by_key.get(tuple(row[name] for name in names), set()) for names, by_key in found)
            ):
                yield f"{table.name}.{column.name} = {value!r}: not the field its schema names on its raw item"


@pytest.fixture(scope="module")
def landed_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day with three albums pulled (so unavailable_albums has rows), landed and loaded."""
    folder = tmp_path_factory.mktemp("lineage")
    with SpotifyEmulator(EmulatorConfig()) as emulator:
        listed = emulator.catalog.new_release_ids(DAY, "US")
        emulator.pull_albums([listed[0], listed[40], listed[80]])
        assert materialize_day(platform_resources(emulator, folder), DAY).success
    return folder


@pytest.mark.parametrize("table", WAREHOUSE_TABLES, ids=lambda t: t.name)
def test_each_copied_column_holds_the_raw_field_its_schema_names(landed_day: Path, table: Table) -> None:
    rows = rows_of(str(landed_day / "spotify.duckdb"), table)
    items = {kind: raw_items(landed_day / "raw", kind) for kind in ITEM_KINDS}
    checked = [c.name for c in table.columns if copied_fields(c)]
    assert rows and checked, f"{table.name}: nothing to compare"
    assert list(mismatches(table, rows, items)) == []
