"""Run inside a network namespace with only loopback: serve, chat, ingest, run, evaluate (a script).

    python tests/e2e/airgap_scenario.py CONFIG OUT

Started by `test_air_gapped.py` under `unshare -n`; every Python process it starts inherits the
network audit hook (`sitecustomize.py` on `PYTHONPATH`). Writes OUT/steps.json: each step's status.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

TIMEOUT_S = 600.0


def _ready(base: str, process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"socle serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                match = re.search(r"sk-socle-[A-Za-z0-9_-]+", log.read_text())
                if match:
                    return match.group(0)
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"socle serve not ready:\n{log.read_text()[-3000:]}")


def _steps(base: str, key: str, config: Path, out: Path) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {key}"}
    client = httpx.Client(base_url=base, headers=headers, timeout=TIMEOUT_S)
    steps: dict[str, object] = {}
    document = {"filename": "leave.md", "content": "# Leave\n\nEmployees get 25 days of paid leave per year."}
    steps["ingest"] = client.post("/v1/knowledge/documents", json={**document, "acl": ["*"]}).status_code
    question = [{"role": "user", "content": "How many days of paid leave do employees get?"}]
    chat = {"model": "smollm2-135m", "messages": question, "max_tokens": 32, "knowledge": {}}
    steps["chat"] = client.post("/v1/chat/completions", json=chat).status_code
    run = {"model": "socle-orchestrator", "messages": question, "max_tokens": 64}
    steps["run"] = client.post("/v1/chat/completions", json=run).status_code
    evaluation = subprocess.run(
        [sys.executable, "-m", "socle", "eval", "grounded-qa", "--against", base, "--api-key", key,
         "--limit", "1", "--split", "dev", "--model", "smollm2-135m", "--out", str(out / "eval"),
         "--config", str(config)],
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    steps["eval"] = evaluation.returncode
    steps["eval_output"] = (evaluation.stdout + evaluation.stderr)[-2000:]
    return steps


def main(config: Path, out: Path) -> None:
    settings = yaml.safe_load(config.read_text())
    base = f"http://127.0.0.1:{settings['server']['port']}"
    log = out / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "socle", "serve", "--config", str(config)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        key = _ready(base, process, log)
        steps = _steps(base, key, config, out)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    (out / "steps.json").write_text(json.dumps(steps))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
