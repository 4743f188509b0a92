"""`create_ticket`: open a ticket for a team (a side effect: a human approves each call)."""

from __future__ import annotations

import json

from socle.agents.base import Tool, ToolContext, ToolOutput
from socle.agents.errors import ToolError
from socle.router.base import JSONObject

_PRIORITIES = ("low", "normal", "high")


async def _run(arguments: JSONObject, context: ToolContext) -> ToolOutput:
    title, body = arguments.get("title"), arguments.get("body", "")
    team, priority = arguments.get("team", "support"), arguments.get("priority", "normal")
    if not isinstance(title, str) or not title.strip():
        raise ToolError("a ticket needs a 'title'")
    if priority not in _PRIORITIES:
        raise ToolError(f"'priority' must be one of {list(_PRIORITIES)}")
    if context.outbox is None:
        raise ToolError("no ticket system is configured")
    payload: JSONObject = {"title": title, "body": str(body), "team": str(team), "priority": priority}
    ticket_id = await context.outbox.post("ticket", payload, tenant_id=context.reader.tenant_id)
    return ToolOutput(json.dumps({"ticket_id": ticket_id, "status": "created"}))


TOOL = Tool(
    "create_ticket",
    "Open a ticket for a team (support, legal, finance, it). Needs human approval.",
    {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "body": {"type": "string"},
            "team": {"type": "string"},
            "priority": {"type": "string", "enum": list(_PRIORITIES)},
        },
        "required": ["title"],
        "additionalProperties": False,
    },
    _run,
    requires_approval=True,
)
