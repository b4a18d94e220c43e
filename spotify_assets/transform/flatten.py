"""Raw Spotify JSON -> the five DuckDB tables, as set-based SQL (no Python loop over rows).

Every raw file is read and parsed exactly once (``read_text`` + ``from_json``), and that one parse
both extracts the values and checks their JSON types:

* scalar fields are pulled as JSON text, whose first character gives the JSON type (``"`` a
  string, a digit a number, ``t``/``f`` a boolean, ...), then converted to their column type;
* the containers we descend into (tracks, items, artists, external_urls) are typed structs and
  lists; ``available_markets`` is a list of which only the length is used.

Fields that are absent (Development-Mode apps lost label, popularity, available_markets, ...)
become NULL instead of breaking the load, and extra fields are ignored. The checks are
conservative where a typed container hides the raw type (a non-object reads as a struct of NULLs,
a non-list as NULL): any file with a suspect item goes through ``reject_malformed_items``, the
precise (slower) validator, which fails naming the file, the item and the field, or finds the item
fine (an empty ``external_urls``, say) and the load goes on. The parsed items are staged once,
compactly (a track's market list becomes its length), and every table is built from the staging.
A day's rows are replaced in one transaction: readers see the old day or the new day, never half.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import duckdb

from spotify_assets.transform.releases import RawDataError
from spotify_assets.transform.schema import (
    ALBUM_ARTISTS,
    ALBUMS,
    ARTISTS,
    TABLES,
    TRACK_ARTISTS,
    TRACKS,
    Table,
)

# The shape of the raw items (what Spotify documents), composed once so the listing, the full album
# and the track agree. Leaves are the JSON types a field may have (besides null or absent).
_EXTERNAL_URLS = {"spotify": "VARCHAR"}
_ARTIST = {"id": "VARCHAR", "name": "VARCHAR", "uri": "VARCHAR", "external_urls": _EXTERNAL_URLS}
_TRACK = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "disc_number": "BIGINT",
    "track_number": "BIGINT",
    "duration_ms": "BIGINT",
    "explicit": "BOOLEAN",
    "is_local": "BOOLEAN",
    "uri": "VARCHAR",
    "external_urls": _EXTERNAL_URLS,
    "artists": [_ARTIST],
    "available_markets": ["VARCHAR"],
}
_LISTED_ALBUM = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "album_type": "VARCHAR",
    "total_tracks": "BIGINT",
    "release_date": "VARCHAR",
    "release_date_precision": "VARCHAR",
    "uri": "VARCHAR",
    "external_urls": _EXTERNAL_URLS,
    "images": [{"url": "VARCHAR", "width": "BIGINT"}],
    "artists": [_ARTIST],
    "available_markets": ["VARCHAR"],
}
_FULL_ALBUM = {
    "id": "VARCHAR",
    "label": "VARCHAR",
    "popularity": "BIGINT",
    "external_ids": {"upc": "VARCHAR"},
    "tracks": {"items": [_TRACK]},
}

# Track pages carry their album in the file name (see raw_layout.track_page_key).
TRACK_PAGE_ALBUM_PATTERN = r"tracks-([0-9A-Za-z]+)-[0-9]+\.json$"
MAX_OBJECT_BYTES = 1 << 28  # for the precise validator's read_json_objects


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


def ensure_tables(conn: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        conn.execute(table.create_sql())


def load_snapshot(conn: duckdb.DuckDBPyConnection, day: date, files: RawSnapshotFiles) -> dict[str, int]:
    """Replace ``day``'s rows of every table with what the raw files say; returns row counts."""
    ensure_tables(conn)
    with _staging(conn) as stg:
        _stage_album_sources(conn, stg, files.album_sources)
        _parse_raw_files(conn, stg, files)
        _reject_suspect_files(conn, stg, files)
        for statement in _STAGE_SQL:
            conn.execute(stg(statement))
        _stage_tracks(conn, stg)
        conn.execute("BEGIN TRANSACTION")
        try:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table.name} WHERE snapshot_date = ?", [day])
                conn.execute(stg(_INSERT_SQL[table.name]), [day])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return row_counts(conn, day)


