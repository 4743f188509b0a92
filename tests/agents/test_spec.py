"""Agent declarations: the shipped ones are valid; invalid files are refused with the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.agents import TOOLS, AgentConfigError, load_agents

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_agents_are_valid() -> None:
    agents = load_agents(REPO / "config" / "agents", tools=TOOLS)
    assert set(agents) >= {"researcher", "analyst", "writer", "compliance"}
    for name, spec in agents.items():
        assert (REPO / "config" / "agents" / f"{name}.yaml").is_file()
        assert len(spec.description) > 40 and len(spec.instructions) > 40


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


GOOD = "name: {name}\ndescription: A perfectly fine agent.\ninstructions: Do the work well.\n"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (GOOD.format(name="a") + "tools: [shell]\n", "tools \\['shell'\\] are not registered"),
        (GOOD.format(name="Bad Name"), "not a valid agent name"),
        (GOOD.format(name="a") + "min_tier: 0\n", "min_tier"),
        (GOOD.format(name="a") + "knowledge_tiers: [intranet]\n", "knowledge_tiers"),
        (GOOD.format(name="a") + "temprature: 1\n", "temprature"),
        ("name: a\ndescription: short\n", "description"),
        ("- just a list", "must be a mapping"),
        ("name: [unclosed", "cannot read agent file"),
    ],
)
def test_invalid_agents_are_refused(tmp_path: Path, text: str, error: str) -> None:
    write(tmp_path, "a.yaml", text)
    with pytest.raises(AgentConfigError, match=error) as caught:
        load_agents(tmp_path, tools=TOOLS)
    assert "a.yaml" in caught.value.message


def test_duplicates_and_empty_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AgentConfigError, match="no agent declared"):
        load_agents(tmp_path, tools=TOOLS)
    write(tmp_path, "a.yaml", GOOD.format(name="same"))
    write(tmp_path, "b.yaml", GOOD.format(name="same"))
    with pytest.raises(AgentConfigError, match="declared twice"):
        load_agents(tmp_path, tools=TOOLS)
