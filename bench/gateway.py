"""Gateway overhead: Socle in passthrough mode vs LiteLLM's proxy, against the same mock upstream.

    .venv/bin/python bench/gateway.py [--rates 250 500 ...] [--out bench/results/gateway.json]

Layout on a 2-core machine: the gateway under test is pinned to core 1; the mock upstream and the
load generator share core 0. Targets, measured one after the other in the same run:

- `mock`: the mock itself (the baseline every "added latency" is measured against);
- `socle-direct`: `socle serve` with `models.client: direct`, no guardrails, no knowledge (passthrough);
- `socle-litellm`: the same with `models.client: litellm`;
- `litellm-proxy`: `litellm --config` (LiteLLM's own proxy, no master key), installed in `.bench-venv`
  as `litellm[proxy]==1.83.14`: the proxy of Socle's pin (1.110.2) needs a `litellm-proxy` package the
  registries here do not serve; 1.83.14 is the newest whose proxy installs (never 1.82.7 or 1.82.8).

For each: latency at concurrency 1 (p50/p99; added = target - mock), then the highest open-loop rate
whose p99 stays <= 10 ms with >= 95% of it achieved.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BENCH_VENV = REPO / ".bench-venv"
MOCK_PORT, GATEWAY_PORT = 9100, 9200


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load(url: str, key: str, *args: str) -> dict[str, object]:
    command = [
        "taskset",
        "-c",
        "0",
        str(BIN / "python"),
        str(REPO / "bench/_load.py"),
        url,
        "--key",
        key,
        *args,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def wait_ready(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {seconds}s")


@contextmanager
def process(command: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def socle_config(folder: Path, client: str) -> Path:
    config = {
        "server": {"host": "127.0.0.1", "port": GATEWAY_PORT},
        "storage": {"data_dir": str(folder / "data")},
        "auth": {"key_cache_ttl_s": 60},
        "logging": {"level": "WARNING"},
        "knowledge": {"enabled": False},
        "guardrails": {"enabled": False},
        "models": {
            "default": "mock", "client": client, "manage_local": False, "router": "static",
            "deployments": [{"name": "mock", "model": "openai:mock", "api_base": f"http://127.0.0.1:{MOCK_PORT}/v1"}],
        },
    }  # fmt: skip
    path = folder / f"socle-{client}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextmanager
def socle(client: str) -> Iterator[tuple[str, str]]:
    folder = Path(tempfile.mkdtemp())
    config = socle_config(folder, client)
    created = subprocess.run(
        [str(BIN / "socle"), "keys", "create", "bench", "--config", str(config)],
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    with process(["taskset", "-c", "1", str(BIN / "socle"), "serve", "--config", str(config)]):
        wait_ready(f"http://127.0.0.1:{GATEWAY_PORT}/healthz")
        yield f"http://127.0.0.1:{GATEWAY_PORT}/v1/chat/completions", key
    shutil.rmtree(folder)


@contextmanager
def litellm_proxy() -> Iterator[tuple[str, str]]:
    if not (BENCH_VENV / "bin/litellm").exists():
        raise RuntimeError(
            "LiteLLM's proxy is not installed: python3 -m venv .bench-venv && "
            ".bench-venv/bin/pip install 'litellm[proxy]==1.83.14'"
        )
    folder = Path(tempfile.mkdtemp())
    config = folder / "litellm.yaml"
    model = {
        "model_name": "mock",
        "litellm_params": {
            "model": "openai/mock",
            "api_base": f"http://127.0.0.1:{MOCK_PORT}/v1",
            "api_key": "x",
        },
    }
    config.write_text(yaml.safe_dump({"model_list": [model], "litellm_settings": {"telemetry": False}}))
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"}  # noqa: TID251
    command = ["taskset", "-c", "1", str(BENCH_VENV / "bin/litellm"), "--config", str(config)]
    command += ["--host", "127.0.0.1", "--port", str(GATEWAY_PORT), "--num_workers", "1"]
    with process(command, env=env):
        wait_ready(f"http://127.0.0.1:{GATEWAY_PORT}/health/liveliness", seconds=180)
        yield f"http://127.0.0.1:{GATEWAY_PORT}/v1/chat/completions", ""
    shutil.rmtree(folder)


@contextmanager
def mock_target() -> Iterator[tuple[str, str]]:
    yield f"http://127.0.0.1:{MOCK_PORT}/v1/chat/completions", ""


def measure(url: str, key: str, rates: list[int], requests: int) -> dict[str, object]:
    load(url, key, "--mode", "latency", "--requests", "300")  # warm up
    samples = list(load(url, key, "--mode", "latency", "--requests", str(requests))["samples_ms"])  # type: ignore[arg-type]
    result: dict[str, object] = {
        "p50_ms": statistics.median(samples),
        "p99_ms": pct(samples, 0.99),
        "max_rps": 0,
    }
    steps = []
    for rate in rates:
        run = load(url, key, "--mode", "rate", "--rate", str(rate), "--seconds", "4")
        lat = list(run["samples_ms"])  # type: ignore[arg-type]
        step = {"rate": rate, "achieved": run["achieved_rps"], "p99_ms": pct(lat, 0.99) if lat else None,
                "errors": run["errors"]}  # fmt: skip
        steps.append(step)
        print(
            f"    {rate:>6} rps: achieved {step['achieved']:.0f}, p99 {step['p99_ms']:.1f} ms",
            file=sys.stderr,
        )
        ok = lat and step["p99_ms"] <= 10 and run["achieved_rps"] >= 0.95 * rate and not run["errors"]  # type: ignore[operator]
        if not ok:
            break
        result["max_rps"] = rate
    result["steps"] = steps
    return result


TARGETS = {
    "mock": mock_target,
    "socle-direct": lambda: socle("direct"),
    "socle-litellm": lambda: socle("litellm"),
    "litellm-proxy": litellm_proxy,
}


def table(results: dict[str, dict[str, object]]) -> str:
    base = results["mock"]
    lines = [
        "| target | p50 ms | p99 ms | added p50 ms | added p99 ms | max RPS at p99 <= 10 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        added50 = float(r["p50_ms"]) - float(base["p50_ms"])  # type: ignore[arg-type]
        added99 = float(r["p99_ms"]) - float(base["p99_ms"])  # type: ignore[arg-type]
        cells = [
            name,
            f"{r['p50_ms']:.2f}",
            f"{r['p99_ms']:.2f}",
            f"{added50:.2f}",
            f"{added99:.2f}",
            str(r["max_rps"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--targets", nargs="+", default=list(TARGETS), choices=list(TARGETS))
    parser.add_argument("--rates", nargs="+", type=int, default=[250, 500, 750, 1000, 1500, 2000, 3000])
    parser.add_argument("--requests", type=int, default=2000, help="requests for the concurrency-1 latency")
    parser.add_argument("--out", type=Path, default=REPO / "bench/results/gateway.json")
    args = parser.parse_args()
    mock = [
        "taskset",
        "-c",
        "0",
        str(BIN / "python"),
        str(REPO / "bench/mock_upstream.py"),
        "--port",
        str(MOCK_PORT),
    ]
    results: dict[str, dict[str, object]] = {}
    with process(mock):
        wait_ready(f"http://127.0.0.1:{MOCK_PORT}/v1/models")
        for name in ["mock", *[t for t in args.targets if t != "mock"]]:
            print(f"measuring {name}", file=sys.stderr)
            with TARGETS[name]() as (url, key):
                results[name] = measure(url, key, args.rates, args.requests)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
