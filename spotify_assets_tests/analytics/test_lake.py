"""Parquet lake: files per table and date that read back (DuckDB) as the table's rows, idempotent
reruns, S3 over the wire (moto server), settings errors naming the variable, Athena DDL in sync."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest

from spotify_assets.defs.lake.assets import lake_export
from spotify_assets.lake.athena import TYPES, athena_markdown, athena_type, create_table_sql
from spotify_assets.lake.export import lake_key
from spotify_assets.resources.lake import LakeResource
from spotify_assets.resources.s3 import S3Connection
from spotify_assets.settings import SettingsError, lake_from_env, resources_from_env
from spotify_assets.tables.schema import TABLES, Table
from spotify_assets_tests.analytics.conftest import Built, materialize, metadata_of
from spotify_assets_tests.platform.conftest import DAY, NEXT_DAY

REPO = Path(__file__).resolve().parents[2]


def table_rows(database: str, table: Table, day: date) -> list[tuple[Any, ...]]:
    with duckdb.connect(database, read_only=True) as conn:
        order = ", ".join(table.primary_key)
        return conn.execute(f"SELECT * FROM {table.name} WHERE snapshot_date = ? ORDER BY {order}", [day]).fetchall()


def parquet_rows(path: Path, table: Table) -> tuple[list[str], list[tuple[Any, ...]]]:
    """What any Parquet reader sees in the file alone (no Hive ``date`` column added)."""
    with duckdb.connect() as conn:
        relation = f"read_parquet('{path}', hive_partitioning = false)"
        columns = [r[0] for r in conn.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        order = ", ".join(table.primary_key)
        return columns, conn.execute(f"SELECT * FROM {relation} ORDER BY {order}").fetchall()


def lake_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def s3_client(endpoint: str) -> Any:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def s3_objects(endpoint: str, bucket: str) -> dict[str, str]:
    """key -> ETag of every object in the bucket."""
    pages = s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


# ----- local lake, from the real two-day build ---------------------------------------------------


def test_each_table_and_day_is_one_parquet_file_under_its_date_folder(built: Built) -> None:
    expected = {lake_key(t.name, day) for t in TABLES for day in (DAY, NEXT_DAY)}
    assert set(lake_files(built.lake_root)) == expected
    assert lake_key("albums", DAY) == f"albums/date={DAY}/part-0.parquet"


def test_parquet_files_read_back_as_the_tables_rows_for_that_date(built: Built) -> None:
    for day in (DAY, NEXT_DAY):
        for table in TABLES:
            columns, rows = parquet_rows(built.lake_root / lake_key(table.name, day), table)
            assert columns == table.column_names
            assert rows == table_rows(built.database, table, day), (table.name, day)
            assert rows, f"{table.name} {day} is empty: the comparison proved nothing"


def test_the_whole_lake_reads_as_a_hive_partitioned_dataset(built: Built) -> None:
    with duckdb.connect() as conn, duckdb.connect(built.database, read_only=True) as warehouse:
        for table in TABLES:
            got = conn.execute(
                f'SELECT "date"::VARCHAR, count(*), count(*) FILTER (WHERE snapshot_date::VARCHAR = "date"::VARCHAR) '
                f"FROM read_parquet('{built.lake_root}/{table.name}/*/*.parquet', hive_partitioning = true) "
                "GROUP BY ALL ORDER BY 1"
            ).fetchall()
            expected = warehouse.execute(
                f"SELECT snapshot_date::VARCHAR, count(*), count(*) FROM {table.name} GROUP BY ALL ORDER BY 1"
            ).fetchall()
            assert got == expected, table.name


def test_parquet_physical_types_are_the_ones_the_athena_ddl_declares(built: Built) -> None:
    parquet_type = {
        "string": ("BYTE_ARRAY", "UTF8"),
        "int": ("INT32", "INT_32"),
        "bigint": ("INT64", "INT_64"),
        "boolean": ("BOOLEAN", None),
        "date": ("INT32", "DATE"),
        "double": ("DOUBLE", None),
    }
    with duckdb.connect() as conn:
        for table in TABLES:
            path = built.lake_root / lake_key(table.name, NEXT_DAY)
            schema = {
                name: (physical, converted)
                for name, physical, converted in conn.execute(
                    f"SELECT name, type, converted_type FROM parquet_schema('{path}') WHERE type IS NOT NULL"
                ).fetchall()
            }
            assert schema == {c.name: parquet_type[athena_type(c.type)] for c in table.columns}, table.name


def test_lake_export_metadata_names_every_file(built: Built) -> None:
    metadata = metadata_of(built.results[NEXT_DAY], "lake_export")
    for table in TABLES:
        assert metadata[f"rows_{table.name}"] == len(table_rows(built.database, table, NEXT_DAY))
        assert (built.lake_root / lake_key(table.name, NEXT_DAY)).as_uri() in metadata["files"]
    assert metadata["bytes"] == sum(len(b) for k, b in lake_files(built.lake_root).items() if f"date={NEXT_DAY}" in k)


def test_rerun_overwrites_the_same_files_byte_for_byte_and_removes_strays(built: Built) -> None:
    before = lake_files(built.lake_root)
    stray = built.lake_root / f"albums/date={DAY}/part-1.parquet"
    stray.write_bytes(b"left over from an older layout")
    other_day_stray = built.lake_root / f"albums/date={NEXT_DAY}/part-1.parquet"
    other_day_stray.write_bytes(b"another day: not this run's business")

    assert materialize([lake_export], built.resources, DAY).success

    other_day_stray.unlink()
    assert lake_files(built.lake_root) == before  # same keys, same bytes; the stray is gone
    assert not list(built.lake_root.glob(".staging-*")), "staging folder left behind"


# ----- S3 over the wire --------------------------------------------------------------------------


def s3_lake(endpoint: str, bucket: str, prefix: str = "exports/lake") -> LakeResource:
    return LakeResource(
        s3_bucket=bucket, s3_prefix=prefix, s3=S3Connection(endpoint_url=endpoint, region_name="us-east-1")
    )


def test_s3_export_lands_under_the_prefix_and_reads_back_identically(
    built: Built, s3_endpoint: str, s3_bucket: str, tmp_path: Path
) -> None:
    resources = {**built.resources, "lake": s3_lake(s3_endpoint, s3_bucket)}
    local_before = lake_files(built.lake_root)

    result = materialize([lake_export], resources, NEXT_DAY)

    assert result.success
    objects = s3_objects(s3_endpoint, s3_bucket)
    assert set(objects) == {f"exports/lake/{lake_key(t.name, NEXT_DAY)}" for t in TABLES}
    assert lake_files(built.lake_root) == local_before, "an S3 export must not touch the local lake"
    metadata = metadata_of(result, "lake_export")
    assert metadata["location"] == f"s3://{s3_bucket}/exports/lake"
    assert f"s3://{s3_bucket}/exports/lake/tracks/date={NEXT_DAY}/part-0.parquet" in metadata["files"]
    for table in TABLES:
        downloaded = tmp_path / f"{table.name}.parquet"
        s3_client(s3_endpoint).download_file(
            s3_bucket, f"exports/lake/{lake_key(table.name, NEXT_DAY)}", str(downloaded)
        )
        assert parquet_rows(downloaded, table)[1] == table_rows(built.database, table, NEXT_DAY), table.name
        assert downloaded.read_bytes() == local_before[lake_key(table.name, NEXT_DAY)], "same bytes as the local export"

    s3_client(s3_endpoint).put_object(
        Bucket=s3_bucket, Key=f"exports/lake/albums/date={NEXT_DAY}/part-7.parquet", Body=b"x"
    )
    assert materialize([lake_export], resources, NEXT_DAY).success
    assert s3_objects(s3_endpoint, s3_bucket) == objects, "rerun: same keys and ETags, the stray object removed"


def test_a_missing_lake_bucket_fails_the_export_naming_the_variable(built: Built, s3_endpoint: str) -> None:
    resources = {**built.resources, "lake": s3_lake(s3_endpoint, "no-such-lake-bucket")}
    result = materialize([lake_export], resources, NEXT_DAY)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    message = failure.message + "".join(c.message for c in [failure.cause] if c)
    assert "no-such-lake-bucket" in message and "SPOTIFY_LAKE_S3_BUCKET" in message


# ----- settings ----------------------------------------------------------------------------------


def test_lake_defaults_to_the_data_dir_and_switches_to_s3_with_a_bucket(tmp_path: Path) -> None:
    local = lake_from_env({"SPOTIFY_ASSETS_DATA_DIR": str(tmp_path)})
    assert (local.local_root, local.s3_bucket) == (str(tmp_path / "lake"), None)
    assert local.location == str((tmp_path / "lake").resolve())
    assert lake_from_env({"SPOTIFY_LAKE_DIR": str(tmp_path / "elsewhere")}).local_root == str(tmp_path / "elsewhere")
    s3 = lake_from_env({"SPOTIFY_LAKE_S3_BUCKET": "my-lake.bucket-1", "SPOTIFY_LAKE_S3_PREFIX": "/exports/spotify/"})
    assert (s3.s3_bucket, s3.s3_prefix, s3.location) == (
        "my-lake.bucket-1",
        "exports/spotify",
        "s3://my-lake.bucket-1/exports/spotify",
    )
    assert lake_from_env({"SPOTIFY_LAKE_S3_BUCKET": "abc"}).s3_prefix == "lake"
    assert "lake" in resources_from_env({})
    assert not any(tmp_path.iterdir()), "reading settings writes nothing"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SPOTIFY_LAKE_S3_BUCKET": "s3://my-bucket"}, "SPOTIFY_LAKE_S3_BUCKET must be an S3 bucket name"),
        ({"SPOTIFY_LAKE_S3_BUCKET": "My_Bucket"}, "SPOTIFY_LAKE_S3_BUCKET must be an S3 bucket name"),
        ({"SPOTIFY_LAKE_S3_BUCKET": "ab"}, "SPOTIFY_LAKE_S3_BUCKET must be an S3 bucket name"),
        ({"SPOTIFY_LAKE_S3_BUCKET": "my..bucket"}, "SPOTIFY_LAKE_S3_BUCKET must be an S3 bucket name"),
        ({"SPOTIFY_LAKE_S3_BUCKET": "b", "SPOTIFY_LAKE_S3_PREFIX": "lake"}, "SPOTIFY_LAKE_S3_BUCKET must be"),
        (
            {"SPOTIFY_LAKE_S3_BUCKET": "bucket", "SPOTIFY_LAKE_S3_PREFIX": "a//b"},
            "SPOTIFY_LAKE_S3_PREFIX must be a key prefix",
        ),
        (
            {"SPOTIFY_LAKE_S3_BUCKET": "bucket", "SPOTIFY_LAKE_S3_PREFIX": "../up"},
            "SPOTIFY_LAKE_S3_PREFIX must be a key prefix",
        ),
        (
            {"SPOTIFY_LAKE_S3_BUCKET": "bucket", "SPOTIFY_LAKE_S3_PREFIX": "with space"},
            "SPOTIFY_LAKE_S3_PREFIX must be a key prefix",
        ),
        ({"SPOTIFY_LAKE_S3_PREFIX": "lake"}, "SPOTIFY_LAKE_S3_PREFIX is set but SPOTIFY_LAKE_S3_BUCKET is not"),
    ],
)
def test_bad_lake_settings_are_refused_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        resources_from_env(env)


def test_a_lake_dir_that_is_a_file_is_refused_naming_the_variable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SettingsError, match="SPOTIFY_LAKE_DIR must be a folder"):
        lake_from_env({"SPOTIFY_LAKE_DIR": str(tmp_path / "file")})
    (tmp_path / "lake").write_text("not a folder either")
    with pytest.raises(
        SettingsError, match=r"SPOTIFY_LAKE_DIR \(default <SPOTIFY_ASSETS_DATA_DIR>/lake\) must be a folder"
    ):
        lake_from_env({"SPOTIFY_ASSETS_DATA_DIR": str(tmp_path)})


def test_cli_with_a_bad_lake_bucket_exits_2_naming_the_variable_before_any_work(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SPOTIFY_ASSETS_DATA_DIR": str(tmp_path),
        "DAGSTER_HOME": "",
        "SPOTIFY_LAKE_S3_BUCKET": "s3://oops",
    }
    command = [sys.executable, "-m", "spotify_assets.cli", "run", "--date", DAY.isoformat()]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "SPOTIFY_LAKE_S3_BUCKET must be an S3 bucket name" in done.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written on a configuration error"


# ----- Athena DDL ----------------------------------------------------------------------------------


def test_committed_athena_doc_is_what_the_generator_prints() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "spotify_assets.lake.athena"], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    assert generated == athena_markdown()
    assert (REPO / "docs" / "athena.md").read_text() == generated, (
        "docs/athena.md is stale: python -m spotify_assets.lake.athena > docs/athena.md"
    )


def test_athena_ddl_declares_every_column_with_its_athena_type_and_the_date_partition() -> None:
    for table in TABLES:
        ddl = create_table_sql(table, "bucket", "pre/fix", "db")
        assert ddl.startswith(f"CREATE EXTERNAL TABLE IF NOT EXISTS db.{table.name} (")
        for column in table.columns:
            assert f"`{column.name}`" in ddl and f" {athena_type(column.type)} " in ddl
        declared = [line.split()[0].strip("`") for line in ddl.splitlines()[1 : 1 + len(table.columns)]]
        assert declared == table.column_names
        assert "PARTITIONED BY (`date` string)\nSTORED AS PARQUET\n" in ddl
        assert ddl.endswith(f"LOCATION 's3://bucket/pre/fix/{table.name}/';")
    assert {athena_type(c.type) for t in TABLES for c in t.columns} <= {athena for _, athena in TYPES.values()}
    with pytest.raises(ValueError, match="HUGEINT"):
        athena_type("HUGEINT")
    doc = athena_markdown(bucket="my-bucket")
    assert all(f"MSCK REPAIR TABLE spotify_lake.{t.name};" in doc for t in TABLES)
    assert "'storage.location.template' = 's3://my-bucket/lake/tracks/date=${date}/'" in doc


def test_staging_left_by_a_killed_export_is_cleaned_up_and_a_live_one_kept(tmp_path: Path) -> None:
    from spotify_assets.resources.lake import LAKE
    from spotify_assets.resources.object_store import LocalObjectStore

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    orphan = tmp_path / f".staging-{dead.stdout.strip()}-abc123" / "albums"
    orphan.mkdir(parents=True)
    live = tmp_path / f".staging-{os.getppid()}-def456"
    live.mkdir()
    with LocalObjectStore(tmp_path, LAKE).staging() as folder:
        assert folder.parent == tmp_path and folder.name.startswith(f".staging-{os.getpid()}-")
    assert not orphan.parent.exists() and live.exists() and not folder.exists()
