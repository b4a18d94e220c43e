"""Flattening benchmark (section 3): ~1 M tracks of raw JSON in the platform's raw layout, loaded by
``spotify_assets.tables.flatten.load_snapshot`` vs a fair pandas path building the same five
tables.

The raw files are templated from one real emulator day fetched by our client (albums_per_day=200,
no latency): every copy gets fresh album and track ids (artists are shared, as in real data), so the
bytes are exactly what the API returns, just many more of them.

    python bench/flatten_bench.py [--tracks 1000000] [--timeout 900] [--mem-cap-gib 12]

runs the section alone and prints its Markdown. Each contender runs in its own subprocess
(``--worker synth|ours|pandas DIR``) under a wall-time timeout and a memory cap (RSS of the process
tree, polled every 10 ms: the process is killed above the cap and reported as such).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from supervise import run_supervised

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DAY = date(2026, 11, 20)
ID_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{22}(?![0-9A-Za-z])")
TRACK_PAGE_RE = re.compile(r"tracks-([0-9A-Za-z]+)-[0-9]+\.json$")
TABLE_NAMES = ("albums", "artists", "album_artists", "tracks", "track_artists")
DEFAULT_TIMEOUT_S = 900.0
DEFAULT_MEM_CAP_GIB = 12.0


# ----- the raw files ---------------------------------------------------------------------------


def _template_pages() -> tuple[list, set[str]]:
    from spotify_assets.emulator import CatalogConfig, EmulatorConfig, SpotifyEmulator
    from spotify_assets.landing.releases import album_refs_from_release_pages
    from spotify_assets.spotify_api import ClientSettings
    from spotify_assets.spotify_api.client import SpotifyClient

    config = EmulatorConfig(catalog=CatalogConfig(albums_per_day=200), today=DAY)
    with SpotifyEmulator(config) as emu:
        settings = ClientSettings(
            api_base_url=emu.api_base_url,
            token_url=emu.token_url,
            client_id=config.client_id,
            client_secret=config.client_secret,
        )
        with SpotifyClient(settings) as client:
            release = list(client.iter_new_release_pages())
            refs = album_refs_from_release_pages([(p.url, p.body) for p in release])
            pages = release + list(client.iter_album_track_pages(refs))
    ids: set[str] = {r.id for r in refs}
    for p in pages:
        if p.kind == "albums_batch":
            for album in json.loads(p.body)["albums"]:
                ids.update(t["id"] for t in album["tracks"]["items"])
        elif p.kind == "album_tracks":
            ids.update(t["id"] for t in json.loads(p.body)["items"])
    return pages, ids


def synthesize(root: Path, target_tracks: int) -> tuple[Any, int]:
    from spotify_assets.tables.flatten import RawSnapshotFiles

    pages, ids = _template_pages()
    template_tracks = sum(
        len(a["tracks"]["items"]) for p in pages if p.kind == "albums_batch" for a in json.loads(p.body)["albums"]
    ) + sum(len(json.loads(p.body)["items"]) for p in pages if p.kind == "album_tracks")
    copies = -(-target_tracks // template_tracks)
    # Split every body once around the ids to replace; each copy is then a cheap join.
    split = []
    for p in pages:
        text = p.body.decode()
        parts, slots, last = [], [], 0
        for m in ID_RE.finditer(text):
            if m.group(0) in ids:
                parts.append(text[last : m.start()])
                slots.append(m.group(0))
                last = m.end()
        parts.append(text[last:])
        album_ids = [a["id"] for a in json.loads(p.body)["albums"]] if p.kind == "albums_batch" else []
        split.append((p, parts, slots, album_ids))
    root.mkdir(parents=True, exist_ok=True)
    release_files, batch_files, track_files, sources = [], [], [], []
    n_release = n_batch = 0
    for k in range(copies):
        suffix = f"{k:05d}"
        for p, parts, slots, album_ids in split:
            out = [parts[0]]
            for slot, part in zip(slots, parts[1:], strict=False):
                out += (slot[:17] + suffix, part)
            body = "".join(out)
            if p.kind == "new_releases":
                path = root / f"page-{n_release:05d}.json"
                n_release += 1
                release_files.append(str(path))
            elif p.kind == "albums_batch":
                path = root / f"albums-batch-{n_batch:05d}.json"
                n_batch += 1
                batch_files.append(str(path))
                sources += [(str(path), a[:17] + suffix) for a in album_ids]
            else:
                album = p.album_id[:17] + suffix
                path = root / f"tracks-{album}-{p.offset:05d}.json"
                track_files.append(str(path))
                sources.append((str(path), album))
            path.write_text(body)
    files = RawSnapshotFiles(
        release_pages=release_files, albums_batches=batch_files, track_pages=track_files, album_sources=sources
    )
    return files, copies * template_tracks


# ----- the contenders ----------------------------------------------------------------------------


def run_platform(files: Any, db: Path) -> tuple[float, dict[str, int]]:
    import duckdb

    from spotify_assets.tables.flatten import load_snapshot

    conn = duckdb.connect(str(db))
    t0 = time.perf_counter()
    counts = load_snapshot(conn, DAY, files)
    wall = time.perf_counter() - t0
    conn.close()
    return wall, counts


def run_pandas(files: Any, db: Path) -> tuple[float, dict[str, int]]:
    """The competent pandas path to the same five tables with the same rows as ``load_snapshot``:
    file by file ``json.load`` -> ``pd.json_normalize(record_path, meta)`` -> slim frames (a market
    list becomes its length at once, so memory stays sane) -> ``pd.concat`` -> the same selection
    and de-duplication rules, vectorized -> DuckDB ``INSERT ... SELECT`` from the registered frames,
    into the same tables. It checks no JSON types (``load_snapshot`` does)."""
    import duckdb
    import pandas as pd

    from spotify_assets.tables.schema import TABLES_BY_NAME

    t0 = time.perf_counter()
    assigned: dict[str, set[str]] = {}
    for path, album_id in files.album_sources:
        assigned.setdefault(path, set()).add(album_id)

    def column(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)

    def count(values: pd.Series) -> pd.Series:
        return values.map(lambda v: len(v) if isinstance(v, list) else None).astype("Int64")

    def credits(frame: pd.DataFrame, owner: str) -> pd.DataFrame:
        """(owner, artist id / name / url / uri, position) from the ``artists`` lists of ``frame``."""
        rows = frame[[owner, "artists"]].explode("artists", ignore_index=True)
        rows["artist_position"] = rows.groupby(owner, sort=False).cumcount()  # list order, nulls counted
        rows = rows[rows["artists"].map(lambda a: isinstance(a, dict))].reset_index(drop=True)
        people = pd.json_normalize(rows["artists"].tolist())
        rows = pd.DataFrame(
            {
                owner: rows[owner],
                "artist_id": column(people, "id"),
                "name": column(people, "name"),
                "spotify_url": column(people, "external_urls.spotify"),
                "uri": column(people, "uri"),
                "artist_position": rows["artist_position"],
            }
        )
        return rows[rows["artist_id"].notna()]

    def slim_tracks(frame: pd.DataFrame, file: str | None) -> pd.DataFrame:
        if "id" not in frame:
            return pd.DataFrame()
        frame = frame[frame["id"].notna()]
        return pd.DataFrame(
            {
                "track_id": frame["id"],
                "album_id": frame["album_id"],
                "name": column(frame, "name"),
                "disc_number": column(frame, "disc_number"),
                "track_number": column(frame, "track_number"),
                "duration_ms": column(frame, "duration_ms"),
                "explicit": column(frame, "explicit"),
                "is_local": column(frame, "is_local"),
                "available_market_count": count(column(frame, "available_markets")),
                "spotify_url": column(frame, "external_urls.spotify"),
                "uri": column(frame, "uri"),
                "artists": column(frame, "artists"),
                "file": file,
            }
        )

    listed, details, tracks = [], [], []
    for path in files.release_pages:
        with open(path) as fh:
            items = json.load(fh)["albums"]["items"]
        kept = [(i, a) for i, a in enumerate(items) if isinstance(a, dict) and a.get("id") is not None]
        if kept:
            frame = pd.json_normalize([a for _, a in kept])
            frame["order_file"], frame["order_index"] = path, [i for i, _ in kept]
            frame["image_url"] = column(frame, "images").map(
                lambda v: v[0].get("url") if isinstance(v, list) and v and isinstance(v[0], dict) else None
            )
            frame["available_market_count"] = count(column(frame, "available_markets"))
            listed.append(frame.drop(columns=[c for c in ("available_markets", "images") if c in frame]))
    for path in files.albums_batches:
        mine = assigned.get(path, set())
        with open(path) as fh:
            albums = [a for a in json.load(fh)["albums"] if isinstance(a, dict) and a.get("id") in mine]
        if albums:
            head = pd.json_normalize([{k: v for k, v in a.items() if k != "tracks"} for a in albums])
            details.append(
                pd.DataFrame(
                    {
                        "album_id": head["id"],
                        "file": path,
                        "label": column(head, "label"),
                        "popularity": column(head, "popularity"),
                        "upc": column(head, "external_ids.upc"),
                    }
                )
            )
            frame = pd.json_normalize(albums, record_path=["tracks", "items"], meta=["id"], meta_prefix="album_")
            tracks.append(slim_tracks(frame, path))
    for path in files.track_pages:
        album_id = TRACK_PAGE_RE.search(path).group(1)
        if album_id in assigned.get(path, ()):
            with open(path) as fh:
                frame = pd.json_normalize([t for t in json.load(fh)["items"] if isinstance(t, dict)])
            frame["album_id"] = album_id
            tracks.append(slim_tracks(frame, None))

    # The same rules as load_snapshot: an album's first listing (by file, index) sets its position;
    # its details come from the first (by file) of its batch files; a track belongs to the day when
    # its album is listed, and is kept once (smallest album id); an artist credited twice keeps its
    # first position; an artist's fields are the smallest seen.
    albums = pd.concat(listed, ignore_index=True).sort_values(["order_file", "order_index"], kind="stable")
    albums = albums.drop_duplicates("id").reset_index(drop=True)
    albums = albums.rename(columns={"id": "album_id"})
    albums["position"] = range(len(albums))
    details_df = pd.concat(details, ignore_index=True).sort_values("file", kind="stable").drop_duplicates("album_id")
    albums = albums.merge(details_df.drop(columns="file"), how="left", on="album_id")
    date_text, precision = albums["release_date"], albums["release_date_precision"]
    start = date_text.where(precision == "day", date_text + "-01").where(precision != "year", date_text + "-01-01")
    albums["release_date_start"] = pd.to_datetime(
        start.where(precision.isin(["day", "month", "year"])), format="%Y-%m-%d", errors="coerce"
    )
    albums["spotify_url"] = column(albums, "external_urls.spotify")
    album_artists = credits(albums, "album_id")

    batch_choice = details_df.set_index("album_id")["file"]
    every_track = pd.concat(tracks, ignore_index=True)
    from_batch = every_track["file"].notna()
    every_track = every_track[
        every_track["album_id"].isin(albums["album_id"])
        & (~from_batch | (every_track["file"] == every_track["album_id"].map(batch_choice)))
    ]
    tracks_df = every_track.sort_values("album_id", kind="stable").drop_duplicates("track_id")
    track_artists = credits(tracks_df, "track_id")
    people = pd.concat([album_artists, track_artists], ignore_index=True)
    frames = {
        "albums": albums,
        "artists": people.groupby("artist_id", as_index=False)[["name", "spotify_url", "uri"]].min(),
        "album_artists": album_artists.groupby(["album_id", "artist_id"], as_index=False)["artist_position"].min(),
        "tracks": tracks_df,
        "track_artists": track_artists.groupby(["track_id", "artist_id"], as_index=False)["artist_position"].min(),
    }
    conn = duckdb.connect(str(db))
    conn.execute("BEGIN TRANSACTION")
    for name, frame in frames.items():
        table = TABLES_BY_NAME[name]
        conn.execute(table.create_sql())
        conn.register(f"{name}_frame", frame)
        columns = [c for c in table.column_names if c != "snapshot_date"]
        conn.execute(
            f"INSERT INTO {name} ({', '.join(table.column_names)}) SELECT ?, {', '.join(columns)} FROM {name}_frame",
            [DAY],
        )
        conn.unregister(f"{name}_frame")
    conn.execute("COMMIT")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLE_NAMES}
    conn.close()
    return time.perf_counter() - t0, counts


# ----- subprocesses under a timeout and a memory cap ------------------------------------------


def _child(mode: str, root: Path, *extra: str, timeout: float, mem_cap_gib: float) -> dict[str, Any]:
    """Run ``--worker mode root extra...`` in a fresh interpreter; returns its JSON result plus peak RSS
    (MiB) and process wall, or an ``error`` saying why not (killed at the cap or timeout / failed)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, str(root), *extra]
    run = run_supervised(cmd, cwd=ROOT, timeout_s=timeout, mem_cap_gib=mem_cap_gib)
    result: dict[str, Any] = {"rss_mib": run.rss_mib, "process_wall_s": run.wall_s}
    failure = run.failure()
    if failure:
        result["error"] = failure
        if not run.killed:
            result["stderr_tail"] = run.stderr[-2000:]
    else:
        result.update(run.last_json())
    return result


