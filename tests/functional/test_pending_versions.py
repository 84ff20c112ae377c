"""Unpublished changes to live articles (drafts/) and contributors' submissions (submissions/):
previewed with the real template, never live, until an editor approves (issue 18; chalicelib/publish/pending.py)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from newsroom.cli import main as newsroom
from tests.functional.test_ingest import article
from tests.functional.test_preview import link_of

EVERYWHERE = ("/", "/feed/", "/category/tehran/", "/search/?q=correction", "/sitemaps/news.xml",
              "/sitemaps/posts-2024-03.xml")


def cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(newsroom, list(args))


def test_a_drafts_change_previews_while_the_live_page_stays_as_it_is(site):
    site.put("articles/budget.md", article(title="Budget passes", categories="[Tehran]"))
    site.ingest()
    site.put("drafts/articles/budget.md", article(title="Budget passes after correction", categories="[Tehran]")
             + "\nA corrected figure.\n")
    site.ingest()
    live = site.get("/budget/").body.decode()
    assert "Budget passes" in live and "after correction" not in live and "A corrected figure" not in live
    for path in EVERYWHERE:
        assert "after correction" not in site.get(path).body.decode(), path
    link = link_of(site, "drafts/articles/budget.md")
    record = json.loads(site.s3.get_object(Bucket=site.stack.bucket,
                                           Key="previews/drafts/articles/budget.md.json")["Body"].read())
    assert record["live"] == "articles/budget.md" and record["why"] == "an unpublished change to articles/budget.md"
    page = site.get(link)
    body = page.body.decode()
    assert page.status_code == 200 and "Budget passes after correction" in body and "A corrected figure" in body
    assert '<meta name="robots" content="noindex, nofollow">' in body
    assert page.headers["Cache-Control"] == "private, no-store"


def test_a_new_version_of_the_draft_revokes_the_old_link_and_withdrawing_it_revokes_all(site):
    site.put("drafts/articles/budget.md", article(title="First try"))
    site.ingest()
    first = link_of(site, "drafts/articles/budget.md")
    site.put("drafts/articles/budget.md", article(title="Second try"))
    site.ingest()
    second = link_of(site, "drafts/articles/budget.md")
    assert first != second
    assert site.get(first).status_code == 404 and "Second try" in site.get(second).body.decode()
    assert site.get("/budget/").status_code == 404  # a draft of an article never published: nothing live
    site.delete("drafts/articles/budget.md")
    site.ingest()
    assert site.get(second).status_code == 404 and link_of(site, "drafts/articles/budget.md") is None


def test_a_bad_submission_is_reported_under_its_own_name_and_nothing_changes(site):
    site.put("articles/budget.md", article(title="Budget passes"))
    site.ingest()
    site.put("submissions/articles/budget.md", "---\ntitle: [unclosed\n---\n\nText\n")
    site.put("drafts/authors/sara.yaml", "name: Sara\n")
    site.ingest()
    report = json.loads(site.report("submissions/articles/budget.md"))
    assert report["file"] == "submissions/articles/budget.md"
    assert report["message"].startswith("submissions/articles/budget.md: front matter: is not valid YAML")
    assert "file: only articles/ and pages/ files have drafts and submissions" in \
        json.loads(site.report("drafts/authors/sara.yaml"))["message"]
    assert "Budget passes" in site.get("/budget/").body.decode()


SUBMITTED = "submissions/moto/articles/budget.md"  # the IAM user's own folder (ContributorPolicy's ${aws:username})


def test_submit_preview_approve_live_keeps_the_history(site, tmp_path):
    site.put("articles/budget.md", article(title="Budget passes", date="2024-03-01"))
    site.ingest()
    folder = tmp_path / "articles"
    folder.mkdir()
    draft = folder / "budget.md"
    draft.write_text(article(title="Budget passes, with the minister's reply", date="2024-03-01"))

    submitted = cli("submit", str(draft), "--no-wait")  # as the IAM user moto's keys are ("moto")
    assert "1 uploaded" in submitted.output, submitted.output
    assert submitted.exit_code == 0, submitted.output
    site.ingest()
    link = link_of(site, SUBMITTED)
    assert "Budget passes, with the minister" in site.get(link).body.decode()
    assert "minister" not in site.get("/budget/").body.decode()

    approved = cli("approve", SUBMITTED, "--no-wait")
    assert approved.exit_code == 0, approved.output
    assert f"Approved: {SUBMITTED} is now articles/budget.md (submitted by " in approved.output
    site.ingest()
    assert "Budget passes, with the minister" in site.get("/budget/").body.decode()
    assert site.get(link).status_code == 404 and link_of(site, SUBMITTED) is None
    listed = site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="submissions/").get("KeyCount")
    assert listed == 0
    history = cli("history", "articles/budget.md")
    assert history.exit_code == 0 and len(history.output.strip().splitlines()) == 2
    assert "minister" in history.output.splitlines()[0]
    assert cli("approve", SUBMITTED).exit_code == 1  # once only


def test_submit_with_keys_that_are_no_iam_users_says_so_and_uploads_nothing(site, tmp_path, monkeypatch):
    """A contributor's folder is named by their IAM user; a role's or SSO's keys name none (IAM has no
    ``aws:username`` for them): one line says what to use instead, and nothing is sent."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "budget.md").write_text(article(title="Budget"))
    monkeypatch.setattr("newsroom.who.iam_user", lambda: (None, "arn:aws:sts::123456789012:assumed-role/Writers/sara"))
    refused = cli("submit", str(folder / "budget.md"), "--no-wait")
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "newsroom submit sends with an IAM user's access keys" in refused.output
    assert "assumed-role/Writers/sara" in refused.output
    assert "Contents" not in site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="submissions/")


