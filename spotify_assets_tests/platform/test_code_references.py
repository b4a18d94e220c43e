"""Each asset links to the code that defines it: the local file and line, or, where the deployment
names its repository (SPOTIFY_ASSETS_GIT_URL/_REF), that line on GitHub/GitLab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from spotify_assets.orchestration.accepted_warnings import ACCEPTED
from spotify_assets.orchestration.code_references import git_source, with_code_references
from spotify_assets.resources.env import SettingsError
from spotify_assets.settings import resources_from_env

PACKAGE = Path(__file__).resolve().parents[2] / "spotify_assets"
GIT = {"SPOTIFY_ASSETS_GIT_URL": "https://github.com/example/spotify-assets.git", "SPOTIFY_ASSETS_GIT_REF": "0cf5efb"}


def loaded() -> dg.Definitions:
    """The definitions as the defs folder gives them, with the resources they need to resolve."""
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=PACKAGE), dg.Definitions(resources=resources_from_env({}))
    )


def references(defs: dg.Definitions) -> dict[str, list[object]]:
    return {
        spec.key.to_user_string(): list(spec.metadata["dagster/code_references"].code_references)
        for spec in defs.resolve_all_asset_specs()
    }


def decorator_at(path: Path, line: int) -> str:
    return path.read_text().splitlines()[line - 1].strip()


def test_every_asset_refers_to_the_decorator_that_defines_it() -> None:
    from spotify_assets.definitions import defs

    found = references(defs())  # every asset: one without code references raises KeyError here
    assert "albums" in found and "warehouse_snapshot" in found
    for key, refs in found.items():
        [ref] = refs
        assert isinstance(ref, dg.LocalFileCodeReference), key
        path = Path(ref.file_path)
        assert path.resolve().is_relative_to(PACKAGE / "defs"), f"{key}: {path}"
        assert ref.line_number is not None
        assert decorator_at(path, ref.line_number).startswith(("@dg.asset(", "@dg.multi_asset(")), key


def test_with_the_repository_named_each_reference_is_that_line_on_github() -> None:
    local = references(with_code_references(loaded(), env={}))
    linked = references(with_code_references(loaded(), env=GIT))
    assert linked.keys() == local.keys()
    for key, [ref] in linked.items():
        [here] = local[key]
        assert isinstance(ref, dg.UrlCodeReference) and isinstance(here, dg.LocalFileCodeReference)
        in_repo = Path(here.file_path).resolve().relative_to(PACKAGE.parent).as_posix()
        assert ref.url == f"https://github.com/example/spotify-assets/tree/0cf5efb/{in_repo}#L{here.line_number}"


def test_references_leave_every_other_definition_as_loaded() -> None:
    plain = loaded()
    referenced = with_code_references(plain, env=GIT)
    for defs in (plain, referenced):
        dg.Definitions.validate_loadable(defs)
    graphs = plain.resolve_asset_graph(), referenced.resolve_asset_graph()
    assert graphs[0].get_all_asset_keys() == graphs[1].get_all_asset_keys()
    assert graphs[0].asset_check_keys == graphs[1].asset_check_keys
    for defs_list in ("jobs", "schedules", "sensors", "asset_checks"):
        assert list(getattr(plain, defs_list)) == list(getattr(referenced, defs_list)), defs_list
    assert referenced.component_tree is plain.component_tree and referenced.metadata == plain.metadata


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SPOTIFY_ASSETS_GIT_URL": "https://github.com/example/x"},
            "SPOTIFY_ASSETS_GIT_URL is set but SPOTIFY_ASSETS_GIT_REF is not",
        ),
        ({"SPOTIFY_ASSETS_GIT_REF": "main"}, "SPOTIFY_ASSETS_GIT_REF is set but SPOTIFY_ASSETS_GIT_URL is not"),
        (
            {"SPOTIFY_ASSETS_GIT_URL": "git@github.com:example/x.git", "SPOTIFY_ASSETS_GIT_REF": "main"},
            "SPOTIFY_ASSETS_GIT_URL must be the https address of a GitHub or GitLab repository",
        ),
        (
            {"SPOTIFY_ASSETS_GIT_URL": "https://bitbucket.org/example/x", "SPOTIFY_ASSETS_GIT_REF": "main"},
            "SPOTIFY_ASSETS_GIT_URL must be the https address of a GitHub or GitLab repository",
        ),
        (
            {"SPOTIFY_ASSETS_GIT_URL": "https://gitlab.com/example/x", "SPOTIFY_ASSETS_GIT_REF": "my branch"},
            "SPOTIFY_ASSETS_GIT_REF must be a branch, tag or commit",
        ),
    ],
)
def test_a_half_or_wrong_repository_setting_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        git_source(env)


def test_blank_settings_mean_no_repository() -> None:
    assert git_source({"SPOTIFY_ASSETS_GIT_URL": " ", "SPOTIFY_ASSETS_GIT_REF": ""}) is None


def test_linking_to_git_warns_of_nothing_but_the_accepted_beta_apis() -> None:
    """In a fresh interpreter with Python's default filters, the repository named."""
    probe = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from spotify_assets.definitions import defs\n"
        "    defs().resolve_all_asset_specs()\n"
        "for w in caught:\n"
        "    print(f'{w.category.__name__}|{str(w.message)[:160]}')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, **GIT},
    )
    lines = done.stdout.splitlines()
    assert any("link_code_references_to_git" in line for line in lines)  # the linking did run
    assert all(any(message in line for message, _ in ACCEPTED) for line in lines), "\n".join(lines)
