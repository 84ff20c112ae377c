"""Machine-readable views of the site: RSS 2.0 and Atom feeds, sitemaps, robots.txt.

RSS feeds are written by ``rss`` (as feedgen wrote them, at a third of the CPU);
Atom feeds by feedgen, imported only when one is asked for, so no other page
loads it or lxml. Sitemaps follow sitemaps.org: ``/sitemap.xml``
is an index of one child per month with articles (``/sitemaps/posts-2022-07.xml``)
plus ``/sitemaps/pages.xml`` for the home page, categories and static pages.
A month holds far fewer than the 50,000 URLs a sitemap may list; the index
is one Query over Month items, a child one paged Query over a month's listing.
Every URL is the canonical one.
"""

from __future__ import annotations

import datetime as dt
import html
import mimetypes
from typing import Any
from xml.etree import ElementTree

from chalice.app import Response

from chalicelib import archives, clock, keys, live_blog
from chalicelib.clock import now_iso
from chalicelib.site import comments, live, pages, rss, store, web
from chalicelib.site.web import Site
from chalicelib.snapshot import Snapshot

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"  # Google News sitemaps
NEWS_HOURS = 48  # Google News reads articles of the last two days
NEWS_MAX = 1000  # and at most this many per sitemap
FEED_SIZE = 10  # items per feed: WordPress's default (Settings › Reading, "Syndication feeds show the most recent 10")


def render_site_feed(request: Any, atom: bool = False) -> Response:
    """The whole site's feed: ``/feed/`` (RSS) or ``/feed/atom/``."""
    return _render_feed(request, None, "", "/feed/", atom=atom)


def render_archive_feed(request: Any, kind: str, slug: str, atom: bool = False) -> Response:
    """The feed of ``/<kind>/<slug>/``; 404 for anything that is not a category, tag or author."""
    if kind not in archives.BY_NAME:
        return pages.render_not_found(request)
    return _render_feed(request, kind, slug, f"/{kind}/{slug}/feed/", atom=atom)


def _render_feed(request: Any, kind: str | None, slug: str, path: str, atom: bool = False) -> Response:
    """RSS 2.0 (or Atom) for an archive: the site (``kind`` None), a category, a tag or an author."""
    site = web.site_of(request)
    snapshot = store.site()
    listing = keys.archive(kind, slug) if kind else keys.HOME
    title = snapshot.settings.site_name
    archive = archives.BY_NAME[kind] if kind else None
    name = snapshot.term_name(archive.name, slug) if archive is not None and archive.names_from != "listing" else None
    moved = "feed/atom/" if atom else "feed/"  # where a renamed term's feed now is, under its archive
    if archive is not None and (elsewhere := pages.moved_term(snapshot, archive, slug)) is not None:
        return web.redirect(site.link(elsewhere + moved))
    if archive is not None and archive.names_from != "listing" and name is None:
        return pages.term_moved_or_not_found(None, site, snapshot, archive, slug, moved)
    now = now_iso()
    entries = store.listing(listing, FEED_SIZE, now)
    if archive is not None and archive.names_from == "listing":
        # A tag's name is on its entries; with none, its own item says whether it exists at all.
        term = store.Term(entries[0].label or slug) if entries else store.term(archive, slug, snapshot)
        if term is None:
            return pages.term_moved_or_not_found(None, site, snapshot, archive, slug, moved)
        name = term.name
    if name is not None:
        title = f"{name} – {title}"
    archive_path = path.rsplit("feed/", 1)[0]
    feed_path = path + ("atom/" if atom else "")

    def render() -> str:  # RSS written directly (chalicelib/site/rss.py); Atom, rarely asked for, by feedgen
        updated = _moment(max((e.updated or e.date for e in entries), default=now))
        if not atom:
            return rss.document(
                rss.Channel(_as_text(title), site.url(archive_path), _as_text(snapshot.settings.tagline or title),
                            site.url(feed_path), updated, snapshot.settings.language),
                [rss.Item(_as_text(e.title), site.url(f"/{e.slug}/"), _as_text(e.summary or e.title), _moment(e.date),
                          _rss_author(snapshot.authors.get(e.author) or e.author_name, "newsroom@invalid"),
                          [_as_text(snapshot.category_name(c)) or c for c in e.categories or []]) for e in entries])
        return _atom(site, snapshot, title, (archive_path, feed_path), updated, entries)

    content_type = "application/atom+xml; charset=utf-8" if atom else "application/rss+xml; charset=utf-8"
    parts = ("feed", listing, atom, pages.snapshot_version(snapshot),
             web.shown(entries))
    return web.respond(site, render, parts, content_type=content_type, cache=web.FEED_CACHE)


def _atom(site: Site, snapshot: Snapshot, title: str, paths: tuple[str, str], updated: dt.datetime,
          entries: list[Any]) -> str:
    """An archive's Atom feed (feedgen): ``paths`` are the archive's and the feed's own."""
    from feedgen.feed import FeedGenerator

    archive_path, feed_path = paths
    feed = FeedGenerator()
    feed.id(site.url(feed_path))
    feed.title(title)
    feed.subtitle(snapshot.settings.tagline or title)
    feed.language(snapshot.settings.language)
    feed.link(href=site.url(archive_path), rel="alternate")
    feed.link(href=site.url(feed_path), rel="self")
    feed.updated(updated)
    for entry in reversed(entries):  # feedgen puts the last added first
        item = feed.add_entry()
        url = site.url(f"/{entry.slug}/")
        item.id(url)
        item.title(entry.title)
        item.link(href=url)
        item.published(_moment(entry.date))
        item.updated(_moment(entry.updated or entry.date))
        item.description(entry.summary or entry.title)
        author = snapshot.authors.get(entry.author) or entry.author_name
        if author:
            item.author({"name": author})
        for category in entry.categories or []:
            item.category(term=category, label=snapshot.category_name(category))
    xml: bytes = feed.atom_str(pretty=False)
    return xml.decode()


def render_comments_feed(request: Any, slug: str) -> Response:
    """RSS 2.0 of an article's approved comments, newest first (1 GetItem + 1 Query)."""
    site = web.site_of(request)
    post = store.post_at(slug)
    now = now_iso()
    if post is None:  # an old URL (an alias's feed, /blog/comments/feed/), else the 404 page
        return pages.render_post(request, f"{slug}/comments/feed")
    if post.kind == "redirect" and post.redirect_to:
        return web.redirect(site.link(f"/{post.redirect_to}/comments/feed/"))
    if post.kind not in ("article", "page") or post.draft or (post.date and post.date > now) or \
            (post.kind == "page" and not post.comment_count):
        return pages.render_not_found(request)
    entries = comments.newest(slug, FEED_SIZE) if post.comment_count else []
    feed_path, article_url = f"/{slug}/comments/feed/", site.url(f"/{slug}/")

    def render() -> str:
        return rss.document(
            rss.Channel(_as_text(f"Comments on: {post.title}"), article_url, _as_text(f"Comments on “{post.title}”"),
                        site.url(feed_path), _moment(max((c.created for c in entries), default=post.date or now))),
            [rss.Item(_as_text(f"By: {c.name}"), f"{article_url}#comment-{c.id}", c.html, _moment(c.created),
                      _rss_author(c.name, "comments@invalid")) for c in entries])

    parts = ("comments-feed", slug, post.title, [(c.sk, c.name, c.html) for c in entries])
    return web.respond(site, render, parts, content_type="application/rss+xml; charset=utf-8", cache=web.FEED_CACHE)


def render_live_feed(request: Any, slug: str) -> Response:
    """``/<slug>/live/feed/``: RSS of a live blog's newest entries (``live``). :raise 404: no live blog here."""
    site = web.site_of(request)
    if (bare := live.without_query(site, live_blog.feed_path(slug))) is not None:
        return bare
    post = store.post_at(slug)
    if post is None or not live.shows(post):
        return pages.render_not_found(request)
    return live.feed(site, post)


def _as_text(value: str) -> str:
    """A plain-text field as it goes into an RSS feed, so that readers show it as text.

    Feed readers render RSS titles, descriptions and names as HTML, so plain
    text is escaped as HTML before ``rss`` escapes it as XML: a title
    ``<b>`` arrives as the text ``<b>``, not as markup. Atom says what its
    text is (``type="text"``, feedgen's default), so it needs only the XML
    escaping. Only a sanitized article body is ever HTML.
    """
    return html.escape(value, quote=False)


def _rss_author(name: str | None, email: str) -> str | None:
    """An item's author as RSS spells it: "email (name)" (RSS asks for an address; ours is a placeholder)."""
    return f"{email} ({_as_text(name)})" if name else None


def _moment(iso: str) -> dt.datetime:
    """A stored date ("2022-07-12T00:00:00Z", always UTC) as a datetime (fromisoformat: a tenth of strptime's CPU)."""
    return dt.datetime.fromisoformat(iso.removesuffix("Z")).replace(tzinfo=dt.timezone.utc)


def render_sitemap_index(request: Any) -> Response:
    """The sitemap index: pages, then one sitemap per month with articles."""
    site = web.site_of(request)
    months = [m for m in store.months() if m.articles is None or m.articles > 0]  # None: counted before counts

    def render() -> str:
        root = ElementTree.Element("sitemapindex", xmlns=SITEMAP_NS)
        _add(root, "sitemap", site.url("/sitemaps/pages.xml"), None)
        _add(root, "sitemap", site.url("/sitemaps/news.xml"), None)
        for month in sorted(months, key=lambda m: m.sk, reverse=True):
            _add(root, "sitemap", site.url(f"/sitemaps/posts-{month.sk}.xml"), month.lastmod)
        return _xml(root)

    return web.respond(site, render, ("sitemap-index", [(m.sk, m.lastmod) for m in months]),
                       content_type="application/xml; charset=utf-8", cache=web.FEED_CACHE)


def render_news_sitemap(request: Any) -> Response:
    """The Google News sitemap: articles of the last NEWS_HOURS hours, at most NEWS_MAX, each with
    the publication's name and language, its title and publication date (1 Query)."""
    site = web.site_of(request)
    now = now_iso()
    since = (_moment(now) - dt.timedelta(hours=NEWS_HOURS)).strftime(clock.ITEM_FORMAT)
    entries = store.listed_since(keys.HOME, since, now, NEWS_MAX)
    settings = store.site().settings

    def render() -> str:
        root = ElementTree.Element("urlset", {"xmlns": SITEMAP_NS, "xmlns:news": NEWS_NS})
        for entry in entries:
            node = ElementTree.SubElement(root, "url")
            ElementTree.SubElement(node, "loc").text = site.url(f"/{entry.slug}/")
            news = ElementTree.SubElement(node, "news:news")
            publication = ElementTree.SubElement(news, "news:publication")
            ElementTree.SubElement(publication, "news:name").text = settings.site_name
            ElementTree.SubElement(publication, "news:language").text = settings.language
            ElementTree.SubElement(news, "news:publication_date").text = entry.date
            ElementTree.SubElement(news, "news:title").text = entry.title
        return _xml(root)

    parts = ("news-sitemap", settings.site_name, settings.language, [(e.sk, e.title) for e in entries])
    return web.respond(site, render, parts, content_type="application/xml; charset=utf-8", cache=web.FEED_CACHE)


