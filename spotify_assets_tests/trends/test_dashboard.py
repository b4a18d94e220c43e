"""The dashboard file: what it draws is what the trend tables hold and what the day tables give
(two numbers recomputed straight from them), it is self-contained (no URL fetched at view time),
it says so instead of drawing an empty label chart for Development-Mode data, it lands on S3 as
text/html, and the CLI prints where it is."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import dagster as dg
import duckdb
import pytest
import requests

from spotify_assets.analytics.fonts import CJK_FAMILIES, installed_cjk_family
from spotify_assets.analytics.trends import LABEL_SHARE_30D
from spotify_assets.dashboard import DASHBOARD_KEY
from spotify_assets.dashboard.serve import dashboard_server, server_url
from spotify_assets.defs.trends.assets import trends_dashboard
from spotify_assets.emulator import SpotifyEmulator
from spotify_assets.resources.lake import LakeResource
from spotify_assets.resources.s3 import S3Connection
from spotify_assets.resources.warehouse import WarehouseResource
from spotify_assets_tests.trends.conftest import (
    FIRST,
    LAST,
    History,
    boxes_notices,
    days_between,
    emulator_config,
    glyph_problems,
    history_resources,
    run_days,
    trend_contents,
    without_system_fonts,
)

REPO = Path(__file__).resolve().parents[2]
PLOTLY_BUNDLE_MARKER = "plotly.js v"  # the bundle's banner comment


def drawn(page: str, div_id: str) -> list[dict[str, Any]]:
    """The traces the page hands to ``Plotly.newPlot`` for one chart, parsed from the file."""
    match = re.search(r'Plotly\.newPlot\(\s*"' + re.escape(div_id) + r'",\s*', page)
    assert match, f"no chart {div_id} in the page"
    traces, _ = json.JSONDecoder().raw_decode(page, match.end())
    return traces


def trace(traces: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [found] = [t for t in traces if t.get("name") == name]
    return found


def test_the_file_shows_fourteen_days_and_two_drawn_numbers_come_straight_from_the_day_tables(history: History) -> None:
    page = history.dashboard_path.read_text(encoding="utf-8")
    assert '<span id="history-days">14</span>' in page
    assert f'<time id="history-first">{FIRST}</time>' in page and f'<time id="history-last">{LAST}</time>' in page
    artists = drawn(page, "artists-per-day")
    assert [date.fromisoformat(x) for x in trace(artists, "new")["x"]] == days_between(FIRST, LAST)

    monday = LAST - timedelta(days=LAST.weekday())
    with duckdb.connect(history.database, read_only=True) as conn:
        week_albums = {
            r[0]
            for r in conn.execute(
                "SELECT album_id FROM albums WHERE album_type = 'album' AND snapshot_date BETWEEN ? AND ?",
                [monday, LAST],
            ).fetchall()
        }
        last_durations = [
            r[0] for r in conn.execute("SELECT duration_ms FROM tracks WHERE snapshot_date = ?", [LAST]).fetchall()
        ]

    # 1. albums of type 'album' listed in LAST's week (distinct: an album stays listed for days)
    releases = trace(drawn(page, "releases-per-week"), "album")
    assert dict(zip(releases["x"], releases["y"], strict=False))[monday.isoformat()] == len(week_albums)
    # 2. the median track duration of LAST, all album types, in minutes
    medians = trace(drawn(page, "track-durations"), "all types")
    assert (
        dict(zip(medians["x"], medians["y"], strict=False))[LAST.isoformat()]
        == statistics.median(last_durations) / 60_000
    )

    # ... and the trend tables hold those numbers
    trends = trend_contents(history.database)
    assert {(r["week_start"], r["album_type"]): r["releases"] for r in trends["trend_releases_per_week"]}[
        (monday, "album")
    ] == len(week_albums)
    assert {(r["snapshot_date"], r["album_type"]): r["median_s"] for r in trends["trend_track_durations"]}[
        (LAST, "all")
    ] * 1000 == statistics.median(last_durations)


def test_every_album_type_trace_is_tagged_for_the_filter_and_top_artists_are_named(history: History) -> None:
    page = history.dashboard_path.read_text(encoding="utf-8")
    for chart in ("releases-per-week", "track-durations", "explicit-share", "album-sizes"):
        types = {t["meta"]["album_type"] for t in drawn(page, chart)}
        assert {"album", "single", "compilation"} <= types, chart
    top = trend_contents(history.database)["trend_top_artists_30d"]
    names = [r["artist_name"] for r in top if r["as_of_date"] == LAST]
    assert drawn(page, "top-artists")[0]["y"] == names
    assert any(not name.isascii() for name in names)


def test_the_page_is_self_contained(history: History) -> None:
    page = history.dashboard_path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert page.count(PLOTLY_BUNDLE_MARKER) == 1, "plotly.js inlined exactly once"
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page.split("<script", 1)[0]), "no remote CSS/fonts"
    assert all(f'"{family}"' in page for family in CJK_FAMILIES), "the CSS font stack names Noto CJK"


def test_development_mode_data_gets_a_note_instead_of_an_empty_label_chart(tmp_path: Path) -> None:
    with SpotifyEmulator(emulator_config(dev_mode=True)) as emulator:
        dashboard = run_days(history_resources(emulator, tmp_path), LAST - timedelta(days=1), LAST)
    with duckdb.connect(str(tmp_path / "spotify.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT count(label) FROM albums").fetchall()[0][0] == 0, "the emulator served no label"
        assert conn.execute(f"SELECT count(*) FROM {LABEL_SHARE_30D.table.name}").fetchall()[0][0] == 0
    page = (tmp_path / "lake" / DASHBOARD_KEY).read_text(encoding="utf-8")
    assert 'id="label-share-note"' in page and "Development-Mode" in page
    assert not re.search(r'Plotly\.newPlot\(\s*"label-share"', page), "no empty label chart"
    [event] = dashboard.get_asset_materialization_events()
    assert "Development-Mode" in event.step_materialization_data.materialization.metadata["label_note"].value


def test_on_s3_the_dashboard_is_one_text_html_object_with_the_same_bytes(
    history: History, s3_endpoint: str, s3_bucket: str
) -> None:
    lake = LakeResource(
        s3_bucket=s3_bucket, s3_prefix="site", s3=S3Connection(endpoint_url=s3_endpoint, region_name="us-east-1")
    )
    resources = {"warehouse": WarehouseResource(database=history.database), "lake": lake}

    result = dg.materialize([trends_dashboard], resources=resources)

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys == [f"site/{DASHBOARD_KEY}"]
    obj = client.get_object(Bucket=s3_bucket, Key=f"site/{DASHBOARD_KEY}")
    assert obj["ContentType"] == "text/html; charset=utf-8", "S3 static hosting serves it as a page"
    assert obj["Body"].read() == history.dashboard_path.read_bytes()
    [event] = result.get_asset_materialization_events()
    metadata = event.step_materialization_data.materialization.metadata
    assert metadata["location"].value == f"s3://{s3_bucket}/site/{DASHBOARD_KEY}"
    assert "path" not in metadata


def run_cli(data_dir: Path, env: dict[str, str]) -> str:
    """``spotify-assets run`` for LAST in a fresh process; its stdout and stderr, having checked it
    printed where the dashboard is."""
    env = {k: v for k, v in env.items() if not k.startswith(("DAGSTER_", "SPOTIFY_"))}
    env.update(SPOTIFY_ASSETS_DATA_DIR=str(data_dir), SPOTIFY_EMULATOR_ALBUMS_PER_DAY="60")
    command = [sys.executable, "-m", "spotify_assets.cli", "run", "--date", LAST.isoformat()]
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=240, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.startswith("  dashboard: ")]
    path = Path(line.removeprefix("  dashboard: "))
    assert path == data_dir / "lake" / DASHBOARD_KEY and path.is_file()
    return done.stdout + done.stderr


def test_cli_prints_the_dashboard_path_and_nothing_about_fonts_with_noto_cjk_installed(tmp_path: Path) -> None:
    if installed_cjk_family() is None:
        pytest.skip(f"none of {CJK_FAMILIES} is installed (`make fonts` installs Debian's fonts-noto-cjk)")
    output = run_cli(tmp_path, {k: v for k, v in os.environ.items() if not k.startswith("MPL")})
    assert glyph_problems(output.splitlines()) == [] and boxes_notices(output) == [], output


def test_without_a_cjk_font_the_cli_prints_one_notice_and_no_glyph_warning(tmp_path: Path) -> None:
    """The day's top artists include 宇多田ヒカル: drawn in DejaVu alone, matplotlib warns per glyph."""
    output = run_cli(tmp_path / "data", without_system_fonts(tmp_path / "mplconfig"))
    [notice] = boxes_notices(output)
    assert notice.startswith("spotify-assets: charts draw CJK ideographs") and "`make fonts`" in notice, notice
    assert glyph_problems(output.splitlines()) == [], output


def test_the_dashboard_server_serves_the_file_on_localhost(history: History) -> None:
    server = dashboard_server(history.dashboard_path.parent, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = server_url(server)
        assert url.startswith("http://127.0.0.1:")
        reply = requests.get(url, timeout=10)
        assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/html")
        assert reply.content == history.dashboard_path.read_bytes()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_serving_a_missing_dashboard_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no dashboard at .*index\.html: run `make run`"):
        dashboard_server(tmp_path)
