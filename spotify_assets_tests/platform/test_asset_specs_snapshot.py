"""The asset specs as the code location resolves them, against a reviewed copy in the repository.

Every asset's key, group, kinds, owners, tags, deps, partitions, the first line of its description
and its checks (name, blocking) are written to ``snapshots/asset_specs.txt``. A change to any of
them (a group renamed, an owner or a dependency dropped) fails here until the file is regenerated
and the diff committed, so it shows in review. The partitions' start date is left out: it is a
deployment setting (SPOTIFY_ASSETS_START_DATE), not part of the design.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.txt"
UPDATE_VARIABLE = "SPOTIFY_ASSETS_UPDATE_SNAPSHOT"
REPO = Path(__file__).resolve().parents[2]
REGENERATE = f"{UPDATE_VARIABLE}=1 .venv/bin/python -m pytest {Path(__file__).resolve().relative_to(REPO)}"
KIND_TAG = "dagster/kind/"


def partitions(definition: dg.PartitionsDefinition[Any] | None) -> str:
    if isinstance(definition, dg.TimeWindowPartitionsDefinition):
        return f"cron '{definition.cron_schedule}' {definition.timezone}, end_offset {definition.end_offset}"
    return "none" if definition is None else type(definition).__name__


def render(specs: Iterable[dg.AssetSpec], checks: Iterable[dg.AssetCheckSpec]) -> str:
    """One block per asset, one line per attribute (so a diff names what changed), sorted."""
    checks_of: dict[dg.AssetKey, list[str]] = {}
    for check in sorted(checks, key=lambda c: c.name):
        checks_of.setdefault(check.asset_key, []).append(
            f"    {check.name}" + (" (blocking)" if check.blocking else "")
        )
    blocks = []
    for spec in sorted(specs, key=lambda s: s.key.to_user_string()):
        tags = {k: v for k, v in sorted(spec.tags.items()) if not k.startswith(KIND_TAG)}
        description = (spec.description or "").strip().splitlines()
        blocks.append(
            "\n".join(
                [
                    spec.key.to_user_string(),
                    f"  group: {spec.group_name}",
                    f"  kinds: {', '.join(sorted(spec.kinds))}",
                    f"  owners: {', '.join(spec.owners)}",
                    f"  tags: {', '.join(f'{k}={v}' for k, v in tags.items())}",
                    f"  deps: {', '.join(sorted(dep.asset_key.to_user_string() for dep in spec.deps))}",
                    f"  partitions: {partitions(spec.partitions_def)}",
                    f"  description: {description[0] if description else ''}",
                    "  checks:" if spec.key in checks_of else "  checks: none",
                    *checks_of.get(spec.key, []),
                ]
            )
        )
    return "\n\n".join(blocks) + "\n"


def resolved() -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
    from spotify_assets.definitions import defs

    loaded = defs()
    graph = loaded.resolve_asset_graph()
    return list(loaded.resolve_all_asset_specs()), [graph.get_check_spec(key) for key in graph.asset_check_keys]


def compare(rendered: str, snapshot: str) -> None:
    if rendered != snapshot:
        diff = "".join(
            difflib.unified_diff(
                snapshot.splitlines(keepends=True),
                rendered.splitlines(keepends=True),
                fromfile=f"{SNAPSHOT.name} (committed)",
                tofile="defs() (now)",
            )
        )
        raise AssertionError(
            f"the asset specs differ from {SNAPSHOT}:\n{diff}\n"
            f"If the change is intended, regenerate the file and commit it with the change:\n    {REGENERATE}"
        )


def test_asset_specs_match_the_committed_snapshot() -> None:
    rendered = render(*resolved())
    if os.environ.get(UPDATE_VARIABLE) == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(rendered)
    assert SNAPSHOT.is_file(), f"no snapshot yet: create it with\n    {REGENERATE}"
    compare(rendered, SNAPSHOT.read_text())


@pytest.mark.parametrize(
    ("change", "shows"),
    [
        ({"group_name": "staging"}, "+  group: staging"),
        ({"owners": ["someone@example.com"]}, "+  owners: someone@example.com"),
        ({"deps": ["raw_new_releases"]}, "+  deps: raw_new_releases\n"),
    ],
    ids=["group", "owner", "deps"],
)
def test_a_changed_group_owner_or_dependency_fails_and_says_how_to_regenerate(
    change: dict[str, Any], shows: str
) -> None:
    specs, checks = resolved()
    changed = [spec.replace_attributes(**change) if spec.key == dg.AssetKey("albums") else spec for spec in specs]
    with pytest.raises(AssertionError) as failed:
        compare(render(changed, checks), SNAPSHOT.read_text())
    assert shows in str(failed.value)
    assert f"{UPDATE_VARIABLE}=1" in str(failed.value)
