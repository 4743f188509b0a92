"""Load generator for the gateway benchmark: raw asyncio HTTP/1.1 over keep-alive connections.

    python bench/_load.py URL --mode latency --requests 2000
    python bench/_load.py URL --mode rate --rate 1500 --seconds 5

`latency`: one connection, requests back to back (concurrency 1). `rate`: open loop — requests are
scheduled at a fixed rate and latency counts from the scheduled time, so a server that falls behind
is charged for the queue it builds (no coordinated omission). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from urllib.parse import urlparse

PAYLOAD = json.dumps(
    {"model": "mock", "messages": [{"role": "user", "content": "ping"}], "max_tokens": 8}
).encode()


def build_request(url: str, key: str) -> tuple[str, int, bytes]:
    parsed = urlparse(url)
    auth = f"authorization: Bearer {key}\r\n" if key else ""
    head = (
        f"POST {parsed.path} HTTP/1.1\r\nhost: {parsed.hostname}\r\ncontent-type: application/json\r\n"
        f"{auth}content-length: {len(PAYLOAD)}\r\n\r\n"
    )
    return parsed.hostname or "127.0.0.1", parsed.port or 80, head.encode() + PAYLOAD


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return status


async def latency(url: str, key: str, requests: int) -> dict[str, object]:
    host, port, request = build_request(url, key)
    reader, writer = await asyncio.open_connection(host, port)
    samples, errors = [], 0
    for _ in range(requests):
        started = time.perf_counter()
        writer.write(request)
        if await read_response(reader) != 200:
            errors += 1
        samples.append((time.perf_counter() - started) * 1000)
    writer.close()
    return {"samples_ms": samples, "errors": errors}


async def rate(url: str, key: str, per_second: float, seconds: float, connections: int) -> dict[str, object]:
    host, port, request = build_request(url, key)
    queue: asyncio.Queue[float] = asyncio.Queue()
    samples: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        while True:
            scheduled = await queue.get()
            writer.write(request)
            try:
                if await read_response(reader) != 200:
                    errors += 1
            except (asyncio.IncompleteReadError, ConnectionError):
                errors += 1
                reader, writer = await asyncio.open_connection(host, port)
            samples.append((time.perf_counter() - scheduled) * 1000)
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    start = time.perf_counter()
    total = int(per_second * seconds)
    for i in range(total):
        due = start + i / per_second
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(due)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(queue.join(), timeout=seconds + 10)
    elapsed = time.perf_counter() - start
    for w in workers:
        w.cancel()
    return {
        "samples_ms": samples,
        "errors": errors,
        "achieved_rps": len(samples) / elapsed,
        "target_rps": per_second,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("url")
    parser.add_argument("--key", default="")
    parser.add_argument("--mode", choices=["latency", "rate"], default="latency")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.mode == "latency":
        result = asyncio.run(latency(args.url, args.key, args.requests))
    else:
        result = asyncio.run(rate(args.url, args.key, args.rate, args.seconds, args.connections))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
