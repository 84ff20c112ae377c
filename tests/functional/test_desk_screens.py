"""The rest of the editors' desk (issue 31): History (versions, a word diff, restore, deleted files),
Comments (the moderation queue), Refused (ingest's reports), Media (presigned uploads, the library)
and the navigation, through the same files and keys as uploads, with the roles and CSRF of the desk."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.models import MediaItem, Post
from chalicelib.publish import moderation
from chalicelib.site import comments as store
from devstack.photos import photo
from tests.functional.test_desk import ORIGIN, api, sign_in


def get(site, path: str, jar: str):  # type: ignore[no-untyped-def]
    return site.client.http.get(path, headers={"Cookie": jar})


def post_form(site, path: str, jar: str, fields: dict | list, origin: str = ORIGIN):  # type: ignore[no-untyped-def]
    return site.client.http.post(path, body=urlencode(fields), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": jar, "Origin": origin})


def term_version(site, jar: str, screen: str, slug: str) -> str:  # type: ignore[no-untyped-def]
    """The version of a term's file its screen's forms carry (what the admin saw), as a browser sends it."""
    html = site.client.http.get(screen, headers={"Cookie": jar}).body.decode()
    found = re.search(rf'name="version" value="([^"]*)"><input type="hidden" name="slug" value="{re.escape(slug)}"', html)
    assert found, f"{slug} is not on {screen}"
    return found.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def story(body: str, title: str = "Budget vote") -> str:
    return f"---\ntitle: {title}\ndate: 2024-05-01T09:00:00Z\ncategories: [Oil]\n---\n\n{body}\n"


# --- History -------------------------------------------------------------------------------------

def test_three_saves_make_three_versions_with_a_word_diff_and_the_first_is_restored(desk):
    for body in ("The vote is on Monday.", "The vote is on Tuesday.", "The vote was delayed again."):
        desk.put("articles/budget.md", story(body))
        desk.ingest()
    jar, token, _ = sign_in(desk)
    page = get(desk, "/desk/history?key=articles/budget.md", jar)
    html = page.body.decode()
    assert page.status_code == 200 and "History of Budget vote" in html
    assert html.count('<button type="submit">Restore<span class="visually-hidden"> the version of') == 2  # but the current
    assert html.count('class="version"') == 3
    assert "<del>Tuesday.</del>" in html and "<ins>Tuesday.</ins>" in html  # word by word, each change
    assert "<del>is on</del>" in html or "<del>is</del>" in html
    first = re.findall(r'name="version" value="([^"]+)"', html)[-1]  # newest first: the oldest is last
    current = re.search(r'name="current" value="([^"]*)"', html).group(1)
    asked = post_form(desk, "/desk/restore", jar, {"csrf": token, "key": "articles/budget.md", "version": first,
                                                   "current": current})
    assert asked.status_code == 200 and "becomes the live version." in text_of(asked.body.decode())
    done = post_form(desk, "/desk/restore", jar, {"csrf": token, "key": "articles/budget.md", "version": first,
                                                  "current": current, "confirmed": "yes"})
    assert done.status_code == 303 and "restored=" in done.headers["Location"]
    desk.ingest()
    assert "The vote is on Monday." in desk.get("/budget/").body.decode()
    again = get(desk, "/desk/history?key=articles/budget.md", jar).body.decode()
    assert again.count('class="version"') == 4 and "(restored the version of " in text_of(again)
    assert first not in text_of(again)  # no version ids in the words
    assert "Local Editor" in again  # who restored it


def test_a_restore_from_a_stale_history_changes_nothing(desk):
    desk.put("articles/budget.md", story("One."))
    desk.put("articles/budget.md", story("Two."))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    html = get(desk, "/desk/history?key=articles/budget.md", jar).body.decode()
    first = re.findall(r'name="version" value="([^"]+)"', html)[-1]
    current = re.search(r'name="current" value="([^"]*)"', html).group(1)
    desk.put("articles/budget.md", story("Three, by a colleague."))
    refused = post_form(desk, "/desk/restore", jar, {"csrf": token, "key": "articles/budget.md", "version": first,
                                                     "current": current, "confirmed": "yes"})
    assert refused.status_code == 409 and "changed after you opened its history" in refused.body.decode()
    body = desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/budget.md")["Body"].read().decode()
    assert "Three, by a colleague." in body


def test_a_deleted_article_is_listed_and_restored(desk):
    desk.put("articles/gone.md", story("Still here.", title="Gone soon"))
    desk.ingest()
    desk.delete("articles/gone.md")
    desk.ingest()
    assert desk.get("/gone/").status_code == 404
    jar, token, _ = sign_in(desk)
    listed = get(desk, "/desk/deleted", jar).body.decode()
    assert "articles/gone.md" in listed
    html = get(desk, "/desk/history?key=articles/gone.md", jar).body.decode()
    assert "Deleted" in html and html.count('<button type="submit">Restore<span class="visually-hidden"> the') == 1
    version = re.search(r'name="version" value="([^"]+)"', html).group(1)
    assert post_form(desk, "/desk/restore", jar, {"csrf": token, "key": "articles/gone.md", "version": version,
                                                  "current": "", "confirmed": "yes"}).status_code == 303
    desk.ingest()
    assert "Still here." in desk.get("/gone/").body.decode()


def test_a_contributor_has_no_history_and_a_forged_restore_is_refused(desk):
    desk.put("articles/budget.md", story("One."))
    desk.ingest()
    jar, token, _ = sign_in(desk, "contributor")
    assert get(desk, "/desk/history?key=articles/budget.md", jar).status_code == 403
    assert post_form(desk, "/desk/restore", jar, {"csrf": token, "key": "articles/budget.md", "version": "x",
                                                  "current": ""}).status_code == 403
    editor_jar, editor_token, _ = sign_in(desk)
    other_site = post_form(desk, "/desk/restore", editor_jar, {"csrf": editor_token, "key": "articles/budget.md",
                                                               "version": "x", "current": ""},
                           origin="https://evil.example")
    assert other_site.status_code == 403


# --- Comments ------------------------------------------------------------------------------------

def comment(slug: str, name: str, text: str) -> str:
    """A reader's comment, pending; each one a second after the one before (ids sort by time)."""
    from chalicelib.site.comment_rules import Submission

    comment.made = getattr(comment, "made", 0) + 1  # type: ignore[attr-defined]
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=comment.made)  # type: ignore[attr-defined]
    return store.submit(slug, Submission(name=name, text=text), "client-hash", now=when).id


