"""A live blog as readers get it: its part of the article page, its fragment of newest entries, its feed.

**The page** (``/<slug>/``) shows the key events, then ``FIRST_SCREEN`` entries newest first, each with its
anchor and share link, and "Older updates" (``?since=<entry>``: the page starting at that entry, one
Query however old). Without JavaScript a reader follows "Newer updates" (the page again, at most a minute
old: ``LIVE_PAGE_CACHE``). With it, our script (``templates/site/live.js``) polls the fragment and offers
"3 new updates" as a button, so the page never moves under the reader's eyes.

**The fragment** (``/<slug>/live/``) is the newest ``FRAGMENT_ENTRIES`` entries and the key events, as the
page renders them. Every open page polls it, so it is made for the edge: ``FRAGMENT_CACHE`` lets
CloudFront keep it ``FRAGMENT_SECONDS`` (one origin request per edge cache per few seconds, however many
readers: the requests that arrive while it is fetched wait for that one fetch), and ingest invalidates
it with every entry (``publish.live``). docs/content-format.md ("Live blogs") says why 3 s.

**The feed** (``/<slug>/live/feed/``): RSS of the newest entries, expiring within the minute as feeds do.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import quote

from chalice.app import Response

from chalicelib import config, keys, live_blog
from chalicelib.clock import now_iso
from chalicelib.models import Post
from chalicelib.site import rss, store, templating, views, web
from chalicelib.site.web import Site

FRAGMENT_SECONDS = 3
# The fragment: kept 3 s by each tier of the edge, and never served stale while it is refetched (the readers
# who ask meanwhile wait for that one fetch); browsers ask the edge each time. docs/content-format.md says why.
FRAGMENT_CACHE = f"public, max-age=0, s-maxage={FRAGMENT_SECONDS}, stale-if-error=60"
# A live blog's page while it is live: at most 30 s at the edge (20 s, and 10 s while refetched), and the
# distribution tells browsers max-age=30 (web.VIEWER_CACHE): a reader without JavaScript who reloads sees
# the page at most a minute old. An ended live blog is cached as any article (web.PAGE_CACHE).
LIVE_PAGE_CACHE = web.SHORT_CACHE


class BadPosition(ValueError):
    """``?since=`` names no place an entry could have."""


class UnknownPosition(ValueError):
    """``?since=`` is well formed but names no entry of this live blog (made up, or deleted since)."""


def blog(site: Site, post: Post, canonical: str) -> tuple[views.LiveBlog, tuple[Any, ...]]:
    """The live blog's part of its page, and what of it the page's ETag stands for (2 or 3 Queries).

    Only the places of its own entries are pages (the links "Older updates" and each share link name):
    each position is its own cache key at the edge, so a made-up one is answered with a redirect the edge
    keeps (``UnknownPosition``), never with a page of its own.

    :raise BadPosition: ``?since=`` is not an entry's place. :raise UnknownPosition: no entry is there.
    """
    since = site.query.get("since")
    if since is not None and not keys.is_live_entry_sk(since):
        raise BadPosition(since)
    size = live_blog.FIRST_SCREEN
    found = store.live_entries(post, size + 1, since)
    if since is not None and (not found or found[0].sk != since):
        raise UnknownPosition(since)
    shown, older_item = found[:size], (found[size] if len(found) > size else None)
    newer = None
    if since is not None:
        above = store.live_entries_after(post, since, size)
        if above:
            newer = site.link(canonical, since=above[-1].sk) if len(above) == size else site.link(canonical)
    else:
        newer = site.link(canonical)  # without JavaScript: the page again, with what was posted since
    key_events = store.key_events(post)
    view = views.LiveBlog(
        tuple(_entry(site, canonical, item) for item in shown),
        tuple(_entry(site, canonical, item) for item in key_events),
        site.link(canonical, since=older_item.sk) if older_item is not None else None, newer,
        since is None, post.live_ended, site.link(live_blog.fragment_path(post.slug)),
        site.link(live_blog.feed_path(post.slug)), config.current().live_poll_seconds,
        site.link(f"/static/live.{web.code_version()}.js"))
    version = (since, [i.attribute_values for i in found], [i.sk for i in key_events], newer,
               config.current().live_poll_seconds)
    return view, version


def cache_of(post: Post) -> str:
    """How long the edge may keep a live blog's page: short while it is live, a day once it ended."""
    return LIVE_PAGE_CACHE if not post.live_ended else web.PAGE_CACHE


def _entry(site: Site, canonical: str, item: Any) -> views.LiveEntryView:
    return views.live_entry(item, site.url(canonical) + "?since=" + quote(item.sk, safe="") + "#" +
                            live_blog.anchor(item.entry_id))


def structured(site: Site, post: views.PostView, values: dict[str, Any], news_article: dict[str, Any],
               entries: tuple[views.LiveEntryView, ...]) -> dict[str, Any]:
    """schema.org LiveBlogPosting (what Google's Top Stories marks "Live"): the article's NewsArticle
    properties, the coverage's start (the article's date) and end (once ended), and the newest entries
    as ``liveBlogUpdate``, each a BlogPosting with its headline, time, text and anchor on the page."""
    canonical = site.url(f"/{post.slug}/")
    data = {**news_article, "@type": "LiveBlogPosting", "url": canonical, "coverageStartTime": post.date}
    if values.get("live_ended"):
        data["coverageEndTime"] = values["live_ended"]
    data["liveBlogUpdate"] = [{
        "@type": "BlogPosting",
        "headline": entry.headline,
        "url": f"{canonical}#{entry.anchor}",
        "datePublished": entry.time,
        **({"dateModified": entry.edited} if entry.edited else {}),
        "articleBody": views.text_of(entry.html),
        **({"author": {"@type": "Person", "name": entry.author_name}} if entry.author_name else {}),
    } for entry in entries[:live_blog.STRUCTURED_UPDATES]]
    if entries:
        data["dateModified"] = max([entries[0].edited or entries[0].time, data.get("dateModified") or ""])
    return data


def shows(post: Post | None) -> bool:
    """Whether ``post`` is a live blog readers may see (its fragment and feed answer)."""
    return post is not None and post.kind == "article" and bool(post.live) and not post.draft \
        and not post.password_hash and not (post.date and post.date > now_iso())


def without_query(site: Site, path: str) -> Response | None:
    """For the fragment and the feed, which read no query: a redirect to the bare address when asked with
    one (each query is its own cache key at the edge, and the edge keeps the redirect), else None."""
    return web.redirect(site.link(path)) if site.query else None


def fragment(site: Site, post: Post) -> Response:
    """``/<slug>/live/``: the newest entries and the key events, as the page shows them, for our script
    (1 Query each)."""
    found = store.live_entries(post, live_blog.FRAGMENT_ENTRIES)
    key_events = store.key_events(post)
    canonical = f"/{post.slug}/"
    entries = tuple(_entry(site, canonical, item) for item in found)
    events = tuple(_entry(site, canonical, item) for item in key_events)

    def render() -> str:
        return templating.environment().get_template("site/live_fragment.html").render(
            entries=entries, events=events, ended=post.live_ended, base=site.base,
            covers=entries[-1].sk if len(entries) >= live_blog.FRAGMENT_ENTRIES else "")

    parts = ("live-fragment", post.slug, post.live_ended, [i.attribute_values for i in found],
             [i.sk for i in key_events])
    return web.respond(site, render, parts, cache=FRAGMENT_CACHE, extra_headers={"X-Robots-Tag": "noindex"})


def feed(site: Site, post: Post) -> Response:
    """``/<slug>/live/feed/``: RSS 2.0 of the live blog's newest entries (1 Query)."""
    now = now_iso()
    found = store.live_entries(post, live_blog.FRAGMENT_ENTRIES)
    canonical = f"/{post.slug}/"
    entries = [_entry(site, canonical, item) for item in found]

    def render() -> str:
        return rss.document(
            rss.Channel(_as_text(f"Live: {post.title}"), site.url(canonical), _as_text(post.summary or post.title),
                        site.url(live_blog.feed_path(post.slug)),
                        _moment(max([e.edited or e.time for e in entries], default=post.date or now))),
            [rss.Item(_as_text(e.headline), e.share, str(e.html), _moment(e.time),
                      f"live@invalid ({_as_text(e.author_name)})" if e.author_name else None) for e in entries])

    parts = ("live-feed", post.slug, post.title, [i.attribute_values for i in found])
    return web.respond(site, render, parts, content_type="application/rss+xml; charset=utf-8", cache=web.FEED_CACHE)


def _as_text(value: str) -> str:
    return html.escape(value, quote=False)


def _moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))
