"""Whole objects under deterministic keys, in a local folder or an S3 bucket: one interface, one class
per backend, shared by the raw landing zone (``storage.py``) and the Parquet lake (``lake.py``).

Keys are relative, ``/``-separated (``new_releases/date=2026-11-20/page-0000.json``); a store maps
them below its root folder or its bucket prefix. Writes replace whole objects, so a rerun overwrites
and never duplicates, and a reader never sees a torn object:

- locally by writing a temporary file next to the target and ``os.replace``-ing it (same filesystem);
- on S3 because an object appears whole when its upload completes.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StoreRole:
    """What a store is used for, so that an unusable one names itself and the settings to fix."""

    name: str  # "raw", "lake"
    error: type[Exception]  # raised by ``check_writable``
    folder_hint: str  # how to choose another folder
    bucket_setting: str  # the variable naming the bucket


class ObjectStore(ABC):
    """What the assets need from a place that keeps objects, whatever backs it."""

    def __init__(self, role: StoreRole) -> None:
        self.role = role

    @abstractmethod
    def uri(self, key: str = "") -> str:
        """Where ``key`` lives (``file://`` or ``s3://``); the store's root without a key."""

    @abstractmethod
    def check_writable(self) -> None:
        """Raise ``role.error``, naming the location and the setting to fix, if nothing can be written."""

    @abstractmethod
    def write(self, key: str, body: bytes) -> str:
        """Store ``body`` whole under ``key`` (replacing it); returns its URI."""

    @abstractmethod
    def read(self, key: str) -> bytes | None:
        """The object under ``key``, or None when there is none."""

    @abstractmethod
    def list_partitions(self, dataset: str) -> list[str]:
        """Names of the folders directly below ``dataset/``, sorted (e.g. ``date=2026-11-20``)."""

    @abstractmethod
    def local_paths(self, keys: Sequence[str]) -> AbstractContextManager[list[str]]:
        """Local files holding ``keys``, in order, valid while the context is open (for DuckDB scans)."""

    @abstractmethod
    def staging(self) -> AbstractContextManager[Path]:
        """A local folder to write files in before ``publish``; removed when the context closes."""

    @abstractmethod
    def publish(self, files: Mapping[str, Path]) -> dict[str, str]:
        """Move staged files to their keys; then remove any other object in their folders, so a
        folder holds exactly what was published last. Returns key -> URI."""


def _folders(keys: Mapping[str, Path]) -> dict[str, set[str]]:
    """Published keys grouped by folder: {'albums/date=D/': {'part-0.parquet'}}."""
    folders: dict[str, set[str]] = {}
    for key in keys:
        folder, _, name = key.rpartition("/")
        folders.setdefault(f"{folder}/", set()).add(name)
    return folders


def _content_type(key: str) -> str | None:
    """What S3 static hosting serves an object as: the dashboard's HTML must not be served as
    binary/octet-stream (the browser would download it); Parquet keeps S3's default."""
    guessed, _ = mimetypes.guess_type(key)
    return f"{guessed}; charset=utf-8" if guessed and guessed.startswith("text/") else guessed


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class LocalObjectStore(ObjectStore):
    """Objects as files below a root folder (the default: no cloud account needed)."""

    def __init__(self, root: str | os.PathLike[str], role: StoreRole) -> None:
        super().__init__(role)
        self.root = Path(root).resolve()

    def uri(self, key: str = "") -> str:
        return (self.root / key).as_uri() if key else self.root.as_uri()

    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-", delete=True).close()
        except OSError as exc:
            raise self.role.error(
                f"{self.role.name.capitalize()} folder {self.root} is not writable ({exc.strerror or exc}); "
                f"set {self.role.folder_hint} to a writable folder"
            ) from exc

    def write(self, key: str, body: bytes) -> str:
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

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """A hidden folder inside the root: same filesystem, so publishing is a rename. Named after
        this process, so folders of processes that died mid-export (SIGKILL) can be told apart."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_orphaned_staging()
        folder = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _remove_orphaned_staging(self) -> None:
        for folder in self.root.glob(".staging-*"):
            pid = folder.name.split("-")[1]
            if pid.isdigit() and not _process_alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)

    def publish(self, files: Mapping[str, Path]) -> dict[str, str]:
        for key, staged in files.items():
            target = self.root / key
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        for folder, names in _folders(files).items():
            for stray in (self.root / folder).iterdir():
                if stray.name not in names and stray.is_file():
                    stray.unlink()
        return {key: self.uri(key) for key in files}


class S3ObjectStore(ObjectStore):
    """Objects in an S3 bucket under a prefix (any S3-protocol endpoint works)."""

    def __init__(self, client: Any, bucket: str, prefix: str, role: StoreRole, download_workers: int = 8) -> None:
        super().__init__(role)
        self.client = client  # a boto3 S3 client (dagster-aws's S3Resource.get_client())
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.download_workers = download_workers

    def _object_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self._object_key(key) if key else self.prefix}"

    def check_writable(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:  # botocore raises ClientError / EndpointConnectionError / NoCredentialsError
            raise self.role.error(
                f"S3 bucket '{self.bucket}' is not usable for the {self.role.name} store "
                f"({type(exc).__name__}: {exc}); "
                f"check {self.role.bucket_setting}, AWS_ENDPOINT_URL and the AWS credentials"
            ) from exc

    def write(self, key: str, body: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key=self._object_key(key), Body=body)
        return self.uri(key)

    def read(self, key: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        body: bytes = response["Body"].read()
        return body

    def list_partitions(self, dataset: str) -> list[str]:
        prefix = self._object_key(f"{dataset}/")
        names: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix, Delimiter="/"
        ):
            names.extend(p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", []))
        return sorted(names)

    @contextmanager
    def local_paths(self, keys: Sequence[str]) -> Iterator[list[str]]:
        """Downloads the objects to a temporary folder (DuckDB's httpfs would need the internet)."""
        with self.staging() as folder:
            paths = [str(folder / f"{i:07d}-{Path(key).name}") for i, key in enumerate(keys)]
            with ThreadPoolExecutor(self.download_workers) as pool:
                list(pool.map(self._download, keys, paths))
            yield paths

    def _download(self, key: str, path: str) -> None:
        self.client.download_file(self.bucket, self._object_key(key), path)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="spotify-store-"))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def publish(self, files: Mapping[str, Path]) -> dict[str, str]:
        for key, staged in files.items():
            content_type = _content_type(key)
            extra = {"ExtraArgs": {"ContentType": content_type}} if content_type else {}
            self.client.upload_file(str(staged), self.bucket, self._object_key(key), **extra)
        for folder, names in _folders(files).items():
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