def test_the_queue_approves_and_rejects_and_the_article_shows_only_the_approved(desk):
    desk.put("articles/markets.md", story("Markets fell.", title="Markets"))
    desk.ingest()
    good = comment("markets", "Sara", "A fair summary of the day.")
    bad = comment("markets", "Spam Bot", "Buy cheap watches here.")
    jar, token, _ = sign_in(desk)
    queue = get(desk, "/desk/comments", jar).body.decode()
    assert "A fair summary of the day." in queue and "Buy cheap watches here." in queue
    assert queue.index("Buy cheap watches") < queue.index("A fair summary")  # newest first
    assert re.search(r'id="count-comments">2<span class="visually-hidden"> waiting', queue)
    assert "/markets/" in queue and "Spam Bot" in queue
    assert post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"approve:{good}"}).status_code == 303
    rejected = post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"trash:{bad}"})
    assert "1%20comment%20moved%20to%20the%20Trash" in rejected.headers["Location"]
    page = desk.get("/markets/").body.decode()
    assert "A fair summary of the day." in page and "Buy cheap watches" not in page
    assert int(Post.get(*Post.key_for("markets")).comment_count) == 1
    after = get(desk, "/desk/comments", jar).body.decode()
    assert "No comments are waiting." in after and 'id="count-comments"' not in after
    assert "Buy cheap watches here." in get(desk, "/desk/comments?tab=trash", jar).body.decode()
    # The edge is asked to drop the article's page and its comments feed, as `newsroom comments` does.
    sent = [json.loads(m["Body"]) for m in desk.receive()]
    assert {"newsroom-invalidate": {"paths": ["/markets/", "/markets/comments/feed/"]}} in sent


def test_several_ticked_comments_are_approved_together(desk):
    desk.put("articles/markets.md", story("Markets fell.", title="Markets"))
    desk.ingest()
    ids = [comment("markets", f"Reader {n}", f"Comment number {n}.") for n in range(3)]
    jar, token, _ = sign_in(desk)
    done = post_form(desk, "/desk/comments", jar, [("csrf", token), ("action", "approve"), ("id", ids[0]),
                                                   ("id", ids[2])])
    assert done.status_code == 303 and "2%20comments%20approved" in done.headers["Location"]
    page = desk.get("/markets/").body.decode()
    assert "Comment number 0." in page and "Comment number 2." in page and "Comment number 1." not in page
    assert [c.id for c in moderation.pending()] == [ids[1]]


