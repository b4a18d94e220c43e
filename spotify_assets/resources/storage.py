"""Raw landing zone: API responses stored unchanged, on local disk or in S3.

Raw is the source of truth every table is rebuilt from, so the stores only ever write whole
objects under deterministic keys (a rerun overwrites, never duplicates) and a partition becomes
visible to readers only through the manifest written last (see ``spotify_assets.raw_layout``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import dagster as dg
from pydantic import Field

from spotify_assets.resources.s3 import S3Connection


class RawStorageError(RuntimeError):
    """The raw store cannot be used as configured (unwritable folder, missing bucket, ...)."""


class RawStore(Protocol):
    """What the assets need from a raw landing zone, whatever backs it."""

    def uri(self, key: str) -> str: ...

    def write(self, key: str, body: bytes) -> str: ...

    def read(self, key: str) -> bytes | None: ...

    def list_partitions(self, dataset: str) -> list[str]: ...

    def local_paths(self, keys: Sequence[str]) -> AbstractContextManager[list[str]]: ...

    def check_writable(self) -> None: ...


class LocalRawStore:
    """Raw objects as files below a root folder (the default: no cloud account needed)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def uri(self, key: str) -> str:
        return (self.root / key).as_uri()

    def write(self, key: str, body: bytes) -> str:
        """Write atomically (temp file + rename) so a killed run never leaves a torn object."""
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        return path.as_uri()

    def read(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.is_file() else None

    def list_partitions(self, dataset: str) -> list[str]:
        base = self.root / dataset
        return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []

    @contextmanager
    def local_paths(self, keys: Sequence[str]) -> Iterator[list[str]]:
        yield [str(self.root / key) for key in keys]

    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-", delete=True)
            probe.close()
        except OSError as exc:
            raise RawStorageError(
                f"Raw folder {self.root} is not writable ({exc.strerror or exc}); "
                "set SPOTIFY_ASSETS_DATA_DIR to a writable folder"
            ) from exc


class S3RawStore:
    """Raw objects in an S3 bucket under a prefix (any S3-protocol endpoint works)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", download_workers: int = 8) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.download_workers = download_workers

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._object_key(key)}"

    def write(self, key: str, body: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key=self._object_key(key), Body=body)
        return self.uri(key)

    def read(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return response["Body"].read()

    def list_partitions(self, dataset: str) -> list[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        prefix = self._object_key(f"{dataset}/")
        names: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
            names.extend(p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", []))
        return sorted(names)

    @contextmanager
    def local_paths(self, keys: Sequence[str]) -> Iterator[list[str]]:
        """Download objects to a temp folder so DuckDB can scan them (httpfs needs the internet)."""
        folder = Path(tempfile.mkdtemp(prefix="spotify-raw-"))
        try:
            paths = [str(folder / f"{i:07d}-{Path(key).name}") for i, key in enumerate(keys)]
            with ThreadPoolExecutor(self.download_workers) as pool:
                list(pool.map(self._download, keys, paths))
            yield paths
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _download(self, key: str, path: str) -> None:
        self.client.download_file(self.bucket, self._object_key(key), path)

    def check_writable(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # botocore raises ClientError / EndpointConnectionError / NoCredentialsError
            raise RawStorageError(
                f"S3 bucket '{self.bucket}' is not usable ({type(exc).__name__}: {exc}); "
                "check SPOTIFY_RAW_S3_BUCKET, AWS_ENDPOINT_URL and the AWS credentials"
            ) from exc


class RawStorageResource(dg.ConfigurableResource):
    """Chooses the raw store: S3 (boto3 via dagster-aws, loaded only then) when a bucket is set, else the local folder."""

    local_root: str = Field(default="data/raw", description="Folder for raw JSON when no bucket is set")
    s3_bucket: str | None = Field(default=None, description="Bucket for raw JSON; enables S3 landing")
    s3_prefix: str = Field(default="raw", description="Key prefix inside the bucket")
    s3: S3Connection = Field(default_factory=S3Connection)

    @property
    def location(self) -> str:
        return f"s3://{self.s3_bucket}/{self.s3_prefix}" if self.s3_bucket else str(Path(self.local_root).resolve())

    def get_store(self) -> RawStore:
        if self.s3_bucket:
            return S3RawStore(self.s3.get_client(), self.s3_bucket, self.s3_prefix)
        return LocalRawStore(self.local_root)
