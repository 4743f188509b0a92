"""`current_time`: today's date and the time, in a time zone the model names."""

from __future__ import annotations

import json
from datetime import UTC
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socle.agents.base import Tool, ToolContext, ToolOutput
from socle.agents.errors import ToolError
from socle.router.base import JSONObject


async def _run(arguments: JSONObject, context: ToolContext) -> ToolOutput:
    zone = arguments.get("timezone") or "UTC"
    if not isinstance(zone, str):
        raise ToolError("'timezone' must be an IANA name such as 'Europe/Paris'")
    try:
        tz = UTC if zone.upper() == "UTC" else ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ToolError(f"unknown time zone {zone!r}; use an IANA name such as 'Europe/Paris'") from e
    now = context.now().astimezone(tz)
    data = {"datetime": now.isoformat(timespec="seconds"), "date": now.date().isoformat(),
            "weekday": now.strftime("%A"), "timezone": zone}  # fmt: skip
    return ToolOutput(json.dumps(data))


TOOL = Tool(
    "current_time",
    "Today's date, weekday and the current time, in a time zone (default UTC).",
    {
        "type": "object",
        "properties": {"timezone": {"type": "string", "description": "IANA time zone, e.g. Europe/Paris"}},
        "additionalProperties": False,
    },
    _run,
)
