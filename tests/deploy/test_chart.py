"""The Helm chart: rendered by Helm's engine, validated against Kubernetes' schemas, and wired to Socle.

Each scenario is a way to install the chart (everything bundled, everything external, vLLM, a
Secret managed outside the chart, a fixed replica count). Every object it renders must match the
strict schema of its kind at the oldest and newest supported Kubernetes versions, and what Socle
reads (the ConfigMap's socle.yaml and the Secret's SOCLE_... variables) must load into valid
settings.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from socle.server.routes.health import router as health_router

from socle.cli import app as cli_app
from socle.settings import Settings, load_settings
from tests.deploy._chart import (
    KUBE_VERSIONS,
    RELEASE,
    Manifest,
    RenderError,
    SchemaError,
    containers,
    find,
    lint,
    render,
    validate,
)

FULLNAME = f"{RELEASE}-socle"
PSEUDONYM_KEY = "A" * 43 + "="  # 32 bytes, urlsafe base64: the shape of a Fernet key
REQUIRED = {"secrets": {"pseudonymKey": PSEUDONYM_KEY}, "postgresql": {"auth": {"password": "pw-1"}}}
EXTERNAL = {
    "secrets": {"pseudonymKey": PSEUDONYM_KEY},
    "postgresql": {
        "enabled": False,
        "externalUrl": "postgresql+asyncpg://socle:s3cret@db.internal:5432/socle",
    },
    "redis": {"enabled": False, "externalUrl": "redis://cache.internal:6379/0"},
    "qdrant": {"enabled": False, "externalUrl": "http://qdrant.internal:6333", "apiKey": "qk"},
    "vllm": {"externalUrl": "http://gpu-a.internal:8000/v1", "apiKey": "vk"},
}
SCENARIOS: dict[str, dict[str, Any]] = {
    "bundled": REQUIRED,
    "external": EXTERNAL,
    "vllm": {**REQUIRED, "vllm": {"enabled": True, "apiKey": "vk"}},
    "existing-secret": {"secrets": {"existingSecret": "socle-env"}, "postgresql": {"enabled": False}},
    "fixed-replicas": {
        **EXTERNAL,
        "autoscaling": {"enabled": False},
        "replicaCount": 3,
        "podDisruptionBudget": {"enabled": False},
        "migrations": {"enabled": False},
    },
}


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Manifest]]:
    return {name: render(values) for name, values in SCENARIOS.items()}


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_object_matches_the_kubernetes_schema(
    rendered: dict[str, list[Manifest]], scenario: str, kube_version: str
) -> None:
    for manifest in rendered[scenario]:
        validate(manifest, kube_version)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_helm_lint_strict_finds_nothing(scenario: str) -> None:
    assert lint(SCENARIOS[scenario]) == []


def _settings_of(
    objects: list[Manifest],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workload: tuple[str, str] = ("Deployment", FULLNAME),
    secret: dict[str, str] | None = None,
) -> Settings:
    """What a pod of `workload` reads: socle.yaml from its ConfigMap, its env, then its Secret's.

    `secret` stands for a Secret the chart does not render (secrets.existingSecret).
    """
    pod = find(objects, *workload)["spec"]["template"]["spec"]
    container = pod["containers"][0]
    (config_map,) = [v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v]
    config = tmp_path / "socle.yaml"
    config.write_text(find(objects, "ConfigMap", config_map)["data"]["socle.yaml"])
    if secret is None:
        secret = find(objects, "Secret", container["envFrom"][0]["secretRef"]["name"])["stringData"]
    for entry in container["env"]:
        monkeypatch.setenv(entry["name"], entry.get("value", "from-the-pod"))
    for name, value in secret.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SOCLE_CONFIG")  # the pod's path; the test reads the rendered copy
    return load_settings(config)


@pytest.mark.parametrize("scenario", ["bundled", "external", "vllm", "fixed-replicas"])
def test_socle_reads_valid_settings_from_the_chart(
    rendered: dict[str, list[Manifest]],
    scenario: str,
    no_socle_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = _settings_of(rendered[scenario], tmp_path, monkeypatch)
    assert (s.server.host, s.server.port, str(s.storage.data_dir)) == ("0.0.0.0", 8000, "/var/lib/socle")
    assert s.storage.resolved_database_url().startswith("postgresql+asyncpg://")
    assert s.orchestrator.checkpointer == "postgres"
    assert (s.orchestrator.checkpoint_url or "").startswith("postgresql://")
    assert s.guardrails.pseudonym_key is not None
    assert s.guardrails.pseudonym_key.get_secret_value() == PSEUDONYM_KEY
    assert s.storage.redis_url and s.knowledge.qdrant_url


def test_bundled_dependencies_are_reached_by_their_service_names(
    rendered: dict[str, list[Manifest]], no_socle_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = rendered["bundled"]
    s = _settings_of(objects, tmp_path, monkeypatch)
    assert s.storage.database_url == f"postgresql+asyncpg://socle:pw-1@{FULLNAME}-postgresql:5432/socle"
    assert s.storage.redis_url == f"redis://{FULLNAME}-redis:6379/0"
    assert s.knowledge.qdrant_url == f"http://{FULLNAME}-qdrant:6333"
    for part, port in (("postgresql", 5432), ("redis", 6379), ("qdrant", 6333)):
        assert find(objects, "Service", f"{FULLNAME}-{part}")["spec"]["ports"][0]["port"] == port
    # No vLLM: the embedded model, served by llama.cpp inside each Socle pod.
    assert s.models.manage_local and s.models.deployments[0].local is not None


def test_vllm_replaces_the_embedded_model(
    rendered: dict[str, list[Manifest]], no_socle_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = rendered["vllm"]
    s = _settings_of(objects, tmp_path, monkeypatch)
    (deployment,) = s.models.deployments
    assert (deployment.model, deployment.api_base) == (
        "vllm:qwen2.5-1.5b-instruct",
        f"http://{FULLNAME}-vllm:8000/v1",
    )
    assert deployment.api_key is not None and deployment.api_key.get_secret_value() == "vk"
    assert (s.models.default, s.models.manage_local) == ("qwen2.5-1.5b-instruct", False)
    server = find(objects, "Deployment", f"{FULLNAME}-vllm")["spec"]["template"]["spec"]["containers"][0]
    assert "--served-model-name=qwen2.5-1.5b-instruct" in server["args"]
    assert server["resources"]["limits"]["nvidia.com/gpu"] == 1
    # The key is in Secrets only, never in the ConfigMap.
    assert "vk" not in find(objects, "ConfigMap", FULLNAME)["data"]["socle.yaml"]


def test_an_existing_secret_replaces_the_charts(rendered: dict[str, list[Manifest]]) -> None:
    objects = rendered["existing-secret"]
    assert not [o for o in objects if o["kind"] == "Secret"]
    pods = [pod for pod, c in containers(objects) if c["name"] in ("socle", "migrate")]
    assert len(pods) == 2
    for pod in pods:
        assert pod["containers"][0]["envFrom"] == [{"secretRef": {"name": "socle-env"}}]


def test_probes_are_the_servers_health_routes(rendered: dict[str, list[Manifest]]) -> None:
    served = {getattr(route, "path", None) for route in health_router.routes}
    socle = find(rendered["bundled"], "Deployment", FULLNAME)["spec"]["template"]["spec"]["containers"][0]
    probes = {
        kind: socle[kind]["httpGet"]["path"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    }
    assert probes == {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    assert set(probes.values()) <= served


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_socle_and_its_stores_run_as_non_root(rendered: dict[str, list[Manifest]], scenario: str) -> None:
    for pod, container in containers(rendered[scenario]):
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, container["name"]
        if container["name"] == "vllm":
            continue  # the upstream GPU image runs as root (docs/deploy.md)
        assert pod["securityContext"]["runAsNonRoot"] is True, container["name"]
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        if container["name"] in ("socle", "migrate"):
            assert pod["securityContext"]["runAsUser"] == 10001
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def _selected(objects: list[Manifest], selector: dict[str, str]) -> list[str]:
    """Names of the workloads whose pods carry every label of `selector`."""
    return [
        o["metadata"]["name"]
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet", "Job")
        and selector.items() <= o["spec"]["template"]["metadata"]["labels"].items()
    ]


@pytest.mark.parametrize("scenario", ["bundled", "vllm"])
def test_each_service_selects_the_pods_of_one_workload(
    rendered: dict[str, list[Manifest]], scenario: str
) -> None:
    objects = rendered[scenario]
    for service in (o for o in objects if o["kind"] == "Service"):
        assert _selected(objects, service["spec"]["selector"]) == [service["metadata"]["name"]]


def test_the_autoscaler_and_disruption_budget_target_the_socle_pods(
    rendered: dict[str, list[Manifest]],
) -> None:
    objects = rendered["bundled"]
    deployment = find(objects, "Deployment", FULLNAME)
    assert "replicas" not in deployment["spec"]  # the HPA owns the count
    hpa = find(objects, "HorizontalPodAutoscaler", FULLNAME)["spec"]
    assert (hpa["scaleTargetRef"]["kind"], hpa["scaleTargetRef"]["name"]) == ("Deployment", FULLNAME)
    assert hpa["minReplicas"] >= 2
    pdb = find(objects, "PodDisruptionBudget", FULLNAME)["spec"]
    assert _selected(objects, pdb["selector"]["matchLabels"]) == [FULLNAME]
    fixed = rendered["fixed-replicas"]
    assert find(fixed, "Deployment", FULLNAME)["spec"]["replicas"] == 3
    assert not [o for o in fixed if o["kind"] in ("HorizontalPodAutoscaler", "PodDisruptionBudget", "Job")]


@pytest.mark.parametrize(
    ("scenario", "hook"),
    [("external", "pre-install,pre-upgrade"), ("bundled", "post-install,pre-upgrade")],
)
def test_migrations_run_once_as_a_hook_job(
    rendered: dict[str, list[Manifest]], scenario: str, hook: str
) -> None:
    objects = rendered[scenario]
    job = find(objects, "Job", f"{FULLNAME}-migrate")
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["migrate"]
    assert "migrate" in {c.name or c.callback.__name__ for c in cli_app.registered_commands if c.callback}
    assert job["metadata"]["annotations"]["helm.sh/hook"] == hook
    # Its Secret is a hook too, created first: the release's own Secret does not exist before install.
    secret = find(objects, "Secret", container["envFrom"][0]["secretRef"]["name"])
    assert secret["metadata"]["annotations"]["helm.sh/hook"] == hook
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    assert secret["stringData"]["SOCLE_STORAGE__DATABASE_URL"].startswith("postgresql+asyncpg://")


MIGRATE = ("Job", f"{FULLNAME}-migrate")


@pytest.mark.parametrize("scenario", ["bundled", "external", "vllm"])
def test_the_migration_job_reads_what_the_pods_read(
    rendered: dict[str, list[Manifest]],
    scenario: str,
    no_socle_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    job = _settings_of(rendered[scenario], tmp_path, monkeypatch, MIGRATE)
    pods = _settings_of(rendered[scenario], tmp_path, monkeypatch)
    assert job.model_dump(exclude={"orchestrator": {"replica_id"}}) == pods.model_dump(
        exclude={"orchestrator": {"replica_id"}}
    )


def test_the_migration_job_loads_an_existing_secret_with_a_vllm_catalog(
    rendered: dict[str, list[Manifest]], no_socle_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The operator's Secret carries the catalog; the Job must read the chart's socle.yaml with it
    # (models.default is the vLLM model), or the settings it loads are invalid and it never migrates.
    objects = render(
        {**SCENARIOS["existing-secret"], "vllm": {"externalUrl": "http://vllm.internal:8000/v1"}}
    )
    theirs = find(rendered["external"], "Secret", FULLNAME)["stringData"]
    s = _settings_of(objects, tmp_path, monkeypatch, MIGRATE, secret=theirs)
    assert s.models.default == s.models.deployments[0].name == "qwen2.5-1.5b-instruct"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"postgresql": {"auth": {"password": "pw"}}}, "secrets.pseudonymKey is required"),
        ({"secrets": {"pseudonymKey": "k"}}, "postgresql.auth.password is required"),
        ({**REQUIRED, "postgresql": {"auth": {"password": "p@ss:word"}}}, "letters, digits"),
        ({"secrets": {"pseudonymKey": "k"}, "postgresql": {"enabled": False}}, "share one PostgreSQL"),
    ],
)
def test_missing_or_unsafe_values_fail_with_what_to_set(values: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=message):
        render(values)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({**REQUIRED, "postgresql": {"enable": False, "auth": {"password": "pw"}}}, "'enable' not allowed"),
        ({**REQUIRED, "vllm": {"tier": 9}}, "/vllm/tier"),
        ({**REQUIRED, "autoscaling": {"minReplicas": "two"}}, "/autoscaling/minReplicas"),
    ],
)
def test_values_the_schema_does_not_know_are_refused(values: dict[str, Any], message: str) -> None:
    # values.schema.json: a misspelt switch would otherwise be ignored silently.
    with pytest.raises(RenderError, match=message):
        render(values)


def test_config_values_win_over_what_the_chart_derives(no_socle_env: None) -> None:
    objects = render({**REQUIRED, "config": {"knowledge": {"qdrant_url": "http://elsewhere:6333"}}})
    config = yaml.safe_load(find(objects, "ConfigMap", FULLNAME)["data"]["socle.yaml"])
    assert config["knowledge"]["qdrant_url"] == "http://elsewhere:6333"
    assert config["server"]["host"] == "0.0.0.0"


def _broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    chart = tmp_path / "socle"
    shutil.copytree(Path(__file__).resolve().parents[2] / "deploy/helm/socle", chart)
    path = chart / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    return chart


def test_an_invalid_field_fails_schema_validation(tmp_path: Path) -> None:
    # The gate is not vacuous: a misspelt field (readinesProbe) renders fine and is refused here.
    chart = _broken_copy(tmp_path, "templates/deployment.yaml", "readinessProbe:", "readinesProbe:")
    deployment = find(render(REQUIRED, chart), "Deployment", FULLNAME)
    with pytest.raises(SchemaError, match="readinesProbe"):
        validate(deployment, KUBE_VERSIONS[0])


def test_a_broken_template_fails_to_render(tmp_path: Path) -> None:
    chart = _broken_copy(
        tmp_path, "templates/service.yaml", "{{ .Values.service.type }}", "{{ .Values.service.type "
    )
    with pytest.raises(RenderError):
        render(REQUIRED, chart)


def test_lint_finds_what_rendering_does_not_check(tmp_path: Path) -> None:
    chart = _broken_copy(tmp_path, "Chart.yaml", "version: 0.1.0", "version: one")
    assert any("not a valid SemVer" in finding for finding in lint(REQUIRED, chart))
