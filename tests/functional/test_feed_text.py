"""Feeds carry text as text: feed readers render RSS titles, descriptions and names as HTML (issue 16).

Every plain-text field (title, summary, tagline, a category's or author's
name, a commenter's name, the article title in the comments feed) goes into
every feed; each HTML-bearing element is then parsed as HTML, as a reader
does, and must hold no element and no attribute. The sitemap index lists
only months that still have articles.
"""

from __future__ import annotations

import json
import re

import lxml.etree
import lxml.html
import pytest

from chalicelib.publish import moderation as comments
from tests.functional.test_xss import VECTORS

RSS_HTML_ELEMENTS = ("title", "description", "author", "category")  # what readers render as HTML


def _markup_in(feed_xml: bytes, body_markup: dict[str, set[str]] | None = None) -> list[str]:
    """Elements and attributes a feed reader would find in the feed's HTML-bearing texts. An item's
    ``description`` may carry ``body_markup`` (tag -> attributes): where it is a sanitized body."""
    found = []
    root = lxml.etree.fromstring(feed_xml)
    for element in root.iter(*RSS_HTML_ELEMENTS):
        if not element.text:
            continue
        allowed = body_markup or {} if element.tag == "description" and element.getparent().tag == "item" else {}
        fragment = lxml.html.fragment_fromstring(element.text, create_parent="div")
        for node in fragment.iter():
            if node is fragment or not isinstance(node.tag, str):
                continue
            if node.tag not in allowed:
                found.append(f"<{node.tag}> in <{element.tag}>")
            found += [f"{name}= in <{element.tag}>" for name in node.attrib if name not in allowed.get(node.tag, ())]
            if str(node.get("href", "")).strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                found.append(f"a {node.get('href')[:20]} in <{element.tag}>")
    return found


@pytest.mark.parametrize("n, vector", [(n, v) for n, v in enumerate(VECTORS) if "<" in v])
def test_no_plain_text_field_becomes_markup_in_any_feed(site, n, vector):
    q, short = json.dumps(vector), json.dumps(vector[:200])
    site.put("settings/site.yaml", f"site_name: {short}\ntagline: {q}\n")
    site.put("categories/cat.yaml", f"name: {short}\n")
    site.put("articles/story.md", f"---\ntitle: {q}\ndate: 2024-01-01\nsummary: {q}\nauthor: {short}\n"
                                  f"categories: [cat]\ntags: [{short}]\n---\n\nBody.\n")
    site.ingest()
    assert site.report("articles/story.md") is None
    comments.import_comment("story", "20240102T000000Z-00000001", None, vector[:80], None, vector,
                            "2024-01-02T00:00:00Z", approved_already=True)
    author = re.search(r'href="(/author/[^/"]+/)"', site.get("/story/").body.decode()).group(1)
    tag = re.search(r'href="(/tag/[^/"]+/)"', site.get("/story/").body.decode()).group(1)
    for path in ("/feed/", "/category/cat/feed/", f"{tag}feed/", f"{author}feed/", "/story/comments/feed/"):
        feed = site.get(path)
        assert feed.status_code == 200, path
        # A comment's text is shown as the article page shows it: paragraphs, breaks, plain links.
        body = {"p": set(), "br": set(), "a": {"href", "rel"}} if "/comments/" in path else None
        assert _markup_in(feed.body, body) == [], (path, vector)


def test_a_title_reads_as_written_in_the_feed(site):
    site.put("articles/story.md", "---\ntitle: Q&A <with> \"quotes\"\ndate: 2024-01-01\n---\n\nBody.\n")
    site.ingest()
    rss = lxml.etree.fromstring(site.get("/feed/").body)
    title = rss.find("channel/item/title").text
    assert lxml.html.fragment_fromstring(title, create_parent="div").text_content() == 'Q&A <with> “quotes”'
    atom = lxml.etree.fromstring(site.get("/feed/atom/").body)
    assert atom.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}title").text == \
        'Q&A <with> “quotes”'  # Atom says its title is text: escaped once, as XML


def _months_listed(site) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r"/sitemaps/posts-(\d{4}-\d{2})\.xml", site.get("/sitemap.xml").body.decode())


def test_the_sitemap_index_lists_only_months_that_still_have_articles(site):
    site.put("articles/a.md", "---\ntitle: A\ndate: 2024-03-05\n---\n\nBody.\n")
    site.put("articles/b.md", "---\ntitle: B\ndate: 2024-03-09\n---\n\nBody.\n")
    site.put("articles/c.md", "---\ntitle: C\ndate: 2024-04-01\n---\n\nBody.\n")
    site.ingest()
    assert _months_listed(site) == ["2024-04", "2024-03"]
    site.delete("articles/c.md")
    site.put("articles/a.md", "---\ntitle: A\ndate: 2024-05-05\n---\n\nBody.\n")  # moved to May
    site.ingest()
    assert _months_listed(site) == ["2024-05", "2024-03"]
    site.put("articles/b.md", "---\ntitle: B\ndate: 2024-03-09\ndraft: true\n---\n\nBody.\n")
    site.ingest()
    assert _months_listed(site) == ["2024-05"]
    site.put("articles/b.md", "---\ntitle: B\ndate: 2024-03-09\n---\n\nBody.\n")
    site.put("articles/b.md", "---\ntitle: B, again\ndate: 2024-03-09\n---\n\nBody.\n")
    site.ingest()
    site.ingest()  # the same notifications again: counted once
    assert _months_listed(site) == ["2024-05", "2024-03"]