def _worker_main(mode: str, root: Path, extra: list[str]) -> dict[str, Any]:
    if mode == "synth":
        t0 = time.perf_counter()
        files, tracks = synthesize(root / "raw", int(extra[0]))
        (root / "files.pkl").write_bytes(pickle.dumps(files))
        paths = list((root / "raw").iterdir())
        os.sync()  # no write-back of the fresh files while the contenders run
        return {
            "wall_s": time.perf_counter() - t0,
            "tracks": tracks,
            "files": len(paths),
            "bytes": sum(p.stat().st_size for p in paths),
        }
    files = pickle.loads((root / "files.pkl").read_bytes())
    run = {"ours": run_platform, "pandas": run_pandas}[mode]
    db = root / f"{mode}.duckdb"
    db.unlink(missing_ok=True)
    before, pressure = resource.getrusage(resource.RUSAGE_SELF), _cpu_pressure()
    wall, counts = run(files, db)
    after = resource.getrusage(resource.RUSAGE_SELF)
    db.unlink(missing_ok=True)
    return {
        "wall_s": wall,
        "counts": counts,
        "cpu_s": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "cpu_pressure": [pressure, _cpu_pressure()],
    }


def _cpu_pressure() -> float | None:
    """Linux PSI: % of the last 10 s in which some runnable task waited for a CPU (others' load)."""
    try:
        return float(Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1])
    except (OSError, IndexError, ValueError):
        return None


