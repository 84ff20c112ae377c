"""A draft of changes to a live article never undoes what was changed live after it was written (the
newsroom day of 7 December 2026, docs/usability/day-2026-12-07.md): a typo fixed or a tag added live
while a draft waits is shown as a conflict when the draft is published or approved, not silently
replaced by the draft's older copy."""

from __future__ import annotations

import json

import pytest

from tests.functional.test_desk import sign_in
from tests.functional.test_desk_versions import LIVE, act, opened, story, text  # noqa: F401 - the fixture

DRAFT = "drafts/" + LIVE
FIELDS = {"title": "Story", "date": "2024-03-01T09:00:00Z", "categories": "Oil"}


@pytest.mark.parametrize("action", ["publish", "approve"])
def test_a_draft_written_before_a_live_change_is_a_conflict_and_keeping_it_is_a_choice(story, action):  # noqa: F811
    reporter, reporter_token, _ = sign_in(story)
    editor, editor_token, _ = sign_in(story, "admin")
    drafted = act(story, reporter, reporter_token, "draft", opened(story, reporter, LIVE), "The first words, updated.")
    assert drafted.status_code == 200 and json.loads(drafted.body)["key"] == DRAFT
    # Meanwhile the live article gets a tag (a bulk "Add a tag", or an editor's quick fix).
    tagged = act(story, editor, editor_token, "publish", opened(story, editor, LIVE), "The first words.",
                 {**FIELDS, "tags": "Election 2026"})
    assert tagged.status_code == 200, tagged.body
    assert "Election 2026" in text(story, LIVE)

    draft = opened(story, reporter, DRAFT)
    refused = act(story, reporter, reporter_token, action, draft, "The first words, updated.")
    assert refused.status_code == 409, refused.body
    conflict = json.loads(refused.body)["conflict"]
    assert conflict["key"] == LIVE
    assert "Election 2026" in text(story, LIVE) and "updated" not in text(story, LIVE)

    # Having seen the live version, keeping the draft is the reporter's choice.
    draft["versions"][LIVE] = conflict["version"]
    kept = act(story, reporter, reporter_token, action, draft, "The first words, updated.")
    assert kept.status_code == 200, kept.body
    assert "The first words, updated." in text(story, LIVE)


def test_a_draft_with_no_live_change_since_publishes_as_before(story):  # noqa: F811
    reporter, reporter_token, _ = sign_in(story)
    act(story, reporter, reporter_token, "draft", opened(story, reporter, LIVE), "Changed in a draft.")
    again = act(story, reporter, reporter_token, "draft", opened(story, reporter, DRAFT), "Changed twice in a draft.")
    assert again.status_code == 200, again.body
    published = act(story, reporter, reporter_token, "publish", opened(story, reporter, DRAFT), "Changed twice in a draft.")
    assert published.status_code == 200, published.body
    assert "Changed twice in a draft." in text(story, LIVE)


def test_a_contributor_does_not_open_a_live_article_so_no_submission_of_changes_can_undo_a_live_fix(story):  # noqa: F811
    """A contributor opens and changes their own submissions only (the attacker pass's rule, and
    WordPress's: a Contributor cannot edit a published post), so no contributor's copy of a live
    article, written before an editor's fix, can be approved over it."""
    reporter, reporter_token, _ = sign_in(story, "contributor")
    page = story.client.http.get(f"/desk/edit?key={LIVE}", headers={"Cookie": reporter})
    assert page.status_code == 403 and "Not yours to open" in page.body.decode()
    seen = {"key": LIVE, "version": "", "versions": {}}  # a save sent anyway, as if from an old page
    assert act(story, reporter, reporter_token, "submit", seen, "The first words, from the reporter.").status_code == 403
    assert "Contents" not in story.s3.list_objects_v2(Bucket=story.stack.bucket, Prefix="submissions/")


@pytest.mark.parametrize("action", ["publish", "approve"])
def test_a_draft_written_before_a_takedown_does_not_put_the_article_back_unasked(story, action):  # noqa: F811
    reporter, reporter_token, _ = sign_in(story)
    editor, editor_token, _ = sign_in(story, "admin")
    act(story, reporter, reporter_token, "draft", opened(story, reporter, LIVE), "The first words, updated.")
    taken_down = act(story, editor, editor_token, "unpublish", opened(story, editor, LIVE), "The first words.")
    assert taken_down.status_code == 200, taken_down.body
    draft = opened(story, reporter, DRAFT)
    refused = act(story, reporter, reporter_token, action, draft, "The first words, updated.")
    assert refused.status_code == 409, refused.body
    conflict = json.loads(refused.body)["conflict"]
    assert conflict["key"] == LIVE and conflict["gone"] is True
    listed = story.s3.list_objects_v2(Bucket=story.stack.bucket, Prefix=LIVE).get("Contents", [])
    assert [item["Key"] for item in listed] == []
    # Told it was taken down, publishing it again is the reporter's choice.
    draft["versions"][LIVE] = conflict["version"]
    again = act(story, reporter, reporter_token, action, draft, "The first words, updated.")
    assert again.status_code == 200, again.body
    assert "The first words, updated." in text(story, LIVE)


def test_a_draft_of_an_unpublished_article_says_so(story):  # noqa: F811
    reporter, reporter_token, _ = sign_in(story)
    editor, editor_token, _ = sign_in(story, "admin")
    act(story, reporter, reporter_token, "draft", opened(story, reporter, LIVE), "The first words, updated.")
    story.ingest()
    assert "Draft of changes to a live article: the site shows the live version." in opened(story, reporter, DRAFT)["page"]
    act(story, editor, editor_token, "unpublish", opened(story, editor, LIVE), "The first words.")
    story.ingest()
    page = opened(story, reporter, DRAFT)["page"]
    assert "Draft of changes to an unpublished article: it is not on the site" in page
    assert "the site shows the live version" not in page
