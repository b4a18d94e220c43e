"""Metadata helpers: column schemas, column lineage and small previews the Dagster UI can show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dagster as dg

from spotify_assets.tables.schema import Table

_DUCKDB_TO_SCHEMA_TYPE = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "int", "BOOLEAN": "bool", "DATE": "date"}


def table_schema(table: Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=duckdb_type_label(c.type),
                description=c.description,
                constraints=dg.TableColumnConstraints(nullable=c.optional, unique=False),
            )
            for c in table.columns
        ]
    )


def column_lineage(table: Table) -> dg.TableColumnLineage:
    """Which upstream fields each column is read or computed from (``Column.sources`` in the table's
    schema: raw JSON fields, or the columns of the tables it reads); columns without sources (the
    partition date) are left out."""
    return dg.TableColumnLineage(
        deps_by_column={
            column.name: [dg.TableColumnDep(asset_key=s.asset, column_name=s.field) for s in column.sources]
            for column in table.columns
            if column.sources
        }
    )


def table_metadata(table: Table) -> dict[str, Any]:
    """What a table's asset spec says of it: columns, their lineage and the primary key. The
    materializations repeat the schema and the lineage, where Dagster reads them per event."""
    return {
        "dagster/column_schema": table_schema(table),
        "dagster/column_lineage": column_lineage(table),
        "primary_key": ", ".join(table.primary_key),
    }


def duckdb_type_label(sql_type: str) -> str:
    return _DUCKDB_TO_SCHEMA_TYPE.get(sql_type, sql_type.lower())


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-style Markdown table (pipes escaped) for previews in the asset's metadata."""

    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
