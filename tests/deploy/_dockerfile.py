"""Read the Dockerfile as its instructions: what the tests compare with the project."""

from __future__ import annotations

import re
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in logical if line]


def image_env() -> dict[str, str]:
    """The SOCLE_... variables the runtime stage's ENV sets."""
    env: dict[str, str] = {}
    for instruction, args in instructions():
        if instruction == "ENV":
            env.update(re.findall(r"(SOCLE_\w+)=(\S+)", args))
    return env
