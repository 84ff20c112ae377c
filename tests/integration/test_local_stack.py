"""`make run`'s stack, as a newcomer uses it: real processes, real HTTP, the aws CLI.

Starts ``newsroom-dev serve`` (what ``make run`` runs) on free ports, waits for
the sample content, then uploads, deletes and breaks articles with the aws
CLI against the moto endpoint and watches the site over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from tests.integration.conftest import BIN, SEED, fetch, start_serve, stop_serve, wait_for

VISIBLE_WITHIN = 2.0  # seconds from upload to page, promised in the README


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


def test_newsroom_publish_reports_live_and_the_page_is_served(local_stack, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "from-the-cli.md").write_text(
        "---\ntitle: Published with the newsroom command\ndate: 2026-01-06\ncategories: [Tehran]\n---\n\nHello.\n")
    run = subprocess.run([str(BIN / "newsroom"), "publish", str(folder), "--endpoint-url", local_stack["endpoint"],
                          "--timeout", "30"], env=local_stack["env"], capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 uploaded, 0 unchanged" in run.stdout
    assert "    live  articles/from-the-cli.md  /from-the-cli/" in run.stdout
    status, page = fetch(local_stack["base"] + "/from-the-cli/")
    assert status == 200 and "Published with the newsroom command" in page


def test_ctrl_c_stops_every_process(local_stack):
    proc = local_stack["proc"]
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # show where it hangs: serve dumps its threads' stacks on SIGUSR1
        os.kill(proc.pid, signal.SIGUSR1)
        time.sleep(1)
        local_stack["log"].seek(0)
        raise AssertionError("newsroom-dev serve still running 30 s after Ctrl-C:\n"
                             + local_stack["log"].read()[-8000:]) from None
    for port in local_stack["ports"]:
        assert wait_for(lambda port=port: fetch(f"http://127.0.0.1:{port}/")[0] == 0, timeout=10) is not None
    leftover = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == []


def test_killing_serve_outright_frees_the_site_port(tmp_path):
    """`kill -9` of `make run` must not leave chalice local holding the port for the next run."""
    stack = start_serve(tmp_path)
    try:
        os.kill(stack["proc"].pid, signal.SIGKILL)  # serve only, not its process group
        stack["proc"].wait(timeout=10)
        site_port = stack["ports"][0]
        # The kernel's SIGTERM reaches chalice local at once; with both CPUs kept busy (issue 42's runs)
        # its exit took longer than 15 s once. A next `make run` a minute later finds the port free.
        assert wait_for(lambda: fetch(f"http://127.0.0.1:{site_port}/")[0] == 0, timeout=60) is not None
        chalice = subprocess.run(["pgrep", "-f", f"chalice local --host 127.0.0.1 --port {site_port}"],
                                 capture_output=True, text=True).stdout.split()
        assert chalice == []
    finally:
        if stack["proc"].poll() is None:
            stop_serve(stack)
