"""Load generator for bench/gateway.py: raw asyncio HTTP/1.1 client over keep-alive connections.

    python bench/_load.py URL --mode latency --requests 2000
    python bench/_load.py URL --mode rate --rate 1500 --seconds 3

`latency`: one connection, requests back to back (concurrency 1). `rate`: open loop - requests are
due at a fixed rate whatever the server does, and each latency counts from the time the request was
due, so a server that falls behind is charged for the queue it builds (no coordinated omission).
Connections are opened before the clock starts. Prints one JSON line with percentiles in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import math
import time
from typing import cast
from urllib.parse import urlparse

PAYLOAD = json.dumps(
    {
        "model": "mock",
        "messages": [{"role": "user", "content": "ping"}],
        "max_tokens": 8,
    }
).encode()


def build_request(url: str, key: str) -> tuple[str, int, bytes]:
    """(host, port, raw request bytes) for one POST of PAYLOAD to `url`."""
    parsed = urlparse(url)
    auth = f"authorization: Bearer {key}\r\n" if key else ""
    head = (
        f"POST {parsed.path} HTTP/1.1\r\nhost: {parsed.netloc}\r\ncontent-type: application/json\r\n"
        f"{auth}content-length: {len(PAYLOAD)}\r\n\r\n"
    )
    return parsed.hostname or "127.0.0.1", parsed.port or 80, head.encode() + PAYLOAD


def response_length(buffer: bytes) -> tuple[int, int] | None:
    """(status, total bytes) of the first complete response in `buffer`, or None if incomplete."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buffer[:end].lower()
    status = int(head[9:12])
    marker = head.find(b"\r\ncontent-length:")
    if marker >= 0:
        stop = head.find(b"\r\n", marker + 2)
        length = int(head[marker + 17 : stop if stop >= 0 else len(head)])
        total = end + 4 + length
        return (status, total) if len(buffer) >= total else None
    if b"transfer-encoding: chunked" in head:
        return chunked_length(buffer, status, end + 4)
    raise ValueError("response without content-length or chunked encoding")


def chunked_length(buffer: bytes, status: int, at: int) -> tuple[int, int] | None:
    """(status, total bytes) of a chunked body starting at `at`, or None if incomplete."""
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(buffer[at:line_end].split(b";")[0], 16)
        at = line_end + 2 + size + 2
        if len(buffer) < at:
            return None
        if size == 0:
            return status, at


class Connection(asyncio.Protocol):
    """One keep-alive connection; `send` writes the request and waits for the whole response."""

    def __init__(self, request: bytes) -> None:
        self.request = request
        self.buffer = b""
        self.waiter: asyncio.Future[int] | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        parsed = response_length(self.buffer)
        if parsed is None:
            return
        status, total = parsed
        self.buffer = self.buffer[total:]
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))

    async def send(self) -> int:
        if self.transport is None:
            raise ConnectionError("not connected")
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(self.request)
        return await self.waiter


async def connect(host: str, port: int, request: bytes) -> Connection:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: Connection(request), host, port)
    return protocol


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..1)."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(samples_ms: list[float]) -> dict[str, float | int]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        "p50_ms": percentile(ordered, 0.50),
        "p90_ms": percentile(ordered, 0.90),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": ordered[-1],
        "mean_ms": sum(ordered) / len(ordered),
    }


async def latency(url: str, key: str, requests: int, warmup: int) -> dict[str, object]:
    """Concurrency 1: `warmup` untimed requests, then `requests` timed ones on one connection."""
    host, port, request = build_request(url, key)
    conn = await connect(host, port, request)
    samples: list[float] = []
    errors = 0
    for i in range(warmup + requests):
        started = time.perf_counter()
        status = await conn.send()
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            errors += 1
        elif i >= warmup:
            samples.append(elapsed)
    if conn.transport is not None:
        conn.transport.close()
    return {"mode": "latency", "errors": errors, **summary(samples)}


