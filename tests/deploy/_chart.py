"""Render the Helm chart with Helm's own engine and validate the objects against Kubernetes' schemas.

The one place the tests touch `helm_python` (Helm 4's Go SDK as a C library: no helm binary is
needed) and `kubernetes_validate` (the Kubernetes JSON schemas, bundled per version). Both run
offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import helm_python
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "socle"
RELEASE = "rel"
NAMESPACE = "ai"
KUBE_VERSIONS = ("1.25", kubernetes_validate.latest_version())
"""The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest bundled."""

Manifest = dict[str, Any]

RenderError = helm_python.HelmError
SchemaError = kubernetes_validate.ValidationError


def render(values: Mapping[str, Any], chart: Path = CHART) -> list[Manifest]:
    """Every object of the chart rendered with `values`, hooks included, as `helm template` would.

    Raises:
        RenderError: a template failed (a `required` or `fail` with its message, a bad template).
    """
    with helm_python.Chart.load(chart) as loaded:
        files = loaded.render(dict(values), name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects: list[Manifest] = []
    for name in sorted(files):
        if name.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(files[name]) if doc)
    return objects


def lint(values: Mapping[str, Any], chart: Path = CHART) -> list[str]:
    """`helm lint --strict` findings of warning level or worse, as `path: message` lines."""
    report = helm_python.lint(chart, dict(values), strict=True, namespace=NAMESPACE)
    findings = [f"{m['path']}: {m['error']}" for m in report["messages"] if m["severity"] >= 2]
    return findings + list(report["errors"])


def validate(manifest: Manifest, kube_version: str) -> None:
    """Check one object against the strict schema of its kind (unknown fields are errors).

    Raises:
        SchemaError: the object does not match the schema.
        kubernetes_validate.SchemaNotFoundError: no schema for its kind at that version.
    """
    kubernetes_validate.validate(manifest, kube_version, strict=True)


def find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    """The one object of `kind` named `name` (AssertionError naming what exists otherwise)."""
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name} not in {[(o['kind'], o['metadata']['name']) for o in objects]}"
    return found[0]


def containers(objects: list[Manifest]) -> list[tuple[Manifest, Manifest]]:
    """(pod spec, container) of every workload: Deployments, StatefulSets and Jobs."""
    pairs = []
    for o in objects:
        if o["kind"] in ("Deployment", "StatefulSet", "Job"):
            pod = o["spec"]["template"]["spec"]
            pairs.extend((pod, c) for c in pod["containers"])
    return pairs
