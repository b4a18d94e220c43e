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

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import dagster as dg
from pydantic import Field

from spotify_assets.resources.s3 import S3Connection


class LakeError(RuntimeError):
    """The lake cannot be written where it is configured (unwritable folder, missing bucket, ...)."""


class LakeStore(Protocol):
    def uri(self, key: str = "") -> str: ...

    def check_writable(self) -> None: ...

    def staging(self) -> Any: ...  # context manager yielding a local folder

    def publish(self, files: Mapping[str, Path]) -> dict[str, str]: ...


def _date_folders(keys: Mapping[str, Path]) -> dict[str, set[str]]:
    """Published key -> its folder prefix, grouped: {'albums/date=D/': {'part-0.parquet'}}."""
    folders: dict[str, set[str]] = {}
    for key in keys:
        folder, _, name = key.rpartition("/")
        folders.setdefault(f"{folder}/", set()).add(name)
    return folders


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class LocalLakeStore:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def uri(self, key: str = "") -> str:
        return (self.root / key).as_uri() if key else self.root.as_uri()

    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-", delete=True).close()
        except OSError as exc:
            raise LakeError(
                f"Lake folder {self.root} is not writable ({exc.strerror or exc}); "
                "set SPOTIFY_LAKE_DIR (or SPOTIFY_ASSETS_DATA_DIR) to a writable folder"
            ) from exc

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A hidden folder inside the lake root: same filesystem, so publishing is a rename."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_orphaned_staging()
        folder = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _remove_orphaned_staging(self) -> None:
        """Staging folders of processes that died (e.g. SIGKILL) mid-export; live ones are kept."""
        for folder in self.root.glob(".staging-*"):
            pid = folder.name.split("-")[1]
            if pid.isdigit() and not _process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def publish(self, files: Mapping[str, Path]) -> dict[str, str]:
        for key, staged in files.items():
            target = self.root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        for folder, names in _date_folders(files).items():
            for stray in (self.root / folder).iterdir():
                if stray.name not in names and stray.is_file():
                    stray.unlink()
        return {key: self.uri(key) for key in files}


class S3LakeStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "lake") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self._object_key(key)}" if key else f"s3://{self.bucket}/{self.prefix}"

    def check_writable(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # ClientError / EndpointConnectionError / NoCredentialsError
            raise LakeError(
                f"S3 bucket '{self.bucket}' is not usable for the lake ({type(exc).__name__}: {exc}); "
                "check SPOTIFY_LAKE_S3_BUCKET, AWS_ENDPOINT_URL and the AWS credentials"
            ) from exc

    @contextmanager
    def staging(self) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="spotify-lake-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def publish(self, files: Mapping[str, Path]) -> dict[str, str]:
        for key, staged in files.items():
            self.client.upload_file(str(staged), self.bucket, self._object_key(key))
        for folder, names in _date_folders(files).items():
            prefix = self._object_key(folder)
            stale = [
                {"Key": obj["Key"]}
                for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
                for obj in page.get("Contents", [])
                if obj["Key"][len(prefix) :] not in names
            ]
            if stale:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": stale, "Quiet": True})
        return {key: self.uri(key) for key in files}


class LakeResource(dg.ConfigurableResource):
    """Chooses the lake: S3 (boto3 via dagster-aws, loaded only then) when a bucket is set, else the local folder."""

    local_root: str = Field(default="data/lake", description="Folder for the Parquet lake when no bucket is set")
    s3_bucket: str | None = Field(default=None, description="Bucket for the Parquet lake; enables S3 export")
    s3_prefix: str = Field(default="lake", description="Key prefix inside the bucket")
    s3: S3Connection = Field(default_factory=S3Connection)

    @property
    def location(self) -> str:
        return f"s3://{self.s3_bucket}/{self.s3_prefix}" if self.s3_bucket else str(Path(self.local_root).resolve())

    def get_store(self) -> LakeStore:
        if self.s3_bucket:
            return S3LakeStore(self.s3.get_client(), self.s3_bucket, self.s3_prefix)
        return LocalLakeStore(self.local_root)
