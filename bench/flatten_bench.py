"""Flattening benchmark: ~1 M tracks of raw JSON in the platform's raw layout, loaded by
``spotify_assets.transform.flatten.load_snapshot`` vs a plain pandas path.

The raw files are templated from one real emulator day fetched by our client (albums_per_day=200,
no latency): every copy gets fresh album and track ids (artists are shared, as in real data), so the
bytes are exactly what the API returns, just many more of them."""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path
from typing import Any

DAY = date(2026, 11, 20)
ID_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{22}(?![0-9A-Za-z])")


def _template_pages() -> tuple[list, set[str]]:
    from spotify_assets.emulator import CatalogConfig, EmulatorConfig, SpotifyEmulator
    from spotify_assets.resources.spotify_api import ClientSettings
    from spotify_assets.resources.spotify_api.client import SpotifyClient
    from spotify_assets.transform.releases import album_refs_from_release_pages

    config = EmulatorConfig(catalog=CatalogConfig(albums_per_day=200), today=DAY)
    with SpotifyEmulator(config) as emu:
        settings = ClientSettings(api_base_url=emu.api_base_url, token_url=emu.token_url,
                                  client_id=config.client_id, client_secret=config.client_secret)
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
    from spotify_assets.transform.flatten import RawSnapshotFiles

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
                parts.append(text[last:m.start()])
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
            for slot, part in zip(slots, parts[1:]):
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
    files = RawSnapshotFiles(release_pages=release_files, albums_batches=batch_files, track_pages=track_files,
                             album_sources=sources)
    return files, copies * template_tracks


def run_platform(files: Any, db: Path) -> tuple[float, dict[str, int]]:
    import duckdb

    from spotify_assets.transform.flatten import load_snapshot

    conn = duckdb.connect(str(db))
    t0 = time.perf_counter()
    counts = load_snapshot(conn, DAY, files)
    wall = time.perf_counter() - t0
    conn.close()
    return wall, counts


def _stringify_nested(df: Any) -> Any:
    for col in df.columns:
        if df[col].dtype == object:
            sample = df[col].dropna()
            if len(sample) and isinstance(sample.iloc[0], (list, dict)):
                df[col] = df[col].map(json.dumps)
    return df


def run_pandas(files: Any, db: Path) -> tuple[float, dict[str, int]]:
    """The obvious pandas path: json.load each file -> json_normalize -> DataFrame -> DuckDB."""
    import duckdb
    import pandas as pd

    t0 = time.perf_counter()
    track_frames, album_frames, release_frames = [], [], []
    for f in files.release_pages:
        with open(f) as fh:
            release_frames.append(pd.json_normalize(json.load(fh)["albums"]["items"]))
    for f in files.albums_batches:
        with open(f) as fh:
            albums = json.load(fh)["albums"]
        track_frames.append(pd.json_normalize(albums, record_path=["tracks", "items"], meta=["id"], meta_prefix="album_"))
        album_frames.append(pd.json_normalize([{k: v for k, v in a.items() if k != "tracks"} for a in albums]))
    pattern = re.compile(r"tracks-([0-9A-Za-z]+)-[0-9]+\.json$")
    for f in files.track_pages:
        with open(f) as fh:
            frame = pd.json_normalize(json.load(fh)["items"])
        frame["album_id"] = pattern.search(f).group(1)
        track_frames.append(frame)
    tracks = _stringify_nested(pd.concat(track_frames, ignore_index=True)).drop_duplicates("id")  # noqa: F841
    albums = _stringify_nested(pd.concat(album_frames, ignore_index=True)).drop_duplicates("id")  # noqa: F841
    releases = _stringify_nested(pd.concat(release_frames, ignore_index=True))  # noqa: F841
    conn = duckdb.connect(str(db))
    conn.execute("CREATE TABLE tracks AS SELECT * FROM tracks")
    conn.execute("CREATE TABLE albums AS SELECT * FROM albums")
    conn.execute("CREATE TABLE releases AS SELECT * FROM releases")
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("albums", "tracks")}
    conn.close()
    return time.perf_counter() - t0, counts


def worker(a: dict[str, Any]) -> dict[str, Any]:
    """``a``: {"mode": "synth"|"platform"|"pandas", "root": dir, "target": n}; files list pickled in root."""
    import pickle

    root = Path(a["root"])
    if a["mode"] == "synth":
        t0 = time.perf_counter()
        files, tracks = synthesize(root / "raw", a["target"])
        (root / "files.pkl").write_bytes(pickle.dumps(files))
        size = sum(Path(p).stat().st_size for p in (root / "raw").iterdir())
        return {"wall_s": time.perf_counter() - t0, "tracks": tracks, "files": len(list((root / "raw").iterdir())),
                "bytes": size}
    files = pickle.loads((root / "files.pkl").read_bytes())
    run = run_platform if a["mode"] == "platform" else run_pandas
    wall, counts = run(files, root / f"{a['mode']}.duckdb")
    return {"wall_s": wall, "counts": counts}