def row_counts(conn: duckdb.DuckDBPyConnection, day: date) -> dict[str, int]:
    counts = " UNION ALL ".join(
        f"SELECT '{table.name}', count(*) FROM {table.name} WHERE snapshot_date = $day" for table in TABLES
    )
    return dict(conn.execute(counts, {"day": day}).fetchall())


@contextmanager
def _staging(conn: duckdb.DuckDBPyConnection) -> Iterator[Callable[[str], str]]:
    """A private in-memory database for one load's staging tables, attached to the connection's
    database instance (so the cursors parsing shards of files in parallel see it) and detached at
    the end. Yields the function that points ``STG.`` in a statement at it."""
    name = f"flatten_staging_{uuid.uuid4().hex[:12]}"
    conn.execute(f"ATTACH ':memory:' AS {name}")
    try:
        yield lambda statement: statement.replace("STG.", f"{name}.")
    finally:
        conn.execute(f"DETACH {name}")


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _read_texts(files: Sequence[str]) -> str:
    """A FROM clause over raw files (one row per file: ``filename``, ``content``).

    An empty file list becomes an empty relation of the same columns, so every query below
    works unchanged for a day without (say) extra track pages.
    """
    if not files:
        return "(SELECT NULL::VARCHAR AS filename, NULL::VARCHAR AS content WHERE false)"
    return f"read_text({_sql_list(files)})"


# ----- the one parse: shadow types and their shape checks -------------------------------------

# Containers read as typed structs / lists (so we can descend into them); every other field is
# read as JSON text, whose type we can see. A list of scalars (available_markets) is read as a list
# of NULLs of the same length.
_DESCEND = frozenset({"external_urls", "artists", "tracks", "items"})


def _shadow(spec: dict[str, Any]) -> dict[str, Any]:
    """The ``from_json`` structure that reads ``spec``'s fields in one parse (see _DESCEND)."""
    out: dict[str, Any] = {}
    for name, declared in spec.items():
        if isinstance(declared, list) and not isinstance(declared[0], dict):
            out[name] = ["NULL"]  # only the length is used: a list of NULLs costs next to nothing
        elif name in _DESCEND:
            out[name] = [_shadow(declared[0])] if isinstance(declared, list) else _shadow(declared)
        else:
            out[name] = "JSON"
    return out


# The checks read the JSON text as VARCHAR: a JSON value cast to BIGINT would unwrap "12" to 12.
_STRING = "starts_with({v}::VARCHAR, '\"')"
_LEAF_OK = {
    "VARCHAR": _STRING,
    # yyjson writes an integer as digits (and a sign), a real with '.' or an exponent
    "BIGINT": "(TRY_CAST({v}::VARCHAR AS BIGINT) IS NOT NULL AND NOT contains({v}::VARCHAR, '.') "
    "AND NOT contains({v}::VARCHAR, 'e') AND NOT contains({v}::VARCHAR, 'E'))",
    "BOOLEAN": "({v}::VARCHAR IN ('true', 'false'))",
}
_JSON_TYPES = {"VARCHAR": ("VARCHAR",), "BIGINT": ("BIGINT", "UBIGINT"), "BOOLEAN": ("BOOLEAN",)}


def _leaf_suspect(v: str, declared: Any) -> str:
    """TRUE when the JSON text ``v`` (NULL: absent or null) is not of the declared type."""
    if isinstance(declared, list):
        ok = f"starts_with({v}::VARCHAR, '[')"
    elif isinstance(declared, dict):  # a small object read as text (external_ids): check inside it
        inner = [
            f"coalesce(json_type({v}, '$.{name}'), 'NULL') IN ({', '.join(repr(t) for t in ('NULL', *_JSON_TYPES[sub]))})"
            for name, sub in declared.items()
        ]
        ok = " AND ".join([f"starts_with({v}::VARCHAR, '{{')", *inner])
    else:
        ok = _LEAF_OK[declared].format(v=v)
    return f"({v} IS NOT NULL AND NOT ({ok}))"


