"""The desk's live blogs (issue 46): New live blog, Post update (text kept when refused), Pin, edit with a
correction, delete, End live blog; two editors posting at once both keep their entries."""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

from tests.functional.test_desk import sign_in
from tests.functional.test_desk_screens import get, post_form, text_of


def started(desk, jar: str, token: str, title: str = "Storm hits the coast") -> str:  # type: ignore[no-untyped-def]
    done = post_form(desk, "/desk/live/new", jar, {"csrf": token, "title": title, "summary": "We follow the storm."})
    assert done.status_code == 303, done.body
    key = unquote(re.search(r"key=([^&]+)", done.headers["Location"]).group(1))
    desk.ingest()
    return key


def test_an_editor_starts_a_live_blog_posts_pins_corrects_deletes_and_ends_it(desk):
    jar, token, _ = sign_in(desk)
    listing = get(desk, "/desk/live", jar)
    assert listing.status_code == 200 and "New live blog" in text_of(listing.body.decode())
    key = started(desk, jar, token)
    assert key == "articles/storm-hits-the-coast.md"
    screen = get(desk, f"/desk/live/blog?key={key}", jar).body.decode()
    assert '<label for="live-update">Update</label>' in screen and ">Post update</button>" in screen
    for text in ("The wind is rising.", "Evacuation ordered for the harbour.", "Power is out in 3,000 homes."):
        posted = post_form(desk, "/desk/live/post", jar, {"csrf": token, "key": key, "update": text})
        assert posted.status_code == 303 and "done=Posted" in posted.headers["Location"]
    desk.ingest()
    page = desk.get("/storm-hits-the-coast/").body.decode()
    assert page.index("Power is out") < page.index("Evacuation ordered") < page.index("The wind is rising")
    assert "By Local Editor" in page or "By " in page
    screen = get(desk, f"/desk/live/blog?key={key}", jar).body.decode()
    assert text_of(screen).count("Pin") >= 3 and "Power is out" in screen
    forms = re.findall(r'name="entry" value="([^"]+)">\s*<input type="hidden" name="version" value="([^"]*)"', screen)
    entries = {e: v for e, v in forms}
    assert len(entries) == 3
    harbour = next(e for e in entries if "harbour" in desk.s3.get_object(
        Bucket=desk.stack.bucket, Key=e)["Body"].read().decode())
    pinned = post_form(desk, "/desk/live/act", jar, {"csrf": token, "key": key, "entry": harbour,
                                                     "version": entries[harbour], "action": "pin"})
    assert pinned.status_code == 303 and "Pinned" in unquote(pinned.headers["Location"])
    desk.ingest()
    page = desk.get("/storm-hits-the-coast/").body.decode()
    events = page[page.index('class="key-events"'):page.index("data-live-announce")]
    assert "Evacuation ordered for the harbour." in events
    # a stale version changes nothing
    stale = post_form(desk, "/desk/live/act", jar, {"csrf": token, "key": key, "entry": harbour,
                                                    "version": entries[harbour], "action": "delete"})
    assert stale.status_code == 409
    assert (f"This update ({harbour}) changed since you opened this page (by Local Editor). Nothing was changed."
            in text_of(stale.body.decode()))
    assert "harbour" in desk.get("/storm-hits-the-coast/").body.decode()
    assert "deleted" not in desk.s3.get_object(Bucket=desk.stack.bucket, Key=harbour)["Body"].read().decode()
    edit = get(desk, f"/desk/live/blog?key={key}&edit={harbour}", jar).body.decode()
    version = re.search(r'id="edit".*?name="version" value="([^"]*)"', edit, re.S).group(1)
    assert "Evacuation ordered for the harbour." in edit
    fixed = post_form(desk, "/desk/live/act", jar, {"csrf": token, "key": key, "entry": harbour, "version": version,
                                                    "action": "edit", "update": "Evacuation ordered for the marina.",
                                                    "correction": "We first said the harbour."})
    assert fixed.status_code == 303 and "Saved" in unquote(fixed.headers["Location"])
    desk.ingest()
    page = text_of(desk.get("/storm-hits-the-coast/").body.decode())
    assert "Evacuation ordered for the marina." in page and "Correction: We first said the harbour." in page
    screen = get(desk, f"/desk/live/blog?key={key}", jar).body.decode()
    version = dict(re.findall(r'name="entry" value="([^"]+)">\s*<input type="hidden" name="version" value="([^"]*)"',
                              screen))[harbour]
    deleted = post_form(desk, "/desk/live/act", jar, {"csrf": token, "key": key, "entry": harbour, "version": version,
                                                      "action": "delete"})
    assert deleted.status_code == 303
    desk.ingest()
    assert "marina" not in desk.get("/storm-hits-the-coast/").body.decode()
    assert "marina" not in desk.get("/storm-hits-the-coast/live/feed/").body.decode()
    screen = get(desk, f"/desk/live/blog?key={key}", jar).body.decode()
    article_version = re.search(r'name="version" value="([^"]*)">\s*<button type="submit" name="action" value="end"',
                                screen).group(1)
    ended = post_form(desk, "/desk/live/act", jar, {"csrf": token, "key": key, "version": article_version,
                                                    "action": "end"})
    assert ended.status_code == 303 and "ended" in unquote(ended.headers["Location"])
    desk.ingest()
    page = desk.get("/storm-hits-the-coast/")
    assert "This live blog has ended" in text_of(page.body.decode()) and "Power is out" in page.body.decode()
    assert "Post update" not in get(desk, f"/desk/live/blog?key={key}", jar).body.decode()


