"""End to end in a real browser: ``dg dev`` (as ``make dev``) materializes one day of ``daily_snapshot_job``
(launched through the GraphQL API, as the UI's Materialize button does), then headless Chromium
shows every asset of the definitions in the lineage graph with its checks' results, an overview
of the pipeline that reads at README width, and an asset's Checks tab listing the day's checks as
succeeded, the freshness check saying the past day was backfilled.

Expected assets and checks come from ``spotify_assets.definitions.defs`` and the job's selection,
not from a list here, so new assets and checks are covered as they are added.

Screenshots: ``SPOTIFY_E2E_SCREENSHOTS=docs .venv/bin/pytest spotify_assets_tests/e2e`` rewrites
docs/asset-graph.png (the overview the README shows), docs/asset-graph-full.png (every asset with
its rows) and docs/asset-checks.png; without it they go to a temporary folder.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spotify_assets.defs.warehouse import freshness
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
    groups: dict[str, list[str]]  # group -> its assets
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
    groups: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, []).append(key.to_user_string())
    return Expected(
        assets=assets,
        groups={group: sorted(names) for group, names in sorted(groups.items())},
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


def group_box(page: Any, group: str) -> Any:
    """A group's box in the graph: its frame when expanded, one box standing for its assets when collapsed."""
    return page.locator("foreignObject.group").filter(has=page.get_by_text(group, exact=True)).first


def open_lineage(page: Any, url: str) -> None:
    """The global asset lineage as a first visit shows it: the UI keeps what a user changed (zoom,
    orientation, open groups, navigation) in localStorage, shared by every page of the browser."""
    page.goto(f"{url}/asset-groups")
    page.evaluate("() => localStorage.clear()")
    page.reload()
    page.locator("foreignObject.group").first.wait_for()  # the graph is drawn (groups start collapsed)


def graph_menu(page: Any, item: str) -> None:
    """Pick an item of the graph's settings menu (the gear beside the zoom slider)."""
    page.locator("#zoom-slider-container").get_by_role("button", name="settings").click()
    page.get_by_role("menuitem", name=item).click()
    page.keyboard.press("Escape")


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
# The README shows the overview about 900 px wide: drawn in 1600 x 900, cut to the graph.
OVERVIEW_VIEWPORT = {"width": 1600, "height": 900}
OVERVIEW_MARGIN = 24
CHECKS_VIEWPORT = {"width": 1280, "height": 720}


def reload_fitted(page: Any) -> None:
    """Reload the graph zoomed to fit the window (the zoom the first load chose is remembered as
    "defaultZoom"; forgetting it lets the reload choose anew)."""
    page.evaluate("() => localStorage.removeItem('defaultZoom')")
    page.reload()
    page.locator("foreignObject.group").first.wait_for()


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


def inside_window(page: Any, node: Any) -> bool:
    size = page.viewport_size
    box = node.bounding_box() if node.count() else None  # a node outside the window is not drawn
    return (
        bool(box)
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def fit_graph(page: Any, nodes: list[Any], attempts: int = 6) -> None:
    """Zoom out until every node lies inside the window (the graph grows with the assets)."""
    for _ in range(attempts):
        if all(inside_window(page, node) for node in nodes):
            return
        page.get_by_role("button", name="zoom_out", exact=True).click()
        page.wait_for_timeout(400)


def graph_clip(page: Any, nodes: list[Any]) -> dict[str, float]:
    """The part of the window the nodes cover, with a margin: the screenshot without the UI around."""
    boxes = [node.bounding_box() for node in nodes]
    size = page.viewport_size
    left = max(0, min(b["x"] for b in boxes) - OVERVIEW_MARGIN)
    top = max(0, min(b["y"] for b in boxes) - OVERVIEW_MARGIN)
    right = min(size["width"], max(b["x"] + b["width"] for b in boxes) + OVERVIEW_MARGIN)
    bottom = min(size["height"], max(b["y"] + b["height"] for b in boxes) + OVERVIEW_MARGIN)
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def test_asset_graph_shows_every_asset_and_its_check_results(
    dagster_server: DagsterServer, run_id: str, expected: Expected, page: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    open_lineage(page, dagster_server.url)
    # The global lineage starts with each group collapsed to one box: expand them all, then load
    # the page again so the graph is laid out and zoomed to fit with every node open.
    graph_menu(page, "Expand all groups")
    page.get_by_role("button", name="Hide navigation").click()
    show_every_node_detailed(page, expected.assets)

    for name in expected.assets:
        expect(in_graph(page, name), f"asset {name} in the graph").to_be_visible()
    # Each node's "Latest event" links to the run that materialized it: this run, for the job's assets.
    expect(page.locator(f'a[href^="/runs/{run_id}?"]')).to_have_count(len(expected.job_assets))
    # Each checked asset's node links to its Checks tab with "<passed> / <defined> Passed": every
    # check the job ran passed (a check left out of the job would count as defined, not passed).
    for name, checks in expected.all_checks.items():
        ran = expected.job_checks.get(name, [])
        if ran:
            summary = page.locator(f'a[href="/assets/{name}?view=checks"]')
            expect(summary, f"check summary on {name}'s node").to_have_text(f"{len(ran)} / {len(checks)} Passed")

    # from the detailed zoom, in the window that drew every node
    fit_graph(page, [in_graph(page, name) for name in expected.assets])
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshot_dir / "asset-graph-full.png"))

    # From the graph to the asset's checks, as a user would: zoomed in again (fitted to the whole
    # graph, the nodes are drawn without their check rows once the graph is wide enough).
    show_every_node_detailed(page, expected.assets)
    page.locator(f'a[href="/assets/{CHECKED_ASSET}?view=checks"]').click()
    expect(page).to_have_url(f"{dagster_server.url}/assets/{CHECKED_ASSET}?view=checks")
    expect(page.get_by_role("tab", name="Checks")).to_have_attribute("aria-selected", "true")


