"""The configuration reference (docs/configuration.md), written from `Settings` itself (pure).

`python -m socle.settings_reference > docs/configuration.md` regenerates it; a test fails when the
file and the code disagree, so the reference never drifts from what `socle check-config` accepts.
"""

from __future__ import annotations

import json
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from socle.settings import Settings

HEADER = """# Configuration reference

Generated from `socle/settings.py` by `python -m socle.settings_reference`; do not edit by hand.

Socle reads `config/socle.yaml` (or `--config FILE`, or `SOCLE_CONFIG`), then the environment:
every field below can be set as `SOCLE_<SECTION>__<FIELD>` (for example
`SOCLE_SERVER__PORT=9000`, `SOCLE_MODELS__RESILIENCE__COOLDOWN_S=10`). `socle check-config`
validates a file and names the first bad field by its dotted path. The guardrail policy has its own
file (`guardrails.policy`, see [guardrails](guardrails.md)); agents live in `orchestrator.agents_dir`
(see [orchestrator](orchestrator.md)).
"""


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model inside an annotation (`X`, `X | None`, `tuple[X, ...]`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType, tuple, list):
        for arg in get_args(annotation):
            if arg is not Ellipsis and (found := _model_of(arg)) is not None:
                return found
    return None


def _type_name(annotation: Any) -> str:
    text = repr(annotation) if not isinstance(annotation, type) else annotation.__name__
    for module in (
        "typing.",
        "pathlib.",
        "socle.settings_access.",
        "socle.settings_observability.",
        "socle.settings.",
        "pydantic.types.",
    ):
        text = text.replace(module, "")
    return text


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value: Any = field.default_factory()  # type: ignore[call-arg]  # settings factories take no argument
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, tuple | list) and any(isinstance(v, BaseModel) for v in value):
        return "see `config/socle.yaml`"
    if isinstance(value, SecretStr):
        return "(secret)"
    return f"`{json.dumps(value, default=str)}`"


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    rows: list[str] = []
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        inner = _model_of(field.annotation)
        description = " ".join((field.description or "").split()).replace("|", "\\|")
        kind = "list of " + inner.__name__ if inner and get_origin(field.annotation) is tuple else None
        type_text = (kind or (inner.__name__ if inner else _type_name(field.annotation))).replace("|", "\\|")
        rows.append(f"| `{path}` | {type_text} | {_default(field)} | {description} |")
        if inner is not None:
            nested.append((f"{path}[]." if kind else f"{path}.", inner))
    for sub_prefix, inner in nested:
        rows += _rows(inner, sub_prefix)
    return rows


def reference() -> str:
    """The Markdown reference of every setting, one table per top-level section."""
    parts = [HEADER]
    for name, field in Settings.model_fields.items():
        inner = _model_of(field.annotation)
        parts.append(f"\n## `{name}`\n\n{field.description or ''}\n")
        parts.append("| field | type | default | meaning |\n|---|---|---|---|")
        if inner is None:
            parts.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | |")
        else:
            prefix = f"{name}[]." if get_origin(field.annotation) is tuple else f"{name}."
            parts += _rows(inner, prefix)
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(reference(), end="")  # noqa: T201 - the module's output is the document
