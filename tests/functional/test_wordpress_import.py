"""WordPress's own theme unit test export moves over whole, item by item; hostile exports are refused.

The expectations are read from the export here with the standard library,
independently of the converter under test.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from chalicelib.content.content_format import MAX_CATEGORIES, MAX_TAGS, normalize_slug
from chalicelib.content.markup import typeset_text
from newsroom.cli import main
from tests.conftest import moto_site

# WordPress's theme unit test data (GPL, github.com/WordPress/theme-test-data), as in ../shared/corpora/.
CORPUS = Path(__file__).resolve().parents[1] / "data" / "themeunittestdata.wordpress.xml"
NS = {"wp": "https://wordpress.org/export/1.2/", "dc": "http://purl.org/dc/elements/1.1/"}
UNPUBLISHED = ("draft", "private", "pending")

def _items() -> list[dict]:
    items = []
    for item in ElementTree.parse(CORPUS).getroot().iter("item"):
        kind = item.findtext("wp:post_type", namespaces=NS)
        if kind not in ("post", "page"):
            continue
        terms = [(c.get("domain"), c.get("nicename"), html.unescape(c.text or "").strip())
                 for c in item.findall("category")]
        items.append({
            "kind": kind,
            "id": item.findtext("wp:post_id", namespaces=NS),
            "title": re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item.findtext("title") or ""))).strip(),
            "slug": normalize_slug(unquote(item.findtext("wp:post_name", namespaces=NS) or "")),
            "status": item.findtext("wp:status", namespaces=NS),
            "password": item.findtext("wp:post_password", namespaces=NS) or "",
            "link": unquote(urlsplit(item.findtext("link") or "").path),
            "author": normalize_slug(item.findtext("dc:creator", namespaces=NS) or ""),
            "categories": list(dict.fromkeys(normalize_slug(unquote(n)) for d, n, _ in terms if d == "category")),
            "tags": list(dict.fromkeys(normalize_slug(unquote(n)) for d, n, _ in terms if d == "post_tag")),
            "open": item.findtext("wp:comment_status", namespaces=NS) != "closed",
            "comments": [{
                "id": c.findtext("wp:comment_id", namespaces=NS),
                "type": c.findtext("wp:comment_type", namespaces=NS) or "comment",
                "approved": c.findtext("wp:comment_approved", namespaces=NS),
                "author": c.findtext("wp:comment_author", namespaces=NS) or "",
            } for c in item.findall("wp:comment", NS)],
        })
    return items


ITEMS = _items()
VISIBLE = [i for i in ITEMS if i["status"] == "publish" and not i["password"]]
HIDDEN = [i for i in ITEMS if i["status"] in UNPUBLISHED]
PROTECTED = [i for i in ITEMS if i["status"] == "publish" and i["password"]]


@pytest.fixture(scope="module")
def imported(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The corpus imported into a fresh site with ``newsroom import-wordpress`` (ingest run by the test)."""
    with moto_site(seed=False) as site:
        report = tmp_path_factory.mktemp("import") / "report.json"
        result = CliRunner().invoke(main, ["import-wordpress", str(CORPUS), "--no-wait", "--report", str(report)])
        assert result.exit_code == 0, result.output
        for _ in range(5):
            if site.ingest() == {"batchItemFailures": []} and not site.receive():
                break
        site.output = result.output
        site.report_json = json.loads(report.read_text())
        # Comments need their articles live: the second run (waiting, nothing to upload) brings them.
        comments_run = CliRunner().invoke(main, ["import-wordpress", str(CORPUS)])
        assert comments_run.exit_code == 0, comments_run.output
        site.comments_output = comments_run.output
        yield site


