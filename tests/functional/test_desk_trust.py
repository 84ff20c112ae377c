"""The desk an editor can trust, the editor's half (issue 43): a future date never publishes now, the
editor says what state an article is in, work is saved as it is typed, corrections are never undone,
and the history reads as words. Each test asserts what the editor or a reader sees."""

from __future__ import annotations

import datetime as dt
import json
import re

import yaml

from chalicelib.content import corrections
from tests.functional.test_desk import ORIGIN, STORY, api, own_submissions, sign_in
from tests.functional.test_desk_screens import get, post_form, text_of

LONDON = "desk_zone=Europe/London"
NEW_YORK = "desk_zone=America/New_York"


def later(days: int = 2) -> str:
    moment = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, second=0) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def front(desk, key: str) -> dict:  # type: ignore[no-untyped-def]
    raw = desk.s3.get_object(Bucket=desk.stack.bucket, Key=key)["Body"].read().decode()
    return yaml.safe_load(raw.split("---\n")[1])


def editor_page(desk, key: str, jar: str) -> str:  # type: ignore[no-untyped-def]
    page = desk.client.http.get(f"/desk/edit?key={key}" if key else "/desk/new", headers={"Cookie": jar})
    assert page.status_code == 200, page.body
    return text_of(page.body.decode())


def save(desk, jar: str, token: str, **data):  # type: ignore[no-untyped-def]
    return api(desk, "/desk/save", jar, token, data)


# --- the date decides the action ------------------------------------------------------------------

