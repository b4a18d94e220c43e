"""End to end in a real browser: ``dg dev`` (as ``make dev``) materializes one day of ``daily_snapshot_job``
(launched through the GraphQL API, as the UI's Materialize button does), then headless Chromium
shows every asset of the definitions in the lineage graph with its checks' results, and an asset's
Checks tab lists the day's checks as succeeded.

Expected assets and checks come from ``spotify_assets.definitions.defs`` and the job's selection,
not from a list here, so new assets and checks are covered as they are added.

Screenshots: ``SPOTIFY_E2E_SCREENSHOTS=docs .venv/bin/pytest spotify_assets_tests/e2e`` rewrites
docs/asset-graph.png and docs/asset-checks.png; without it they go to a temporary folder.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spotify_assets.harness.graphql import DagsterServer
from spotify_assets.harness.processes import HarnessError
from spotify_assets.tables.schema import TABLES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420)]

DAY = "2026-01-15"
JOB = "daily_snapshot_job"
RUN_TIMEOUT_S = 180
# No run config, as the UI's Materialize button and the schedule launch it: the definitions'
# executor (in-process, one process per run) applies.
RUN_CONFIG: dict[str, Any] = {}
CORE_ASSETS = {"raw_new_releases", "raw_album_tracks", *(t.name for t in TABLES)}
CHECKED_ASSET = "albums"

RUN_LOGS = """
query Logs($runId: ID!) {
  logsForRun(runId: $runId) {
    __typename
    ... on EventConnection { events { __typename
        ... on MessageEvent { message stepKey }
        ... on ErrorEvent { error { message } } } }
  }
}
"""


@dataclass(frozen=True)
class Expected:
    """What the UI should show, derived from the definitions."""

    assets: list[str]
    job_assets: list[str]  # the assets the daily job materializes
    all_checks: dict[str, list[str]]  # asset -> every check defined on it
    job_checks: dict[str, list[str]]  # asset -> the checks the daily job runs (all must pass)
    blocking: dict[str, list[str]]  # asset -> the job's blocking checks


@pytest.fixture(scope="module")
def expected() -> Expected:
    from spotify_assets.definitions import defs as load_definitions

    defs = load_definitions()
    from spotify_assets.defs.daily_snapshot.jobs import daily_snapshot_job

    graph = defs.resolve_asset_graph()
    job_check_keys = daily_snapshot_job.selection.resolve_checks(graph)

    def by_asset(keys: Any) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for key in sorted(keys, key=str):
            grouped.setdefault(key.asset_key.to_user_string(), []).append(key.name)
        return grouped

    assets = sorted(key.to_user_string() for key in graph.get_all_asset_keys())
    assert set(assets) >= CORE_ASSETS, f"core assets missing from the definitions: {CORE_ASSETS - set(assets)}"
    return Expected(
        assets=assets,
        job_assets=sorted(key.to_user_string() for key in daily_snapshot_job.selection.resolve(graph)),
        all_checks=by_asset(graph.asset_check_keys),
        job_checks=by_asset(job_check_keys),
        blocking=by_asset(k for k in job_check_keys if graph.get_check_spec(k).blocking),
    )


@pytest.fixture(scope="module", autouse=True)
def _browser_first(chromium_path: str) -> None:
    """Skip before anything starts when there is no browser (autouse: resolved first)."""


def run_failure_report(server: DagsterServer, run_id: str, status: str) -> str:
    """The run's status, its failures (failed steps and checks) and its last events, then the server log."""
    events = server.gql(RUN_LOGS, {"runId": run_id})["logsForRun"].get("events", [])

    def line(event: dict[str, Any]) -> str:
        error = (event.get("error") or {}).get("message", "").strip()
        return f"  [{event['__typename']}] {event.get('stepKey') or ''} {event.get('message', '')} {error}".rstrip()

    failures = [line(e) for e in events if e.get("error") or " failed" in e.get("message", "")]
    return (
        f"run {run_id} of {JOB} for {DAY} is {status}\nfailures:\n"
        + "\n".join(failures[-10:] or ["  (none logged)"])
        + "\nlast events:\n"
        + "\n".join(line(e) for e in events[-15:])
        + f"\n-- dg dev log (tail) --\n{server.log_tail()}"
    )


@pytest.fixture(scope="module")
def run_id(dagster_server: DagsterServer) -> str:
    """One partition of the daily job, launched like the UI's Materialize button, run to SUCCESS."""
    run_id = dagster_server.launch_run(DAY, RUN_CONFIG, job=JOB)
    try:
        status = dagster_server.wait_run(run_id, RUN_TIMEOUT_S, poll_s=1)
    except HarnessError:
        status = f"{dagster_server.run_status(run_id)} after {RUN_TIMEOUT_S}s"
    if status != "SUCCESS":
        pytest.fail(run_failure_report(dagster_server, run_id, status))
    return run_id


@pytest.fixture
def page(browser: Any) -> Any:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.close()
    if errors:  # reported, not failed on: the UI's own JS errors are not this platform's
        print(f"\nUI page errors ({len(errors)}): {Counter(errors).most_common(3)}")


def in_graph(page: Any, name: str) -> Any:
    """An asset's node by its name; the graph shortens long names in the middle ("analytic…_share")
    and keeps the full one as the node's tooltip."""
    return page.get_by_text(name, exact=True).or_(page.locator(f'[data-tooltip="{name}"]')).first