def _suspect_sql(spec: dict[str, Any], x: str) -> str:
    """TRUE when the item ``x`` (read with ``_shadow(spec)``, not NULL) may be malformed.

    Exact for fields read as JSON text. Conservative for typed containers: an item or object whose
    fields all read NULL may be a non-object, a list that reads NULL may be a non-list, so a
    missing id, ``external_urls.spotify``, ``artists`` or ``tracks.items`` is suspect too. The
    items of a list (tracks, artists) are checked on their own rows, not here (a lambda per list
    costs more than the parse).
    """
    conds = [f"{x}.id IS NULL", f"NOT {_STRING.format(v=f'{x}.id')}"]  # also: a non-object item
    for name, declared in spec.items():
        v = f'{x}."{name}"'
        if name == "id":
            continue
        if isinstance(declared, list) and not isinstance(declared[0], dict):
            # read as a list: NULL when absent, null or not a list; suspect only if the file has
            # the field at all (Development-Mode and market-filtered responses leave it out)
            conds.append(f"({v} IS NULL AND has_{name})")
        elif name in _DESCEND and isinstance(declared, list):
            conds.append(f"{v} IS NULL")
        elif name in _DESCEND:  # an object read as a struct: each of its fields must be there
            for sub, sub_declared in declared.items():
                w = f'{v}."{sub}"'
                if isinstance(sub_declared, list):
                    conds.append(f"{w} IS NULL")
                else:
                    conds.append(f"{w} IS NULL OR NOT {_LEAF_OK[sub_declared].format(v=w)}")
        else:
            conds.append(_leaf_suspect(v, declared))
    return " OR ".join(f"({c})" for c in conds)


def _text(v: str) -> str:
    """JSON text of a string -> the string (NULL stays NULL)."""
    return f"({v} ->> '$')"


def _int(v: str) -> str:
    return f"TRY_CAST({v}::VARCHAR AS BIGINT)"


def _bool(v: str) -> str:
    return f"(CASE {v}::VARCHAR WHEN 'true' THEN true WHEN 'false' THEN false END)"


# A track as staged, one row per track (``t`` read with _shadow(_TRACK)): typed and compact (the
# market list becomes its length), its credits as read (only the few distinct artists are
# converted), and whether it is suspect.
_TRACK_COLUMNS = f"""
    {_text('t.id')} AS track_id, {_text('t.name')} AS name, {_int('t.disc_number')} AS disc_number,
    {_int('t.track_number')} AS track_number, {_int('t.duration_ms')} AS duration_ms,
    {_bool('t.explicit')} AS explicit, {_bool('t.is_local')} AS is_local,
    len(t.available_markets) AS market_count, {_text('t.external_urls.spotify')} AS spotify_url,
    {_text('t.uri')} AS uri, t.artists AS artists,
    coalesce(t IS NOT NULL AND ({_suspect_sql(_TRACK, 't')}), false) AS suspect"""


def _parsed(files: Sequence[str], shape: dict[str, Any]) -> str:
    """One row per raw file: its name, whether it mentions available_markets at all, its parse."""
    return f"""(SELECT filename, contains(content, '"available_markets"') AS has_available_markets,
                       from_json(content, '{json.dumps(shape)}') AS doc FROM {_read_texts(files)})"""


def _release_items_select(files: Sequence[str]) -> str:
    """Every listed album with its page and index (nulls skipped)."""
    return f"""
        SELECT filename, idx, {_text('a.id')} AS album_id, {_text('a.name')} AS name,
               {_text('a.album_type')} AS album_type, {_int('a.total_tracks')} AS total_tracks,
               {_text('a.release_date')} AS release_date, {_text('a.release_date_precision')} AS precision,
               {_text('a.uri')} AS uri, {_text('a.external_urls.spotify')} AS spotify_url,
               json_extract_string(a.images, '$[0].url') AS image_url, len(a.available_markets) AS market_count,
               a.artists AS artists, coalesce({_suspect_sql(_LISTED_ALBUM, 'a')}, false) AS suspect
        FROM (SELECT filename, has_available_markets, unnest(doc.albums.items) AS a,
                     unnest(range(len(doc.albums.items))) AS idx
              FROM {_parsed(files, {"albums": {"items": [_shadow(_LISTED_ALBUM)]}})})
        WHERE a IS NOT NULL
        """