def test_publish_with_a_future_date_schedules_it_and_never_goes_live_early(desk):
    jar, token, _ = sign_in(desk)
    when = later()
    saved = save(desk, f"{jar}; {LONDON}", token, action="publish", fields={**STORY, "date": when}, body="Embargoed.")
    assert saved.status_code == 200, saved.body
    answer = json.loads(saved.body)
    local = dt.datetime.fromisoformat(when.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    assert answer["scheduled_for"] == when
    assert answer["message"].startswith(f"Scheduled for {local:%a} {local.day} {local:%b}, ")
    assert "(Europe/London)" in answer["message"] and "not before" in answer["message"]
    assert front(desk, "articles/desk-story.md")["date"] == when  # the date the editor chose, kept
    desk.ingest()
    assert desk.get("/desk-story/").status_code == 404  # the embargo holds
    assert "Embargoed." not in desk.get("/").body.decode()
    status = json.loads(desk.client.http.get(f"/desk/status?key=articles/desk-story.md&version={answer['version']}",
                                             headers={"Cookie": jar}).body)
    assert status["state"] == "scheduled" and status["date"] == when
    assert "Scheduled for " in editor_page(desk, "articles/desk-story.md", f"{jar}; {LONDON}")


def test_publish_now_instead_goes_live_now_and_its_date_becomes_now(desk):
    jar, token, _ = sign_in(desk)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    saved = save(desk, jar, token, action="publish", now=True, fields={**STORY, "date": later()}, body="Now.")
    assert saved.status_code == 200 and "scheduled_for" not in json.loads(saved.body)
    date = front(desk, "articles/desk-story.md")["date"]
    moment = dt.datetime.fromisoformat(date.replace("Z", "+00:00"))
    assert before <= moment <= before + dt.timedelta(minutes=1)
    desk.ingest()
    assert "Now." in desk.get("/desk-story/").body.decode()


def test_a_past_date_publishes_at_once_and_keeps_its_date(desk):
    jar, token, _ = sign_in(desk)
    saved = save(desk, jar, token, action="publish", fields=STORY, body="Backdated.")
    assert "scheduled_for" not in json.loads(saved.body)
    desk.ingest()
    assert "Backdated." in desk.get("/desk-story/").body.decode()
    assert front(desk, "articles/desk-story.md")["date"] == "2024-03-01T09:00:00Z"


# --- the state line -------------------------------------------------------------------------------

def test_the_editor_says_each_state_in_words(desk):
    jar, token, _ = sign_in(desk)
    assert "New article: not saved yet." in editor_page(desk, "", jar)
    first = json.loads(save(desk, jar, token, action="publish", fields=STORY, body="Live words.").body)
    desk.ingest()
    page = desk.client.http.get("/desk/edit?key=articles/desk-story.md", headers={"Cookie": f"{jar}; {NEW_YORK}"})
    html = page.body.decode()
    # 09:00 UTC on 1 March 2024 is 04:00 in New York
    assert "Live since 1 Mar 2024, 04:00 (America/New_York)." in text_of(html)
    assert re.search(r'<a id="state-link" href="/desk-story/">View on site</a>', html)
    assert re.search(r'<button type="button" id="unpublish"[^>]*>Unpublish</button>', html)  # not hidden
    # A draft of changes: the live row says so and opens the draft
    versions = {"articles/desk-story.md": first["version"]}
    drafted = save(desk, jar, token, action="draft", key="articles/desk-story.md", version=first["version"],
                   versions=versions, fields=STORY, body="Changed words.")
    assert json.loads(drafted.body)["key"] == "drafts/articles/desk-story.md"
    desk.ingest()
    html = desk.client.http.get("/desk/edit?key=articles/desk-story.md", headers={"Cookie": jar}).body.decode()
    assert "with changes in draft." in text_of(html) and "Open the draft" in html
    # Unpublished: it still opens, says so, and publishing it again brings it back
    gone = save(desk, jar, token, action="unpublish", key="articles/desk-story.md", version=first["version"],
                versions=versions, fields=STORY, body="")
    assert gone.status_code == 200
    desk.ingest()
    text = editor_page(desk, "articles/desk-story.md", jar)
    assert "Unpublished: not on the site." in text and "Live words." in text
    again = save(desk, jar, token, action="publish", key="articles/desk-story.md", version="",
                 versions={"articles/desk-story.md": ""}, fields=STORY, body="Live words.")
    assert again.status_code == 200, again.body
    desk.ingest()
    assert "Live words." in desk.get("/desk-story/").body.decode()


def test_a_refused_file_says_refused_with_the_reason(desk):
    desk.put("articles/broken.md", "---\ntitle: Broken\ndate: someday\n---\nBody.\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    text = editor_page(desk, "articles/broken.md", jar)
    assert re.search(r"Refused: .*date", text)


# --- nothing typed is lost --------------------------------------------------------------------------

def test_a_new_articles_drafts_stay_one_file_until_it_is_published(desk):
    jar, token, _ = sign_in(desk)
    new = {**STORY, "date": ""}
    first = json.loads(save(desk, jar, token, action="draft", fields=new, body="First words.").body)
    assert first["key"] == "articles/desk-story.md" and front(desk, first["key"])["draft"] is True
    desk.ingest()
    second = save(desk, jar, token, action="draft", key=first["key"], version=first["version"],
                  versions={first["key"]: first["version"]}, fields=new, body="More words.")
    assert json.loads(second.body)["key"] == "articles/desk-story.md"  # not a "draft of changes" to itself
    listed = desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="drafts/")
    assert "Contents" not in listed
    assert desk.get("/desk-story/").status_code == 404


def test_a_contributors_work_is_saved_as_a_draft_in_their_submissions(desk):
    jar, token, _ = sign_in(desk, "contributor")
    saved = save(desk, jar, token, action="draft", fields={"title": "Field notes", "date": ""}, body="Half done.")
    assert saved.status_code == 200, saved.body
    answer = json.loads(saved.body)
    assert answer["key"] == own_submissions(desk) + "articles/field-notes.md"
    assert front(desk, answer["key"])["draft"] is True
    desk.ingest()
    assert "Draft, not yet sent for review." in editor_page(desk, answer["key"], jar)
    editor_jar, _, _ = sign_in(desk)
    listed = text_of(desk.client.http.get("/desk/articles", headers={"Cookie": editor_jar}).body.decode())
    assert re.search(r"Field notes.*?Draft", listed) and "In review" not in listed.split("Field notes", 1)[1][:200]
    sent = save(desk, jar, token, action="submit", key=answer["key"], version=answer["version"],
                versions={answer["key"]: answer["version"]}, fields={"title": "Field notes"}, body="Done.")
    assert sent.status_code == 200 and "draft" not in front(desk, answer["key"])
    desk.ingest()
    assert "In review: waiting for an editor." in editor_page(desk, answer["key"], jar)
    assert desk.get("/field-notes/").status_code == 404


def test_a_draft_published_or_scheduled_is_no_longer_a_draft_whatever_the_form_leaves_out(desk):
    """A field the form does not send is kept as the file had it; ``draft`` is the action's, not the form's:
    Publish and Schedule end it even when the form sends no ``draft`` at all."""
    jar, token, _ = sign_in(desk)
    for action, title, date in (("publish", "Out today", ""), ("schedule", "Out later", "2099-01-01T09:00:00Z")):
        saved = json.loads(save(desk, jar, token, action="draft", fields={"title": title, "date": date}, body="Soon.").body)
        assert front(desk, saved["key"])["draft"] is True
        done = save(desk, jar, token, action=action, key=saved["key"], version=saved["version"],
                    versions={saved["key"]: saved["version"]}, fields={"title": title, "date": date}, body="Now.")
        assert done.status_code == 200, done.body
        assert "draft" not in front(desk, saved["key"])
    desk.ingest()
    assert desk.get("/out-today/").status_code == 200


# --- corrections are append-only ------------------------------------------------------------------

def published_with_a_correction(desk, jar: str, token: str) -> dict:  # type: ignore[no-untyped-def]
    first = json.loads(save(desk, jar, token, action="publish", fields=STORY, body="The vote was Monday.").body)
    desk.ingest()
    draft = json.loads(save(desk, jar, token, action="draft", key=first["key"], version=first["version"],
                            versions={first["key"]: first["version"]}, fields=STORY, body="An old draft.").body)
    fixed = json.loads(save(desk, jar, token, action="publish", key=first["key"], version=first["version"],
                            versions={first["key"]: first["version"], draft["key"]: draft["version"]},
                            fields=STORY, body="The vote was Tuesday.",
                            correction="An earlier version gave the wrong day.").body)
    desk.ingest()
    assert "gave the wrong day" in desk.get("/desk-story/").body.decode()
    return {"first": first, "draft": draft, "fixed": fixed}


def test_publishing_an_older_draft_keeps_the_published_correction(desk):
    jar, token, _ = sign_in(desk)
    saved = published_with_a_correction(desk, jar, token)
    live, draft = saved["fixed"], saved["draft"]
    # The draft was made before the correction: approving it must not take the correction away.
    approved = save(desk, jar, token, action="approve", key=draft["key"], version=draft["version"],
                    versions={draft["key"]: draft["version"], live["key"]: live["version"]}, fields=STORY, body="")
    assert approved.status_code == 200, approved.body
    desk.ingest()
    page = desk.get("/desk-story/").body.decode()
    assert "An old draft." in page and "gave the wrong day" in page
    assert [c["note"] for c in front(desk, "articles/desk-story.md")["corrections"]] == [
        "An earlier version gave the wrong day."]


def test_a_restore_asks_first_names_what_it_does_and_keeps_the_correction(desk):
    jar, token, _ = sign_in(desk)
    published_with_a_correction(desk, jar, token)
    history = get(desk, "/desk/history?key=articles/desk-story.md", f"{jar}; {LONDON}").body.decode()
    first = re.findall(r'name="version" value="([^"]+)"', history)[-1]
    current = re.search(r'name="current" value="([^"]*)"', history).group(1)
    asked = post_form(desk, "/desk/restore", f"{jar}; {LONDON}", {"csrf": token, "key": "articles/desk-story.md",
                                                                  "version": first, "current": current})
    text = text_of(asked.body.decode())
    assert asked.status_code == 200
    assert re.search(r"The text of \d+ \w{3}( \d{4})?, \d\d:\d\d by Local Editor becomes the live version; "
                     r"its 1 correction stays\.", text), text
    assert "The vote was Monday." not in desk.s3.get_object(
        Bucket=desk.stack.bucket, Key="articles/desk-story.md")["Body"].read().decode()  # nothing done yet
    done = post_form(desk, "/desk/restore", jar, {"csrf": token, "key": "articles/desk-story.md", "version": first,
                                                  "current": current, "confirmed": "yes"})
    assert done.status_code == 303
    desk.ingest()
    page = desk.get("/desk-story/").body.decode()
    assert "The vote was Monday." in page and "gave the wrong day" in page


def test_the_editor_lists_the_corrections_dated_and_read_only(desk):
    jar, token, _ = sign_in(desk)
    published_with_a_correction(desk, jar, token)
    html = desk.client.http.get("/desk/edit?key=articles/desk-story.md", headers={"Cookie": jar}).body.decode()
    listed = re.search(r'<ol class="corrections"[^>]*>(.*?)</ol>', html, re.DOTALL)
    assert listed is not None
    assert re.search(r'<li><time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">\d+ \w{3}( \d{4})?, \d\d:\d\d</time>: '
                     r"An earlier version gave the wrong day.</li>", listed.group(1))
    assert "<textarea" not in listed.group(1) and "<input" not in listed.group(1)


def test_an_upload_without_the_correction_gets_it_back():
    current = (b"---\ntitle: A\ndate: 2024-03-01T09:00:00Z\ncorrections:\n- date: 2024-03-02T10:00:00Z\n"
               b"  note: Fixed the day.\n---\n\nTuesday.\n")
    older = b"---\ntitle: A\ndate: 2024-03-01T09:00:00Z\n---\n\nMonday.\n"
    kept = corrections.kept(older, current)
    assert [e["note"] for e in corrections.entries(kept)] == ["Fixed the day."] and b"Monday." in kept
    assert corrections.kept(current, current) == current  # nothing lacking: the bytes as they are
    newer = current.replace(b"---\n\nTuesday", b"- date: 2024-03-03T10:00:00Z\n  note: And the place.\n---\n\nTue")
    assert [e["note"] for e in corrections.entries(corrections.kept(newer, current))] == [
        "Fixed the day.", "And the place."]


def test_a_reimport_keeps_the_published_correction(desk):
    from chalicelib.imports import uploads

    with_note = (b"---\ntitle: A\ndate: 2024-03-01T09:00:00Z\ncorrections:\n- date: 2024-03-02T10:00:00Z\n"
                 b"  note: Fixed the day.\n---\n\nTuesday.\n")
    desk.put("articles/imported.md", with_note)
    uploads._send(desk.s3, desk.stack.bucket, "articles/imported.md",
                  b"---\ntitle: A\ndate: 2024-03-01T09:00:00Z\n---\n\nFrom WordPress again.\n", None)
    assert [c["note"] for c in front(desk, "articles/imported.md")["corrections"]] == ["Fixed the day."]


# --- the history, in words ------------------------------------------------------------------------

def test_the_history_reads_as_words_in_the_editors_zone(desk):
    jar, token, _ = sign_in(desk)
    published_with_a_correction(desk, jar, token)
    html = get(desk, "/desk/history?key=articles/desk-story.md", f"{jar}; {NEW_YORK}").body.decode()
    text = text_of(html)
    assert "Corrections" in text and "An earlier version gave the wrong day." in text
    assert "datetime.datetime" not in text and "category_names" not in text and "(datetime" not in text
    assert "changed Corrections, Body" in text  # labels as the form and the page name them
    version_ids = re.findall(r'name="version" value="([^"]+)"', html)
    assert version_ids and not any(v in text for v in version_ids)
    opened = get(desk, f"/desk/version?key=articles/desk-story.md&version={version_ids[0]}", f"{jar}; {NEW_YORK}")
    shown = text_of(opened.body.decode())
    assert re.search(r"Desk story: the version of \d+ \w{3}( \d{4})?, \d\d:\d\d by Local Editor", shown)
    assert "Publish at" in shown and "1 Mar 2024, 04:00" in shown  # the date in New York's time
    assert version_ids[0] not in shown and "datetime" not in shown


def test_the_save_api_still_needs_the_token(desk):
    jar, _, _ = sign_in(desk)
    refused = desk.client.http.post("/desk/save", body=json.dumps({"action": "publish", "fields": STORY, "now": True}),
                                    headers={"Content-Type": "application/json", "Cookie": jar, "Origin": ORIGIN})
    assert refused.status_code == 403


# --- the preview's pictures -----------------------------------------------------------------------

def test_the_preview_shows_photos_by_their_sizes_and_an_unsized_one_to_the_editor_alone(desk):
    from devstack.photos import photo

    desk.put("media/2024/ready.jpg", photo(1600, 1200, orientation=None))
    desk.ingest()  # the images function makes its sizes
    desk.put("media/2024/fresh.jpg", photo(1600, 1200, orientation=None))  # uploaded a moment ago: no sizes yet
    jar, token, _ = sign_in(desk)
    fields = {**STORY, "image": "/media/2024/ready.jpg", "image_alt": "The square"}
    answer = api(desk, "/desk/preview", jar, token, {"fields": fields, "body": "![A crowd](/media/2024/ready.jpg)\n\n"
                                                    "![Just in](/media/2024/fresh.jpg)\n"})
    assert answer.status_code == 200, answer.body
    shown = json.loads(answer.body)
    html = shown["html"]
    featured = re.search(r'<figure class="featured"><picture>(.*?)</picture>', html, re.DOTALL)
    assert featured is not None and "/sizes/2024/ready-" in featured.group(1)  # as the live page shows it
    body = re.search(r'<div class="body">(.*?)</div>', html, re.DOTALL).group(1)
    assert '<picture><source type="image/' in body and "/sizes/2024/ready-" in body
    assert 'src="/media/2024/ready.jpg"' not in html and 'src="/media/2024/fresh.jpg"' not in html  # never a 404
    fresh = re.search(r'<img[^>]*alt="Just in"[^>]*>|<img[^>]*src="[^"]*fresh\.jpg[^"]*"[^>]*>', body).group(0)
    assert "media/2024/fresh.jpg?" in fresh and "Signature=" in fresh  # the original, presigned, for the editor only
    assert shown["waiting"] == ["media/2024/fresh.jpg: its sizes are being made; the preview shows the original"]