def test_the_overview_names_the_raw_and_warehouse_assets_and_the_groups_they_feed(
    dagster_server: DagsterServer, run_id: str, expected: Expected, page: Any, screenshot_dir: Path
) -> None:
    """The picture the README shows: every asset in one 1600 x 900 window does not read at README
    width (21 boxes side by side), so the groups downstream of the warehouse stay collapsed and the
    graph runs top to bottom, which lays the six tables out in one row."""
    from playwright.sync_api import expect

    opened = sorted({group for group, names in expected.groups.items() if set(names) & CORE_ASSETS})
    collapsed = [group for group in expected.groups if group not in opened]
    assert opened and collapsed, expected.groups
    page.set_viewport_size(OVERVIEW_VIEWPORT)
    open_lineage(page, dagster_server.url)
    page.get_by_role("button", name="Hide navigation").click()
    graph_menu(page, "Change graph to vertical orientation")
    graph_menu(page, "Expand all groups")
    for group in collapsed:
        reload_fitted(page)  # every group's frame drawn
        # Dispatched to the toggle itself: a neighbouring group's frame overlaps this one's header,
        # so a click at the toggle's position can land on the neighbour.
        group_box(page, group).locator('[aria-label="unfold_less"]').dispatch_event("click")
    reload_fitted(page)
    page.get_by_role("button", name="panel_show_right").click()  # the list of groups beside the graph

    opened_assets = [name for group in opened for name in expected.groups[group]]
    nodes = [in_graph(page, name) for name in opened_assets] + [group_box(page, group) for group in collapsed]
    fit_graph(page, nodes)
    assert all(inside_window(page, node) for node in nodes), "the overview shows every node in the window"
    for name in opened_assets:
        expect(in_graph(page, name), f"asset {name} in the overview").to_be_visible()
    for group in collapsed:
        expect(group_box(page, group).locator('[aria-label="unfold_more"]'), f"{group} collapsed").to_be_visible()
        for name in expected.groups[group]:
            expect(in_graph(page, name), f"{name} inside the collapsed {group}").to_have_count(0)
    page.wait_for_load_state("networkidle")  # the nodes' statuses (their colours) have loaded
    page.mouse.move(0, 0)
    frames = [group_box(page, group) for group in [*opened, *collapsed]]
    page.screenshot(path=str(screenshot_dir / "asset-graph.png"), clip=graph_clip(page, frames))


def test_checks_tab_lists_the_days_checks_as_passed(
    dagster_server: DagsterServer, run_id: str, expected: Expected, page: Any, screenshot_dir: Path
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size(CHECKS_VIEWPORT)
    page.goto(f"{dagster_server.url}/assets/{CHECKED_ASSET}")
    page.evaluate("() => localStorage.clear()")  # as a first visit shows it, whatever ran before
    page.reload()
    page.get_by_role("button", name="Hide navigation").click()
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

    # The freshness check, run by the daily job after the tables: the past day passed, and says it
    # was backfilled (its deadline was over before the run existed).
    assert freshness.CHECK_NAME in ran
    freshness_row = page.get_by_title(freshness.CHECK_NAME, exact=True).first.locator("xpath=..")
    expect(freshness_row).to_contain_text("Succeeded")
    expect(freshness_row).not_to_contain_text("Failed")
    page.get_by_title(freshness.CHECK_NAME, exact=True).first.click()
    expect(page.get_by_text("non-blocking", exact=True)).to_be_visible()
    backfilled = re.compile(rf"^partition {DAY} was backfilled at \d{{4}}-\d\d-\d\d \d\d:\d\d UTC, after its own date")
    expect(page.get_by_text(backfilled)).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    expect(page.get_by_text(DAY, exact=True).first).to_be_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshot_dir / "asset-checks.png"))
