"""Every desk write is conditional on what the person saw, and what is approved is what was shown
(issue 40): each save carries the version of its own key as the editor opened it, Approve publishes
the version reviewed over the live version seen, and a contributor's submission may not carry what
only an editor may set."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest

from tests.conftest import STAND_IN
from tests.functional.test_desk import STORY, api, own_submissions, sign_in

LIVE = "articles/story.md"
FILE = "---\ntitle: Story\ndate: 2024-03-01T09:00:00Z\ncategories: [Oil]\n---\n\nThe first words.\n"


def opened(desk, jar: str, key: str) -> dict:  # type: ignore[no-untyped-def]
    """What the editor's page holds of ``key``: its fields, body and the versions it opened."""
    page = desk.client.http.get(f"/desk/edit?key={key}", headers={"Cookie": jar}).body.decode()
    versions = json.loads(html.unescape(re.search(r"data-versions='([^']*)'", page).group(1)))
    return {"key": key, "version": re.search(r'data-version="([^"]*)"', page).group(1), "versions": versions,
            "page": page}


def act(desk, jar: str, token: str, action: str, seen: dict, body: str, fields=None, **more):  # type: ignore[no-untyped-def]
    return api(desk, "/desk/save", jar, token, {"action": action, "key": seen["key"], "version": seen["version"],
                                                "versions": seen["versions"], "fields": fields or {
                                                    "title": "Story", "date": "2024-03-01T09:00:00Z",
                                                    "categories": "Oil"}, "body": body, **more})


def contributors(site, key: str, body: str) -> None:  # type: ignore[no-untyped-def]
    """A submission the local contributor sent from the desk (it names them, as the desk's writes do)."""
    assert key.startswith(own_submissions(site)), key  # in their own folder, where their role writes
    site.s3.put_object(Bucket=site.stack.bucket, Key=key, Body=body.encode(),
                       Metadata={"uploaded-by": "Local Contributor <contributor@desk.example.com>"})


def text(desk, key: str) -> str:
    return desk.s3.get_object(Bucket=desk.stack.bucket, Key=key)["Body"].read().decode()


@pytest.fixture
def story(desk):  # type: ignore[no-untyped-def]
    """A live article, ingested (made once, put back for each test)."""
    def arrange(desk):  # type: ignore[no-untyped-def]
        desk.put(LIVE, FILE)
        desk.ingest()

    return STAND_IN.arranged("test_desk_versions.story", desk, arrange)


def test_the_editor_opens_a_file_with_the_version_of_every_key_it_may_write(story):
    jar, _, _ = sign_in(story)
    seen = opened(story, jar, LIVE)
    assert seen["versions"] == {LIVE: seen["version"], "drafts/" + LIVE: ""} and seen["version"]


def test_two_editors_drafts_of_one_live_article_the_second_gets_both_versions(story):
    first, first_token, _ = sign_in(story)
    second, second_token, _ = sign_in(story, "admin")
    mine, theirs = opened(story, first, LIVE), opened(story, second, LIVE)
    saved = act(story, first, first_token, "draft", mine, "The first editor's change.")
    assert saved.status_code == 200 and json.loads(saved.body)["key"] == "drafts/" + LIVE
    refused = act(story, second, second_token, "draft", theirs, "The second editor's change.")
    assert refused.status_code == 409
    conflict = json.loads(refused.body)["conflict"]
    assert conflict["key"] == "drafts/" + LIVE and conflict["opened"] == "" and conflict["version"]
    assert "first editor's" in conflict["theirs"] and "second editor's" in conflict["mine"]
    assert "first editor's" in text(story, "drafts/" + LIVE)


def test_two_people_submitting_one_new_article_each_keep_theirs_and_only_one_is_approved(desk):
    """Each person's submission is in their own folder (finding 20): neither overwrites nor sees the
    other's. The editor approves one; approving the other, over a live article it never saw, is refused."""
    first, first_token, _ = sign_in(desk, "contributor")
    second, second_token, _ = sign_in(desk, "admin")
    keys = []
    for jar, token, words in ((first, first_token, "Mine first."), (second, second_token, "Theirs.")):
        response = api(desk, "/desk/save", jar, token, {"action": "submit", "fields": {**STORY, "date": ""},
                                                        "body": words})
        assert response.status_code == 200, response.body
        keys.append(json.loads(response.body)["key"])
    assert keys == [own_submissions(desk) + "articles/desk-story.md", own_submissions(desk, "admin") + "articles/desk-story.md"]
    assert "Mine first." in text(desk, keys[0]) and "Theirs." in text(desk, keys[1])
    desk.ingest()
    editor, editor_token, _ = sign_in(desk)
    seen = [opened(desk, editor, key) for key in keys]
    assert act(desk, editor, editor_token, "approve", seen[0], "Mine first.").status_code == 200
    refused = act(desk, editor, editor_token, "approve", seen[1], "Theirs.")
    assert refused.status_code == 409 and json.loads(refused.body)["conflict"]["key"] == "articles/desk-story.md"
    assert "Mine first." in text(desk, "articles/desk-story.md") and "Theirs." in text(desk, keys[1])


