"""New page (issue 45): a site page made from the Pages screen, live or a draft, and (admins) put in
the menu where chosen; refused for contributors, forged requests and taken addresses, with nothing
written."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

from tests.functional.test_desk import sign_in
from tests.functional.test_desk_screens import get, post_form, text_of


def keys_in(desk, prefix: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {o["Key"] for o in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix=prefix).get("Contents", [])}


def test_an_editor_makes_a_page_from_the_pages_screen_and_it_goes_live(desk):
    jar, token, _ = sign_in(desk)
    assert 'href="/desk/pages/new">New page<' in get(desk, "/desk/pages", jar).body.decode()
    screen = get(desk, "/desk/pages/new", jar).body.decode()
    assert "<h1>New page</h1>" in screen and "Place in the menu" not in screen  # the menu is the admins'
    done = post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "About us", "body": "Who we are.",
                                                    "action": "publish"})
    assert done.status_code == 303 and done.headers["Location"].startswith("/desk/edit?key=pages/about-us.md")
    desk.ingest()
    page = desk.get("/about-us/")
    assert page.status_code == 200 and "Who we are." in page.body.decode()
    draft = post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "Contact", "slug": "contact-us",
                                                     "body": "Write to us.", "action": "draft"})
    assert "as a draft" in unquote(draft.headers["Location"])
    desk.ingest()
    assert desk.get("/contact-us/").status_code == 404 and "pages/contact-us.md" in keys_in(desk, "pages/")
    again = post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "About us", "body": "Again.",
                                                     "action": "publish"})
    failed = parse_qs(urlsplit(again.headers["Location"]).query)["failed"][0]
    assert "exists already" in failed or "is taken by" in failed


def menu_version(screen: str) -> str:
    """The version of the settings whose menu the form's places are (as the browser sends it)."""
    found = re.search(r'name="menu_version" value="([^"]*)"', screen)
    assert found, "no place in the menu on the form"
    return found.group(1)


def test_a_menu_changed_since_the_form_showed_its_places_writes_neither_the_page_nor_the_menu(desk):
    desk.put("settings/site.yaml", "site_name: Gazette\nmenu:\n  - home\n  - {title: Archive, url: /2024/}\n")
    desk.ingest()
    jar, token, _ = sign_in(desk, "admin")
    screen = get(desk, "/desk/pages/new", jar).body.decode()
    theirs = "site_name: Gazette\nmenu:\n  - {title: Archive, url: /2024/}\n  - home\n"
    desk.s3.put_object(Bucket=desk.stack.bucket, Key="settings/site.yaml", Body=theirs.encode(),
                       Metadata={"uploaded-by": "Other Admin <other@example.com>"})
    stale = post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "About us", "body": "Who we are.",
                                                     "action": "publish", "menu_after": "0",
                                                     "menu_version": menu_version(screen)})
    assert stale.status_code == 409
    assert ("The menu (settings/site.yaml) changed since you opened this page (by Other Admin). Nothing was changed."
            in text_of(stale.body.decode()))
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="settings/site.yaml")["Body"].read().decode() == theirs
    assert "pages/about-us.md" not in keys_in(desk, "pages/")


def test_an_admin_puts_the_new_page_in_the_menu_where_chosen(desk):
    desk.put("settings/site.yaml", "site_name: Gazette\nmenu:\n  - home\n  - {title: Archive, url: /2024/}\n")
    desk.ingest()
    jar, token, _ = sign_in(desk, "admin")
    screen = get(desk, "/desk/pages/new", jar).body.decode()
    assert '<option value="0">After “home”</option>' in screen
    post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "About us", "body": "Who we are.",
                                             "action": "publish", "menu_after": "0", "menu_version": menu_version(screen)})
    desk.ingest()
    saved = desk.s3.get_object(Bucket=desk.stack.bucket, Key="settings/site.yaml")["Body"].read().decode()
    assert "page: about-us" in saved
    home = desk.get("/").body.decode()
    menu = re.search(r'<nav class="menu".*?</nav>', home, re.S).group(0)
    assert menu.index('href="/"') < menu.index('href="/about-us/"') < menu.index('href="/2024/"')


def test_a_new_page_is_refused_to_contributors_forged_requests_and_an_editor_changing_the_menu(desk):
    desk.put("settings/site.yaml", "site_name: Gazette\n")
    desk.ingest()
    before = keys_in(desk, "")
    jar, token, _ = sign_in(desk, "contributor")
    assert get(desk, "/desk/pages/new", jar).status_code == 403
    assert post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "Forged"}).status_code == 403
    editor_jar, editor_token, _ = sign_in(desk)
    assert post_form(desk, "/desk/pages/new", editor_jar, {"csrf": "", "title": "Forged"}).status_code == 403
    assert post_form(desk, "/desk/pages/new", editor_jar, {"csrf": editor_token, "title": "Forged"},
                     origin="https://evil.example").status_code == 403
    menu = post_form(desk, "/desk/pages/new", editor_jar, {"csrf": editor_token, "title": "Forged",
                                                           "menu_after": "end"})
    assert menu.status_code == 403
    assert keys_in(desk, "") == before
