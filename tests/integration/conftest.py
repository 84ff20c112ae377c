"""The local stack as a newcomer runs it: ``newsroom-dev serve`` (what ``make run`` runs) in a process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = "/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def wait_for(predicate, timeout: float, interval: float = 0.05) -> float | None:
    """Seconds until ``predicate()`` held, or None if it never did within ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    return None


def start_serve(log_dir: Path, settings: dict[str, str] | None = None) -> dict:
    """Start ``newsroom-dev serve`` on free ports and wait for the sample content; fail with its log if it
    does not come up. ``settings``: documented settings of its environment (``NEWSROOM_...``) to set."""
    port, moto_port = free_port(), free_port()
    log = (log_dir / "serve.log").open("w+")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEWSROOM_"))} | (settings or {})
    proc = subprocess.Popen([str(BIN / "newsroom-dev"), "serve", "--port", str(port), "--moto-port", str(moto_port),
                             "--no-reload"],
                            cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    ready = wait_for(lambda: proc.poll() is not None or fetch(base + SEED)[0] == 200, timeout=120, interval=0.5)
    if ready is None or proc.poll() is not None:
        proc.kill()
        log.seek(0)
        pytest.fail("newsroom-dev serve did not come up:\n" + log.read()[-5000:])
    aws_env = {**env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}
    return {"base": base, "endpoint": f"http://127.0.0.1:{moto_port}", "proc": proc, "env": aws_env,
            "ports": (port, moto_port), "log": log}


def stop_serve(stack: dict) -> None:
    """Stop it as a developer does (Ctrl-C), and kill it only if that fails."""
    stop(stack["proc"])


def stop(proc: subprocess.Popen) -> None:
    """Stop a process group started with ``start_new_session`` with Ctrl-C; kill it only if that fails."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """``newsroom-dev serve`` running with the sample content; stopped with Ctrl-C (SIGINT)."""
    stack = start_serve(tmp_path_factory.mktemp("serve"))
    yield stack
    stop_serve(stack)
