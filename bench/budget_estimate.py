"""The budget reservation's estimate: what `max_cost` costs per call, next to the one it replaced.

`max_cost` runs once per call that a budget applies to (calls without a budget never reach it): it
counts the whole body sent upstream (messages with every content part, tool definitions, the
response schema) and prices `n` completions on every candidate. The one it replaced counted message
text only. Each body is timed with `timeit` (best of `--repeat` runs of `--number` calls, as
`python -m timeit` reports), the old and new estimates interleaved.

    .venv/bin/python bench/budget_estimate.py
    taskset -c 0 .venv/bin/python bench/budget_estimate.py --number 2000 --repeat 7
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable, Iterable

from socle.governance.budget_admission import completion_cap, max_cost
from socle.router.base import ChatRequest, Deployment

from socle.tokens import count_prompt_tokens

CANDIDATES = (
    Deployment("small", "vllm:small", "http://127.0.0.1:9/v1", input_cost_per_mtok=0.2,
               output_cost_per_mtok=0.6, context_window=32_768, tier=1),
    Deployment("large", "vllm:large", "http://127.0.0.1:9/v1", input_cost_per_mtok=2.5,
               output_cost_per_mtok=10.0, context_window=131_072, tier=2),
)  # fmt: skip
QUESTION = "What is the refund limit for a hotel night in Paris, and who approves an exception? " * 2
TOOLS = [
    {"type": "function", "function": {
        "name": f"lookup_{i}", "description": "Look a policy up in the knowledge base and return it. " * 3,
        "parameters": {"type": "object", "required": ["query"],
                       "properties": {"query": {"type": "string"}, "k": {"type": "integer"}}},
    }}
    for i in range(5)
]  # fmt: skip
IMAGE = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "iVBORw0KGgo" * 10_000}}


def bodies() -> dict[str, dict[str, object]]:
    """The bodies timed: a question, `n` with tools, a long (RAG-sized) prompt, a question with an image."""
    chat = [{"role": "system", "content": "You answer from the company's policies."},
            {"role": "user", "content": QUESTION}]  # fmt: skip
    long = [{"role": "user", "content": (QUESTION + "\n") * 400}]  # about 8k tokens
    seeing = [{"role": "user", "content": [{"type": "text", "text": QUESTION}, IMAGE]}]
    return {
        "chat, 2 messages": {"messages": chat, "max_tokens": 256},
        "n=16, 5 tools": {"messages": chat, "max_tokens": 256, "n": 16, "tools": TOOLS},
        "one 8k-token prompt": {"messages": long, "max_tokens": 256},
        "text + 110 KB image": {"messages": seeing, "max_tokens": 256},
    }


def old_max_cost(request: ChatRequest, candidates: Iterable[Deployment]) -> float:
    """The estimate before issue #15: message text only, one completion, no window cap."""
    prompt = count_prompt_tokens(request.body.get("messages"))
    cap = completion_cap(request)
    worst = 0.0
    for d in candidates:
        completion = cap if cap is not None else max(d.context_window - prompt, 0)
        worst = max(worst, (prompt * d.input_cost_per_mtok + completion * d.output_cost_per_mtok) / 1e6)
    return worst


def best_us(call: Callable[[], float], number: int, repeat: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=repeat)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--number", type=int, default=500, help="calls per timing run")
    parser.add_argument("--repeat", type=int, default=5, help="timing runs (the best is kept)")
    args = parser.parse_args()
    print(f"{'body':22} {'old us':>9} {'new us':>9} {'old USD':>10} {'new USD':>10}")
    for name, body in bodies().items():
        request = ChatRequest("auto", body)  # type: ignore[arg-type]  # JSON built above
        old = best_us(lambda r=request: old_max_cost(r, CANDIDATES), args.number, args.repeat)  # type: ignore[misc]
        new = best_us(lambda r=request: max_cost(r, CANDIDATES), args.number, args.repeat)  # type: ignore[misc]
        before, after = old_max_cost(request, CANDIDATES), max_cost(request, CANDIDATES)
        print(f"{name:22} {old:9.1f} {new:9.1f} {before:10.6f} {after:10.6f}")


if __name__ == "__main__":
    main()