def test_moderation_needs_an_editor_the_desks_page_and_its_token(desk):
    desk.put("articles/markets.md", story("Markets fell.", title="Markets"))
    desk.ingest()
    waiting = comment("markets", "Sara", "Hello.")
    jar, token, _ = sign_in(desk, "contributor")
    assert get(desk, "/desk/comments", jar).status_code == 403
    assert post_form(desk, "/desk/comments", jar, {"csrf": token, "one": f"approve:{waiting}"}).status_code == 403
    editor_jar, editor_token, _ = sign_in(desk)
    assert post_form(desk, "/desk/comments", editor_jar, {"csrf": "", "one": f"approve:{waiting}"}).status_code == 403
    assert post_form(desk, "/desk/comments", editor_jar, {"csrf": editor_token, "one": f"approve:{waiting}"},
                     origin="https://evil.example").status_code == 403
    assert [c.id for c in moderation.pending()] == [waiting]
    gone = post_form(desk, "/desk/comments", editor_jar, {"csrf": editor_token, "one": "approve:no-such-id"})
    assert gone.status_code == 303 and "failed=" in gone.headers["Location"]


# --- Refused -------------------------------------------------------------------------------------

def test_a_refused_file_is_listed_with_its_reason_and_opens_at_its_field(desk):
    desk.put("articles/broken.md", "---\ntitle: Broken\ndate: not a date\n---\nBody.\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    html = get(desk, "/desk/refused", jar).body.decode()
    assert "articles/broken.md" in html and "not published" in html
    assert 'href="/desk/edit?key=articles/broken.md#f-date"' in html
    assert re.search(r'id="count-refused">1<', html)
    editor = get(desk, "/desk/edit?key=articles/broken.md", jar).body.decode()
    assert "Ingest refused this file" in editor and 'href="#f-date"' in editor


def test_the_refused_screen_says_so_when_nothing_is_refused(desk):
    jar, _, _ = sign_in(desk)
    assert "Nothing was refused" in get(desk, "/desk/refused", jar).body.decode()


# --- Media ---------------------------------------------------------------------------------------

def upload_form(desk, jar: str, token: str, **fields):  # type: ignore[no-untyped-def]
    sent = {"name": "IMG_0042.JPG", "type": "image/jpeg", "size": 123456, "alt": "Police at the square", **fields}
    return api(desk, "/desk/media/upload", jar, token, sent)


def test_the_presigned_post_allows_one_key_under_media_photo_types_60_mb_and_minutes(desk):
    jar, token, _ = sign_in(desk)
    answer = upload_form(desk, jar, token)
    assert answer.status_code == 200
    signed = json.loads(answer.body)
    policy = json.loads(base64.b64decode(signed["fields"]["policy"]))
    conditions = policy["conditions"]
    assert signed["key"].startswith("media/") and re.fullmatch(r"media/\d{4}/\d{2}/img-0042\.jpg", signed["key"])
    assert ["starts-with", "$key", "media/"] in conditions and {"key": signed["key"]} in conditions
    assert ["content-length-range", 1, 60 * 1024 * 1024] in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert {"x-amz-meta-alt": "Police%20at%20the%20square"} in conditions or \
        {"x-amz-meta-alt": "Police at the square"} in conditions
    expires = dt.datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    assert dt.timedelta(0) < expires - dt.datetime.now(dt.timezone.utc) <= dt.timedelta(minutes=5)
    for field in signed["fields"]:  # every field the form carries is in the policy (S3 refuses others)
        if field not in ("policy", "x-amz-signature", "key", "AWSAccessKeyId", "signature"):
            assert any(field in c for c in conditions if isinstance(c, dict)) or field.startswith("x-amz-"), field


@pytest.mark.parametrize("fields, field, words", [
    ({"name": "notes.pdf", "type": "application/pdf"}, "file", "is not a photo the site can show"),
    ({"name": "page.html", "type": "text/html"}, "file", "is not a photo"),
    ({"name": "huge.jpg", "size": 61 * 1024 * 1024}, "file", "at most 60 MB"),
    ({"size": "lots"}, "file", ""),
])
def test_an_upload_the_site_cannot_show_is_refused_before_anything_is_sent(desk, fields, field, words):
    jar, token, _ = sign_in(desk)
    answer = upload_form(desk, jar, token, **fields)
    assert answer.status_code == 400
    problem = json.loads(answer.body)["problems"][0]
    assert problem["field"] == field and words in problem["message"]


def test_alt_text_is_required_where_the_site_says_so(desk):
    desk.put("settings/site.yaml", "site_name: Test\nrequire_alt: true\n")
    desk.ingest()
    jar, token, _ = sign_in(desk)
    refused = upload_form(desk, jar, token, alt="  ")
    assert refused.status_code == 400 and json.loads(refused.body)["problems"][0]["field"] == "alt"
    assert upload_form(desk, jar, token).status_code == 200
    assert 'data-require-alt="true"' in get(desk, "/desk/media", jar).body.decode()


def test_a_phone_photo_uploaded_through_the_desk_gets_its_sizes_alt_text_and_users(desk):
    jar, token, _ = sign_in(desk)
    signed = json.loads(upload_form(desk, jar, token, name="Zoë's IMG_0042.HEIC.jpg", alt="Crowd at the square").body)
    sent = requests.post(signed["url"], data=signed["fields"], files={"file": ("x.jpg", photo(1600, 1200), "image/jpeg")},
                         timeout=30)
    assert sent.status_code in (200, 204), sent.text
    status = json.loads(get(desk, "/desk/media/status?key=" + signed["key"], jar).body)
    assert status["state"] == "making" and status["message"] == "Sizes being made…"
    desk.ingest()
    status = json.loads(get(desk, "/desk/media/status?key=" + signed["key"], jar).body)
    assert status["state"] == "ready" and status["alt"] == "Crowd at the square"
    assert status["thumb"].startswith("/sizes/") and status["thumb"].endswith(".jpg")  # what the editor shows
    assert MediaItem.get(*MediaItem.key_for(signed["key"]) if hasattr(MediaItem, "key_for") else ("media", signed["key"])).alt \
        == "Crowd at the square"
    library = get(desk, "/desk/media", jar).body.decode()
    assert signed["key"] in library and "Alt text: Crowd at the square" in library and "Unused" in library
    desk.put("articles/crowd.md", story(f"![Crowd at the square]({signed['src']})", title="Crowd"))
    desk.ingest()
    page = desk.get("/crowd/").body.decode()
    assert "/sizes/" in page and signed["src"] not in page  # the sizes, never the original
    library = get(desk, "/desk/media", jar).body.decode()
    assert 'href="/crowd/"' in library
    assert signed["key"] not in get(desk, "/desk/media?unused=1", jar).body.decode()
    refused = post_form(desk, "/desk/media/delete", jar, {"csrf": token, "key": signed["key"]})
    assert "is not deleted" in refused.headers["Location"].replace("%20", " ")
    assert desk.s3.head_object(Bucket=desk.stack.bucket, Key=signed["key"])  # still there
    editor = get(desk, "/desk/edit?key=articles/crowd.md", jar)
    assert "Upload photo" in editor.body.decode()
    csp = editor.headers["Content-Security-Policy"]
    assert "connect-src 'self' " in csp and urlsplit(signed["url"]).netloc in csp or "s3.amazonaws.com" in csp


def test_an_unused_photo_is_deleted(desk):
    desk.put("media/2024/old.jpg", photo(800, 600))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    done = post_form(desk, "/desk/media/delete", jar, {"csrf": token, "key": "media/2024/old.jpg",
                                                       "etag": shown_etag(desk, jar, "media/2024/old.jpg")})
    assert done.status_code == 303 and "Deleted" in done.headers["Location"]
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="media/").get("KeyCount") == 0


