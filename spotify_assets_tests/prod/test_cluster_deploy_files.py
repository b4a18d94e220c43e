"""deploy/helm (values for Dagster's Helm chart) and deploy/ecs (the instance for ECS), checked offline
with Dagster's own config schemas: dagster's instance schema, dagster-k8s's ``K8sRunLauncher`` and
container context, dagster-aws's ``EcsRunLauncher`` (built, as an instance builds it).

Not run here: ``helm template``. Debian bookworm packages no helm (``apt-cache policy helm`` finds
none; the "helm" packages are Emacs'), and the chart itself is served only by Dagster's chart
repository, which this machine cannot reach (no PyPI package ships it; its bitnami dependencies
would be needed as well). So the chart's templates are not rendered; instead the few mappings these
values rely on are transcribed below from the chart at this Dagster version (helm/dagster:
templates/helpers/instance/_run-launcher.tpl, _run-coordinator.tpl, _postgresql.tpl,
configmap-instance.yaml, configmap-workspace.yaml; the dagster-user-deployments subchart's
configmap-env-user.yaml and its k8sContainerContext helper), and what they produce is validated
with the libraries that will read it. A key the chart would not map fails here.
"""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import DagsterRun
from dagster._config import process_config
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config
from dagster._core.instance.ref import InstanceRef
from dagster._serdes.config_class import class_from_code_pointer
from dagster_aws.ecs import EcsRunLauncher
from dagster_aws.ecs.container_context import EcsContainerContext
from dagster_k8s import K8sRunLauncher
from dagster_k8s.container_context import K8sContainerContext

from spotify_assets.harness.processes import REPO
from spotify_assets.settings import CONFIGURED_RESOURCES
from spotify_assets.tables.schema import TABLES_BY_NAME, UNAVAILABLE_ALBUMS
from spotify_assets_tests.prod.test_deploy_files import _dicts, _pins, option

DEPLOY = REPO / "deploy"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
HELM_SECRETS = DEPLOY / "helm" / "secrets.example.yaml"
ECS_INSTANCE = DEPLOY / "ecs" / "dagster.yaml"
DOCS = REPO / "docs" / "deploy-cluster.md"
ATHENA_DOCS = REPO / "docs" / "athena-iceberg.md"
RELEASE = "dagster"  # `helm upgrade --install dagster dagster/dagster` (values.yaml's header)

# What every process of the platform needs in a cluster, where no two share a disk: Spotify, the
# raw store and the lake on S3, the Iceberg catalog and warehouse; plus the catalog's URI for the
# SQL catalog (Glue needs none). The names are the settings the resources read.
CLUSTER_VARIABLES = frozenset(
    {
        "SPOTIFY_BACKEND",
        "SPOTIFY_CLIENT_ID",
        "SPOTIFY_CLIENT_SECRET",
        "SPOTIFY_ALERT_WEBHOOK_URL",
        "SPOTIFY_RAW_S3_BUCKET",
        "SPOTIFY_RAW_S3_PREFIX",
        "SPOTIFY_LAKE_S3_BUCKET",
        "AWS_REGION",
        "SPOTIFY_ICEBERG_CATALOG",
        "SPOTIFY_ICEBERG_WAREHOUSE",
        "SPOTIFY_ICEBERG_NAMESPACE",
    }
)
CATALOG_URI = "SPOTIFY_ICEBERG_CATALOG_URI"


def secret_variables() -> set[str]:
    """Variables whose values are credentials: those a resource field declares secret, and the SQL
    catalog's URI (it carries the database password)."""
    secret = {CATALOG_URI, "DAGSTER_PG_PASSWORD"}
    for resource in CONFIGURED_RESOURCES:
        for field in resource.model_fields.values():
            extra = field.json_schema_extra
            if isinstance(extra, dict) and extra.get("secret"):
                secret.add(str(extra["env"]))
    return secret


def env_references(node: Any) -> set[str]:
    """Every variable an instance file reads through ``{env: NAME}``."""
    return {str(d["env"]) for d in _dicts(node) if set(d) == {"env"}}


def camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def snake_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    return {camel_to_snake(key): value for key, value in mapping.items()}