def test_a_draft_opened_before_a_colleagues_live_correction_cannot_publish_over_it(story):
    jar, token, _ = sign_in(story)
    act(story, jar, token, "draft", opened(story, jar, LIVE), "A slow rewrite.")
    story.ingest()
    draft = opened(story, jar, "drafts/" + LIVE)
    assert set(draft["versions"]) == {"drafts/" + LIVE, LIVE}
    colleague, colleague_token, _ = sign_in(story, "admin")
    corrected = act(story, colleague, colleague_token, "publish", opened(story, colleague, LIVE),
                    "The first words, corrected.", correction="The first version was wrong.")
    assert corrected.status_code == 200
    refused = act(story, jar, token, "publish", draft, "A slow rewrite.")
    assert refused.status_code == 409 and json.loads(refused.body)["conflict"]["key"] == LIVE
    assert "corrected" in text(story, LIVE) and "The first version was wrong." in text(story, LIVE)


@pytest.fixture
def submitted(story):  # type: ignore[no-untyped-def]
    """A contributor's submission of a change to the live article, ingested (made once, put back)."""
    def arrange(story):  # type: ignore[no-untyped-def]
        contributors(story, own_submissions(story) + LIVE, FILE.replace("The first words.", "A harmless text."))
        story.ingest()

    return STAND_IN.arranged("test_desk_versions.submitted", story, arrange)


def test_approve_publishes_exactly_the_version_the_editor_reviewed(submitted):
    mine = own_submissions(submitted) + LIVE
    jar, token, _ = sign_in(submitted)
    seen = opened(submitted, jar, mine)
    assert set(seen["versions"]) == {mine, LIVE}
    approved = act(submitted, jar, token, "approve", seen, "A harmless text.")
    assert approved.status_code == 200 and json.loads(approved.body)["removed"] == mine
    assert "A harmless text." in text(submitted, LIVE)
    assert "Contents" not in submitted.s3.list_objects_v2(Bucket=submitted.stack.bucket, Prefix="submissions/")


def test_approve_after_the_contributor_resubmitted_is_refused_with_both_versions(submitted):
    mine = own_submissions(submitted) + LIVE
    jar, token, _ = sign_in(submitted)
    seen = opened(submitted, jar, mine)
    contributor, contributor_token, _ = sign_in(submitted, "contributor")
    resubmitted = act(submitted, contributor, contributor_token, "submit",
                      opened(submitted, contributor, mine), "Something else entirely.")
    assert resubmitted.status_code == 200, resubmitted.body
    refused = act(submitted, jar, token, "approve", seen, "A harmless text.")
    assert refused.status_code == 409
    conflict = json.loads(refused.body)["conflict"]
    assert conflict["key"] == mine and conflict["opened"] == seen["version"]
    assert "Something else entirely." in conflict["theirs"] and "A harmless text." in conflict["mine"]
    assert "The first words." in text(submitted, LIVE)  # nothing was published
    assert "Something else" in text(submitted, mine)  # nor removed


def test_approve_over_a_newer_live_edit_is_refused(submitted):
    mine = own_submissions(submitted) + LIVE
    jar, token, _ = sign_in(submitted)
    seen = opened(submitted, jar, mine)
    colleague, colleague_token, _ = sign_in(submitted, "admin")
    act(submitted, colleague, colleague_token, "publish", opened(submitted, colleague, LIVE), "A newer live edit.")
    refused = act(submitted, jar, token, "approve", seen, "A harmless text.")
    assert refused.status_code == 409 and json.loads(refused.body)["conflict"]["key"] == LIVE
    assert "A newer live edit." in text(submitted, LIVE)
    assert "A harmless text." in text(submitted, mine)


def test_an_approve_that_names_no_version_is_refused(submitted):
    mine = own_submissions(submitted) + LIVE
    jar, token, _ = sign_in(submitted)
    refused = api(submitted, "/desk/save", jar, token, {"action": "approve", "key": mine,
                                                        "fields": {}, "body": ""})
    assert refused.status_code == 403 and "approves the version you reviewed" in json.loads(refused.body)["error"]
    assert "The first words." in text(submitted, LIVE)


# --- what is approved is what is shown --------------------------------------------------------------

PLANTED = ("---\ntitle: Story\ndate: 2001-01-01T00:00:00Z\nsticky: true\naliases: ['/?p=1', /old-story/]\n"
           "corrections:\n- {date: 2024-01-01T00:00:00Z, note: A fake public correction.}\ncomments: false\n---\n\n"
           "An innocent text.\n")


