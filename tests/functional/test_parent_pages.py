"""A page's parent page (issue 45): the page shows "Parent › Child" linking the parent, the parent's
page lists its children, and ingest refuses a parent that is the page itself or would make a cycle."""

from __future__ import annotations

import html
import json

from chalicelib.models import Post


def refusal(desk, key: str) -> str:  # type: ignore[no-untyped-def]
    """What ingest told the editor about ``key`` (its report, unescaped), or "" if it was not refused."""
    report = desk.refusal(key)
    return json.dumps(json.loads(report), ensure_ascii=False) if report else ""


def page(title: str, parent: str | None = None, body: str = "Text.") -> str:
    return f"---\ntitle: {title}\n" + (f"parent: {parent}\n" if parent else "") + f"---\n\n{body}\n"


def test_a_child_page_shows_its_parent_and_the_parent_lists_its_children(desk):
    desk.put("pages/about.md", page("About us"))
    desk.put("pages/team.md", page("Our team", parent="about"))
    desk.put("pages/history.md", page("History", parent="about"))
    desk.put("pages/plans.md", "---\ntitle: Plans\nparent: about\ndraft: true\n---\n\nSoon.\n")
    assert desk.ingest() == {"batchItemFailures": []}
    assert Post.get(*Post.key_for("team")).parent == "about"
    child = html.unescape(desk.get("/team/").body.decode())
    assert '<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/about/">About us</a> › ' \
           '<span aria-current="page">Our team</span></nav>' in child
    parent = desk.get("/about/").body.decode()
    listed = parent.split('<nav class="child-pages"')[1].split("</nav>")[0]
    assert listed.index('<a href="/history/">History</a>') < listed.index('<a href="/team/">Our team</a>')
    assert 'class="breadcrumb"' not in parent  # a top-level page has no parent to show
    assert "Plans" not in parent  # a draft child is not listed


def test_a_missing_parent_is_shown_as_plain_text(desk):
    desk.put("pages/faq.md", page("FAQ", parent="help"))
    assert desk.ingest() == {"batchItemFailures": []}
    assert desk.refusal("pages/faq.md") is None
    shown = desk.get("/faq/").body.decode()
    assert '<nav class="breadcrumb" aria-label="Breadcrumb">help › ' in shown and 'href="/help/"' not in shown


def test_a_page_cannot_be_its_own_parent_nor_under_its_own_child(desk):
    desk.put("pages/about.md", page("About us", parent="about"))
    desk.ingest()
    refused = refusal(desk, "pages/about.md")
    assert "pages/about.md" in refused and "parent" in refused and "a page cannot be its own parent" in refused
    assert desk.get("/about/").status_code == 404
    desk.put("pages/about.md", page("About us"))
    desk.put("pages/team.md", page("Our team", parent="about"))
    desk.put("pages/people.md", page("People", parent="team"))
    assert desk.ingest() == {"batchItemFailures": []}
    desk.put("pages/about.md", page("About us, changed", parent="people"))
    desk.ingest()
    refused = refusal(desk, "pages/about.md")
    assert "pages/about.md" in refused and "'people' is under this page (about › team › people)" in refused
    assert "cycle" in refused
    assert "About us, changed" not in desk.get("/about/").body.decode()  # the published version stays
    assert Post.get(*Post.key_for("about")).parent is None


def test_articles_have_no_parent(desk):
    desk.put("articles/fire.md", "---\ntitle: Fire\ndate: 2024-05-02T08:00:00Z\nparent: about\n---\n\nIt burned.\n")
    desk.ingest()
    refused = refusal(desk, "articles/fire.md")
    assert "articles/fire.md" in refused and "parent" in refused
    assert desk.get("/fire/").status_code == 404


