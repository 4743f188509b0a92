"""What the residency check adds to a call's routing decision, in process (no HTTP, no model).

    .venv/bin/python bench/residency.py              # 15 interleaved runs of 20,000 decisions each

`Gateway.decide` over a catalog of six deployments in three locations, without a policy and with
the shipped one for a call holding `personal` data (two of the six dropped). Prints the median
microseconds per decision of each, the difference and the ratio, measured side by side.
"""

from __future__ import annotations

import argparse
import statistics
import time

import anyio
from socle.router.base import ChatRequest, Deployment
from socle.router.catalog import Catalog
from socle.router.fake import FakeChatModel
from socle.router.gateway import Gateway
from socle.router.residency import Residency, ResidencyPolicy
from socle.router.static import StaticRouter

from socle.sovereignty_settings import SovereigntySettings

LOCATIONS = ("on-prem", "eu-cloud", "us-cloud")


def _gateway(residency: bool) -> Gateway:
    replicas = [Deployment("m", "vllm:m", f"http://r{i}/v1", location=LOCATIONS[i % 3]) for i in range(6)]
    catalog = Catalog(replicas, default="m")
    policy = Residency(ResidencyPolicy.from_settings(SovereigntySettings()), catalog.all())
    return Gateway(StaticRouter(catalog), FakeChatModel(), residency=policy if residency else None)


async def _per_decision_us(gateway: Gateway, n: int) -> float:
    request = ChatRequest(
        "m", {"messages": [{"role": "user", "content": "hello"}]}, data_classes=frozenset({"personal"})
    )
    started = time.perf_counter()
    for _ in range(n):
        await gateway.decide(request)
    return (time.perf_counter() - started) / n * 1e6


async def main(runs: int, n: int) -> None:
    plain, checked = _gateway(False), _gateway(True)
    results: dict[str, list[float]] = {"without": [], "with": []}
    for gateway in (plain, checked):  # warm-up: the token counter loads its encoding on first use
        await _per_decision_us(gateway, 100)
    for _ in range(runs):  # interleaved: the machine's load falls on both alike
        results["without"].append(await _per_decision_us(plain, n))
        results["with"].append(await _per_decision_us(checked, n))
    without, with_ = statistics.median(results["without"]), statistics.median(results["with"])
    for name, median in (("without", without), ("with", with_)):
        runs_text = ", ".join(f"{x:.2f}" for x in results[name])
        print(f"decide() {name} residency: {median:.2f} us (runs: {runs_text})")
    print(f"added: {with_ - without:.2f} us per call, ratio {with_ / without:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    anyio.run(main, args.runs, args.n)