def test_a_refused_update_keeps_its_text_and_writes_nothing(desk):
    jar, token, _ = sign_in(desk)
    key = started(desk, jar, token)
    too_long = "x" * 20_001
    refused = post_form(desk, "/desk/live/post", jar, {"csrf": token, "key": key, "update": too_long})
    assert refused.status_code == 400 and too_long in refused.body.decode()
    assert "the limit is 20,000" in text_of(refused.body.decode())
    empty = post_form(desk, "/desk/live/post", jar, {"csrf": token, "key": key, "update": "   "})
    assert empty.status_code == 400 and "Write the update first." in empty.body.decode()
    forged = post_form(desk, "/desk/live/post", jar, {"csrf": "0" * 32, "key": key, "update": "Forged."})
    assert forged.status_code == 403
    listed = desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/storm-hits-the-coast/live/")
    assert listed.get("KeyCount", 0) == 0
    outside = post_form(desk, "/desk/live/post", jar, {"csrf": token, "key": "../settings/site.yaml", "update": "x"})
    assert outside.status_code == 400


def test_a_contributor_may_not_post_updates(desk):
    jar, token, _ = sign_in(desk)
    key = started(desk, jar, token)
    cjar, ctoken, _ = sign_in(desk, "contributor")
    refused = post_form(desk, "/desk/live/post", cjar, {"csrf": ctoken, "key": key, "update": "Hello."})
    assert refused.status_code == 403


def test_two_editors_posting_at_once_both_keep_their_entries(desk):
    jar, token, _ = sign_in(desk)
    key = started(desk, jar, token)
    other_jar, other_token, _ = sign_in(desk, "admin")
    answers: list[int] = []

    def post(jar: str, token: str, text: str) -> None:
        for n in range(3):
            answers.append(post_form(desk, "/desk/live/post", jar, {"csrf": token, "key": key,
                                                                    "update": f"{text} {n}."}).status_code)

    threads = [threading.Thread(target=post, args=(jar, token, "From the editor")),
               threading.Thread(target=post, args=(other_jar, other_token, "From the admin"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [303] * 6
    desk.ingest()
    page = desk.get("/storm-hits-the-coast/").body.decode()
    for n in range(3):
        assert f"From the editor {n}." in page and f"From the admin {n}." in page