def test_wordpress_pages_keep_their_parent_and_their_nested_address(site, tmp_path):
    from click.testing import CliRunner

    from devstack.wxr import page as wp_page
    from devstack.wxr import write_export
    from newsroom.cli import main

    pages = (wp_page(31, "team", "Our team", parent=30), wp_page(30, "about", "About us"),
             wp_page(32, "jobs", "Jobs", parent=99))  # the child first, as exports may list them; 99 is not exported
    export = write_export(tmp_path / "pages.xml", posts=1, comments=0, pages=pages)
    result = CliRunner().invoke(main, ["import-wordpress", str(export), "--no-wait"])
    assert result.exit_code == 0, result.output
    assert site.ingest() == {"batchItemFailures": []}
    team = site.s3.get_object(Bucket=site.stack.bucket, Key="pages/team.html")["Body"].read().decode()
    assert "\nparent: about\n" in team
    jobs = site.s3.get_object(Bucket=site.stack.bucket, Key="pages/jobs.html")["Body"].read().decode()
    assert "parent:" not in jobs  # its parent page is not in the export
    shown = html.unescape(site.get("/team/").body.decode())
    assert '<a href="/about/">About us</a> › <span aria-current="page">Our team</span>' in shown
    assert '<a href="/team/">Our team</a>' in site.get("/about/").body.decode()
    nested = site.get("/about/team/")  # WordPress's nested address: an alias of the flat one
    assert nested.status_code == 301 and nested.headers["Location"].endswith("/team/")


def test_the_desk_offers_parents_and_lists_children_under_their_parent(desk):
    from tests.functional.test_desk import sign_in
    from tests.functional.test_desk_screens import get, post_form

    desk.put("pages/about.md", page("About us"))
    desk.put("pages/contact.md", page("Contact"))
    assert desk.ingest() == {"batchItemFailures": []}
    jar, token, _ = sign_in(desk)
    screen = get(desk, "/desk/pages/new", jar).body.decode()
    choices = screen.split('<select id="p-parent" name="parent"')[1].split("</select>")[0]
    assert '<option value="">(no parent)</option>' in choices
    assert choices.index('<option value="about">About us</option>') < choices.index('<option value="contact">Contact')
    done = post_form(desk, "/desk/pages/new", jar, {"csrf": token, "title": "Our team", "parent": "about",
                                                    "body": "Who we are.", "action": "publish"})
    assert done.status_code == 303, done.body
    assert desk.ingest() == {"batchItemFailures": []}
    assert Post.get(*Post.key_for("our-team")).parent == "about"
    listed = html.unescape(get(desk, "/desk/pages", jar).body.decode())
    about, team, contact = (listed.index(f'key=pages/{name}.md">') for name in ("about", "our-team", "contact"))
    assert about < team and listed[about:team].count("<tr>") == 1  # right under its parent (the newest first)
    assert '<span aria-hidden="true">— </span><a href="/desk/edit?key=pages/our-team.md">Our team' in listed
    assert "Parent: About us" in listed[team:] and "Parent:" not in listed[:team]
    assert contact < about  # the others keep the list's order


def test_the_page_editor_offers_parent_and_saving_it_moves_the_page(desk):
    from tests.functional.test_desk import api, sign_in
    from tests.functional.test_desk_screens import get

    desk.put("pages/about.md", page("About us"))
    desk.put("pages/team.md", page("Our team"))
    desk.put("articles/fire.md", "---\ntitle: Fire\ndate: 2024-05-02T08:00:00Z\n---\n\nIt burned.\n")
    assert desk.ingest() == {"batchItemFailures": []}
    jar, token, _ = sign_in(desk)
    editor = get(desk, "/desk/edit?key=pages/team.md", jar).body.decode()
    choices = editor.split('<select id="f-parent" name="parent"')[1].split("</select>")[0]
    assert '<option value="">(no parent)</option>' in choices and '<option value="about">About us</option>' in choices
    assert 'value="team"' not in choices  # not its own parent
    assert 'id="f-parent"' not in get(desk, "/desk/edit?key=articles/fire.md", jar).body.decode()  # pages only
    opened = editor.split('data-version="')[1].split('"')[0]
    saved = api(desk, "/desk/save", jar, token, {"action": "publish", "key": "pages/team.md", "version": opened,
                                                 "fields": {"title": "Our team", "parent": "about"}, "body": "Text."})
    assert saved.status_code == 200, saved.body
    assert desk.ingest() == {"batchItemFailures": []}
    assert "\nparent: about\n" in desk.s3.get_object(Bucket=desk.stack.bucket, Key="pages/team.md")["Body"].read().decode()
    assert '<a href="/about/">About us</a>' in desk.get("/team/").body.decode()
    again = get(desk, "/desk/edit?key=pages/team.md", jar).body.decode()
    assert '<option value="about" selected>About us</option>' in again
