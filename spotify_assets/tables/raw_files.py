"""Which raw files make up a day, and the DuckDB table functions that read them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Which files of a snapshot: the attribute names of RawSnapshotFiles that list files.
FileKind = Literal["release_pages", "albums_batches", "track_pages"]
FILE_KINDS: tuple[FileKind, ...] = ("release_pages", "albums_batches", "track_pages")

MAX_OBJECT_BYTES = 1 << 28  # read_json_objects' limit per document: an albums batch is ~4 MB


@dataclass(frozen=True)
class RawSnapshotFiles:
    """Local paths of the raw files that make up one day's snapshot.

    ``album_sources`` pairs each album with the files holding its tracks. A batch file holds 20
    albums, and one landed on an earlier day may hold an older version of an album that was
    refetched since; only the pairs listed here are read, so each album comes from its own files.
    """

    release_pages: Sequence[str]
    albums_batches: Sequence[str]
    track_pages: Sequence[str]
    album_sources: Sequence[tuple[str, str]]  # (file path, album id)

    def of_kind(self, kind: FileKind) -> Sequence[str]:
        files: Sequence[str] = getattr(self, kind)
        return files


def sql_list(values: Sequence[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def read_texts(files: Sequence[str]) -> str:
    """A FROM clause over raw files, one row per file: ``filename``, ``content``.

    An empty file list becomes an empty relation of the same columns, so every query works
    unchanged for a day without (say) extra track pages.
    """
    if not files:
        return "(SELECT NULL::VARCHAR AS filename, NULL::VARCHAR AS content WHERE false)"
    return f"read_text({sql_list(files)})"


def read_objects(files: Sequence[str]) -> str:
    """A FROM clause over raw files, one row per file: ``filename``, ``json``."""
    return f"read_json_objects({sql_list(files)}, format='auto', filename=true, maximum_object_size={MAX_OBJECT_BYTES})"
