"""Benchmark contenders. Each runs in its own subprocess (``python bench/run.py --worker NAME``)
so its peak RSS is measured alone; it prints one JSON line on stdout."""

from __future__ import annotations

import json
import time
from typing import Any

MARKET = "US"


def fetch_token(token_url: str, client_id: str, secret: str) -> str:
    import requests

    r = requests.post(token_url, data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=30)
    r.raise_for_status()
    return r.json()["access_token"]


def ours(a: dict[str, Any]) -> dict[str, Any]:
    from spotify_assets.landing.releases import album_refs_from_release_pages
    from spotify_assets.spotify_api import ClientSettings
    from spotify_assets.spotify_api.allocator import configure_process
    from spotify_assets.spotify_api.client import SpotifyClient

    configure_process()  # what the CLI and the code location do at start
    pacing = a.get("client_rate_limit")  # [requests, window_s]: the client paces itself to that limit
    settings = ClientSettings(
        api_base_url=a["api"],
        token_url=a["token_url"],
        client_id=a["client_id"],
        client_secret=a["secret"],
        max_workers=a.get("max_workers", 8),
        **({"rate_limit_requests": pacing[0], "rate_limit_window_s": pacing[1]} if pacing else {}),
    )
    t0 = time.perf_counter()
    pages = nbytes = 0

    def release_pages(client: SpotifyClient):
        # streamed like the platform's landing does: each listing page is dropped once read
        nonlocal pages, nbytes
        for p in client.iter_new_release_pages():
            pages += 1
            nbytes += len(p.body)
            yield p.url, p.body

    with SpotifyClient(settings) as client:
        refs = album_refs_from_release_pages(release_pages(client))
        for page in client.iter_album_track_pages(refs):
            pages += 1
            nbytes += len(page.body)
        stats = client.stats()
    return {
        "wall_s": time.perf_counter() - t0,
        "albums": len(refs),
        "pages": pages,
        "bytes": nbytes,
        "concurrency": settings.max_workers,
        "client_stats": stats,
    }


def seed(a: dict[str, Any]) -> dict[str, Any]:
    """The seed-style loop: sequential, requests, limit=20 listing, one /albums/{id}/tracks chain per album."""
    import requests

    t0 = time.perf_counter()
    s = requests.Session()
    token = [fetch_token(a["token_url"], a["client_id"], a["secret"])]

    def get(url: str, params: dict | None = None) -> dict:
        for _ in range(5):
            r = s.get(url, params=params, headers={"Authorization": f"Bearer {token[0]}"}, timeout=30)
            if r.status_code == 401:
                token[0] = fetch_token(a["token_url"], a["client_id"], a["secret"])
                continue
            if r.status_code == 429:
                time.sleep(float(r.headers.get("Retry-After", 1)))
                continue
            r.raise_for_status()
            return r.json()
        raise RuntimeError(f"gave up on {url}")

    albums, tracks = [], 0
    page = get(a["api"] + "/browse/new-releases", {"limit": 20, "country": MARKET})
    while True:
        albums += [it["id"] for it in page["albums"]["items"]]
        if not page["albums"]["next"]:
            break
        page = get(page["albums"]["next"])
    for album_id in albums:
        page = get(f"{a['api']}/albums/{album_id}/tracks", {"limit": 50, "market": MARKET})
        while True:
            tracks += len(page["items"])
            if not page["next"]:
                break
            page = get(page["next"])
    return {"wall_s": time.perf_counter() - t0, "albums": len(albums), "tracks": tracks, "concurrency": 1}


def spotipy_(a: dict[str, Any]) -> dict[str, Any]:
    import spotipy
    from spotipy.oauth2 import SpotifyClientCredentials

    t0 = time.perf_counter()
    auth = SpotifyClientCredentials(
        client_id=a["client_id"], client_secret=a["secret"], cache_handler=spotipy.MemoryCacheHandler()
    )
    auth.OAUTH_TOKEN_URL = a["token_url"]  # class attribute in spotipy.oauth2; instance override
    sp = spotipy.Spotify(auth_manager=auth, retries=5, status_retries=5)
    sp.prefix = a["api"] + "/"  # no constructor argument in spotipy 2.26; requests are prefix + path
    albums, tracks = [], 0
    res = sp.new_releases(country=MARKET, limit=50)
    while True:
        albums += [it["id"] for it in res["albums"]["items"]]
        if not res["albums"]["next"]:
            break
        res = sp.next(res["albums"])
    for album_id in albums:
        page = sp.album_tracks(album_id, limit=50, market=MARKET)
        while page:
            tracks += len(page["items"])
            page = sp.next(page) if page["next"] else None
    return {"wall_s": time.perf_counter() - t0, "albums": len(albums), "tracks": tracks, "concurrency": 1}