def test_publish_draft_uploads_under_drafts_and_says_it_is_not_live(site, tmp_path, monkeypatch):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "budget.md").write_text(article(title="Budget, corrected"))
    site.put("articles/budget.md", article(title="Budget"))
    site.ingest()
    monkeypatch.setattr("newsroom.publisher.wait_live", _ingest_then(site, "newsroom.publisher.wait_live"))
    result = cli("publish", "--draft", str(folder / "budget.md"))
    assert result.exit_code == 0, result.output
    assert "pending  drafts/articles/budget.md  not live (/budget/ is unchanged); preview: /preview/" in result.output
    assert "Budget, corrected" not in site.get("/budget/").body.decode()


def test_approving_what_is_not_pending_is_refused(site):
    result = cli("approve", "articles/budget.md")
    assert result.exit_code == 2 and "not a submission or a draft" in result.output


def _ingest_then(site, name: str):  # type: ignore[no-untyped-def]
    import importlib

    module, _, attr = name.rpartition(".")
    original = getattr(importlib.import_module(module), attr)

    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        site.ingest()
        return original(*args, **kwargs)

    return run


def test_newsroom_approve_refuses_a_submission_carrying_what_only_an_editor_sets(site):
    """A contributor's role may put any file under submissions/: `sticky`, old URLs and a date in 2001
    are refused by ingest (naming each field) and by the approval, which publishes nothing."""
    site.put("submissions/articles/planted.md", "---\ntitle: Planted\ndate: 2001-01-01\nsticky: true\n"
             "aliases: ['/?p=1']\n---\n\nInnocent words.\n")
    site.ingest()
    report = json.loads(site.refusal("submissions/articles/planted.md"))
    assert {p["field"] for p in report["problems"]} == {"sticky", "aliases", "date"}
    refused = cli("approve", "submissions/articles/planted.md", "--no-wait")
    assert refused.exit_code == 1 and "sticky" in refused.output and "aliases" in refused.output
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="articles/").get("KeyCount") == 0