def _archive_titles(site, path: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every title listed by an archive, following its "Older posts" links."""
    titles: list[str] = []
    while path:
        page = site.get(path)
        assert page.status_code == 200, path
        body = page.body.decode()
        titles += [html.unescape(t) for t in re.findall(r'<h2><a href="[^"]+">(.*?)</a></h2>', body)]
        older = re.search(r'href="([^"]+)" rel="next"', body)
        path = html.unescape(older.group(1)) if older else None
    return titles


def _title(item: dict) -> str:
    """The headline a reader sees: the export's title, typeset as WordPress shows it (curly quotes)."""
    return typeset_text(item["title"] or "Untitled")


def test_the_corpus_has_what_the_proof_needs():
    assert len(VISIBLE) >= 60 and len(HIDDEN) >= 1 and len(PROTECTED) >= 1
    assert any(i["status"] == "future" for i in ITEMS)


def test_import_reports_counts_of_everything_in_the_export(imported):
    counts = imported.report_json["counts"]
    posts = [i for i in ITEMS if i["kind"] == "post"]
    assert counts["post"] == {"imported": sum(i in VISIBLE or i in PROTECTED or i["status"] == "future" for i in posts),
                              "unpublished": sum(i in HIDDEN for i in posts)}
    assert counts["post"] == {"imported": 50, "unpublished": 1}  # 48 published + 1 protected + 1 scheduled; a draft
    assert counts["page"] == {"imported": 21}
    assert counts["author"] == {"imported": 2}
    assert counts["category"] == {"imported": 67}
    assert counts["tag"] == {"imported": 110}
    assert counts["attachment"] == {"skipped": 38}  # no local copy of the uploads
    importable = [c for i in ITEMS for c in i["comments"]
                  if c["type"] == "comment" and c["approved"] in ("0", "1")]
    assert counts["comment"] == {"imported": len(importable),
                                 "skipped": sum(len(i["comments"]) for i in ITEMS) - len(importable)}
    assert counts["comment"] == {"imported": 28, "skipped": 4}  # pages' comments too; 4 pingbacks/trackbacks
    assert "skipped: 38 attachment(s): no local copy" in imported.output
    assert "skipped: 70 other(s): menus are set in settings/site.yaml" in imported.output


@pytest.mark.parametrize("item", VISIBLE, ids=lambda i: f"{i['kind']}-{i['slug']}")
def test_every_published_post_and_page_is_at_its_new_url_and_its_old_permalink(imported, item):
    page = imported.get(f"/{item['slug']}/")
    assert page.status_code == 200
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page.body.decode(), re.DOTALL)
    assert heading and html.unescape(heading.group(1)).strip() == _title(item)
    if item["link"].strip("/") != item["slug"]:
        old = imported.get(quote(re.sub("/+", "/", item["link"])))  # as a browser sends it
        assert old.status_code == 301, item["link"]
        assert old.headers["Location"].endswith(f"/{item['slug']}/")


def test_every_published_post_is_in_its_category_tag_and_author_archives(imported):
    archives: dict[str, list[str]] = {}

    def listed(path: str) -> list[str]:
        if path not in archives:
            archives[path] = _archive_titles(imported, path)
        return archives[path]

    checked = 0
    for item in (i for i in VISIBLE if i["kind"] == "post"):
        for slug in item["categories"][:MAX_CATEGORIES]:
            assert _title(item) in listed(f"/category/{slug}/"), (item["slug"], slug)
        for slug in item["tags"][:MAX_TAGS]:
            assert _title(item) in listed(f"/tag/{slug}/"), (item["slug"], slug)
        assert _title(item) in listed(f"/author/{item['author']}/"), item["slug"]
        checked += 1
    assert checked == 48


def test_terms_beyond_the_per_article_limit_are_reported_by_name(imported):
    for item in (i for i in VISIBLE if len(i["categories"]) > MAX_CATEGORIES or len(i["tags"]) > MAX_TAGS):
        notes = " ".join(next(v for k, v in imported.report_json["notes"].items() if k.startswith(f"post {item['id']} ")))
        for slug in item["categories"][MAX_CATEGORIES:]:
            assert slug in notes
        assert f"had {len(item['tags'])} tags" in notes or len(item["tags"]) <= MAX_TAGS