async def rate(
    url: str,
    key: str,
    per_second: float,
    seconds: float,
    warmup_s: float,
    connections: int,
) -> dict[str, object]:
    """Open loop at `per_second` for `warmup_s + seconds`; only requests due after the warm-up count."""
    host, port, request = build_request(url, key)
    pool = [await connect(host, port, request) for _ in range(connections)]
    queue: asyncio.Queue[float] = asyncio.Queue()
    samples: list[float] = []
    done: list[float] = []
    errors = measured_errors = 0
    start = time.perf_counter() + 0.05
    measured_from = start + warmup_s

    async def worker(conn: Connection) -> None:
        nonlocal errors, measured_errors
        while True:
            due = await queue.get()
            try:
                ok = await conn.send() == 200
            except ConnectionError:
                ok = False
                conn = await connect(host, port, request)
            finished = time.perf_counter()
            if not ok:
                errors += 1
                measured_errors += due >= measured_from
            elif due >= measured_from:
                samples.append((finished - due) * 1000)
                done.append(finished)
            queue.task_done()

    workers = [asyncio.create_task(worker(conn)) for conn in pool]
    total = int(per_second * (warmup_s + seconds))
    await dispatch(queue, start, per_second, total)
    with contextlib.suppress(TimeoutError):  # what is still queued then is reported as `unfinished`
        await asyncio.wait_for(queue.join(), timeout=seconds + 10)
    for task in workers:
        task.cancel()
    measured = sum(start + i / per_second >= measured_from for i in range(total))  # as dispatch() times them
    span = (max(done) - measured_from) if done else 0.0
    return {
        "mode": "rate",
        "target_rps": per_second,
        "achieved_rps": len(samples) / span if span > 0 else 0.0,
        "sent": measured,
        "errors": errors,
        "unfinished": measured - len(samples) - measured_errors,
        **summary(samples),
    }


async def dispatch(queue: asyncio.Queue[float], start: float, per_second: float, total: int) -> None:
    """Put each request's due time on the queue once that time has come.

    It sleeps until the next request is due, at least 1 ms (the event loop's timer resolution), so it
    never spins: a request may be handed out up to ~1 ms late, and that delay counts in its latency.
    """
    sent = 0
    while sent < total:
        now = time.perf_counter()
        due_now = min(total, int((now - start) * per_second) + 1) if now >= start else 0
        while sent < due_now:
            queue.put_nowait(start + sent / per_second)
            sent += 1
        await asyncio.sleep(max(0.001, start + sent / per_second - time.perf_counter()))


def install_uvloop() -> str:
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    uvloop.install()
    return "uvloop"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url", help="full URL of the chat completions endpoint")
    parser.add_argument("--key", default="", help="bearer token, if the target needs one")
    parser.add_argument("--mode", choices=["latency", "rate"], default="latency")
    parser.add_argument("--requests", type=int, default=2000, help="latency mode: timed requests")
    parser.add_argument("--warmup", type=int, default=200, help="latency mode: untimed requests first")
    parser.add_argument("--rate", type=float, default=1000, help="rate mode: requests per second")
    parser.add_argument("--seconds", type=float, default=3, help="rate mode: measured duration")
    parser.add_argument("--warmup-s", type=float, default=0.5, help="rate mode: unmeasured lead-in")
    parser.add_argument("--connections", type=int, default=64, help="rate mode: keep-alive connections")
    args = parser.parse_args()
    loop_name = install_uvloop()
    gc.disable()  # a short-lived process: no collector pauses inside the measurements
    if args.mode == "latency":
        result = asyncio.run(latency(args.url, args.key, args.requests, args.warmup))
    else:
        result = asyncio.run(
            rate(
                args.url,
                args.key,
                args.rate,
                args.seconds,
                args.warmup_s,
                args.connections,
            )
        )
    print(json.dumps({**result, "loop": loop_name}))


if __name__ == "__main__":
    main()
