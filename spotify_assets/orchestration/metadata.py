"""Materialization metadata helpers: column schemas and small previews the Dagster UI can show."""

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


def duckdb_type_label(sql_type: str) -> str:
    return _DUCKDB_TO_SCHEMA_TYPE.get(sql_type, sql_type.lower())


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-style Markdown table (pipes escaped) for previews in the asset's metadata."""

    def cell(value: Any) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
