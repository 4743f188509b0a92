"""Where a run's numbers come from: the git revision, a hash of the configuration, the model versions, who.

The config hash covers the settings (secrets masked, as pydantic dumps `SecretStr`) and the content
of the guardrail policy file, so two runs with the same hash evaluated the same configuration.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path

from socle.settings import Settings


def git_revision(cwd: Path | None = None) -> str | None:
    """`HEAD`'s commit, with `-dirty` when tracked files changed; None outside a git checkout.

    By default, the checkout holding this code (an editable install), wherever the command runs
    from: the revision is the code's, not the working directory's. None from a wheel.
    """
    cwd = cwd or Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}-dirty" if dirty else head


def config_hash(settings: Settings) -> str:
    """SHA-256 of the settings (secrets masked) and of the guardrail policy file's bytes."""
    digest = hashlib.sha256(json.dumps(settings.model_dump(mode="json"), sort_keys=True).encode())
    try:
        digest.update(settings.guardrails.policy.read_bytes())
    except OSError:
        digest.update(b"<no policy file>")
    return digest.hexdigest()


def model_versions(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The catalog's `name -> provider:model`, the embedding model, then `extra` (a suite's versions)."""
    catalog = {
        d.name: d.model + (f" ({d.local.gguf_file})" if d.local else "") for d in settings.models.deployments
    }
    embedding = settings.knowledge.embedding
    return {**catalog, "embedding": f"{embedding.engine}:{embedding.model}", **(extra or {})}


def who(explicit: str | None = None) -> str:
    """`explicit` (`--by`), else the OS user name."""
    if explicit:
        return explicit
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