def test_the_editor_shows_every_field_the_form_does_not_edit(desk):
    desk.put("submissions/" + LIVE, PLANTED)
    jar, _, _ = sign_in(desk)
    page = opened(desk, jar, "submissions/" + LIVE)["page"]
    listed = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", page.split("Other fields in this file")[1]))
    assert listed == {"aliases": "/?p=1, /old-story/", "comments": "false",
                      "corrections": "date: 2024-01-01T00:00:00Z; note: A fake public correction."}
    # Sticky is the form's own box (since the WordPress day), shown ticked to the editor who approves.
    assert re.search(r'<input type="checkbox" id="f-sticky" name="sticky" value="true" checked', page)


@pytest.mark.parametrize("field, line", [
    ("sticky", "sticky: true\n"), ("aliases", "aliases: ['/?p=1']\n"),
    ("corrections", "corrections:\n- {date: 2024-01-01T00:00:00Z, note: Fake.}\n"), ("redirect", "redirect: /x/\n"),
    ("date", None)])
def test_a_submission_setting_what_only_an_editor_may_is_refused_at_ingest(desk, field, line):
    """A contributor's role may put any file under submissions/ without the desk: ingest refuses it,
    naming the field, and makes no preview."""
    body = FILE.replace("2024-03-01T09:00:00Z", "2030-01-01T00:00:00Z" if line else "2001-01-01T00:00:00Z")
    desk.put("submissions/" + LIVE, body.replace("categories:", (line or "") + "categories:"))
    desk.ingest()
    report = json.loads(desk.refusal("submissions/" + LIVE))
    assert [p["field"] for p in report["problems"]] == [field]
    jar, _, _ = sign_in(desk)
    assert "refused" in desk.client.http.get("/desk/articles", headers={"Cookie": jar}).body.decode()


def test_approve_refuses_a_submission_carrying_them_and_publishes_nothing(desk):
    desk.put("submissions/" + LIVE, PLANTED)
    desk.ingest()
    jar, token, _ = sign_in(desk)
    refused = act(desk, jar, token, "approve", opened(desk, jar, "submissions/" + LIVE), "An innocent text.")
    assert refused.status_code == 400
    assert {p["field"] for p in json.loads(refused.body)["problems"]} == {"sticky", "aliases", "corrections", "date"}
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/")


def test_the_desk_refuses_a_contributors_submission_carrying_them(desk):
    mine = own_submissions(desk) + LIVE
    contributors(desk, mine, PLANTED.replace("date: 2001-01-01T00:00:00Z", "date: 2030-01-01T00:00:00Z"))
    jar, token, _ = sign_in(desk, "contributor")
    seen = opened(desk, jar, mine)
    refused = act(desk, jar, token, "submit", seen, "An innocent text.",
                  fields={"title": "Story", "date": "2030-01-01T00:00:00Z"})
    assert refused.status_code == 400
    assert {p["field"] for p in json.loads(refused.body)["problems"]} == {"sticky", "aliases", "corrections"}
    backdated = api(desk, "/desk/save", jar, token, {"action": "submit", "fields": {**STORY, "title": "Old news",
                                                     "date": "2001-01-01T00:00:00Z"}, "body": "Backdated."})
    assert backdated.status_code == 400 and [p["field"] for p in json.loads(backdated.body)["problems"]] == ["date"]


def test_a_submission_keeps_the_date_it_was_accepted_with(desk, monkeypatch):
    """The date the desk gives a submission is "now"; an editor saving it again later keeps that date,
    which is not backdating. Another date in the past is."""
    jar, token, _ = sign_in(desk, "contributor")
    when = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = api(desk, "/desk/save", jar, token, {"action": "submit", "fields": {**STORY, "date": when}, "body": "Mine."})
    assert sent.status_code == 200, sent.body
    desk.ingest()
    monkeypatch.setattr("chalicelib.content.content_format.SUBMISSION_DATE_GRACE", dt.timedelta(seconds=1))
    editor, editor_token, _ = sign_in(desk)
    key = json.loads(sent.body)["key"]
    assert key == own_submissions(desk) + "articles/desk-story.md"
    seen = opened(desk, editor, key)
    kept = act(desk, editor, editor_token, "draft", seen, "Mine, edited.", fields={**STORY, "date": when})
    assert kept.status_code == 200, kept.body
    desk.ingest()
    assert desk.refusal(key) is None
    moved = act(desk, editor, editor_token, "draft", {**seen, "version": json.loads(kept.body)["version"],
                                                      "versions": {key: json.loads(kept.body)["version"]}},
                "Mine, edited.", fields={**STORY, "date": "2024-01-01T00:00:00Z"})
    assert moved.status_code == 400 and [p["field"] for p in json.loads(moved.body)["problems"]] == ["date"]
