"""WordPress in one click (issue 31): an admin uploads an export in the desk, the imports function
converts it on AWS as `newsroom import-wordpress` does, a dry run first, the same checks and the same
report, then the real thing: every published item reachable, the comments brought over once their
articles are live."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from chalicelib import keys
from chalicelib.clock import now_iso
from chalicelib.models import Post, Source
from newsroom.cli import main as newsroom
from tests.functional.test_desk import api, sign_in

EXPORT = Path(__file__).resolve().parents[1] / "data" / "themeunittestdata.wordpress.xml"


def start(desk, jar: str, token: str, **options):  # type: ignore[no-untyped-def]
    return api(desk, "/desk/import/start", jar, token, {"name": EXPORT.name, "size": EXPORT.stat().st_size, **options})


def progress(desk, jar: str, import_id: str) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(desk.client.http.get(f"/desk/import/progress?id={import_id}", headers={"Cookie": jar}).body)


def upload_export(desk, jar: str, token: str, **options) -> str:  # type: ignore[no-untyped-def]
    answer = start(desk, jar, token, **options)
    assert answer.status_code == 200, answer.body
    signed = json.loads(answer.body)
    sent = requests.post(signed["url"], data=signed["fields"], files={"file": (EXPORT.name, EXPORT.read_bytes())},
                         timeout=60)
    assert sent.status_code in (200, 204), sent.text
    return str(signed["id"])


def cli_report(tmp_path: Path) -> dict:  # type: ignore[no-untyped-def]
    out = tmp_path / "report.json"
    result = CliRunner().invoke(newsroom, ["import-wordpress", str(EXPORT), "--dry-run", "--report", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text())


def test_a_dry_run_in_the_desk_gives_the_commands_report_and_uploads_nothing(desk, tmp_path):
    jar, token, _ = sign_in(desk, "admin")
    import_id = upload_export(desk, jar, token, dry_run=True)
    assert progress(desk, jar, import_id)["state"] == "waiting"
    desk.run_imports()
    found = progress(desk, jar, import_id)
    assert found["state"] == "dry run" and found["finished"] and found["files"] > 100
    assert found["subscribers"]["import_at"] == "/desk/subscribers"  # where the readers' list goes (issue 47)
    report = json.loads(desk.client.http.get(f"/desk/import/report?id={import_id}", headers={"Cookie": jar}).body)
    assert report == cli_report(tmp_path)
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/").get("KeyCount", 0) == 0


def test_the_import_for_real_publishes_every_item_and_brings_the_comments(desk):
    jar, token, _ = sign_in(desk, "admin")
    dry = upload_export(desk, jar, token, dry_run=True)
    desk.run_imports()
    again = api(desk, "/desk/import/start", jar, token, {"again": dry})
    real = json.loads(again.body)["id"]
    desk.run_imports()
    uploaded = progress(desk, jar, real)
    assert uploaded["state"] == "uploaded"
    desk.ingest()
    found = progress(desk, jar, real)
    assert found["finished"] and found["waiting"] == 0 and found["live"] > 100, found
    report = json.loads(desk.client.http.get(f"/desk/import/report?id={real}", headers={"Cookie": jar}).body)
    published = [item["key"] for item in report["items"] if item["kind"] in ("post", "page")
                 and item["status"] == "imported"]
    assert len(published) == 71  # the theme unit test data's 50 posts and 21 pages
    slugs = [Source.get(*keys.source(key)).slug for key in published]
    due = [slug for slug in slugs if (Post.get(*keys.post(slug)).date or "") <= now_iso()]  # scheduled: 404 till then
    assert len(due) == 70 and "scheduled" not in due
    unreachable = [slug for slug in due if desk.get(f"/{slug}/").status_code != 200]
    assert unreachable == []
    if found.get("comments"):
        done = json.loads(api(desk, "/desk/import/comments", jar, token, {"id": real, "start": 0}).body)
        while done["done"] < done["total"]:
            done = json.loads(api(desk, "/desk/import/comments", jar, token, {"id": real, "start": done["done"]}).body)
        assert done["total"] == found["comments"]


@pytest.mark.parametrize("address, words", [
    ("http://127.0.0.1:8080", "private network"),
    ("http://169.254.169.254/latest/meta-data", "private network"),
    ("http://localhost", "private network"),
    ("file:///etc/passwd", "not an http:// or https:// address"),
    ("/var/task", "not an http:// or https:// address"),
    ("ftp://old.example.com", "not an http:// or https:// address"),
    ("https://user:secret@old.example.com", "without a user name or password"),
])
def test_the_old_sites_address_is_refused_on_a_private_network_or_another_scheme(desk, address, words):
    jar, token, _ = sign_in(desk, "admin")
    answer = start(desk, jar, token, dry_run=True, media_from=address)
    assert answer.status_code == 400
    problem = json.loads(answer.body)["problems"][0]
    assert problem["field"] == "media_from" and words in problem["message"]
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="imports/").get("KeyCount", 0) == 0


def test_only_an_admin_imports(desk):
    for role in ("editor", "contributor"):
        jar, token, _ = sign_in(desk, role)
        assert desk.client.http.get("/desk/import", headers={"Cookie": jar}).status_code == 403
        assert start(desk, jar, token, dry_run=True).status_code == 403
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="imports/").get("KeyCount", 0) == 0


def test_a_file_that_is_not_an_export_is_refused_by_the_function_with_its_reason(desk):
    jar, token, _ = sign_in(desk, "admin")
    answer = api(desk, "/desk/import/start", jar, token, {"name": "notes.xml", "size": 10, "dry_run": True})
    signed = json.loads(answer.body)
    requests.post(signed["url"], data=signed["fields"], files={"file": ("notes.xml", b"<notes>hi</notes>")}, timeout=30)
    desk.run_imports()
    found = progress(desk, jar, signed["id"])
    assert found["state"] == "failed" and "Import refused, nothing uploaded" in found["error"]