def shown_etag(site, jar: str, key: str) -> str:  # type: ignore[no-untyped-def]
    """The version of a photo the library's Delete form carries (what the editor saw)."""
    html = get(site, "/desk/media", jar).body.decode()
    found = re.search(rf'name="key" value="{re.escape(key)}"><input type="hidden" name="etag" value="([^"]*)"', html)
    assert found, f"no Delete for {key} in the library"
    return found.group(1)


def test_a_photo_replaced_since_the_library_showed_it_is_not_deleted(desk):
    desk.put("media/2024/old.jpg", photo(800, 600))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    seen = shown_etag(desk, jar, "media/2024/old.jpg")
    replaced = photo(640, 480)
    desk.s3.put_object(Bucket=desk.stack.bucket, Key="media/2024/old.jpg", Body=replaced, ContentType="image/jpeg",
                       Metadata={"uploaded-by": "Other Editor <other@example.com>"})
    stale = post_form(desk, "/desk/media/delete", jar, {"csrf": token, "key": "media/2024/old.jpg", "etag": seen})
    assert stale.status_code == 409
    assert ("The photo media/2024/old.jpg changed since you opened this page (by Other Editor). Nothing was changed."
            in text_of(stale.body.decode()))
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="media/2024/old.jpg")["Body"].read() == replaced