def dlt_(a: dict[str, Any]) -> dict[str, Any]:
    import tempfile

    import dlt
    from dlt.sources.rest_api import rest_api_source

    t0 = time.perf_counter()
    token = fetch_token(a["token_url"], a["client_id"], a["secret"])
    source = rest_api_source(
        {
            "client": {"base_url": a["api"] + "/", "auth": {"type": "bearer", "token": token}},
            "resource_defaults": {"write_disposition": "replace"},
            "resources": [
                {
                    "name": "new_releases",
                    "endpoint": {
                        "path": "browse/new-releases",
                        "params": {"limit": 50, "country": MARKET},
                        "data_selector": "albums.items",
                        "paginator": {"type": "json_link", "next_url_path": "albums.next"},
                    },
                },
                {
                    "name": "album_tracks",
                    "endpoint": {
                        "path": "albums/{album_id}/tracks",
                        "params": {
                            "limit": 50,
                            "market": MARKET,
                            "album_id": {"type": "resolve", "resource": "new_releases", "field": "id"},
                        },
                        "data_selector": "items",
                        "paginator": {"type": "json_link", "next_url_path": "next"},
                    },
                },
            ],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = dlt.pipeline(
            pipeline_name="bench",
            pipelines_dir=tmp,
            dataset_name="spotify",
            destination=dlt.destinations.duckdb(f"{tmp}/bench.duckdb"),
        )
        pipeline.extract(source)
        t_extract = time.perf_counter()
        # a line of its own now: if normalize/load is then killed (time or memory cap), the extract still counts
        print(json.dumps({"phase": "extracted", "wall_s": t_extract - t0, "concurrency": 1}), flush=True)
        pipeline.normalize()
        pipeline.load()
        with pipeline.sql_client() as sql:
            counts = {t: sql.execute_sql(f"select count(*) from {t}")[0][0] for t in ("new_releases", "album_tracks")}
    end = time.perf_counter()
    # wall = the extract step (HTTP); normalize + load into DuckDB reported apart
    return {
        "wall_s": t_extract - t0,
        "normalize_load_s": end - t_extract,
        "total_s": end - t0,
        "albums": counts["new_releases"],
        "tracks": counts["album_tracks"],
        "concurrency": 1,
    }


def dagster_day(a: dict[str, Any]) -> dict[str, Any]:
    import tempfile
    from datetime import date

    import dagster as dg

    from spotify_assets.defs.raw.assets import raw_album_tracks, raw_new_releases
    from spotify_assets.defs.warehouse.assets import spotify_tables
    from spotify_assets.defs.warehouse.checks import table_quality_checks
    from spotify_assets.resources.spotify import EmulatorSpotifyResource
    from spotify_assets.resources.storage import RawStorageResource
    from spotify_assets.resources.warehouse import WarehouseResource

    with tempfile.TemporaryDirectory() as tmp:
        resources = {
            "spotify": EmulatorSpotifyResource(
                api_base_url=a["api"], token_url=a["token_url"], client_id=a["client_id"], client_secret=a["secret"]
            ),
            "raw_storage": RawStorageResource(local_root=f"{tmp}/raw"),
            "warehouse": WarehouseResource(database=f"{tmp}/spotify.duckdb"),
        }
        t0 = time.perf_counter()
        result = dg.materialize(
            [raw_new_releases, raw_album_tracks, spotify_tables, table_quality_checks],
            partition_key=date.fromisoformat(a["day"]).isoformat(),
            resources=resources,
            instance=dg.DagsterInstance.ephemeral(),
        )
        wall = time.perf_counter() - t0
    return {"wall_s": wall, "success": result.success, "concurrency": 8}


WORKERS = {"ours": ours, "seed": seed, "spotipy": spotipy_, "dlt": dlt_, "dagster": dagster_day}


def main(name: str, args_json: str) -> None:
    print(json.dumps(WORKERS[name](json.loads(args_json))), flush=True)
