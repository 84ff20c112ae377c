"""An old address leads to one article (issue 40): a file whose alias, or WordPress id URL, another
file already answers is refused naming the holder, before anything is written; the first keeps
answering, and the second goes live by itself once the first lets the address go."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from chalicelib import keys
from chalicelib.models import Post, Source
from newsroom.cli import main
from tests.functional.test_ingest import article


def moved_to(site, path: str) -> str | None:  # type: ignore[no-untyped-def]
    answer = site.get(path)
    return answer.headers.get("Location") if answer.status_code == 301 else None


def test_a_second_file_taking_anothers_alias_is_refused_naming_the_holder(site):
    site.put("articles/other.md", article(title="The first", aliases="['/?p=1', /2019/05/harbour/]"))
    site.ingest()
    site.put("articles/thief.md", article(title="The second", aliases="['/?p=1', /2019/05/harbour/, /2019/fresh/]"))
    assert site.ingest() == {"batchItemFailures": []}
    report = json.loads(site.refusal("articles/thief.md"))
    assert "aliases: /?p=1 already leads to articles/other.md" in report["message"]
    assert "aliases: /2019/05/harbour/ already leads to articles/other.md" in report["message"]
    assert moved_to(site, "/?p=1") == "/other/" and moved_to(site, "/2019/05/harbour/") == "/other/"
    # Nothing of the refused file was written: not its page, not its one free alias.
    assert site.get("/thief/").status_code == 404 and site.get("/2019/fresh/").status_code == 404
    assert Source.get(*keys.source("articles/thief.md")).status == "invalid"


def test_a_wordpress_id_url_another_form_already_answers_is_refused(site):
    site.put("pages/about.md", "---\ntitle: About\naliases: ['/?page_id=7']\n---\n\nUs.\n")
    site.ingest()
    assert moved_to(site, "/?p=7") == "/about/"  # WordPress answers /?p= for a page too
    site.put("articles/seven.md", article(title="Seven", aliases="['/?p=7']"))
    site.ingest()
    report = json.loads(site.refusal("articles/seven.md"))
    assert "aliases: /?p=7 already leads to pages/about.md (as /?page_id=7)" in report["message"]
    assert moved_to(site, "/?p=7") == "/about/"


def test_the_refused_file_goes_live_once_the_holder_lets_the_alias_go(site):
    site.put("articles/other.md", article(title="The first", aliases="['/?p=1']"))
    site.ingest()
    site.put("articles/second.md", article(title="The second", aliases="['/?p=1']"))
    site.ingest()
    assert site.refusal("articles/second.md") is not None
    site.put("articles/other.md", article(title="The first, without its old address"))
    assert site.ingest() == {"batchItemFailures": []}
    assert site.get("/second/").status_code == 200 and moved_to(site, "/?p=1") == "/second/"
    assert site.refusal("articles/second.md") is None


@pytest.mark.parametrize("order", ["copied, then deleted", "deleted, then copied", "both at once"])
def test_a_moved_files_old_addresses_follow_it_in_any_order(site, order):
    site.put("articles/old-home.md", article(title="Moved", aliases="['/?p=1']"))
    site.ingest()
    steps = [lambda: site.put("articles/new-home.md", article(title="Moved", aliases="['/?p=1']")),
             lambda: site.delete("articles/old-home.md")]
    for step in steps if order != "deleted, then copied" else steps[::-1]:
        step()
        if order != "both at once":
            assert site.ingest() == {"batchItemFailures": []}
    assert site.ingest() == {"batchItemFailures": []}
    assert moved_to(site, "/?p=1") == "/new-home/" and site.refusal("articles/new-home.md") is None
    assert Post.get(*keys.post("?p=1")).source_key == "articles/new-home.md"


def test_a_file_keeps_its_own_aliases_when_it_changes(site):
    site.put("articles/other.md", article(title="The first", aliases="['/?p=1', /old/]"))
    site.ingest()
    site.put("articles/other.md", article(title="The first, again", aliases="['/?p=1', /old/]"))
    assert site.ingest() == {"batchItemFailures": []}
    assert site.refusal("articles/other.md") is None and moved_to(site, "/old/") == "/other/"


def test_newsroom_check_refuses_the_second_of_two_files_claiming_one_old_address(tmp_path):
    """``newsroom check`` reads no table: within the files it is given, the same rule, in key order."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text(article(title="A", aliases="['/?p=1']"))
    (tmp_path / "articles" / "b.md").write_text(article(title="B", aliases="['/?p=1', /b-old/]"))
    (tmp_path / "articles" / "c.md").write_text(article(title="C", aliases="[/c-old/]"))
    result = CliRunner().invoke(main, ["check", str(tmp_path / "articles"), "--root", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{tmp_path}/articles/a.md: ok" in lines and f"{tmp_path}/articles/c.md: ok" in lines
    assert f"{tmp_path}/articles/b.md: aliases: /?p=1 already leads to articles/a.md; an old address leads to one " \
           "article: remove it from one of the two files (this file is then published by itself when the other " \
           "lets it go)" in lines


def test_an_upload_of_two_files_claiming_one_old_address_sends_nothing(site, tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.md").write_text(article(title="A", aliases="['/?page_id=3']"))
    (tmp_path / "articles" / "b.md").write_text(article(title="B", aliases="['/?p=3']"))
    result = CliRunner().invoke(main, ["publish", str(tmp_path / "articles"), "--root", str(tmp_path), "--no-wait"])
    assert result.exit_code == 1
    assert "articles/b.md: aliases: /?p=3 already leads to articles/a.md (as /?page_id=3)" in result.output
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="articles/").get("KeyCount", 0) == 0
