"""`make run`'s stack, as a newcomer uses it: real processes, real HTTP, the aws CLI.

Starts ``newsroom serve`` (what ``make run`` runs) on free ports, waits for
the sample content, then uploads, deletes and breaks articles with the aws
CLI against the moto endpoint and watches the site over HTTP.
"""

from __future__ import annotations

import json
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
VISIBLE_WITHIN = 2.0  # seconds from upload to page, promised in the README


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


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory):
    """``newsroom serve`` running with the sample content; stopped with Ctrl-C (SIGINT)."""
    port, moto_port = free_port(), free_port()
    log = (tmp_path_factory.mktemp("serve") / "serve.log").open("w+")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEWSROOM_"))}
    proc = subprocess.Popen([str(BIN / "newsroom"), "serve", "--port", str(port), "--moto-port", str(moto_port)],
                            cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    ready = wait_for(lambda: proc.poll() is not None or fetch(base + SEED)[0] == 200, timeout=120, interval=0.5)
    if ready is None or proc.poll() is not None:
        proc.kill()
        log.seek(0)
        pytest.fail("newsroom serve did not come up:\n" + log.read()[-5000:])
    aws_env = {**env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": "us-east-1"}
    yield {"base": base, "endpoint": f"http://127.0.0.1:{moto_port}", "proc": proc, "env": aws_env,
           "ports": (port, moto_port), "log": log}
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)


def aws(stack, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run([str(BIN / "aws"), "--endpoint-url", stack["endpoint"], *args],
                         env=stack["env"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run


def test_serves_the_seed_site(local_stack):
    status, page = fetch(local_stack["base"] + SEED)
    assert status == 200
    assert "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats" in page
    assert "Ninfa ALong" in page and "July 12, 2022" in page and "Related posts:" in page
    status, home = fetch(local_stack["base"] + "/")
    assert status == 200 and "Iran-Russia alliance grows" in home
    assert fetch(local_stack["base"] + "/category/iranian-news/")[0] == 200


def test_uploaded_article_is_live_within_two_seconds_and_delete_removes_it(local_stack, tmp_path):
    story = tmp_path / "story.md"
    story.write_text("---\ntitle: Breaking from the newsroom\ndate: 2026-01-05\ncategories: [Tehran]\n---\n\nFresh news.\n")
    aws(local_stack, "s3", "cp", str(story), "s3://newsroom-dev-content/articles/story.md")
    base = local_stack["base"]
    on_home = wait_for(lambda: "Breaking from the newsroom" in fetch(base + "/")[1], timeout=10)
    own_url = wait_for(lambda: fetch(base + "/story/")[0] == 200, timeout=10)
    assert on_home is not None and on_home < VISIBLE_WITHIN, on_home
    assert own_url is not None and own_url < VISIBLE_WITHIN, own_url

    aws(local_stack, "s3", "rm", "s3://newsroom-dev-content/articles/story.md")
    gone = wait_for(lambda: fetch(base + "/story/")[0] == 404 and "Breaking from" not in fetch(base + "/")[1],
                    timeout=10)
    assert gone is not None and gone < VISIBLE_WITHIN, gone


def test_malformed_upload_leaves_a_report_and_the_site_unchanged(local_stack, tmp_path):
    base = local_stack["base"]
    before = fetch(base + "/")[1]
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: Bad date\ndate: July 12\n---\n\nText.\n")
    aws(local_stack, "s3", "cp", str(bad), "s3://newsroom-dev-content/articles/bad.md")
    report_key = "s3://newsroom-dev-content/reports/articles/bad.md.json"
    found = wait_for(lambda: subprocess.run(
        [str(BIN / "aws"), "--endpoint-url", local_stack["endpoint"], "s3", "ls", report_key],
        env=local_stack["env"], capture_output=True).returncode == 0, timeout=10)
    assert found is not None
    report = json.loads(aws(local_stack, "s3", "cp", report_key, "-").stdout)
    assert report["problems"][0]["field"] == "date"
    assert fetch(base + "/bad/")[0] == 404
    assert fetch(base + "/")[1] == before


def test_ctrl_c_stops_every_process(local_stack):
    proc = local_stack["proc"]
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=30) is not None
    for port in local_stack["ports"]:
        assert wait_for(lambda: fetch(f"http://127.0.0.1:{port}/")[0] == 0, timeout=10) is not None
    leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == []
