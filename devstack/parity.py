"""Parity with WordPress itself: every URL form WordPress answers for an export, and each post's body,
as WordPress answers and renders them.

``python -m devstack.parity record EXPORT.xml OUT.json`` (``make record-wordpress-urls``, which runs it
for every export of the corpus: ``setup.sh``, then ``import.sh --fresh EXPORT.xml`` on the WordPress peer
in ``../shared/peers/wordpress``) asks the peer each URL a reader of that site could have: every post
and page by permalink, ``?p=`` and ``?page_id=``, and each post's feed; private posts and drafts (which
must be 404); every category, tag and author by slug, ``?cat=`` and ``?tag=``, with their feeds and
``/page/2/``; the year, month and day archives and ``?m=``; the site's feeds; a search; the base path
the export came from; and a few that must not exist. It follows redirects as a browser does and
records, for each, the final status, path and page title (what a reader ends up looking at), and the
body (``.entry-content``) of every post and page it ends at. The answers are committed
(``tests/data/wordpress-answers/``), so ``make test`` needs no WordPress;
``tests/functional/test_url_parity.py`` imports the same export here and compares URL by URL, and body
by body with ``measure`` and ``recall`` (words, exact tokens, each element's count).

The URLs come from the export itself (its ids, slugs and dates), so both sides are asked the same.
Only the loopback peer is ever asked.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from defusedxml import ElementTree

NS = {"wp": "http://wordpress.org/export/1.2/", "content": "http://purl.org/rss/1.0/modules/content/",
      "dc": "http://purl.org/dc/elements/1.1/"}
PEER = ("127.0.0.1", 8080)
MISSING = ["/no-such-post-anywhere/", "/tag/no-such-tag-anywhere/", "/category/no-such-category-anywhere/",
           "/author/no-such-author-anywhere/", "/?p=999999", "/?cat=999999"]


def urls_of(export: Path) -> list[str]:
    """Every URL form WordPress answers for the export's published content, and some that must 404."""
    version = re.search(rb'xmlns:wp="(https?://wordpress\.org/export/[0-9.]+/)"', export.read_bytes()[:4000])
    if version is not None:
        NS["wp"] = version.group(1).decode()
    root = ElementTree.parse(str(export)).getroot()
    channel = root.find("channel")
    assert channel is not None
    urls: list[str] = ["/", "/page/2/", "/feed/", "/feed/atom/", "/comments/feed/", "/?s=test", "/?feed=rss2"]
    months: set[str] = set()
    days: set[str] = set()
    for item in channel.findall("item"):
        kind, status = item.findtext("wp:post_type", "", NS), item.findtext("wp:status", "", NS)
        post_id, slug = item.findtext("wp:post_id", "", NS), item.findtext("wp:post_name", "", NS)
        if kind not in ("post", "page"):
            continue
        if status != "publish" or item.findtext("wp:post_password", "", NS):  # private, draft, protected
            urls += [f"/?p={post_id}"] + ([f"/{slug}/"] if slug and kind == "post" else [])
            continue
        urls.append(f"/?p={post_id}")
        if kind == "page":
            urls.append(f"/?page_id={post_id}")
        if slug and kind == "post":
            urls += [f"/{slug}/", f"/{slug}/feed/"]
        date = item.findtext("wp:post_date", "", NS)
        if kind == "post" and re.match(r"\d{4}-\d{2}-\d{2}", date):
            months.add(date[:7])
            days.add(date[:10])
    for month in sorted(months):
        urls += [f"/{month[:4]}/", f"/{month[:4]}/{month[5:7]}/", f"/?m={month[:4]}{month[5:7]}"]
    for day in sorted(days):
        urls += [f"/{day[:4]}/{day[5:7]}/{day[8:10]}/", f"/?m={day[:4]}{day[5:7]}{day[8:10]}"]
    for category in channel.findall("wp:category", NS):
        slug = category.findtext("wp:category_nicename", "", NS)
        urls += [f"/category/{slug}/", f"/category/{slug}/feed/", f"/category/{slug}/page/2/",
                 f"/?cat={category.findtext('wp:term_id', '', NS)}"]
    for tag in channel.findall("wp:tag", NS):
        slug = tag.findtext("wp:tag_slug", "", NS)
        urls += [f"/tag/{slug}/", f"/tag/{slug}/feed/", f"/?tag={slug}"]
    for author in channel.findall("wp:author", NS):
        login = author.findtext('wp:author_login', '', NS)
        urls += [f"/author/{login}/", f"/author/{login}/feed/"]
    base = urlsplit(channel.findtext("link", "") or "").path.strip("/")
    if base:  # the export came from a site under a path (example.org/news/): its front page there
        urls.append(f"/{base}/")
    return list(dict.fromkeys(quote(url, safe="/?=&%+") for url in urls + MISSING))


