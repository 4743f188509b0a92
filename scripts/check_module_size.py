"""Fail when a module passes the size budget of the style guide (G1): 600 lines, tests 800."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LIMIT, TEST_LIMIT = 600, 800


def main() -> int:
    """Print each oversized tracked module; return 1 if there is one."""
    files = subprocess.run(
        ["git", "ls-files", "*.py"], capture_output=True, text=True, check=True
    ).stdout.split()
    too_big = []
    for name in files:
        lines = len(Path(name).read_text(encoding="utf-8").splitlines()) if Path(name).exists() else 0
        limit = TEST_LIMIT if name.startswith("tests/") else LIMIT
        if lines > limit:
            too_big.append(f"{name}: {lines} lines (limit {limit})")
    for line in too_big:
        print(line, file=sys.stderr)  # noqa: T201 - a script's report
    return 1 if too_big else 0


if __name__ == "__main__":
    sys.exit(main())
