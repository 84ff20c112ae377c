"""Plain ``chalice local``, as Chalice users run it, beside ``make aws`` (the stand-in alone).

The dev stage finds the stand-in at 127.0.0.1:5000 (``NEWSROOM_LOCAL_AWS`` in
``.chalice/config.json``), so these tests need that port. No AWS credentials
are in the environment: a newcomer has none.
"""

from __future__ import annotations

import os
import socket
import subprocess

import boto3
import pytest

from devstack.stack import create_stack
from tests.integration.conftest import BIN, PROJECT_DIR, SEED, fetch, free_port, stop, wait_for

STAND_IN_PORT = 5000
STAND_IN = f"http://127.0.0.1:{STAND_IN_PORT}"


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _plain_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEWSROOM_"))}


def _start(args: list[str], log_path) -> tuple[subprocess.Popen, object]:  # type: ignore[no-untyped-def]
    log = log_path.open("w+")
    proc = subprocess.Popen(args, cwd=PROJECT_DIR, env=_plain_environment(), stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, log


@pytest.fixture(scope="module")
def chalice_local(tmp_path_factory):
    """``chalice local`` on a free port, started with no stand-in running."""
    if not _port_is_free(STAND_IN_PORT):
        pytest.skip(f"port {STAND_IN_PORT} is in use (a `make run` or `make aws`?): the dev stage's stand-in port")
    port = free_port()
    proc, log = _start([str(BIN / "chalice"), "local", "--port", str(port), "--no-autoreload"],
                       tmp_path_factory.mktemp("chalice") / "chalice.log")
    base = f"http://127.0.0.1:{port}"
    if wait_for(lambda: fetch(base + "/static/none.css")[0] != 0, timeout=60, interval=0.3) is None:
        stop(proc)
        log.seek(0)
        pytest.fail("chalice local did not come up:\n" + log.read()[-5000:])
    yield base
    stop(proc)


def test_without_the_stand_in_every_page_says_what_to_start(chalice_local):
    for path in ("/", SEED, "/category/iranian-news/", "/feed/"):
        status, page = fetch(chalice_local + path)
        assert status == 503, (path, page[:300])
        assert "The local AWS stand-in is not running" in page
        assert f"Nothing answers at {STAND_IN}: start it with `make aws`" in page
        assert "InternalServerError" not in page and "Traceback" not in page


def test_beside_make_aws_chalice_local_serves_the_seed_site(chalice_local, tmp_path):
    stand_in, log = _start([str(BIN / "newsroom-dev"), "aws"], tmp_path / "aws.log")
    try:
        up = wait_for(lambda: stand_in.poll() is not None or "The AWS stand-in is up" in
                      (log.seek(0) or log.read()), timeout=120, interval=0.3)
        assert up is not None and stand_in.poll() is None, (log.seek(0) or log.read())[-5000:]
        status, page = fetch(chalice_local + SEED)
        assert status == 200, page[:500]
        assert "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats" in page
        _publish_with_stage_prod_as_typed(tmp_path)
    finally:
        stop(stand_in)


def _publish_with_stage_prod_as_typed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real command, in its own process: ``newsroom publish --stage prod`` lands in prod's bucket."""
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    prod = create_stack(session, stage="prod", endpoint_url=STAND_IN)
    story = tmp_path / "articles" / "story.md"
    story.parent.mkdir()
    story.write_text("---\ntitle: Prod story\ndate: 2024-03-01\n---\n\nBody.\n")
    env = {**_plain_environment(), "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    run = subprocess.run([str(BIN / "newsroom"), "publish", "--stage", "prod", str(story), "--endpoint-url",
                          STAND_IN, "--no-wait"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Uploading to newsroom-prod-content (stage prod at {STAND_IN})" in run.stderr
    s3 = session.client("s3", endpoint_url=STAND_IN)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=prod.bucket)["Contents"]] == ["articles/story.md"]
    dev_keys = [o["Key"] for o in s3.list_objects_v2(Bucket="newsroom-dev-content")["Contents"]]
    assert "articles/story.md" not in dev_keys