def test_protected_posts_answer_as_wordpress_does_with_a_form_and_the_body_only_for_the_password(imported):
    """WordPress answers a password-protected post with its title and a form; so do we, and the body
    comes only in answer to the right password, private and never cached. It is in no listing or feed."""
    home, feed = _archive_titles(imported, "/"), imported.get("/feed/").body.decode()
    for item in PROTECTED:
        page = imported.get(f"/{item['slug']}/")
        shown = page.body.decode()
        assert page.status_code == 200 and f"Protected: {html.escape(_title(item))}" in shown
        assert 'name="post_password"' in shown and "password protected" in shown
        wrong = imported.client.http.post(f"/{item['slug']}/password/", body="post_password=guess", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert wrong.status_code == 403 and "That password is not right." in wrong.body.decode()
        right = imported.client.http.post(f"/{item['slug']}/password/", body=urlencode({"post_password": item["password"]}),
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert right.status_code == 200 and right.headers["Cache-Control"] == "private, no-store"
        assert "Protected:" not in right.body.decode() and "post_password" not in right.body.decode()
        assert item["title"] not in home and html.escape(_title(item)) not in feed


def test_drafts_and_private_posts_are_nowhere(imported):
    home = _archive_titles(imported, "/")
    feed = imported.get("/feed/").body.decode()
    for item in HIDDEN:
        slug = item["slug"] or normalize_slug(item["title"])  # a draft has no slug yet in WordPress
        assert imported.get(f"/{slug}/").status_code == 404
        kept = imported.s3.get_object(Bucket=imported.stack.bucket, Key=f"articles/{slug}.html")["Body"].read()
        assert b"\ndraft: true\n" in kept  # imported, so an editor can publish it later
        if item["title"]:
            assert item["title"] not in home and _title(item) not in home
            assert html.escape(_title(item)) not in feed and html.escape(item["title"]) not in feed


def test_scheduled_post_waits_for_its_date(imported):
    [scheduled] = [i for i in ITEMS if i["status"] == "future"]
    assert imported.get(f"/{scheduled['slug']}/").status_code == 404
    assert imported.s3.head_object(Bucket=imported.stack.bucket, Key=f"articles/{scheduled['slug']}.html")


def test_categories_keep_their_hierarchy(imported):
    root = ElementTree.parse(CORPUS).getroot()
    parents = 0
    for category in root.iter("{https://wordpress.org/export/1.2/}category"):
        slug = normalize_slug(unquote(category.findtext("wp:category_nicename", namespaces=NS)))
        parent = category.findtext("wp:category_parent", namespaces=NS)
        text = imported.s3.get_object(Bucket=imported.stack.bucket, Key=f"categories/{slug}.yaml")["Body"].read()
        assert (f"parent: {normalize_slug(unquote(parent))}" in text.decode()) == bool(parent), slug
        parents += bool(parent)
    assert parents >= 10


def test_running_the_same_import_again_changes_nothing(imported):
    again = CliRunner().invoke(main, ["import-wordpress", str(CORPUS)])
    assert again.exit_code == 0, again.output
    assert re.search(r"^0 uploaded, \d+ unchanged", again.output, re.MULTILINE)
    assert "Comments: 28 already here" in again.output
    assert imported.receive() == []


def test_comments_arrive_approved_or_pending_as_they_were(imported):
    from chalicelib.models import Post
    from chalicelib.publish import moderation as comments

    assert "Comments: 25 imported approved, 3 imported pending" in imported.comments_output
    pending = comments.pending()
    for item in ITEMS:
        kept = [c for c in item["comments"] if c["type"] == "comment"]
        approved = [c for c in kept if c["approved"] == "1"]
        waiting = [c for c in kept if c["approved"] == "0"]
        if not kept:
            continue
        assert Post.get(*Post.key_for(item["slug"])).comment_count == len(approved), item["slug"]
        assert len([p for p in pending if p.slug == item["slug"]]) == len(waiting), item["slug"]
        if item in VISIBLE and approved:
            page = imported.get(f"/{item['slug']}/")
            body = html.unescape(page.body.decode())
            assert f"{len(approved)} comment" in body
            for comment in approved:
                assert f"-{int(comment['id']):08x}\"" in page.body.decode()  # its anchor, comment-<id>
                assert html.unescape(comment["author"]).strip()[:80] in body


def test_wordpress_threads_keep_their_nesting_to_five_levels(imported):
    # "Comment Depth 01" to "10" each answer the one before; WordPress shows 5 levels (its default
    # depth, and ours), the deeper ones at the fifth.
    page = imported.get("/template-comments/").body.decode()
    thread = page[page.index("Comment Depth 01"):]

    def level(n: int) -> int:
        before = thread[:thread.index(f"Comment Depth {n:02d}")]
        return 1 + before.count('<ol class="comment-replies">') - before.count("</ol>")

    assert [level(n) for n in range(1, 11)] == [1, 2, 3, 4, 5, 5, 5, 5, 5, 5]


def test_posts_keep_whether_their_comments_were_open_or_closed(imported):
    posts = [i for i in VISIBLE if i["kind"] == "post"]
    closed, open_ = [i for i in posts if not i["open"]], [i for i in posts if i["open"]]
    assert closed and open_  # the corpus has both
    for item in closed + open_[:5]:
        page = imported.get(f"/{item['slug']}/").body.decode()
        assert ("Leave a comment" in page) == item["open"], (item["slug"], item["open"])
        assert ("Comments are closed." in page) == (not item["open"]), item["slug"]


def test_the_sticky_post_leads_the_home_page(imported):
    home = imported.get("/").body.decode()
    first = re.search(r'<article class="archive-entry([^"]*)">.*?<h2><a[^>]*>([^<]+)</a>', home, re.S)
    assert first.group(2) == "Template: Sticky" and "sticky" in first.group(1)


def test_comments_on_pages_are_kept_and_shown_closed_to_new_ones(imported):
    item = next(i for i in VISIBLE if i["slug"] == "page-with-comments")
    approved = [c for c in item["comments"] if c["approved"] == "1" and c["type"] == "comment"]
    assert item["kind"] == "page" and approved  # the corpus has a page with comments
    page = imported.get("/page-with-comments/").body.decode()
    assert f"{len(approved)} comment" in page
    for comment in approved:
        assert f"-{int(comment['id']):08x}\"" in page and html.unescape(comment["author"]).strip()[:80] in page
    assert "Comments are closed." in page and "Leave a comment" not in page
    feed = imported.get("/page-with-comments/comments/feed/")
    assert feed.status_code == 200 and html.unescape(approved[0]["author"]).strip()[:80] in feed.body.decode()
    assert "comments" not in imported.get("/about/").body.decode().lower().split("</article>")[0][-200:]
