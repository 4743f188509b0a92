"""`OrchestratorSettings` lives with every other setting in `socle.settings` (`Settings.orchestrator`)."""

from __future__ import annotations

from socle.settings import OrchestratorSettings, Remedy

__all__ = ["OrchestratorSettings", "Remedy"]
