"""Links from each asset in the UI to the code that defines it.

Every asset refers to the file and line of its function (``dg.with_source_code_references``): the
UI lists it under the asset, and opens it in an editor where one is configured. When the
deployment says which repository and revision its code is, the references become links to that
revision on GitHub or GitLab (``dg.link_code_references_to_git``):

- ``SPOTIFY_ASSETS_GIT_URL``: the repository's web address, e.g. ``https://github.com/org/spotify-assets``;
- ``SPOTIFY_ASSETS_GIT_REF``: the branch, tag or (best: the links then match the lines) commit of
  the code, e.g. the commit an image was built from (deploy/Dockerfile takes both as build arguments).

Variables rather than reading ``.git``: the Docker image has neither ``.git`` nor a git binary; in
a developer's checkout the working tree is usually ahead of anything pushed, so the local file (at
its current lines) is the right target there; and git would cost a subprocess in every process
that loads the code location (the code server, each run's worker). Whoever builds an image knows
the repository and the commit, and says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from spotify_assets.resources.env import SettingsError

URL_VARIABLE, REF_VARIABLE = "SPOTIFY_ASSETS_GIT_URL", "SPOTIFY_ASSETS_GIT_REF"
HOSTS = ("github", "gitlab")  # what Dagster can link to (it tells them apart by the URL)

# The package lives at spotify_assets/ in the repository, whether it runs from a checkout or is
# installed into site-packages (the image): its files map to the same paths.
# Not resolved: Dagster records each function's file as it was imported (symlinks and all).
PACKAGE = Path(__file__).parent.parent
PACKAGE_IN_REPOSITORY = "spotify_assets"


@dataclass(frozen=True)
class GitSource:
    url: str
    ref: str


def git_source(env: Mapping[str, str] = os.environ) -> GitSource | None:
    """Where the code is published, if the deployment says so (both variables, or neither)."""
    url = env.get(URL_VARIABLE, "").strip().removesuffix("/").removesuffix(".git")
    ref = env.get(REF_VARIABLE, "").strip()
    if not url and not ref:
        return None
    if not url or not ref:
        given, missing = (URL_VARIABLE, REF_VARIABLE) if url else (REF_VARIABLE, URL_VARIABLE)
        raise SettingsError(f"{given} is set but {missing} is not: set both to link the code to git, or neither")
    if not url.startswith("https://") or not any(host in url for host in HOSTS):
        raise SettingsError(
            f"{URL_VARIABLE} must be the https address of a GitHub or GitLab repository, "
            f"like 'https://github.com/org/spotify-assets', got {url!r}"
        )
    if any(c.isspace() for c in ref):
        raise SettingsError(f"{REF_VARIABLE} must be a branch, tag or commit (no spaces), got {ref!r}")
    return GitSource(url=url, ref=ref)


def with_code_references(defs: dg.Definitions, env: Mapping[str, str] = os.environ) -> dg.Definitions:
    """``defs`` with every asset referring to its source: the local file, or its git link."""
    assets = dg.with_source_code_references(list(defs.assets or []))
    source = git_source(env)
    if source is not None:
        assets = dg.link_code_references_to_git(
            assets,
            git_url=source.url,
            git_branch=source.ref,
            file_path_mapping=dg.AnchorBasedFilePathMapping(
                local_file_anchor=PACKAGE, file_anchor_path_in_repository=PACKAGE_IN_REPOSITORY
            ),
        )
    # Everything else as it was loaded (a Definitions cannot be copied with other assets otherwise).
    return dg.Definitions(
        assets=assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        schedules=defs.schedules,
        sensors=defs.sensors,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
        metadata=defs.metadata,
        component_tree=defs.component_tree,
    )