def _batch_tracks_select(files: Sequence[str]) -> str:
    """Every track of every album of every ``albums?ids=`` batch, with its album's full-album fields
    (label, popularity, UPC); an album without tracks keeps one row with a NULL track, so each
    album has exactly one row with ``track_index`` 0. The day's albums are picked later."""
    return f"""
        SELECT filename, album_id, track_index, label, popularity, upc, album_suspect, {_TRACK_COLUMNS}
        FROM (
            SELECT filename, has_available_markets, album_id, label, popularity, upc, album_suspect,
                   unnest(CASE WHEN len(items) > 0 THEN items ELSE [NULL] END) AS t,
                   unnest(range(greatest(len(items), 1))) AS track_index
            FROM (
                SELECT filename, has_available_markets, {_text('d.id')} AS album_id, {_text('d.label')} AS label,
                       {_int('d.popularity')} AS popularity, json_extract_string(d.external_ids, '$.upc') AS upc,
                       d.tracks.items AS items, coalesce({_suspect_sql(_FULL_ALBUM, 'd')}, false) AS album_suspect
                FROM (SELECT filename, has_available_markets, unnest(doc.albums) AS d
                      FROM {_parsed(files, {"albums": [_shadow(_FULL_ALBUM)]})})
                WHERE d IS NOT NULL
            )
        )
        """


def _page_tracks_select(files: Sequence[str]) -> str:
    """Every track of every ``albums/{id}/tracks`` page beyond the first, with the album its name
    says; a page whose items do not read as a list keeps one (suspect) row."""
    return f"""
        SELECT filename, regexp_extract(filename, '{TRACK_PAGE_ALBUM_PATTERN}', 1) AS album_id,
               page_suspect, {_TRACK_COLUMNS}
        FROM (SELECT filename, has_available_markets, doc.items IS NULL AS page_suspect,
                     unnest(coalesce(doc.items, [NULL])) AS t
              FROM {_parsed(files, _shadow({"items": [_TRACK]}))})
        """


# (staging table, which files, its query): the only statements that read raw files.
_SCANS: list[tuple[str, str, Callable[[Sequence[str]], str]]] = [
    ("batch_tracks", "albums_batches", _batch_tracks_select),
    ("page_tracks", "track_pages", _page_tracks_select),
    ("release_items", "release_pages", _release_items_select),
]
MIN_FILES_PER_SHARD = 64