def test_a_file_name_that_is_a_path_is_refused_naming_it(desk):
    jar, token, _ = sign_in(desk)
    answer = upload_form(desk, jar, token, name="../../settings/site.yaml.jpg")
    assert answer.status_code == 400
    problem = json.loads(answer.body)["problems"][0]
    assert problem["field"] == "file" and "../../settings/site.yaml.jpg" in problem["message"]
    stored = [o["Key"] for o in desk.s3.list_objects_v2(Bucket=desk.stack.bucket).get("Contents", [])]
    assert stored == ["categories/oil.yaml"]  # the desk fixture's one category, nothing else


def test_the_names_of_the_upload_are_never_anothers(desk):
    jar, token, _ = sign_in(desk)
    first = json.loads(upload_form(desk, jar, token, name="site.yaml.jpg").body)
    assert re.fullmatch(r"media/\d{4}/\d{2}/site-yaml\.jpg", first["key"]), first["key"]
    desk.put(first["key"], photo(200, 100))
    second = json.loads(upload_form(desk, jar, token, name="site.yaml.jpg").body)
    assert second["key"] != first["key"] and second["key"].endswith("-2.jpg")


# --- the navigation, and no 5xx on any input ------------------------------------------------------

def test_the_navigation_names_every_screen_and_hides_settings_from_editors(desk):
    jar, _, _ = sign_in(desk)
    html = get(desk, "/desk/articles", jar).body.decode()
    for name in ("Articles", "Pages", "Media", "Comments", "Refused"):
        assert f">{name}" in html, name
    assert "/desk/settings" not in html
    admin_jar, _, _ = sign_in(desk, "admin")
    assert 'href="/desk/settings"' in get(desk, "/desk/articles", admin_jar).body.decode()
    contributor_jar, _, _ = sign_in(desk, "contributor")
    contributor = get(desk, "/desk/articles", contributor_jar).body.decode()
    assert "/desk/comments" not in contributor and "/desk/media" not in contributor


SCREENS = ["/desk/pages", "/desk/settings", "/desk/categories", "/desk/tags", "/desk/authors", "/desk/import",
           "/desk/import/progress", "/desk/import/report",
           "/desk/history", "/desk/version", "/desk/deleted", "/desk/comments", "/desk/refused",
           "/desk/media", "/desk/media/status", "/desk/pages/new"]
WRITES = ["/desk/restore", "/desk/comments", "/desk/media/delete", "/desk/settings", "/desk/terms",
          "/desk/media/describe", "/desk/pages/new"]
JSON_WRITES = ["/desk/media/upload", "/desk/import/start", "/desk/import/comments"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(SCREENS + WRITES + JSON_WRITES), params=st.dictionaries(
    st.sampled_from(["key", "version", "q", "unused", "start", "show", "format", "one", "action", "id", "current",
                     "tab", "before", "ids", "undo", "confirm", "page", "into", "parent", "etag", "caption", "credit",
                     "reply_to", "comment", "seen", "text", "title", "body", "menu_after", "replace",
                     "kind", "slug", "name", "new_slug", "into", "site_name", "menu", "page_size", "size", "type",
                     "alt", "dry_run", "media_from", "again"]),
    st.text(max_size=40), max_size=5), role=st.sampled_from(["editor", "contributor", "admin"]))
def test_no_desk_screen_answers_5xx_on_any_input(desk, path, params, role):
    sessions = desk.__dict__.setdefault("sessions", {})  # one sign-in per role for all the examples
    if role not in sessions:
        sessions[role] = sign_in(desk, role)[:2]
    jar, token = sessions[role]
    if path in JSON_WRITES:
        answer = api(desk, path, jar, token, params)
    elif path in WRITES:
        answer = post_form(desk, path, jar, {**params, "csrf": token})
    else:
        answer = get(desk, f"{path}?{urlencode(params)}", jar)
    assert answer.status_code < 500, (path, params, answer.body[:300])


