"""compose.yaml (embedded model) and compose.vllm.yaml (vLLM): what Socle reads there is valid.

No container runtime runs here: the files are read as compose reads them (the override merged over
the base, `${VAR}`, `${VAR:-default}` and `${VAR:?message}` interpolated) and the socle service's
environment, over the image's config/socle.yaml and ENV, must load into the settings the stack
needs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from socle.settings import Settings, load_settings
from tests.deploy._dockerfile import image_env

REPO = Path(__file__).resolve().parents[2]
DOTENV = {"POSTGRES_PASSWORD": "pw-1", "SOCLE_PSEUDONYM_KEY": "A" * 43 + "="}
_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


class MissingVariableError(Exception):
    """A `${VAR:?message}` whose variable is unset or empty: compose refuses to start."""


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's interpolation, for the forms these files use."""

    def value(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise MissingVariableError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(value, text)


def load_compose(*files: str, env: dict[str, str] = DOTENV) -> dict[str, Any]:
    """The files merged as `docker compose -f a -f b` does for these keys (maps merged, rest replaced)."""
    merged: dict[str, Any] = {}
    for name in files:
        data = yaml.safe_load(interpolate((REPO / name).read_text(), env))
        for key, value in data.items():
            if key in ("services", "volumes"):
                for sub, body in (value or {}).items():
                    base = merged.setdefault(key, {}).setdefault(sub, {}) or {}
                    for field, content in (body or {}).items():
                        if isinstance(content, dict) and isinstance(base.get(field), dict):
                            base[field] = {**base[field], **content}
                        else:
                            base[field] = content
                    merged[key][sub] = base
            else:
                merged[key] = value
    return merged


def socle_settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """What the socle container reads: the image's config and ENV, then the service's environment."""
    for name, value in {**image_env(), **compose["services"]["socle"]["environment"]}.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.delenv("SOCLE_CONFIG")  # /app/config/socle.yaml in the image: the repository's copy
    return load_settings(REPO / "config" / "socle.yaml")


def test_the_embedded_stack_wires_socle_to_its_stores(
    no_socle_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = load_compose("compose.yaml")
    s = socle_settings(compose, monkeypatch)
    assert s.storage.database_url == "postgresql+asyncpg://socle:pw-1@postgres:5432/socle"
    assert (s.storage.redis_url, s.knowledge.qdrant_url) == ("redis://redis:6379/0", "http://qdrant:6333")
    assert (s.orchestrator.checkpointer, s.orchestrator.checkpoint_url) == (
        "postgres",
        "postgresql://socle:pw-1@postgres:5432/socle",
    )
    assert s.guardrails.pseudonym_key is not None
    assert (s.server.host, s.server.port) == ("0.0.0.0", 8000)
    assert s.models.manage_local and s.models.deployments[0].local is not None  # the embedded model
    assert set(compose["services"]) == {"socle", "postgres", "redis", "qdrant"}
    assert set(compose["services"]["socle"]["depends_on"]) == {"postgres", "redis", "qdrant"}
    assert compose["services"]["socle"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_vllm_override_replaces_the_embedded_model(
    no_socle_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = load_compose("compose.yaml", "compose.vllm.yaml")
    s = socle_settings(compose, monkeypatch)
    (deployment,) = s.models.deployments
    assert (deployment.model, deployment.api_base, deployment.local) == (
        "vllm:qwen2.5-1.5b-instruct",
        "http://vllm:8000/v1",
        None,
    )
    assert (s.models.default, s.models.manage_local) == ("qwen2.5-1.5b-instruct", False)
    assert s.storage.database_url == "postgresql+asyncpg://socle:pw-1@postgres:5432/socle"  # kept
    vllm = compose["services"]["vllm"]
    assert "--served-model-name=qwen2.5-1.5b-instruct" in vllm["command"]
    assert vllm["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert compose["services"]["socle"]["depends_on"]["vllm"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("missing", sorted(DOTENV))
def test_the_secrets_must_be_set(missing: str) -> None:
    env = {k: v for k, v in DOTENV.items() if k != missing}
    with pytest.raises(MissingVariableError, match=f"{missing}: set {missing} in .env"):
        load_compose("compose.yaml", env=env)


def test_every_image_is_pinned_to_a_release() -> None:
    compose = load_compose("compose.yaml", "compose.vllm.yaml")
    for name, service in compose["services"].items():
        if name == "socle":
            continue  # built here (make image)
        image = service["image"]
        tag = image.rsplit(":", 1)[-1]
        assert re.match(r"v?\d+\.\d+", tag), f"{name}: {image} is not pinned to a release"


def test_compose_and_the_chart_run_the_same_releases() -> None:
    compose = load_compose("compose.yaml", "compose.vllm.yaml")["services"]
    chart = yaml.safe_load((REPO / "deploy/helm/socle/values.yaml").read_text())
    for service, block in (
        ("postgres", "postgresql"),
        ("redis", "redis"),
        ("qdrant", "qdrant"),
        ("vllm", "vllm"),
    ):
        assert compose[service]["image"] == chart[block]["image"], service