def instance_problems(instance: dict[str, Any], home: Path) -> list[str]:
    """Dagster's own checks of an instance file: the whole file against the instance schema, then
    each configurable section against its class's ``config_type()`` (env vars resolved), the class
    found as an instance finds it (``InstanceRef``, which also maps the chart's legacy module
    paths). Nothing is instantiated, so no cluster, AWS or database is touched."""
    (home / "dagster.yaml").write_text(yaml.safe_dump(instance, sort_keys=False))
    try:
        dagster_instance_config(str(home))
    except DagsterInvalidConfigError as error:
        return [f"instance: {e.message}" for e in error.errors]
    ref = InstanceRef.from_dir(str(home))
    sections = {
        "run_launcher": ref.run_launcher_data,
        "run_coordinator": ref.run_coordinator_data,
        "compute_logs": ref.compute_logs_data,
        "run_storage": ref.run_storage_data,
    }
    problems = []
    for name, data in sections.items():
        if name not in instance and not (name == "run_storage" and "storage" in instance):
            continue
        klass = class_from_code_pointer(data.module_name, data.class_name)
        result = process_config(klass.config_type(), yaml.safe_load(data.config_yaml) or {})
        problems += [f"{name} ({data.class_name}): {e.message}" for e in result.errors or []]
    return problems


# ---- ECS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ecs_instance() -> dict[str, Any]:
    return yaml.safe_load(ECS_INSTANCE.read_text())