def zoom_until_detailed(page: Any, attempts: int = 6) -> None:
    """Zoomed far out, the graph draws bare boxes with shortened names and no check rows; zoom in
    until nodes show their rows ("Latest event", "Asset checks")."""
    in_graph(page, "raw_new_releases").wait_for()  # the graph is drawn
    for _ in range(attempts):
        if page.get_by_text("Latest event", exact=True).count():
            return
        page.get_by_role("button", name="zoom_in", exact=True).click()
        page.wait_for_timeout(400)


GRAPH_VIEWPORT = {"width": 1600, "height": 1600}
MAX_GRAPH_HEIGHT = 6400


def reload_fitted(page: Any) -> None:
    """Reload the graph zoomed to fit the window (the zoom the first load chose is remembered as
    "defaultZoom"; forgetting it lets the reload choose anew)."""
    page.evaluate("() => localStorage.removeItem('defaultZoom')")
    page.reload()
    in_graph(page, "raw_new_releases").wait_for()


def show_every_node_detailed(page: Any, names: list[str]) -> None:
    """Zoomed in far enough to show each node's rows, and with every node drawn: the graph draws
    only the nodes inside the window, so the window grows (taller) until all of them are."""
    size = dict(GRAPH_VIEWPORT)
    while True:
        page.set_viewport_size(size)
        reload_fitted(page)
        zoom_until_detailed(page)
        if all(in_graph(page, name).count() for name in names) or size["height"] >= MAX_GRAPH_HEIGHT:
            return
        size["height"] = min(MAX_GRAPH_HEIGHT, size["height"] * 3 // 2)


def fit_graph(page: Any, names: list[str], attempts: int = 6) -> None:
    """Zoom out until every named node lies inside the window (the graph grows with the assets)."""
    size = page.viewport_size

    def inside(name: str) -> bool:
        node = in_graph(page, name)
        box = node.bounding_box() if node.count() else None  # a node outside the window is not drawn
        return (
            bool(box)
            and box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"]
            and box["y"] + box["height"] <= size["height"]
        )

    for _ in range(attempts):
        if all(inside(name) for name in names):
            return
        page.get_by_role("button", name="zoom_out", exact=True).click()
        page.wait_for_timeout(400)


def test_asset_graph_shows_every_asset_and_its_check_results(
    dagster_server: DagsterServer, run_id: str, expected: Expected, page: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{dagster_server.url}/asset-groups")
    # The global lineage starts with each group collapsed to one box: expand them all, then load
    # the page again so the graph is laid out and zoomed to fit with every node open (the zoom the
    # first load chose is remembered as "defaultZoom"; forgetting it lets the reload choose anew).
    page.get_by_role("button", name="settings", exact=True).click()
    expand = page.get_by_role("menuitem", name="Expand all groups")
    if expand.count():
        expand.click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Hide navigation").click()
    show_every_node_detailed(page, expected.assets)

    for name in expected.assets:
        expect(in_graph(page, name), f"asset {name} in the graph").to_be_visible()
    # Each node's "Latest event" links to the run that materialized it: this run, for the job's assets.
    expect(page.locator(f'a[href^="/runs/{run_id}?"]')).to_have_count(len(expected.job_assets))
    # Each checked asset's node links to its Checks tab with "<passed> / <defined> Passed": every
    # check the job ran passed (the others, e.g. freshness, are evaluated by their sensor).
    for name, checks in expected.all_checks.items():
        ran = expected.job_checks.get(name, [])
        if ran:
            summary = page.locator(f'a[href="/assets/{name}?view=checks"]')
            expect(summary, f"check summary on {name}'s node").to_have_text(f"{len(ran)} / {len(checks)} Passed")

    fit_graph(page, expected.assets)  # from the detailed zoom, in the window that drew every node
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshot_dir / "asset-graph.png"))

    # From the graph to the asset's checks, as a user would.
    page.locator(f'a[href="/assets/{CHECKED_ASSET}?view=checks"]').click()
    expect(page).to_have_url(f"{dagster_server.url}/assets/{CHECKED_ASSET}?view=checks")
    expect(page.get_by_role("tab", name="Checks")).to_have_attribute("aria-selected", "true")


def test_checks_tab_lists_the_days_checks_as_passed(
    dagster_server: DagsterServer, run_id: str, expected: Expected, page: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{dagster_server.url}/assets/{CHECKED_ASSET}")
    page.get_by_role("tab", name="Checks").click()
    defined, ran = expected.all_checks[CHECKED_ASSET], expected.job_checks[CHECKED_ASSET]
    expect(page.get_by_text(f"Checks ({len(defined)})", exact=True)).to_be_visible()
    for check in ran:
        # The list shows each check's name (its title) beside its latest status.
        row = page.get_by_title(check, exact=True).first.locator("xpath=..")
        expect(row, f"check {check} on {CHECKED_ASSET}").to_contain_text("Succeeded")

    # A blocking table check's detail: passed, for the day's partition, by this run.
    check = expected.blocking[CHECKED_ASSET][0]
    page.get_by_title(check, exact=True).first.click()
    expect(page.get_by_text("blocking", exact=True)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    expect(page.get_by_text(DAY, exact=True).first).to_be_visible()
    expect(page.locator(f'a[href^="/runs/{run_id}"]').first).to_be_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshot_dir / "asset-checks.png"))
