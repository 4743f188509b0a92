"""Running the tool calls of one model turn and turning their outputs into `tool` messages."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from socle.agents.base import Tool, ToolCall, ToolContext, ToolOutput
from socle.agents.errors import ToolError
from socle.knowledge.base import Hit
from socle.router.base import JSONObject

DENIED = "A human reviewer denied this action; do not retry it. Tell the user it was not done."


def needs_approval(calls: Sequence[ToolCall], tools: Mapping[str, Tool]) -> bool:
    """True when one of `calls` is a known tool that changes something outside Socle."""
    return any(c.name in tools and tools[c.name].requires_approval for c in calls)


def format_hits(hits: Sequence[Hit], first: int) -> str:
    """Hits as numbered passages, `[first]` onwards, as the model should cite them."""
    blocks = []
    for n, hit in enumerate(hits, start=first):
        where = ", ".join(x for x in (hit.chunk.title, f"p. {hit.chunk.page}" if hit.chunk.page else "") if x)
        blocks.append(f"[{n}] ({where})\n{hit.chunk.text}")
    return "\n\n".join(blocks)


async def _output(call: ToolCall, tool: Tool, context: ToolContext) -> ToolOutput:
    try:
        arguments = json.loads(call.arguments or "{}")
    except json.JSONDecodeError as e:
        raise ToolError(f"the arguments are not valid JSON: {e.msg}") from e
    if not isinstance(arguments, dict):
        raise ToolError("the arguments must be a JSON object")
    return await tool.run(arguments, context)


async def run_calls(
    calls: Sequence[ToolCall],
    *,
    tools: Mapping[str, Tool],
    context: ToolContext,
    sources: list[Hit],
    decisions: Mapping[str, bool],
) -> list[JSONObject]:
    """Run `calls` in order; returns one `tool` message each and appends found hits to `sources`.

    Unknown tools, bad arguments and `ToolError`s become messages the model can act on; calls of
    tools that need approval run only when `decisions[call_id]` is True.
    """
    messages: list[JSONObject] = []
    for call in calls:
        tool = tools.get(call.name)
        if tool is None:
            content = f"error: no tool named {call.name!r}; available: {sorted(tools)}"
        elif tool.requires_approval and decisions.get(call.call_id) is not True:
            content = DENIED
        else:
            try:
                output = await _output(call, tool, context)
            except ToolError as e:
                content = f"error: {e.message}"
            else:
                content = output.content
                if output.hits:
                    content = format_hits(output.hits, len(sources) + 1)
                    sources.extend(output.hits)
        messages.append({"role": "tool", "tool_call_id": call.call_id, "content": content})
    return messages


def assistant_turn(text: str, calls: Sequence[ToolCall]) -> JSONObject:
    """The assistant message that asked for `calls`, as it goes back into the conversation."""
    return {
        "role": "assistant",
        "content": text or None,
        "tool_calls": [
            {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ],
    }