# --- Settings (admins) ---------------------------------------------------------------------------

def settings_version(desk, jar: str) -> str:  # type: ignore[no-untyped-def]
    html = get(desk, "/desk/settings", jar).body.decode()
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


def test_an_admin_saves_the_sites_settings_and_menu(desk):
    desk.put("settings/site.yaml", "site_name: Old Name\nlanguage: en\n")
    desk.put("pages/about.md", "---\ntitle: About us\n---\nWho we are.\n")
    desk.ingest()
    jar, token, _ = sign_in(desk, "admin")
    done = post_form(desk, "/desk/settings", jar, {
        "csrf": token, "version": settings_version(desk, jar), "site_name": "The Gazette", "tagline": "Since 1901",
        "menu": "home\npage: about\nContact | /contact/", "footer": "page: about", "comment_depth": "3",
        "require_alt": "on"})
    assert done.status_code == 303 and "done=" in done.headers["Location"]
    saved = desk.s3.get_object(Bucket=desk.stack.bucket, Key="settings/site.yaml")["Body"].read().decode()
    assert "language: en" in saved  # what the form does not show is kept
    desk.ingest()
    home = desk.get("/").body.decode()
    assert "The Gazette" in home and "Since 1901" in home and 'href="/about/"' in home and "/contact/" in home
    refused = post_form(desk, "/desk/settings", jar, {"csrf": token, "version": settings_version(desk, jar),
                                                      "site_name": "", "comment_depth": "lots"})
    assert "failed=" in refused.headers["Location"]
    before = desk.s3.get_object(Bucket=desk.stack.bucket, Key="settings/site.yaml")["Body"].read()
    stale = post_form(desk, "/desk/settings", jar, {"csrf": token, "version": "not-the-version", "site_name": "X"})
    assert stale.status_code == 409
    assert ("The settings (settings/site.yaml) changed since you opened this page (by Local Admin). Nothing was changed."
            in text_of(stale.body.decode()))
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="settings/site.yaml")["Body"].read() == before
    assert "The Gazette" in desk.get("/").body.decode()


def test_renaming_a_category_moves_its_articles_and_the_old_address_redirects(desk):
    desk.put("articles/barrel.md", "---\ntitle: Barrel price\ndate: 2024-05-01T09:00:00Z\ncategories: [Oil]\n---\nUp.\n")
    desk.ingest()
    jar, token, _ = sign_in(desk, "admin")
    assert "/category/oil/" in get(desk, "/desk/categories", jar).body.decode()
    done = post_form(desk, "/desk/terms", jar, {"csrf": token,
                                                "version": term_version(desk, jar, "/desk/categories", "oil"),
                                                "kind": "category", "action": "rename", "slug": "oil",
                                                "name": "Crude oil", "new_slug": "crude-oil"})
    assert "1%20article" in done.headers["Location"], done.headers["Location"]
    desk.ingest()
    moved = desk.get("/category/oil/")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/category/crude-oil/")
    archive = desk.get("/category/crude-oil/").body.decode()
    assert "Barrel price" in archive and "Crude oil" in archive
    used = post_form(desk, "/desk/terms", jar, {"csrf": token,
                                                "version": term_version(desk, jar, "/desk/categories", "crude-oil"),
                                                "kind": "category", "action": "delete",
                                                "slug": "crude-oil"})
    assert "is%20not%20deleted" in used.headers["Location"]


def test_editors_and_contributors_get_no_settings_and_a_forged_change_is_refused(desk):
    # editors manage categories and tags (WordPress's manage_categories), not authors; contributors neither
    for role, kind in (("editor", "author"), ("contributor", "category")):
        jar, token, _ = sign_in(desk, role)
        assert get(desk, "/desk/settings", jar).status_code == 403
        assert post_form(desk, "/desk/settings", jar, {"csrf": token, "site_name": "Hijacked"}).status_code == 403
        assert post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": kind, "action": "create",
                                                    "name": "Forged"}).status_code == 403
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="settings/").get("KeyCount", 0) == 0
    categories = desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="categories/").get("Contents", [])
    assert [o["Key"] for o in categories] == ["categories/oil.yaml"]  # the desk fixture's, not the forged one
    authors = desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="authors/").get("Contents", [])
    assert "authors/forged.yaml" not in [o["Key"] for o in authors]
