"""`TOOLS`: every tool an agent may name in its `tools` list, by name.

Adding a tool is one file in this folder exporting `TOOL`, and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping

from socle.agents.base import Tool
from socle.agents.tools import calculator, create_ticket, current_time, search_knowledge

TOOLS: Mapping[str, Tool] = {
    "calculator": calculator.TOOL,
    "create_ticket": create_ticket.TOOL,
    "current_time": current_time.TOOL,
    "search_knowledge": search_knowledge.TOOL,
}