def ask(path: str, host: tuple[str, int] = PEER, hops: int = 6) -> dict[str, Any]:
    """What a browser ends at: the final status, path and page title, following redirects."""
    seen = []
    for _ in range(hops):
        connection = http.client.HTTPConnection(*host, timeout=30)
        connection.request("GET", path, headers={"Host": f"{host[0]}:{host[1]}"})
        response = connection.getresponse()
        body = response.read(400_000).decode("utf-8", errors="replace")
        connection.close()
        seen.append(response.status)
        location = response.getheader("Location")
        if response.status in (301, 302, 307, 308) and location:
            parts = urlsplit(location)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            continue
        answer = {"status": response.status, "redirected": len(seen) > 1, "path": path, "title": title_of(body)}
        content = body_of(body)
        if content is not None and response.status == 200:
            answer["body"] = content
        return answer
    return {"status": seen[-1], "redirected": True, "path": path, "title": ""}


def body_of(page: str) -> str | None:
    """A single post's or page's rendered body as WordPress shows it (twentytwentyone's ``.entry-content``,
    without its page links), for the rendering parity check; None on an archive, a feed or a search."""
    if page.count('class="entry-content"') != 1 or not re.search(r'<body class="[^"]*\b(single-post|page-id-\d+)\b',
                                                                   page):
        return None
    found = re.search(r'<div class="entry-content">(.*?)</div><!-- \.entry-content -->', page, re.DOTALL)
    if found is None:
        return None
    return re.sub(r'<nav class="page-links".*?</nav>|<div class="page-links".*?</div>', "", found.group(1),
                  flags=re.DOTALL).strip()


def title_of(page: str) -> str:
    """The page's title without the site's name: what the reader is looking at."""
    found = re.search(r"<title[^>]*>(.*?)</title>", page, re.DOTALL | re.IGNORECASE)
    text = html.unescape(re.sub(r"\s+", " ", found.group(1))).strip() if found else ""
    return re.split(r" [–|-] ", text)[0].strip() if " – " in text or " | " in text or " - " in text else text


def record(export: Path, out: Path) -> None:
    """Ask the peer every URL of ``export`` and write its answers to ``out``."""
    answers = {url: ask(url) for url in urls_of(export)}
    bodies = {a["path"]: a.pop("body") for a in answers.values() if "body" in a}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"export": export.name, "wordpress": "6.1 (Debian), permalinks /%postname%/",
                               "answers": answers,
                               "bodies": bodies}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(answers)} URLs and {len(bodies)} bodies recorded in {out}")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "record":
        raise SystemExit("usage: python -m devstack.parity record EXPORT.xml OUT.json")
    try:
        record(Path(sys.argv[2]), Path(sys.argv[3]))
    except ElementTree.ParseError as exc:
        raise SystemExit(f"{sys.argv[2]}: not well-formed XML ({exc}); nothing recorded") from None


# --- rendering parity: a body as a reader gets it --------------------------------------------------

COUNTED = ("img", "figure", "audio", "video", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
           "blockquote", "pre", "code", "a")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Measures:
    """What a reader gets of one body: its text's tokens (typography counts), and each element's count
    (``a[target]`` for links that open a new tab)."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.elements: dict[str, int] = {}

    @property
    def tokens(self) -> list[str]:
        return " ".join(self.text).split()

    @property
    def words(self) -> list[str]:
        return re.findall(r"\w+", " ".join(self.text).lower())


class _Measuring(HTMLParser):
    def __init__(self, inside: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = inside  # measure only within the first <div class=inside>, or everything
        self.depth = 0 if inside else 1
        self.done = False
        self.found = Measures()
        self.skip = 0  # inside <script>/<style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.depth == 0:
            if tag == "div" and (dict(attrs).get("class") or "").split() == [self.inside]:
                self.depth = 1
            return
        if tag in ("script", "style"):
            self.skip += 1
        if tag in COUNTED:
            self.found.elements[tag] = self.found.elements.get(tag, 0) + 1
        if tag == "a" and dict(attrs).get("target"):
            self.found.elements["a[target]"] = self.found.elements.get("a[target]", 0) + 1
        if tag not in VOID:
            self.depth += 1
        if tag in ("p", "div", "li", "br", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "pre"):
            self.found.text.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.depth > 0 and not self.done:
            self.depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if self.done or self.depth == 0 or tag in VOID:
            return
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        self.depth -= 1
        if self.inside and self.depth == 0:
            self.done = True
        if tag in ("p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "pre"):
            self.found.text.append(" ")

    def handle_data(self, data: str) -> None:
        if self.depth > 0 and not self.done and not self.skip:
            self.found.text.append(data)


def measure(html_text: str, inside: str | None = None) -> Measures:
    """The measures of a body (``inside=None``) or of a page's ``<div class="inside">``."""
    parser = _Measuring(inside)
    parser.feed(html_text)
    parser.close()
    return parser.found


def recall(wanted: list[str], got: list[str]) -> float:
    """The share of ``wanted`` (a multiset) that ``got`` has."""
    if not wanted:
        return 1.0
    left = Counter(got)
    kept = 0
    for item in wanted:
        if left[item] > 0:
            left[item] -= 1
            kept += 1
    return kept / len(wanted)
