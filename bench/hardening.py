"""What issue #15's bounds cost per request, and what batching the rails saved, side by side in one run.

1. The request-body reader (`server/_body.py`: depth limit, surrogate scan, validation) against
   what the chat route did before (`json.loads` + `model_validate`), on the same bodies,
   interleaved, in process: the added microseconds per request.
2. The input rails of the shipped policy on a chat of N short messages: one message at a time
   with NumPy's BLAS on its default threads (before) against one batch with BLAS on one thread
   (after), interleaved: milliseconds per message.

    .venv/bin/python bench/hardening.py [--rails-messages 300] [--runs 3]

Prints a markdown table (docs/benchmarks.md, "Request bounds and batched rails").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
import timeit
from collections.abc import Callable
from pathlib import Path

from socle.guardrails.base import RailContext
from socle.guardrails.guard import Guard
from socle.guardrails.policy import load_policy
from socle.server._body import parse_json, validate
from socle.server.schemas import ChatCompletionRequest
from threadpoolctl import threadpool_limits


def _body(messages: int, chars: int) -> bytes:
    text = ("lorem ipsum dolor sit amet " * (chars // 27 + 1))[:chars]
    roles = ("user", "assistant")
    body = {"model": "auto", "messages": [{"role": roles[i % 2], "content": text} for i in range(messages)]}
    return json.dumps(body).encode()


BODIES = {
    "1 message, 100 B": _body(1, 100),
    "1 message, 1 KB, an emoji escape": json.dumps(
        {"model": "auto", "messages": [{"role": "user", "content": "x" * 1000 + "\U0001f600"}]}
    ).encode(),
    "20 messages, 1 KB each": _body(20, 1000),
    "2,048 messages, 100 B each (the limit)": _body(2048, 100),
    "1 message, 3 MB": _body(1, 3_000_000),
}


def _before(raw: bytes) -> ChatCompletionRequest:
    return ChatCompletionRequest.model_validate(json.loads(raw))


def _after(raw: bytes) -> ChatCompletionRequest:
    return validate(ChatCompletionRequest, parse_json(raw, max_depth=64))


def _per_call_us(parse: Callable[[bytes], object], raw: bytes) -> float:
    """The fastest of 5 timings of a batch of calls (the least disturbed by the machine's load)."""
    number = 3 if len(raw) > 100_000 else 200
    return min(timeit.repeat(lambda: parse(raw), number=number, repeat=5)) / number * 1e6


def body_rows(runs: int) -> list[str]:
    rows = []
    for name, raw in BODIES.items():
        before, after = [], []
        for _ in range(runs):  # interleaved: the machine's load hits both alike
            before.append(_per_call_us(_before, raw))
            after.append(_per_call_us(_after, raw))
        b, a = statistics.median(before), statistics.median(after)
        rows.append(f"| body: {name} | {b:,.1f} µs | {a:,.1f} µs | {a - b:+,.1f} µs |")
    return rows


async def _rails(guard: Guard, texts: list[str], *, batched: bool) -> float:
    context = RailContext("input", tenant_id="bench", conversation_id="bench")
    started = time.perf_counter()
    if batched:
        await guard.check_many(texts, context=context)
    else:
        for text in texts:
            await guard.check(text, context=context)
    return (time.perf_counter() - started) / len(texts) * 1000


async def rails_rows(messages: int, runs: int) -> list[str]:
    guard = Guard.from_policy(load_policy(Path("config/guardrails.yaml")))
    texts = [f"Message {i}: please call Alice Martin in Paris about the report." for i in range(messages)]
    await guard.check("warm-up for Alice in Paris", context=RailContext("input"))
    before, after = [], []
    for _ in range(runs):
        with threadpool_limits(limits=os.cpu_count(), user_api="blas"):  # OpenBLAS's default
            before.append(await _rails(guard, texts, batched=False))
        with threadpool_limits(limits=1, user_api="blas"):
            after.append(await _rails(guard, texts, batched=True))
    b, a = statistics.median(before), statistics.median(after)
    return [f"| input rails, chat of {messages} short messages, per message | {b:,.2f} ms | {a:,.2f} ms | "
            f"{a - b:+,.2f} ms (x{b / a:,.1f} faster) |"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rails-messages", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| what | before | after | added |")
    print("|---|---:|---:|---:|")
    for row in body_rows(args.runs):
        print(row)
    for row in asyncio.run(rails_rows(args.rails_messages, args.runs)):
        print(row)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
