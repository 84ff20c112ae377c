"""The Categories, Tags and Authors screens (issue 45), and renames that leave nothing behind: a
category in the menu and the footer renamed, and the menu, the footer, the sidebar and every listing
follow it while its old address redirects; a tag renamed, its old address redirecting; merge, delete
(unused, or moving the articles), search, paging 50 a page, the tree of categories; Settings with the
site's settings only; every change refused to editors and forged requests, with nothing written."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.functional.test_desk import sign_in
from tests.functional.test_desk_screens import get, post_form, text_of


def article(slug: str, title: str, categories: str = "[]", tags: str = "[]") -> str:
    return (f"---\ntitle: {title}\ndate: 2024-05-01T09:00:00Z\ncategories: {categories}\ntags: {tags}\n---\n\n"
            f"About {title}.\n")


def said(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.body[:300]
    return {k: v[-1] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def settle(desk) -> None:  # type: ignore[no-untyped-def]
    """Ingest until the queue is empty: a rename is several files."""
    for _ in range(5):
        desk.ingest()


def sidebar(html: str) -> str:
    return html[html.index('id="widget-categories"'):html.index('id="widget-recent"')]


def menu(html: str) -> str:
    found = re.search(r"<nav[^>]*(?:primary|Main|menu)[^>]*>.*?</nav>", html, re.S | re.I)
    assert found, "no menu"
    return found.group(0)


def test_a_category_in_the_menu_is_renamed_and_the_menu_sidebar_and_every_listing_follow(desk):
    desk.put("categories/tehran.yaml", "name: Tehran\n")
    desk.put("settings/site.yaml", "site_name: Gazette\nmenu:\n  - home\n  - category: tehran\n"
                                   "  - {title: Tehran news, url: /category/tehran/}\nfooter_links:\n  - category: tehran\n")
    desk.put("articles/protest.md", article("protest", "Protest in the square", "[Tehran]"))
    desk.put("articles/traffic.md", article("traffic", "Traffic at a standstill", "[Tehran]"))
    settle(desk)
    assert 'href="/category/tehran/">Tehran<' in desk.get("/").body.decode()
    jar, token, _ = sign_in(desk, "admin")
    done = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "category", "action": "rename",
                                                     "slug": "tehran", "name": "Tehran City", "new_slug": "tehran-city"}))
    assert "2 article(s) rewritten" in done["done"] and "menu and footer links follow" in done["done"]
    settle(desk)
    moved = desk.get("/category/tehran/")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/category/tehran-city/")
    saved = desk.s3.get_object(Bucket=desk.stack.bucket, Key="settings/site.yaml")["Body"].read().decode()
    assert "tehran-city" in saved and "category: tehran\n" not in saved and "/category/tehran/" not in saved
    for path in ("/", "/protest/", "/category/tehran-city/", "/2024/", "/2024/05/", "/search/?q=traffic"):
        page = desk.get(path).body.decode()
        assert "/category/tehran/" not in page, path  # no link to the old address anywhere
        assert 'href="/category/tehran-city/">Tehran City<' in sidebar(page), path
        assert sidebar(page).count("Tehran") == 1, path  # no ghost "Tehran" beside it
    home = desk.get("/").body.decode()
    assert 'href="/category/tehran-city/">Tehran City<' in home and ">Tehran news<" in home
    archive = desk.get("/category/tehran-city/").body.decode()
    assert "Protest in the square" in archive and "Traffic at a standstill" in archive
    categories = text_of(get(desk, "/desk/categories", jar).body.decode())
    assert "Tehran City" in categories and "/category/tehran/" not in categories


def test_a_menu_naming_a_category_renamed_elsewhere_still_follows_it(desk):
    """The snapshot resolves a menu link to a moved category even if the settings file was not rewritten
    (a rename by an uploaded file, or a settings write that lost a race)."""
    desk.put("categories/oil.yaml", "name: Oil\n")
    desk.put("settings/site.yaml", "site_name: Gazette\nmenu:\n  - category: oil\n")
    desk.put("articles/barrel.md", article("barrel", "Barrel price", "[Oil]"))
    settle(desk)
    desk.put("categories/crude.yaml", "name: Crude\naliases: [/category/oil/]\n")
    desk.put("articles/barrel.md", article("barrel", "Barrel price", "[Crude]"))
    desk.delete("categories/oil.yaml")
    settle(desk)
    home = desk.get("/").body.decode()
    assert 'href="/category/crude/">Crude<' in home and "/category/oil/" not in home


def test_a_tag_is_renamed_and_its_old_address_redirects(desk):
    desk.put("articles/budget.md", article("budget", "Budget vote", tags="[Fiscal policy]"))
    settle(desk)
    jar, token, _ = sign_in(desk, "admin")
    tags = get(desk, "/desk/tags", jar).body.decode()
    assert "<h1>Tags</h1>" in tags and "Fiscal policy" in tags and ">1</td>" in tags  # named by an article only
    done = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "tag", "action": "rename",
                                                     "slug": "fiscal-policy", "name": "Budget", "new_slug": "budget"}))
    assert "/tag/fiscal-policy/ now redirects to /tag/budget/; 1 article(s) rewritten." in done["done"]
    settle(desk)
    moved = desk.get("/tag/fiscal-policy/")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/tag/budget/")
    assert "Budget vote" in desk.get("/tag/budget/").body.decode()
    assert 'href="/tag/budget/"' in desk.get("/budget/").body.decode()
    after = text_of(get(desk, "/desk/tags", jar).body.decode())
    assert "/tag/budget/" in after and "/tag/fiscal-policy/" not in after  # no ghost


def test_terms_merge_and_delete_unused_or_moving_their_articles(desk):
    desk.put("articles/one.md", article("one", "First story", tags="[Elections, Polls]"))
    desk.put("articles/two.md", article("two", "Second story", tags="[Vote]"))
    desk.put("tags/unused.yaml", "name: Unused\n")
    settle(desk)
    jar, token, _ = sign_in(desk, "admin")
    merged = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "tag", "action": "merge",
                                                       "slug": "polls", "into": "elections"}))
    assert "/tag/polls/ now redirects to /tag/elections/" in merged["done"]
    refused = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "tag", "action": "delete",
                                                        "slug": "vote"}))
    assert "Vote is not deleted: 1 article(s) use it" in refused["failed"]
    moved = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "tag", "action": "delete",
                                                      "slug": "vote", "into": "elections"}))
    assert "Vote is gone; its articles are in Elections" in moved["done"]
    gone = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "tag", "action": "delete",
                                                     "slug": "unused"}))
    assert gone["done"] == "Deleted tag Unused."
    settle(desk)
    archive = desk.get("/tag/elections/").body.decode()
    assert "First story" in archive and "Second story" in archive
    assert desk.get("/tag/polls/").status_code == 301
    assert desk.get("/tag/unused/").status_code == 404
    listed = text_of(get(desk, "/desk/tags", jar).body.decode())
    assert "/tag/polls/" not in listed and "/tag/unused/" not in listed and "/tag/elections/" in listed


def test_categories_are_a_tree_searched_and_paged_fifty_at_a_time(desk):
    desk.put("categories/world.yaml", "name: World\n")
    desk.put("categories/asia.yaml", "name: Asia\nparent: world\n")
    desk.put("categories/iran.yaml", "name: Iran\nparent: asia\n")
    desk.put("categories/business.yaml", "name: Business\n")
    for n in range(60):
        desk.put(f"tags/topic-{n:02d}.yaml", f"name: Topic {n:02d}\n")
    settle(desk)
    jar, token, _ = sign_in(desk, "admin")
    html = get(desk, "/desk/categories", jar).body.decode()
    names = re.findall(r'name="slug" value="([a-z-]+)">\s*<label for="n-', html)
    assert names == ["business", "oil", "world", "asia", "iran"]  # each parent followed by its children (Oil: the fixture's)
    assert "Inside world: </span>Asia" in html and "Inside asia: </span>Iran" in html
    made = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "category", "action": "create",
                                                     "name": "Europe", "parent": "world"}))
    assert made["done"] == "Created category Europe."
    settle(desk)
    assert "Inside world: </span>Europe" in get(desk, "/desk/categories", jar).body.decode()
    first = text_of(get(desk, "/desk/tags", jar).body.decode())
    assert "60 tags, page 1 of 2" in first and "Topic 49" in first and "Topic 50" not in first
    second = text_of(get(desk, "/desk/tags?page=2", jar).body.decode())
    assert "Topic 50" in second and "Topic 59" in second and "Topic 49" not in second
    found = text_of(get(desk, "/desk/tags?q=topic+0", jar).body.decode())
    assert "10 tags matching" in found and "Topic 09" in found and "Topic 10" not in found


def test_settings_show_only_the_sites_settings(desk):
    desk.put("categories/oil.yaml", "name: Oil\n")
    settle(desk)
    jar, _, _ = sign_in(desk, "admin")
    html = get(desk, "/desk/settings", jar).body.decode()
    assert "New name for" not in html and html.count("<form") == 2  # the settings, and Sign out
    assert 'href="/desk/categories"' in html and 'href="/desk/tags"' in html


def test_only_admins_see_or_change_terms_and_a_forged_change_writes_nothing(desk):
    desk.put("articles/budget.md", article("budget", "Budget vote", "[Oil]", "[Fiscal]"))
    settle(desk)
    before = {o["Key"]: o["ETag"] for o in desk.s3.list_objects_v2(Bucket=desk.stack.bucket)["Contents"]}
    changes = [{"kind": "tag", "action": "rename", "slug": "fiscal", "name": "X", "new_slug": "x"},
               {"kind": "category", "action": "delete", "slug": "oil", "into": "x"},
               {"kind": "tag", "action": "create", "name": "Forged"}]
    for role in ("editor", "contributor"):
        jar, token, _ = sign_in(desk, role)
        for screen in ("/desk/categories", "/desk/tags", "/desk/authors"):
            assert get(desk, screen, jar).status_code == 403
        for fields in changes:
            assert post_form(desk, "/desk/terms", jar, {"csrf": token, **fields}).status_code == 403
    admin_jar, admin_token, _ = sign_in(desk, "admin")
    for fields in changes:
        assert post_form(desk, "/desk/terms", admin_jar, {"csrf": "", **fields}).status_code == 403
        assert post_form(desk, "/desk/terms", admin_jar, {"csrf": admin_token, **fields},
                         origin="https://evil.example").status_code == 403
    after = {o["Key"]: o["ETag"] for o in desk.s3.list_objects_v2(Bucket=desk.stack.bucket)["Contents"]}
    assert after == before


def test_a_settings_or_term_file_that_is_not_yaml_is_named_with_its_problem_and_nothing_is_written(desk):
    """The desk's one reader of these files (documents.read_fields): a YAML error is the file, the line
    and the problem, on the screen or in its message; no 500, no fault reference, nothing written."""
    desk.put("categories/tehran.yaml", "name: Tehran\n")
    desk.put("articles/protest.md", article("protest", "Protest", "[Tehran]"))
    settle(desk)
    broken = {"settings/site.yaml": "site_name: Gazette\nmenu: [home\n", "categories/tehran.yaml": "name: [Tehran\n"}
    for key, text in broken.items():
        desk.put(key, text)  # as an upload would (ingest refuses them; the desk reads what the bucket holds)
    jar, token, _ = sign_in(desk, "admin")
    screen = get(desk, "/desk/settings", jar)
    shown = text_of(screen.body.decode())
    assert screen.status_code == 200 and "settings/site.yaml: yaml: is not valid YAML" in shown, shown
    assert "(line 3)" in shown and "this form saves nothing until then" in shown
    assert "Something went wrong" not in shown
    refused = said(post_form(desk, "/desk/settings", jar, {"csrf": token, "version": "", "site_name": "Other"}))
    assert refused["failed"].startswith("Nothing was saved: settings/site.yaml: yaml: is not valid YAML")
    renamed = said(post_form(desk, "/desk/terms", jar, {"csrf": token, "kind": "category", "action": "rename",
                                                        "slug": "tehran", "name": "Tehran City"}))
    assert renamed["failed"].startswith("Nothing was done: categories/tehran.yaml: yaml: is not valid YAML"), renamed
    page = get(desk, "/desk/pages/new", jar)
    assert page.status_code == 200 and "settings/site.yaml: yaml: is not valid YAML" in text_of(page.body.decode())
    for key, text in broken.items():
        assert desk.s3.get_object(Bucket=desk.stack.bucket, Key=key)["Body"].read().decode() == text
    assert "categories: [Tehran]" in desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/protest.md")[
        "Body"].read().decode()  # not rewritten