def _parse_raw_files(conn: duckdb.DuckDBPyConnection, stg: Callable[[str], str], files: RawSnapshotFiles) -> None:
    """Parse every raw file once into STG.batch_tracks, STG.page_tracks and STG.release_items.

    A DuckDB scan of a list of files runs on one thread, so the files are cut into shards parsed
    concurrently on cursors of the connection (DuckDB releases the GIL), one table per shard; each
    staging table is then a view over its shards. Meanwhile DuckDB's own worker threads are turned
    down to one (restored after): with nothing to run they spin, which cost ~60% more CPU for the
    same parse on this 2-core machine.
    """
    threads = int(conn.execute("SELECT current_setting('threads')").fetchall()[0][0])
    tasks, parts = [], {}
    for table, attribute, select in _SCANS:
        paths = list(getattr(files, attribute))
        count = max(1, min(2 * threads, len(paths) // MIN_FILES_PER_SHARD))
        parts[table] = [f"STG.{table}_{i}" for i in range(count)]
        tasks += [(part, paths[i::count], select) for i, part in enumerate(parts[table])]
    cursors = [conn.cursor() for _ in tasks]
    try:
        if threads <= 1 or len(tasks) == 1:
            for cursor, task in zip(cursors, tasks):
                _scan(cursor, stg, *task)
        else:
            conn.execute("SET threads = 1")
            try:
                with ThreadPoolExecutor(max_workers=threads) as pool:
                    for future in [pool.submit(_scan, cursor, stg, *task) for cursor, task in zip(cursors, tasks)]:
                        future.result()
            finally:
                conn.execute(f"SET threads = {threads}")
    finally:
        for cursor in cursors:
            cursor.close()
    for table, names in parts.items():
        conn.execute(stg(f"CREATE VIEW STG.{table} AS " + " UNION ALL ".join(f"SELECT * FROM {n}" for n in names)))


def _scan(cursor: duckdb.DuckDBPyConnection, stg: Callable[[str], str], part: str, paths: Sequence[str],
          select: Callable[[Sequence[str]], str]) -> None:
    try:
        cursor.execute(f"CREATE TABLE {stg(part)} AS {select(paths)}")  # stg() not over the paths
    except duckdb.InvalidInputException as exc:  # e.g. a file that is not JSON: name it
        bad = cursor.execute(
            f"SELECT filename FROM {_read_texts(paths)} WHERE NOT json_valid(content) ORDER BY filename LIMIT 1"
        ).fetchall()
        if bad:
            raise RawDataError(
                f"{bad[0][0]}: body is not valid JSON; the raw file is kept, fix the source or the schema"
            ) from exc
        raise


def _reject_suspect_files(conn: duckdb.DuckDBPyConnection, stg: Callable[[str], str], files: RawSnapshotFiles) -> None:
    """Run the precise validator on the files the one-parse checks found suspect (normally none)."""
    suspect = conn.execute(
        stg(
            f"""
            SELECT DISTINCT 'release_pages', filename FROM STG.release_items WHERE suspect
            UNION ALL SELECT DISTINCT 'albums_batches', filename FROM STG.batch_tracks WHERE album_suspect OR suspect
            UNION ALL SELECT DISTINCT 'track_pages', filename FROM STG.page_tracks WHERE page_suspect OR suspect
            UNION ALL SELECT DISTINCT kind, filename FROM (
                SELECT 'release_pages' AS kind, filename, unnest(artists) AS a FROM STG.release_items
                UNION ALL SELECT 'albums_batches', filename, unnest(artists) FROM STG.batch_tracks
                UNION ALL SELECT 'track_pages', filename, unnest(artists) FROM STG.page_tracks)
            WHERE a IS NOT NULL AND ({_suspect_sql(_ARTIST, "a")})
            """
        )
    ).fetchall()
    if not suspect:
        return
    subset = {kind: sorted({f for k, f in suspect if k == kind}) for kind in ("release_pages", "albums_batches", "track_pages")}
    reject_malformed_items(conn, replace(files, **subset))


def _stage_album_sources(conn: duckdb.DuckDBPyConnection, stg: Callable[[str], str],
                         sources: Sequence[tuple[str, str]]) -> None:
    # Two list parameters unnested side by side: one statement, no pandas (0.25 s of import) needed.
    filenames, album_ids = [s[0] for s in sources], [s[1] for s in sources]
    conn.execute(stg("CREATE TABLE STG.sources AS SELECT unnest(?::VARCHAR[]) AS filename, "
                     "unnest(?::VARCHAR[]) AS album_id"), [filenames, album_ids])


_STAGE_SQL = [
    # The day's listing: each album once, at its first position across pages (found on narrow rows:
    # a window over the full rows would carry their artist lists along).
    """
    CREATE TABLE STG.release AS
    WITH firsts AS (
        SELECT min({'filename': filename, 'idx': idx}) AS first FROM STG.release_items
        WHERE album_id IS NOT NULL GROUP BY album_id
    ), positions AS (
        SELECT first.filename, first.idx, row_number() OVER (ORDER BY first.filename, first.idx) - 1 AS position
        FROM firsts
    )
    SELECT r.* EXCLUDE (suspect), p.position
    FROM STG.release_items r JOIN positions p ON p.filename = r.filename AND p.idx = r.idx
    """,
    # Which batch file each of the day's albums is read from: the first of the files its manifest
    # assigns to it (an older batch file may hold an older version), with its full-album fields.
    """
    CREATE TABLE STG.album_batch AS
    SELECT b.filename, b.album_id, b.label, b.popularity, b.upc FROM STG.batch_tracks b
    SEMI JOIN STG.sources s ON s.filename = b.filename AND s.album_id = b.album_id
    WHERE b.track_index = 0 AND b.album_id IN (SELECT album_id FROM STG.release)
    QUALIFY row_number() OVER (PARTITION BY b.album_id ORDER BY b.filename) = 1
    """,
]

_TRACK_FIELDS = ("track_id", "name", "disc_number", "track_number", "duration_ms", "explicit", "is_local",
                 "market_count", "spotify_url", "uri", "artists")


def _stage_tracks(conn: duckdb.DuckDBPyConnection, stg: Callable[[str], str]) -> None:
    """Tracks embedded in album batches plus extra track pages, kept for the day's albums, each once.

    A view (the tables read it directly); materialized only when a track id repeats, to keep the
    first (by album id) of its copies."""
    fields = ", ".join(_TRACK_FIELDS)
    conn.execute(
        stg(
            f"""
            CREATE VIEW STG.track_rows AS
            SELECT album_id, {fields} FROM (
                SELECT album_id, {fields} FROM STG.batch_tracks b
                SEMI JOIN STG.album_batch s ON s.filename = b.filename AND s.album_id = b.album_id
                UNION ALL
                SELECT album_id, {fields} FROM STG.page_tracks p
                SEMI JOIN STG.sources s ON s.filename = p.filename AND s.album_id = p.album_id
            )
            WHERE track_id IS NOT NULL AND album_id IN (SELECT album_id FROM STG.release)
            """
        )
    )
    repeated = conn.execute(stg("SELECT count(*) - count(DISTINCT track_id) FROM STG.track_rows")).fetchall()[0][0]
    if repeated:
        conn.execute(
            stg(
                """
                CREATE TABLE STG.tracks AS SELECT * FROM STG.track_rows
                QUALIFY row_number() OVER (PARTITION BY track_id ORDER BY album_id) = 1
                """
            )
        )
    else:
        conn.execute(stg("CREATE VIEW STG.tracks AS SELECT * FROM STG.track_rows"))


# ----- the precise validator (only for files the one-parse checks found suspect) --------------

_ITEM_SHAPES: list[tuple[str, str, dict[str, Any], bool]] = [  # (which files, JSON path of items, spec, id required)
    ("release_pages", "$.albums.items[*]", _LISTED_ALBUM, True),
    ("release_pages", "$.albums.items[*].artists[*]", _ARTIST, False),
    ("albums_batches", "$.albums[*]", _FULL_ALBUM, True),
    ("albums_batches", "$.albums[*].tracks.items[*]", _TRACK, True),
    ("albums_batches", "$.albums[*].tracks.items[*].artists[*]", _ARTIST, False),
    ("track_pages", "$", {"items": [_TRACK]}, False),
    ("track_pages", "$.items[*]", _TRACK, True),
    ("track_pages", "$.items[*].artists[*]", _ARTIST, False),
]


def reject_malformed_items(conn: duckdb.DuckDBPyConnection, files: RawSnapshotFiles) -> None:
    """Fail, naming the file and the field, on a raw item of the wrong shape.

    ``from_json`` turns a value of the wrong type into NULL (or coerces it) without a word: a track
    sent as ``"id": 5`` or ``"duration_ms": "abc"`` would vanish or lose a value silently. Null items
    (Spotify pads with them) and absent fields (removed for Development-Mode apps) stay fine.
    """
    for attribute, path, spec, id_required in _ITEM_SHAPES:
        sources = getattr(files, attribute)
        if not sources:
            continue
        problem = conn.execute(_shape_problems_sql(sources, path, spec, id_required)).fetchone()
        if problem is not None:
            filename, position, item_id, what = problem
            where = f"item {position} of {path}" + (f" (id {item_id})" if item_id else "")
            raise RawDataError(f"{filename}: {where}: {what}; the raw file is kept, fix the source or the schema")


def _read_objects(files: Sequence[str]) -> str:
    return (
        f"read_json_objects({_sql_list(files)}, format='auto', filename=true, "
        f"maximum_object_size={MAX_OBJECT_BYTES})"
    )


def _declared_fields(spec: dict[str, Any], prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    """(dotted field name, JSON types it may have) for every field of ``spec``, nested objects included."""
    fields = []
    for name, declared in spec.items():
        label = f"{prefix}{name}"
        allowed = ("ARRAY",) if isinstance(declared, list) else ("OBJECT",) if isinstance(declared, dict) else _JSON_TYPES[declared]
        fields.append((label, allowed))
        if isinstance(declared, dict):
            fields += _declared_fields(declared, f"{label}.")
    return fields


def _shape_problems_sql(files: Sequence[str], path: str, spec: dict[str, Any], id_required: bool) -> str:
    """The first (file, position, id, problem) among the items at ``path`` of ``files``, if any.

    Each item is parsed once: ``json_extract`` with a list of paths pulls every declared field in
    one pass, and only the small extracted values are typed (``->`` per field re-parses the item).
    """
    fields = _declared_fields(spec)
    paths = ", ".join(f"'$.{label}'" for label, _ in fields)
    branches = ["WHEN json_type(item) <> 'OBJECT' THEN 'is ' || json_type(item) || ', not an object'"]
    if id_required:
        branches.append("WHEN json_type(item->'id') IS DISTINCT FROM 'VARCHAR' THEN 'id is missing or not a string'")
    for index, (label, allowed) in enumerate(fields, start=1):
        allowed_sql = ", ".join(f"'{t}'" for t in ("NULL", *allowed))
        branches.append(
            f"WHEN coalesce(json_type(v[{index}]), 'NULL') NOT IN ({allowed_sql}) "
            f"THEN '{label} is ' || json_type(v[{index}]) || ', expected {'/'.join(allowed)}'"
        )
    items = "[json]" if path == "$" else f"json_extract(json, '{path}')"
    return f"""
        SELECT filename, position, item_id, problem FROM (
            SELECT filename, position, item_id, CASE {' '.join(branches)} END AS problem FROM (
                SELECT filename, position, item,
                       CASE WHEN json_type(item) = 'OBJECT' THEN item->>'id' END AS item_id,
                       CASE WHEN json_type(item) = 'OBJECT' THEN json_extract(item, [{paths}]) END AS v
                FROM (SELECT filename, unnest(items) AS item, unnest(range(len(items))) AS position
                      FROM (SELECT filename, {items} AS items FROM {_read_objects(files)}))
                WHERE coalesce(json_type(item), 'NULL') <> 'NULL'
            )
        )
        WHERE problem IS NOT NULL
        ORDER BY filename, position
        LIMIT 1
        """


# ----- the tables, from the staging --------------------------------------------------------------


def _insert(table: Table, select: str) -> str:
    return f"INSERT INTO {table.name} ({', '.join(table.column_names)}) {select}"


def _credits_select(owner_key: str, staging: str) -> str:
    """Artist credits of an album or a track, in credit order (an artist credited twice: first place).

    Only owners with several artists can credit one twice: the others skip the grouping."""
    return f"""
        SELECT $1, {owner_key}, {_text('artists[1].id')}, 0 FROM {staging}
        WHERE len(artists) = 1 AND artists[1].id IS NOT NULL
        UNION ALL
        SELECT $1, {owner_key}, {_text('artist_id')}, min(artist_position)
        FROM (SELECT {owner_key}, unnest(artists).id AS artist_id, unnest(range(len(artists))) AS artist_position
              FROM {staging} WHERE len(artists) > 1)
        WHERE artist_id IS NOT NULL
        GROUP BY {owner_key}, artist_id
        """


_RELEASE_DATE_START = """
    CASE precision
        WHEN 'day' THEN TRY_CAST(release_date AS DATE)
        WHEN 'month' THEN TRY_CAST(release_date || '-01' AS DATE)
        WHEN 'year' THEN TRY_CAST(release_date || '-01-01' AS DATE)
    END"""

_INSERT_SQL: dict[str, str] = {
    ALBUMS.name: _insert(
        ALBUMS,
        f"""
        SELECT ?, r.album_id, position, name, album_type, total_tracks, release_date, precision,
               {_RELEASE_DATE_START}, d.label, d.popularity, d.upc, market_count, image_url, spotify_url, uri
        FROM STG.release r LEFT JOIN STG.album_batch d ON d.album_id = r.album_id
        """,
    ),
    ARTISTS.name: _insert(
        ARTISTS,
        f"""
        SELECT ?, {_text('id')} AS artist_id, min({_text('name')}), min({_text('spotify_url')}), min({_text('uri')})
        FROM (
            SELECT DISTINCT artist.id, artist.name, artist.uri, artist.external_urls.spotify AS spotify_url FROM (
                SELECT unnest(artists) AS artist FROM STG.release
                UNION ALL
                SELECT unnest(artists) AS artist FROM STG.tracks
            )
            WHERE artist.id IS NOT NULL
        )
        GROUP BY artist_id
        """,
    ),
    ALBUM_ARTISTS.name: _insert(ALBUM_ARTISTS, _credits_select("album_id", "STG.release")),
    TRACKS.name: _insert(
        TRACKS,
        """
        SELECT ?, track_id, album_id, name, disc_number, track_number, duration_ms, explicit, is_local,
               market_count, spotify_url, uri
        FROM STG.tracks
        """,
    ),
    TRACK_ARTISTS.name: _insert(TRACK_ARTISTS, _credits_select("track_id", "STG.tracks")),
}
