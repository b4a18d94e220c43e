"""deploy/: the compose file is structurally what ``docker compose config`` accepts and consistent
with the workspace, the instance settings, the Dockerfile and the locks (no Docker engine here)."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from spotify_assets.harness.processes import REPO

DEPLOY = REPO / "deploy"
DAGSTER_SERVICES = ("code-server", "daemon", "webserver")
# Compose interpolation: $$, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $VAR.
INTERPOLATION = re.compile(r"\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*(?:(?::?[-?+])[^}]*)?\}|\$[A-Za-z_][A-Za-z0-9_]*")
SERVICE_KEYS = {
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "volumes",
    "ports",
    "expose",
    "healthcheck",
    "depends_on",
    "restart",
    "working_dir",
    "user",
    "networks",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())


@pytest.fixture(scope="module")
def workspace_entry() -> dict[str, Any]:
    [entry] = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"]
    return entry["grpc_server"]


def strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for key, value in node.items() for s in strings(key) + strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    return [node] if isinstance(node, str) else []


def option(command: list[str], *flags: str) -> str:
    for i, part in enumerate(command):
        if part in flags:
            return command[i + 1]
    raise AssertionError(f"{flags} missing from {command}")


def test_compose_has_the_four_services_with_known_keys_and_valid_interpolation(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", *DAGSTER_SERVICES}
    for name, service in compose["services"].items():
        assert set(service) <= SERVICE_KEYS, f"{name}: unknown keys {set(service) - SERVICE_KEYS}"
        assert "image" in service or "build" in service, f"{name} has neither image nor build"
        for env_value in (service.get("environment") or {}).values():
            assert isinstance(env_value, str), (
                f"{name}: environment values must be strings (quote numbers): {env_value!r}"
            )
    for text in strings(compose):
        leftover = INTERPOLATION.sub("", text)
        assert "$" not in leftover, f"malformed interpolation in {text!r}"
    assert set(compose["volumes"]) == {
        volume.split(":")[0] for service in compose["services"].values() for volume in service.get("volumes", [])
    }, "named volumes used and declared differ"


def test_one_image_built_from_the_dockerfile_for_every_dagster_service(compose: dict[str, Any]) -> None:
    images = {compose["services"][name]["image"] for name in DAGSTER_SERVICES}
    assert len(images) == 1, f"the Dagster services run different images: {images}"
    for name in DAGSTER_SERVICES:
        build = compose["services"][name]["build"]
        context = (DEPLOY / build["context"]).resolve()
        assert context == REPO and (context / build["dockerfile"]).is_file()


def test_dockerfile_installs_from_the_lock_and_copies_what_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copies = [line.split()[1:-1] for line in dockerfile.splitlines() if line.startswith("COPY ")]
    for sources in copies:
        for source in sources:
            assert (REPO / source).exists(), f"Dockerfile copies {source}, which does not exist"
    assert ["deploy/requirements.lock"] in copies
    assert "-r /tmp/requirements.lock" in dockerfile and "--no-deps ." in dockerfile
    cmd = shlex.split(re.search(r"^CMD (.+)$", dockerfile, re.M).group(1).replace('", "', " ").strip('[]"'))
    assert option(cmd, "-m") == "spotify_assets.definitions"


def test_code_server_address_matches_the_workspace_and_the_healthchecks(
    compose: dict[str, Any], workspace_entry: dict[str, Any]
) -> None:
    services = compose["services"]
    assert workspace_entry["host"] in services, "the workspace points at a host that is not a service"
    code_server = services[workspace_entry["host"]]
    command = code_server["command"]
    assert command[:3] == ["dagster", "api", "grpc"]
    assert importlib.util.find_spec(option(command, "-m", "--module-name")) is not None
    assert option(command, "--location-name") == workspace_entry["location_name"]
    port = str(workspace_entry["port"])
    assert option(command, "-p", "--port") == port and port in code_server["expose"]
    assert option(code_server["healthcheck"]["test"], "-p", "--port") == port
    webserver = services["webserver"]
    assert f"{option(webserver['command'], '-p', '--port')}:" in webserver["ports"][0].split(":", 1)[1] + ":"
    assert "/server_info" in " ".join(webserver["healthcheck"]["test"])
    workspace_path = option(services["daemon"]["command"], "-w")
    assert workspace_path == option(webserver["command"], "-w") == "/opt/dagster/dagster_home/workspace.yaml"


def test_start_order_waits_for_healthy_dependencies(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, needs in {
        "code-server": {"postgres"},
        "daemon": {"postgres", "code-server"},
        "webserver": {"postgres", "code-server"},
    }.items():
        depends = services[name]["depends_on"]
        assert set(depends) == needs
        for dependency in needs:
            assert depends[dependency]["condition"] == "service_healthy"
            assert "healthcheck" in services[dependency], f"{name} waits for {dependency}, which has no healthcheck"


def test_every_instance_variable_is_set_for_every_dagster_service(compose: dict[str, Any]) -> None:
    instance = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    needed = {node["env"] for node in _dicts(instance) if set(node) == {"env"}}
    assert needed >= {"DAGSTER_PG_HOST", "DAGSTER_PG_PASSWORD"}
    postgres = compose["services"]["postgres"]["environment"]
    for name in DAGSTER_SERVICES:
        env = compose["services"][name]["environment"]
        assert needed <= set(env), f"{name} lacks {needed - set(env)}"
        assert env["DAGSTER_PG_HOST"] == "postgres"
        assert (env["DAGSTER_PG_USERNAME"], env["DAGSTER_PG_DB"], env["DAGSTER_PG_PASSWORD"]) == (
            postgres["POSTGRES_USER"],
            postgres["POSTGRES_DB"],
            postgres["POSTGRES_PASSWORD"],
        )
    assert instance["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"
    assert instance["run_monitoring"]["enabled"] is True


def _dicts(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node] + [d for value in node.values() for d in _dicts(value)]
    if isinstance(node, list):
        return [d for item in node for d in _dicts(item)]
    return []


def _pins(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s\\;]+)", path.read_text(), re.M))


def test_the_image_lock_is_the_runtime_subset_of_the_tested_lock() -> None:
    tested, image = _pins(REPO / "requirements.lock"), _pins(DEPLOY / "requirements.lock")
    assert {"dagster", "dagster-postgres", "psycopg2-binary", "duckdb", "sqlalchemy"} <= set(image)
    differing = {name: (version, tested.get(name)) for name, version in image.items() if tested.get(name) != version}
    assert not differing, f"the image would install versions the tests did not run with: {differing}"
    assert not {"pytest", "moto", "playwright"} & set(image), "dev tools in the image lock"
    assert int(tested["duckdb"].split(".")[0]) < 2 and tested["sqlalchemy"].startswith("2.0.")
