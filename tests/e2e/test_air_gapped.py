"""Air-gapped proof: a served Socle does a chat, an ingestion, a run and an evaluation reaching nothing.

The whole scenario (`airgap_scenario.py`) runs in a network namespace with only loopback
(`unshare -n`, as root), and every Python process of it carries an audit hook (`sys.addaudithook`
in a `sitecustomize.py` on `PYTHONPATH`) that writes each `socket.connect`, `socket.getaddrinfo`,
`socket.gethostbyname`, `socket.gethostbyaddr` and `socket.sendto` with its address to a file. The
namespace makes any outside attempt fail; the hook shows that none was even tried. Native code's
own sockets (llama.cpp's C++ server) are not seen by the hook, only stopped by the namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from socle.router.local_server import free_port

REPO = Path(__file__).resolve().parents[2]

HOOK = """
import json, os, socket, sys

_LOG = os.environ.get("SOCLE_NETWORK_AUDIT")
_EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
           "socket.sendto", "socket.sendmsg"}


def _host(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        sock, address = args[0], args[-1]
        if getattr(sock, "family", None) == socket.AF_UNIX or not isinstance(address, tuple):
            return None
        return str(address[0])
    return None if args[0] is None else str(args[0])


def _outside(host):
    host = host.strip("[]").lower()
    if host in ("localhost", "localhost.localdomain", "ip6-localhost", "::1", "0.0.0.0", "::"):
        return False
    return not (host.startswith("127.") or host.startswith("::ffff:127."))


def _hook(event, args):
    if event not in _EVENTS:
        return
    host = _host(event, args)
    if host is None:
        return
    line = json.dumps({"pid": os.getpid(), "event": event, "host": host, "outside": _outside(host)})
    with open(_LOG, "a") as sink:
        sink.write(line + "\\n")


if _LOG:
    sys.addaudithook(_hook)
"""


def _unshare_allowed() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _hooked_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The environment of hooked child processes, and the file their network events go to."""
    if not _unshare_allowed():
        pytest.skip("`unshare -n` is not permitted here (it needs root, or unprivileged user namespaces)")
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOOK)
    events = tmp_path / "network.jsonl"
    env = {**os.environ, "SOCLE_NETWORK_AUDIT": str(events)}  # noqa: TID251 - the child processes' env
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(hook_dir), env.get("PYTHONPATH", "")) if p)
    return env, events


def _isolated(command: list[str]) -> list[str]:
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "airgap", *command]


def test_the_hook_sees_an_attempt_to_reach_outside(tmp_path: Path) -> None:
    env, events = _hooked_env(tmp_path)
    probe = "import socket\ntry:\n    socket.getaddrinfo('pypi.org', 443)\nexcept OSError:\n    pass\n"
    probe += "s = socket.socket()\ntry:\n    s.connect(('192.0.2.1', 80))\nexcept OSError:\n    pass\n"
    done = subprocess.run(_isolated([sys.executable, "-c", probe]), env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    assert [(e["event"], e["host"], e["outside"]) for e in seen] == [
        ("socket.getaddrinfo", "pypi.org", True),
        ("socket.connect", "192.0.2.1", True),
    ]


@pytest.mark.e2e
def test_serve_chat_ingest_run_and_eval_reach_nothing_outside_loopback(tmp_path: Path) -> None:
    env, events = _hooked_env(tmp_path)
    shipped = yaml.safe_load((REPO / "config/socle.yaml").read_text())
    shipped["server"]["port"] = free_port()
    shipped["storage"]["data_dir"] = str(tmp_path / "data")
    shipped["models"]["deployments"][0]["local"]["port"] = free_port()
    config = tmp_path / "socle.yaml"
    config.write_text(yaml.safe_dump(shipped))
    scenario = [
        sys.executable,
        str(Path(__file__).with_name("airgap_scenario.py")),
        str(config),
        str(tmp_path),
    ]
    command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "airgap", *scenario]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1500, check=False
    )
    serve_log = (tmp_path / "serve.log").read_text()[-3000:] if (tmp_path / "serve.log").exists() else ""
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:] + serve_log
    steps = json.loads((tmp_path / "steps.json").read_text())
    assert (steps["ingest"], steps["chat"], steps["run"]) == (201, 200, 200), steps
    assert steps["eval"] == 0, steps["eval_output"]
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    outside = [event for event in seen if event["outside"]]
    assert outside == [], f"tried to reach outside loopback: {outside[:10]}"
    # The hook was on in every kind of process: the server's and the CLI's loopback traffic is there.
    assert sum(event["event"] == "socket.connect" for event in seen) >= 4
    assert len({event["pid"] for event in seen}) >= 2
