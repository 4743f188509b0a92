"""`search_knowledge`: search the company's documents again, within the agent's knowledge scope.

The hits come back to the agent, which numbers them after its sources so the model can cite them.
"""

from __future__ import annotations

from socle.agents.base import Tool, ToolContext, ToolOutput
from socle.agents.errors import ToolError
from socle.agents.evidence import in_collections
from socle.router.base import JSONObject


async def _run(arguments: JSONObject, context: ToolContext) -> ToolOutput:
    query = arguments.get("query")
    if not isinstance(query, str) or not query.strip():
        raise ToolError("pass what to search for in 'query'")
    if context.retriever is None or not context.tiers:
        raise ToolError("this agent has no knowledge to search")
    retrieval = await context.retriever.retrieve(
        query, k=max(context.k, 1) * 2, reader=context.reader, tiers=context.tiers
    )
    hits = tuple(h for h in retrieval.hits if in_collections(h, context.collections))[: max(context.k, 1)]
    if not hits:
        return ToolOutput("No document matches this query.")
    return ToolOutput(hits=hits)


TOOL = Tool(
    "search_knowledge",
    "Search the company's documents for passages about a query; cite the results as [n].",
    {
        "type": "object",
        "properties": {"query": {"type": "string", "description": "What to look for."}},
        "required": ["query"],
        "additionalProperties": False,
    },
    _run,
)