# ----- section 3 ----------------------------------------------------------------------------------


def _pressure(r: dict[str, Any]) -> str:
    values = [p for p in r.get("cpu_pressure") or [] if p is not None]
    return "–" if not values else " → ".join(f"{p:.0f}" for p in values)


def _fmt(x: Any, digits: int = 2) -> str:
    return "–" if x is None else (f"{x:,.{digits}f}" if isinstance(x, float) else f"{x:,}")


def section(
    target_tracks: int, log, timeout_s: float = DEFAULT_TIMEOUT_S, mem_cap_gib: float = DEFAULT_MEM_CAP_GIB
) -> tuple[dict, list[str]]:
    """Benchmark section 3: synthesize ~``target_tracks`` tracks of raw JSON in a temporary folder,
    load them with ``load_snapshot`` and with the pandas path (each in its own subprocess, under
    ``timeout_s`` and ``mem_cap_gib``), and compare. Returns (JSON-able results, Markdown lines)."""
    settings = {
        "target_tracks": target_tracks,
        "timeout_s": timeout_s,
        "mem_cap_gib": mem_cap_gib,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="bench-flatten-") as tmp:
        root = Path(tmp)
        log(f"flatten: synthesizing ~{target_tracks:,} tracks ...")
        synth = _child("synth", root, str(target_tracks), timeout=timeout_s, mem_cap_gib=mem_cap_gib)
        if "error" in synth:
            return (
                {"settings": settings, "synth": synth},
                ["## 3. Flattening", "", f"synthesis failed: {synth['error']}", ""],
            )
        log(
            f"  -> {synth['tracks']:,} tracks, {synth['files']:,} files, {synth['bytes'] / 2**20:,.0f} MiB "
            f"in {synth['wall_s']:.1f} s"
        )
        results: dict[str, Any] = {"settings": settings, "synth": synth}
        for name in ("ours", "pandas"):
            log(f"flatten: {name} ...")
            r = results[name] = _child(name, root, timeout=timeout_s, mem_cap_gib=mem_cap_gib)
            log(f"  -> {_fmt(r.get('wall_s'))} s, peak RSS {r['rss_mib']:,.0f} MiB {r.get('counts') or r.get('error')}")
    ours, pandas = results["ours"], results["pandas"]
    ratio = pandas["wall_s"] / ours["wall_s"] if "wall_s" in ours and "wall_s" in pandas else None
    if ratio is None and "wall_s" in ours and "error" in pandas:
        # both process walls include interpreter start-up, so their ratio is a lower bound of the in-process one
        results["ratio_at_least"] = pandas["process_wall_s"] / ours["process_wall_s"]
    results["ratio"] = ratio
    same_rows = ours.get("counts") == pandas.get("counts") if "counts" in ours and "counts" in pandas else None
    results["same_row_counts"] = same_rows
    title = (
        f"## 3. Flattening {synth['tracks']:,} tracks ({synth['files']:,} raw files, "
        f"{synth['bytes'] / 2**20:,.0f} MiB of JSON) into a fresh DuckDB"
    )
    lines = [
        title,
        "",
        "| path | wall s | CPU s | peak RSS MiB | rows | speed-up vs pandas |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for label, r in (
        ("`load_snapshot` (DuckDB SQL: one parse per file, shape checks, all 5 tables)", ours),
        ("pandas: json.load → json_normalize → DuckDB (same 5 tables, no shape checks)", pandas),
    ):
        rows = ", ".join(f"{k} {v:,}" for k, v in (r.get("counts") or {}).items()) or f"**{r.get('error')}**"
        if r is pandas:
            speed = "1.0×"
        elif ratio:
            speed = f"{ratio:.1f}×"
        elif results.get("ratio_at_least"):
            speed = f"≥ {results['ratio_at_least']:.1f}× (pandas did not finish)"
        else:
            speed = "–"
        lines.append(
            f"| {label} | {_fmt(r.get('wall_s'))} | {_fmt(r.get('cpu_s'))} | {_fmt(r.get('rss_mib'), 0)} | "
            f"{rows} | {speed} |"
        )
    raw = (
        "Raw files are one real emulator day (200 albums, fetched by our client) copied with fresh album and "
        "track ids, in the platform's raw layout (release pages, `albums-batch-*`, `tracks-<album>-*`). "
        "Wall = in-process load time (excludes interpreter start-up and imports); CPU = user + system time of "
        "that load, all threads (a figure other tenants' load barely moves, unlike wall); peak RSS = the "
        f"contender's subprocess tree (psutil, 10 ms), under a {mem_cap_gib:g} GiB cap and a {timeout_s:.0f} s "
        f"timeout. CPU pressure from other processes while each ran (PSI some avg10, %): ours "
        f"{_pressure(ours)}, pandas {_pressure(pandas)}."
    )
    match = (
        "row counts match."
        if same_rows
        else "row counts DIFFER."
        if same_rows is False
        else "row counts not compared (a contender did not finish)."
    )
    same = (
        "Both paths build the same five tables with the same rules (first listing position, an album's "
        "details from the first of its manifest's batch files, tracks kept once, first credit position) — "
        f"{match} `load_snapshot` also checks every raw item's JSON types (a wrong-typed field fails the "
        "load, naming file, item and field); the pandas path does not."
    )
    lines += ["", raw, same, ""]
    return results, lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tracks", type=int, default=1_000_000)
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="per contender, seconds")
    p.add_argument("--mem-cap-gib", type=float, default=DEFAULT_MEM_CAP_GIB, help="per contender, GiB of RSS")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--worker", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    args = p.parse_args()
    sys.path[:0] = [str(ROOT)]
    if args.worker:
        mode, root, *extra = args.worker
        print(json.dumps(_worker_main(mode, Path(root), extra)), flush=True)
        return
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    results, lines = section(args.tracks, log, args.timeout, args.mem_cap_gib)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