@pytest.fixture
def daemon_env(ecs_instance: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The ECS daemon task's environment: a value for every variable the instance file reads or
    hands to runs (fake ARNs and names; nothing here reaches AWS)."""
    env = {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        "DAGSTER_PG_PORT": "5432",
        "SPOTIFY_BACKEND": "spotify",
        "SPOTIFY_ICEBERG_CATALOG": "glue",
        "SPOTIFY_ICEBERG_WAREHOUSE": "s3://spotify-assets-lake/warehouse",
    }
    for name in env_references(ecs_instance) | set(ecs_instance["run_launcher"]["config"]["env_vars"]):
        if name.endswith("_ARN"):
            env[name] = f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{name.lower()}"
        else:
            env.setdefault(name, f"value-of-{name.lower()}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def test_ecs_instance_passes_dagsters_own_schemas(
    ecs_instance: dict[str, Any], daemon_env: dict[str, str], tmp_path: Path
) -> None:
    assert instance_problems(ecs_instance, tmp_path) == []
    assert ecs_instance["run_launcher"] == {
        "module": "dagster_aws.ecs",
        "class": "EcsRunLauncher",
        "config": ecs_instance["run_launcher"]["config"],
    }
    assert ecs_instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert ecs_instance["run_monitoring"]["enabled"] is True
    assert ecs_instance["storage"]["postgres"]["postgres_db"]["scheme"] == "postgresql+psycopg2"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (
            lambda i: i["run_launcher"]["config"].update(
                container_nam=i["run_launcher"]["config"].pop("container_name")
            ),
            "container_nam",
        ),
        (lambda i: i["run_launcher"]["config"]["run_resources"].update(cpu=1024), "cpu"),
        (lambda i: i["run_launcher"]["config"]["task_definition"].update(log_grup="x"), "log_grup"),
        (lambda i: i.update(run_launcherr=i.pop("run_launcher")), "run_launcherr"),
        (lambda i: i["run_monitoring"].update(start_timeout="300"), "start_timeout"),
        (lambda i: i["concurrency"]["runs"]["tag_concurrency_limits"][1].update(limt=1), "limt"),
    ],
)
def test_a_typo_in_the_ecs_instance_is_refused_by_name(
    ecs_instance: dict[str, Any], daemon_env: dict[str, str], tmp_path: Path, change: Any, named: str
) -> None:
    broken = copy.deepcopy(ecs_instance)
    change(broken)
    problems = instance_problems(broken, tmp_path)
    assert problems and any(named in p for p in problems), problems


def test_ecs_instance_names_the_variable_the_daemon_lacks(
    ecs_instance: dict[str, Any], daemon_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DAGSTER_ECS_TASK_ROLE_ARN")
    problems = instance_problems(ecs_instance, tmp_path)
    assert any("DAGSTER_ECS_TASK_ROLE_ARN" in p for p in problems), problems


def test_each_ecs_run_task_gets_the_platform_settings_and_secrets_only_as_secrets(
    ecs_instance: dict[str, Any], daemon_env: dict[str, str], tmp_path: Path
) -> None:
    """The launcher as the daemon builds it (from the file, env resolved; boto3 clients created,
    no AWS call), then the environment and secrets it gives a run's task, by its own code."""
    (tmp_path / "dagster.yaml").write_text(ECS_INSTANCE.read_text())
    launcher = InstanceRef.from_dir(str(tmp_path)).run_launcher
    assert isinstance(launcher, EcsRunLauncher)
    assert launcher.task_definition_dict["task_role_arn"] == daemon_env["DAGSTER_ECS_TASK_ROLE_ARN"]
    assert launcher.secrets_tags == [], "only the listed secrets, not every secret tagged 'dagster'"
    context = EcsContainerContext.create_for_run(DagsterRun(job_name="daily_snapshot_job"), launcher)
    environment = context.get_environment_dict()
    secrets = context.get_secrets_dict(launcher.secrets_manager)
    given = set(environment) | set(secrets)

    missing = CLUSTER_VARIABLES - given
    assert not missing, f"a run task would lack {sorted(missing)}"
    assert environment["SPOTIFY_ICEBERG_CATALOG"] == "glue", "the ECS file gives runs no catalog URI: Glue"
    leaked = secret_variables() & set(environment)
    assert not leaked, f"secrets passed as plain env vars (visible in the task definition): {sorted(leaked)}"
    assert secrets["DAGSTER_PG_PASSWORD"] == daemon_env["DAGSTER_PG_PASSWORD_SECRET_ARN"]
    # What the run worker's own instance reads ({env: ...} of storage and compute logs) is there too.
    run_worker_reads = env_references({k: v for k, v in ecs_instance.items() if k != "run_launcher"})
    assert run_worker_reads <= given, f"the run worker could not load its instance: {run_worker_reads - given}"
    assert all(environment[name] == daemon_env[name] for name in environment)


def test_ecs_image_holds_the_instance_and_the_docs_name_every_variable(ecs_instance: dict[str, Any]) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "COPY deploy/ecs/dagster.yaml deploy/workspace.yaml /opt/dagster/ecs/" in dockerfile
    docs = DOCS.read_text()
    assert "DAGSTER_HOME=/opt/dagster/ecs" in docs
    needed = env_references(ecs_instance) | set(ecs_instance["run_launcher"]["config"]["env_vars"])
    undocumented = {name for name in needed if f"`{name}`" not in docs}
    assert not undocumented, f"docs/deploy-cluster.md does not name {sorted(undocumented)}"


# ---- Helm ------------------------------------------------------------------------------------------

# The chart's top-level values (DagsterHelmValues in helm/dagster/schema; later charts add a few,
# e.g. concurrency): a key outside them would be ignored by the chart without a word.
CHART_TOP_LEVEL = frozenset(
    {
        "dagsterWebserver",
        "dagster-user-deployments",
        "postgresql",
        "generatePostgresqlPasswordSecret",
        "generateCeleryConfigSecret",
        "rabbitmq",
        "redis",
        "flower",
        "ingress",
        "imagePullSecrets",
        "computeLogManager",
        "scheduler",
        "runLauncher",
        "pythonLogs",
        "dagsterDaemon",
        "busybox",
        "migrate",
        "telemetry",
        "serviceAccount",
        "global",
        "retention",
        "additionalInstanceConfig",
    }
)
# runLauncher.config.k8sRunLauncher keys the chart maps into K8sRunLauncher's config
# (_run-launcher.tpl); its schema forbids any other key.
K8S_LAUNCHER_KEYS = {
    "image": None,  # becomes job_image; ignored when code comes from a user deployment
    "imagePullPolicy": "image_pull_policy",
    "jobNamespace": "job_namespace",
    "loadInclusterConfig": "load_incluster_config",
    "kubeconfigFile": "kubeconfig_file",
    "envConfigMaps": "env_config_maps",
    "envSecrets": "env_secrets",
    "envVars": "env_vars",
    "volumeMounts": "volume_mounts",
    "volumes": "volumes",
    "labels": "labels",
    "failPodOnRunFailure": "fail_pod_on_run_failure",
    "resources": "resources",
    "schedulerName": "scheduler_name",
    "securityContext": "security_context",
    "runK8sConfig": "run_k8s_config",
}


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load(HELM_VALUES.read_text())


@pytest.fixture(scope="module")
def example_secrets() -> dict[str, set[str]]:
    """Secret name -> its keys, from secrets.example.yaml (the keys a cluster's Secrets must hold)."""
    docs = [doc for doc in yaml.safe_load_all(HELM_SECRETS.read_text()) if doc]
    assert all(doc["kind"] == "Secret" for doc in docs)
    return {doc["metadata"]["name"]: set(doc["stringData"]) for doc in docs}


def the_deployment(values: dict[str, Any]) -> dict[str, Any]:
    [deployment] = values["dagster-user-deployments"]["deployments"]
    return deployment


def chart_k8s_run_launcher(values: dict[str, Any]) -> dict[str, Any]:
    """K8sRunLauncher's config as the chart's _run-launcher.tpl writes it from these values."""
    given = values["runLauncher"]["config"]["k8sRunLauncher"]
    unknown = set(given) - set(K8S_LAUNCHER_KEYS)
    assert not unknown, f"runLauncher.config.k8sRunLauncher: keys the chart does not know: {unknown}"
    config: dict[str, Any] = {
        "load_incluster_config": given.get("loadInclusterConfig", True),
        "job_namespace": given.get("jobNamespace") or RELEASE,
        "image_pull_policy": given.get("imagePullPolicy", "Always"),
        # release "dagster" of chart "dagster": the chart's full name is the release's
        "service_account_name": RELEASE,
        "dagster_home": "/opt/dagster/dagster_home",
        "instance_config_map": f"{RELEASE}-instance",
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
    }
    for key, value in given.items():
        target = K8S_LAUNCHER_KEYS[key]
        if target is None or not value or key in {"loadInclusterConfig", "jobNamespace", "imagePullPolicy"}:
            continue
        if key in {"envConfigMaps", "envSecrets"}:
            value = [item["name"] for item in value]
        elif key == "failPodOnRunFailure":
            value = True
        elif key == "runK8sConfig":
            value = snake_keys(value)
        config[target] = value
    return config


def chart_instance(values: dict[str, Any]) -> dict[str, Any]:
    """The parts of dagster.yaml the chart's configmap-instance.yaml renders from these values."""
    pg = values["postgresql"]
    postgres_db = {
        "username": pg["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": pg["postgresqlHost"],
        "db_name": pg["postgresqlDatabase"],
        "port": pg["service"]["port"],
        "params": pg.get("postgresqlParams", {}),
    }
    if pg.get("postgresqlScheme"):
        postgres_db["scheme"] = pg["postgresqlScheme"]
    storage = {"postgres_db": postgres_db}
    daemon = values["dagsterDaemon"]
    coordinator = daemon["runCoordinator"]
    assert coordinator["enabled"] and coordinator["type"] == "QueuedRunCoordinator"
    queued = dict(coordinator["config"]["queuedRunCoordinator"])
    limits = queued.pop("tagConcurrencyLimits", None)  # written with toYaml: keys as given
    monitoring = daemon["runMonitoring"]
    logs = values["computeLogManager"]
    assert logs["type"] == "S3ComputeLogManager"
    retention = values["retention"]
    instance: dict[str, Any] = {
        "scheduler": {"module": "dagster._core.scheduler", "class": "DagsterDaemonScheduler"},
        "schedule_storage": {
            "module": "dagster_postgres.schedule_storage",
            "class": "PostgresScheduleStorage",
            "config": storage,
        },
        "run_launcher": {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": chart_k8s_run_launcher(values)},
        "run_storage": {"module": "dagster_postgres.run_storage", "class": "PostgresRunStorage", "config": storage},
        "event_log_storage": {
            "module": "dagster_postgres.event_log",
            "class": "PostgresEventLogStorage",
            "config": storage,
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {**snake_keys(queued), **({"tag_concurrency_limits": limits} if limits else {})},
        },
        "compute_logs": {
            "module": "dagster_aws.s3.compute_log_manager",
            "class": "S3ComputeLogManager",
            "config": snake_keys(logs["config"]["s3ComputeLogManager"]),
        },
        "run_monitoring": snake_keys(monitoring),
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
    }
    if daemon["runRetries"]["enabled"]:
        instance["run_retries"] = snake_keys(daemon["runRetries"])
    if retention["enabled"]:
        instance["retention"] = {
            kind: {"purge_after_days": retention[kind]["purgeAfterDays"]} for kind in ("sensor", "schedule")
        }
    return instance


def test_values_use_only_the_charts_keys_and_its_version_is_the_locks(values: dict[str, Any]) -> None:
    unknown = set(values) - CHART_TOP_LEVEL
    assert not unknown, f"top-level keys the chart does not have: {unknown}"
    dagster = _pins(REPO / "requirements.lock")["dagster"]
    assert f"--version {dagster}" in HELM_VALUES.read_text(), "the chart's version must be dagster's in the lock"
    docs = DOCS.read_text()
    assert f"--version {dagster}" in docs
    assert "helm template" in docs and "not rendered" in docs, "the docs say what is not checked here, and why"
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False and values["generatePostgresqlPasswordSecret"] is False


def test_the_instance_the_chart_renders_passes_dagsters_own_schemas(
    values: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "not-a-real-password")
    instance = chart_instance(values)
    assert instance_problems(instance, tmp_path) == []
    launcher = process_config(K8sRunLauncher.config_type(), instance["run_launcher"]["config"])
    assert launcher.success, launcher.errors
    assert instance["run_coordinator"]["config"]["tag_concurrency_limits"][1] == {
        "key": "dagster/partition",
        "value": {"applyLimitPerUniqueValue": True},
        "limit": 1,
    }


@pytest.mark.parametrize(
    ("path", "key", "value", "named"),
    [
        (("runLauncher", "config", "k8sRunLauncher"), "jobNamespce", "dagster", "jobNamespce"),
        (("runLauncher", "config", "k8sRunLauncher"), "loadInclusterConfig", "yes-please", "load_incluster_config"),
        (("dagsterDaemon", "runMonitoring"), "startTimeoutSecond", 300, "start_timeout_second"),
        (
            ("dagsterDaemon", "runCoordinator", "config", "queuedRunCoordinator"),
            "maxConcurrentRun",
            6,
            "max_concurrent_run",
        ),
        (("computeLogManager", "config", "s3ComputeLogManager"), "bukket", "x", "bukket"),
        (("postgresql", "service"), "port", "five-four-three-two", "port"),
    ],
)
def test_a_typo_in_the_values_is_refused_by_name(
    values: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: tuple[str, ...],
    key: str,
    value: Any,
    named: str,
) -> None:
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "not-a-real-password")
    broken = copy.deepcopy(values)
    node = broken
    for part in path:
        node = node[part]
    node[key] = value
    try:
        problems = instance_problems(chart_instance(broken), tmp_path)
    except AssertionError as refused:  # a key the chart's template does not map
        problems = [str(refused)]
    assert problems and any(named in p for p in problems), problems


def test_the_code_server_loads_what_the_workspace_and_the_image_load(values: dict[str, Any]) -> None:
    deployment = the_deployment(values)
    args = deployment["dagsterApiGrpcArgs"]
    [workspace] = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"]
    dockerfile_cmd = shlex.split(
        re.search(r"^CMD (.+)$", (DEPLOY / "Dockerfile").read_text(), re.M).group(1).replace('", "', " ").strip('[]"')
    )
    assert option(args, "-m") == option(dockerfile_cmd, "-m") == "spotify_assets.definitions"
    location = workspace["grpc_server"]["location_name"]
    assert option(args, "--location-name") == option(dockerfile_cmd, "--location-name") == location
    # The chart's workspace would name the location after the deployment (a Service name, which
    # cannot be spotify_assets); the explicit server keeps the name every other deploy file uses.
    [server] = values["dagsterWebserver"]["workspace"]["servers"]
    assert values["dagsterWebserver"]["workspace"]["enabled"] is True
    assert (server["host"], server["port"], server["name"]) == (deployment["name"], deployment["port"], location)
    assert not {"-h", "-p", "--host", "--port"} & set(args), "the chart adds host and port itself"
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", deployment["name"]), "a Service name (DNS-1123)"


def code_server_env(values: dict[str, Any], secrets: dict[str, set[str]]) -> tuple[set[str], set[str]]:
    """(plain, secret) variables the code server's pod gets: its env map (a ConfigMap) and Secrets."""
    deployment = the_deployment(values)
    plain = set(deployment.get("env") or {})
    from_secrets = {key for ref in deployment.get("envSecrets", []) for key in secrets[ref["name"]]}
    return plain, from_secrets


def run_pod_env(values: dict[str, Any], secrets: dict[str, set[str]]) -> tuple[set[str], set[str]]:
    """(plain, secret) variables a run pod gets: the run launcher's config merged with the code
    location's container context (includeConfigInLaunchedRuns), by dagster-k8s's own merge."""
    deployment = the_deployment(values)
    launcher = process_config(K8sRunLauncher.config_type(), chart_k8s_run_launcher(values))
    assert launcher.success, launcher.errors
    config = launcher.value
    assert config is not None
    from_launcher = K8sContainerContext(
        env_config_maps=config.get("env_config_maps"),
        env_secrets=config.get("env_secrets"),
        env_vars=config.get("env_vars"),
    )
    env_map = f"{RELEASE}-dagster-user-deployments-{deployment['name']}-user-env"
    config_maps = {env_map: set(deployment.get("env") or {})}
    if deployment.get("includeConfigInLaunchedRuns", {"enabled": True})["enabled"]:
        location_context = {
            "k8s": {
                "image_pull_policy": deployment["image"]["pullPolicy"],
                "env_config_maps": [env_map, *(c["name"] for c in deployment.get("envConfigMaps", []))],
                "env_secrets": [s["name"] for s in deployment.get("envSecrets", [])],
                "resources": deployment.get("resources") or {},
                "namespace": RELEASE,
                "service_account_name": f"{RELEASE}-dagster-user-deployments-user-deployments",
            }
        }
        merged = from_launcher.merge(K8sContainerContext.create_from_config(location_context))
    else:
        merged = from_launcher
    container = merged.run_k8s_config.container_config
    plain = {e["name"] for e in container.get("env", [])}
    from_secrets: set[str] = set()
    for source in container.get("env_from", []):
        if "config_map_ref" in source:
            plain |= config_maps[source["config_map_ref"]["name"]]
        else:
            from_secrets |= secrets[source["secret_ref"]["name"]]
    return plain, from_secrets


@pytest.mark.parametrize("who", ["code server", "run pod"])
def test_every_platform_variable_reaches_the_code_server_and_each_run_pod(
    values: dict[str, Any], example_secrets: dict[str, set[str]], who: str
) -> None:
    plain, from_secrets = (code_server_env if who == "code server" else run_pod_env)(values, example_secrets)
    catalog = the_deployment(values)["env"]["SPOTIFY_ICEBERG_CATALOG"]
    needed = CLUSTER_VARIABLES | ({CATALOG_URI} if catalog == "sql" else set())
    missing = needed - plain - from_secrets
    assert not missing, f"the {who} would lack {sorted(missing)}"
    leaked = secret_variables() & plain
    assert not leaked, f"secrets set as plain values in values.yaml (readable by anyone who reads it): {leaked}"


def test_the_secrets_values_refer_to_are_the_examples(
    values: dict[str, Any], example_secrets: dict[str, set[str]]
) -> None:
    referred = {s["name"] for s in the_deployment(values)["envSecrets"]}
    referred |= {s["name"] for s in values["runLauncher"]["config"]["k8sRunLauncher"].get("envSecrets", [])}
    referred.add(values["global"]["postgresqlSecretName"])
    assert referred == set(example_secrets)
    assert example_secrets[values["global"]["postgresqlSecretName"]] == {"postgresql-password"}
    assert "<" in HELM_SECRETS.read_text() and "CHANGE" in HELM_VALUES.read_text()


# ---- Athena ----------------------------------------------------------------------------------------


def test_the_athena_statements_name_the_platforms_tables_and_columns() -> None:
    """docs/athena-iceberg.md queries the tables the platform writes, by their columns: a table or a
    column renamed in tables/schema.py makes this fail until the page follows."""
    text = ATHENA_DOCS.read_text()
    sql = "\n".join(re.findall(r"```sql\n(.*?)```", text, re.S))
    tables = {**TABLES_BY_NAME, UNAVAILABLE_ALBUMS.name: UNAVAILABLE_ALBUMS}
    named = set(re.findall(r'\bspotify"?\."?([a-z_]+)', sql))
    assert named and named <= set(tables), f"not tables of the platform: {named - set(tables)}"
    for table, alias in re.findall(r"spotify\.([a-z_]+) (?:AS )?([a-z]{1,2})\n?\s", sql):
        for column in re.findall(rf"(?<![a-z_.]){alias}\.([a-z_]+)", sql):
            assert column in tables[table].column_names, f"{table} has no column {column}"
    for table in named:
        for column in re.findall(rf"FROM spotify\.{table}\b(?:(?!FROM).)*?WHERE ([a-z_]+)(?![a-z_.])", sql, re.S):
            assert column in tables[table].column_names, f"{table} has no column {column}"
    assert "CREATE EXTERNAL TABLE" in text and "FOR TIMESTAMP AS OF" in sql and "VACUUM" in sql
