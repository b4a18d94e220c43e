"""The Parquet lake: where ``lake_export`` publishes each table's files, local folder or S3.

Files are first written to a staging folder (DuckDB's ``COPY ... (FORMAT parquet)``), then
published under deterministic keys ``<table>/date=YYYY-MM-DD/part-0.parquet``:

- locally by ``os.replace`` from a staging folder inside the lake root (same filesystem), so a
  reader sees the old file or the new one, never a torn one;
- on S3 by one upload per object (an object appears whole when its upload completes).

Any other file left in a published date folder (e.g. from an older layout) is removed after the
new files are in place, so a date's folder holds exactly the latest export.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field, field_validator

from spotify_assets.resources.env import env_field
from spotify_assets.resources.object_store import LocalObjectStore, ObjectStore, S3ObjectStore, StoreRole
from spotify_assets.resources.s3 import S3Connection, bucket_name, key_prefix


class LakeError(RuntimeError):
    """The lake cannot be written where it is configured (unwritable folder, missing bucket, ...)."""


LAKE = StoreRole(
    name="lake",
    error=LakeError,
    folder_hint="SPOTIFY_LAKE_DIR (or SPOTIFY_ASSETS_DATA_DIR)",
    bucket_setting="SPOTIFY_LAKE_S3_BUCKET",
)


class LakeResource(dg.ConfigurableResource["LakeResource"]):
    """Chooses the lake: S3 (via dagster-aws) when a bucket is set, else the local folder."""

    local_root: str = env_field(
        "data/lake", env="SPOTIFY_LAKE_DIR", description="Folder for the Parquet lake when no bucket is set (default <SPOTIFY_ASSETS_DATA_DIR>/lake)"
    )
    s3_bucket: str | None = env_field(
        None, env="SPOTIFY_LAKE_S3_BUCKET", description="Bucket for the Parquet lake; enables S3 export"
    )
    s3_prefix: str = env_field("lake", env="SPOTIFY_LAKE_S3_PREFIX", description="Key prefix inside the bucket")
    s3: S3Connection = Field(default_factory=S3Connection)

    _check_bucket = field_validator("s3_bucket")(bucket_name)
    _check_prefix = field_validator("s3_prefix")(key_prefix)

    @field_validator("local_root")
    @classmethod
    def _check_folder(cls, value: str) -> str:
        if Path(value).exists() and not Path(value).is_dir():
            raise ValueError("must be a folder, not an existing file")
        return value

    @property
    def location(self) -> str:
        return f"s3://{self.s3_bucket}/{self.s3_prefix}" if self.s3_bucket else str(Path(self.local_root).resolve())

    def get_store(self) -> ObjectStore:
        if self.s3_bucket:
            return S3ObjectStore(self.s3.get_client(), self.s3_bucket, self.s3_prefix, LAKE)
        return LocalObjectStore(self.local_root, LAKE)
