"""The editors' command-line tool: check agrees with ingest; publish and errors work against the bucket."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from newsroom.cli import main
from tests.functional.test_ingest import article

GOOD = {
    "articles/plain.md": article(title="Plain"),
    "articles/full.md": article(title="Full", categories="[Tehran, Oil]", tags="[Energy]", author="Sara Ahmadi",
                                summary="A summary.", image="/media/x.jpg", image_alt="A street", aliases="[/2024/03/full/]"),
    "articles/html-body.html": "---\ntitle: HTML body\ndate: 2024-03-02\n---\n<p>Hello <b>there</b></p>\n",
    "articles/scheduled.md": article(title="Later", date="2099-01-01"),
    "articles/draft.md": article(title="Draft", draft="true"),
    "pages/about.md": "---\ntitle: About us\n---\n\nWho we are.\n",
    "authors/sara-ahmadi.yaml": "name: Sara Ahmadi\nbio: Covers energy.\n",
    "categories/oil.yaml": "name: Oil\nparent: tehran\n",
    "articles/wordpress-id.md": article(aliases="['/?p=12']"),  # WordPress's own id form is one
}
BAD = {
    "articles/no-title.md": "---\ndate: 2024-03-01\n---\n\nBody.\n",
    "articles/bad-date.md": article(date="July 12"),
    "articles/typo.md": article(categores="[Tehran]"),
    "articles/bad-yaml.md": "---\ntitle: [unclosed\ndate: 2024-03-01\n---\n\nBody\n",
    "articles/empty.md": "---\ntitle: Empty\ndate: 2024-03-01\n---\n\n",
    "articles/reserved.md": article(slug="feed"),
    "articles/year.md": article(slug="2024"),
    "articles/script-image.md": article(image="'javascript:alert(1)'"),
    "articles/many-tags.md": article(tags="[" + ", ".join(f"t{i}" for i in range(11)) + "]"),
    "articles/query-alias.md": article(aliases="['/?s=old']"),  # a search is no old address

    "articles/anchors.md": "---\ntitle: &t Anchors\ndate: 2024-03-01\nsummary: *t\n---\n\nBody\n",
    "articles/notes.txt": "just text",
    "articles/latin1.md": "---\ntitle: Caf\xe9\ndate: 2024-03-01\n---\n\nBody\n".encode("latin-1"),
    "articles/no-front-matter.md": "Just a body.\n",
    "pages/page-with-tags.md": "---\ntitle: P\ntags: [x]\n---\n\nBody\n",
    "authors/nameless.yaml": "bio: Nobody.\n",
    "categories/bad-order.yaml": "name: X\nmenu_order: first\n",
    "settings/site.yaml": "tagline: no name\n",
}


def _write(tmp_path, key: str, data: str | bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize("key", sorted(GOOD) + sorted(BAD))
def test_check_and_ingest_agree_on_every_file(site, tmp_path, key):
    data = GOOD.get(key) or BAD[key]
    path = _write(tmp_path, key, data)
    checked = CliRunner().invoke(main, ["check", str(path)])
    site.put(key, data)
    site.ingest()
    report = site.report(key)
    assert (checked.exit_code == 0) == (key in GOOD), checked.output
    assert (report is None) == (checked.exit_code == 0), (checked.output, report)
    if report is not None:  # check names the same problems, with the file and field, as the report
        import json

        problems = json.loads(report)["problems"]
        assert problems  # a report names at least one
        for problem in problems:
            assert f"{path}: {problem['field']}: {problem['problem']}" in checked.output


def test_check_names_file_field_line_and_fix(tmp_path):
    path = _write(tmp_path, "articles/bad-date.md", "---\ntitle: T\ndate: July 12\n---\n\nBody\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"{path}: date: is not an ISO 8601 date: 'July 12'; write it as 2022-07-12" in result.output
    assert "1 file(s) have problems." in result.output


def test_publish_uploads_checked_files_and_reports_them_live(site, tmp_path):
    root = tmp_path / "site"
    for key in ("articles/plain.md", "authors/sara-ahmadi.yaml", "pages/about.md"):
        _write(root, key, GOOD[key])
    result = CliRunner().invoke(main, ["publish", str(root), "--no-wait"])
    assert result.exit_code == 0, result.output
    assert "3 uploaded, 0 unchanged" in result.output
    site.ingest()
    assert site.get("/plain/").status_code == 200
    assert site.get("/about/").status_code == 200
    again = CliRunner().invoke(main, ["publish", str(root), "--no-wait"])
    assert "0 uploaded, 3 unchanged" in again.output
    assert site.receive() == []  # nothing re-sent to ingest


def test_publish_uploads_nothing_when_any_file_has_a_problem(site, tmp_path):
    good = _write(tmp_path, "articles/plain.md", GOOD["articles/plain.md"])
    bad = _write(tmp_path, "articles/bad-date.md", BAD["articles/bad-date.md"])
    result = CliRunner().invoke(main, ["publish", str(good), str(bad)])
    assert result.exit_code == 1
    assert "articles/bad-date.md: date: is not an ISO 8601 date" in result.output
    assert "1 file(s) have problems; nothing was uploaded." in result.output
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket).get("KeyCount") == 0


def test_publish_waits_and_says_which_files_are_live_draft_or_refused(site, tmp_path, monkeypatch):
    """With --wait, publish follows each file through ingest (here ingest runs as publish polls)."""
    from newsroom import publisher

    for key in ("articles/plain.md", "articles/draft.md"):
        _write(tmp_path, key, GOOD[key])
    _write(tmp_path, "articles/taken.md", article(title="Taken", slug="plain"))  # valid, but the slug is owned
    monkeypatch.setattr(publisher.time, "sleep", lambda seconds: site.ingest())
    result = CliRunner().invoke(main, ["publish", str(tmp_path / "articles"), "--timeout", "30"])
    assert "    live  articles/plain.md  /plain/" in result.output
    assert "   draft  articles/draft.md  /draft/ (a draft: not shown)" in result.output
    assert "refused  articles/taken.md" in result.output and "articles/plain.md" in result.output
    assert result.exit_code == 1


def test_errors_lists_reports_newest_first_until_fixed(site, tmp_path):
    site.put("articles/first.md", BAD["articles/bad-date.md"])
    site.ingest()
    site.put("articles/second.md", BAD["articles/typo.md"])
    site.ingest()
    result = CliRunner().invoke(main, ["errors"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "articles/second.md" in lines[0] and "not published" in lines[0]
    assert "    categores: is not a known field" in result.output
    assert any("articles/first.md" in line for line in lines[1:])
    site.put("articles/first.md", article(title="First"))
    site.put("articles/second.md", article(title="Second"))
    site.ingest()
    fixed = CliRunner().invoke(main, ["errors"])
    assert fixed.exit_code == 0
    assert fixed.output == "No errors: every file in the bucket is published.\n"
