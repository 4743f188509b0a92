"""`AgentSpec`: an expert agent as data, loaded and validated from `config/agents/*.yaml`.

One file per agent; the file's `name` is the agent's id and its virtual model is
`socle-agent/<name>`. The planner reads `description`; the agent follows `instructions`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from socle.agents.errors import AgentConfigError
from socle.knowledge.base import Tier

from socle.settings import format_validation_error

_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class AgentSpec(BaseModel):
    """One expert agent: what it is for, how it works, what it may use and spend."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Agent id (lower case, digits, `-`, `_`); its model: `socle-agent/<name>`.")
    description: str = Field(min_length=10, description="What the agent is good at; the planner reads it.")
    instructions: str = Field(min_length=10, description="The agent's system prompt.")
    tools: tuple[str, ...] = Field((), description="Names of tools from the tool registry it may call.")
    knowledge_tiers: tuple[Tier, ...] = Field(
        ("internal", "external", "native"),
        description="Tiers it retrieves from, in precedence order; empty: no retrieval.",
    )
    collections: tuple[str, ...] = Field(
        ("*",),
        description="Glob patterns on a chunk's source or document id that the agent may cite (`*`: all).",
    )
    retrieval_k: int = Field(4, ge=0, le=50, description="Chunks retrieved for the task (0: none).")
    min_tier: int = Field(1, ge=1, le=10, description="Least model tier; the cheapest such model serves.")
    max_tokens: int = Field(
        16_000, ge=256, description="Tokens (prompt + completion, all calls) one task may use."
    )
    max_output_tokens: int = Field(1024, ge=16, description="`max_tokens` sent with each model call.")
    budget_usd: float = Field(0.10, ge=0, description="USD one task may spend on model calls.")
    timeout_s: float = Field(60.0, gt=0, description="Wall time one task may take, tool calls included.")
    max_tool_rounds: int = Field(
        4, ge=0, le=16, description="Model turns that may call tools before it must answer."
    )
    temperature: float = Field(0.2, ge=0, le=2, description="Sampling temperature of the agent's calls.")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r} is not a valid agent name (lower case letters, digits, - and _)")
        return value


def load_agents(folder: Path, *, tools: Collection[str]) -> dict[str, AgentSpec]:
    """Every agent of `folder/*.yaml`, by name, in file-name order.

    Raises:
        AgentConfigError: a file is unreadable or invalid, two files declare one name, a spec names a
            tool that is not in `tools`, or the folder holds no agent.
    """
    specs: dict[str, AgentSpec] = {}
    for path in sorted(folder.glob("*.yaml")):
        spec = _load_one(path)
        if spec.name in specs:
            raise AgentConfigError(f"{path}: agent {spec.name!r} is declared twice")
        unknown = [t for t in spec.tools if t not in tools]
        if unknown:
            raise AgentConfigError(f"{path}: tools {unknown!r} are not registered; known: {sorted(tools)!r}")
        specs[spec.name] = spec
    if not specs:
        raise AgentConfigError(f"no agent declared in {str(folder)!r} (expected <name>.yaml files)")
    return specs


def _load_one(path: Path) -> AgentSpec:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise AgentConfigError(f"{path}: cannot read agent file: {e}") from e
    if not isinstance(data, Mapping):
        raise AgentConfigError(f"{path}: the top level must be a mapping")
    try:
        return AgentSpec.model_validate(data)
    except ValidationError as e:
        raise AgentConfigError(format_validation_error(e, str(path))) from e
