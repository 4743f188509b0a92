"""The tools agents call in the OpenAI tools format, one per module, registered in `TOOLS`."""

from socle.agents.tools.registry import TOOLS

__all__ = ["TOOLS"]
