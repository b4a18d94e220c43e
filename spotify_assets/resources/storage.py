"""Raw landing zone: API responses stored unchanged, on local disk or in S3.

Raw is the source of truth every table is rebuilt from, so the stores only ever write whole
objects under deterministic keys (a rerun overwrites, never duplicates) and a partition becomes
visible to readers only through the manifest written last (see ``spotify_assets.landing.layout``).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field, field_validator

from spotify_assets.resources.env import env_field
from spotify_assets.resources.object_store import LocalObjectStore, ObjectStore, S3ObjectStore, StoreRole
from spotify_assets.resources.s3 import S3Connection, bucket_name, key_prefix


class RawStorageError(RuntimeError):
    """The raw store cannot be used as configured (unwritable folder, missing bucket, ...)."""


RAW = StoreRole(
    name="raw", error=RawStorageError, folder_hint="SPOTIFY_ASSETS_DATA_DIR", bucket_setting="SPOTIFY_RAW_S3_BUCKET"
)


class RawStorageResource(dg.ConfigurableResource["RawStorageResource"]):
    """Chooses the raw store: S3 (via dagster-aws) when a bucket is set, else the local folder."""

    local_root: str = Field(
        default="data/raw", description="Folder for raw JSON when no bucket is set (<SPOTIFY_ASSETS_DATA_DIR>/raw)"
    )
    s3_bucket: str | None = env_field(
        None, env="SPOTIFY_RAW_S3_BUCKET", description="Bucket for raw JSON; enables S3 landing"
    )
    s3_prefix: str = env_field("raw", env="SPOTIFY_RAW_S3_PREFIX", description="Key prefix inside the bucket")
    s3: S3Connection = Field(default_factory=S3Connection)

    _check_bucket = field_validator("s3_bucket")(bucket_name)
    _check_prefix = field_validator("s3_prefix")(key_prefix)

    @property
    def location(self) -> str:
        return f"s3://{self.s3_bucket}/{self.s3_prefix}" if self.s3_bucket else str(Path(self.local_root).resolve())

    def get_store(self) -> ObjectStore:
        if self.s3_bucket:
            return S3ObjectStore(self.s3.get_client(), self.s3_bucket, self.s3_prefix, RAW)
        return LocalObjectStore(self.local_root, RAW)