def render_sitemap(request: Any, name: str) -> Response:
    """A child sitemap: ``pages``, ``posts-YYYY-MM`` or ``news`` (Google News)."""
    if name == "news":
        return render_news_sitemap(request)
    site = web.site_of(request)
    now = now_iso()
    if name == "pages":
        snapshot = store.site()
        urls: list[tuple[str, str | None]] = [(site.url("/"), None)]
        urls += [(site.url(f"/category/{c.slug}/"), None) for c in snapshot.categories]
        urls += [(site.url(link.url), None) for link in snapshot.footer + snapshot.menu
                 if link.url.startswith("/") and link.url != "/" and not link.url.startswith("/category/")]
        parts: tuple[Any, ...] = ("sitemap", name, pages.snapshot_version(snapshot))
    elif len(name) == 13 and name.startswith("posts-") and name[10] == "-" and pages.is_month(name[6:10], name[11:]):
        entries = store.all_listed(keys.month_listing(name[6:]), now)
        urls = [(site.url(f"/{e.slug}/"), e.updated or e.date) for e in entries]
        parts = ("sitemap", name, [(e.sk, e.updated) for e in entries])
    else:
        return pages.render_not_found(request)
    unique: dict[str, str | None] = {}  # each URL once, where it first stands
    for url, lastmod in urls:
        unique.setdefault(url, lastmod)

    def render() -> str:
        root = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
        for url, lastmod in unique.items():
            _add(root, "url", url, lastmod)
        return _xml(root)

    return web.respond(site, render, parts, content_type="application/xml; charset=utf-8", cache=web.FEED_CACHE)


def _add(root: ElementTree.Element, tag: str, url: str, lastmod: str | None) -> None:
    node = ElementTree.SubElement(root, tag)
    ElementTree.SubElement(node, "loc").text = url
    if lastmod:
        ElementTree.SubElement(node, "lastmod").text = lastmod


def _xml(root: ElementTree.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode")


def render_robots(request: Any) -> Response:
    """robots.txt: everything may be crawled except search results; where the sitemap is."""
    site = web.site_of(request)
    body = f"User-agent: *\nDisallow: {site.base}/search/\nDisallow: {site.base}/?s=\n\nSitemap: {site.url('/sitemap.xml')}\n"
    body += f"Sitemap: {site.url('/sitemaps/news.xml')}\n"
    return web.respond(site, lambda: body, ("robots",), content_type="text/plain; charset=utf-8")


def media(request: Any, key: str, prefix: str = "media/") -> Response:
    """A file from the bucket's media/ prefix, or a photo's size from sizes/ (local runs; CloudFront
    serves both in production). A photo's original is never served: readers get its sizes."""
    from botocore.exceptions import ClientError

    from chalicelib import config
    from chalicelib.bucket import ContentBucket, error_code
    from chalicelib.content import images, media_types

    site = web.site_of(request)
    if ".." in key.split("/") or images.is_private_original(prefix + key):
        return pages.render_not_found(request)
    try:
        obj = ContentBucket.of().fetch(prefix + key)
    except ClientError as exc:
        if error_code(exc) == "AccessDenied":
            return pages.render_not_found(request)
        raise  # AWS failing: the 503 page (web.when_aws_fails)
    if obj is None:
        return pages.render_not_found(request)
    etag = f'"{obj.etag}"' if obj.etag else '""'
    headers: dict[str, str | list[str]] = {"ETag": etag, "Cache-Control": obj.cache_control or web.PAGE_CACHE}
    if web.matches(etag, site.headers.get("if-none-match")):
        return Response(body="", status_code=304, headers=headers)
    data = obj.data
    if prefix == config.SIZES_PREFIX:
        return Response(body=data, status_code=200, headers={**headers, "Content-Type": obj.content_type or
                                                              mimetypes.guess_type(key)[0] or "image/jpeg"})
    try:  # anything else under media/ is a download, as the edge serves it (chalicelib/content/media_types.py)
        download = media_types.classify(key, data[:media_types.HEAD_BYTES])
    except media_types.MediaRefused:
        return pages.render_not_found(request)
    return Response(body=data, status_code=200, headers={**headers, "Content-Type": download.mime,
                                                         **media_types.DOWNLOAD_HEADERS})
