"""What the templates get: one frozen view model per page, built once per request from what the
page read (stored items, the site snapshot), or, for the desk's preview, from a checked file.

``PageChrome`` is what every page shows around its content (header, menu, widgets, footer); a page's
own model (``ArticlePage``, ``ListingPage``, ``SearchPage``, ``ErrorPage``, ``ProtectedPage``) holds
its ``Head`` (what ``<head>`` and the breadcrumb say) and its content, typed. A template renders
``chrome`` and ``page`` and nothing else: no dict read by string keys, no PynamoDB item.

They are slotted frozen dataclasses: a template reads an attribute as a slot, with no descriptor
and no per-read indirection, and each is made once per request, only when the page is rendered
(a 304 makes none: ``pages`` computes its validator from the items first).

An article's fields come from the declaration (chalicelib/fields.py): those with a ``page`` place
are shown there by the template's generic markup (``PostView.shown``), each with its label; the
others the template lays out in markup of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from markupsafe import Markup

from chalicelib import fields
from chalicelib.site_settings import Settings
from chalicelib.snapshot import CategoryEntry, Link, RecentPost


@dataclass(frozen=True, slots=True)
class PageChrome:
    """What every page shows around its content: header, menu, widgets, footer."""

    site: Settings
    base: str
    stylesheet: str
    recent_script: str | None  # None in the desk's preview, whose sandboxed frame runs no script
    recent_fragment: str
    menu: tuple[Link, ...]
    footer: tuple[Link, ...]
    categories: tuple[CategoryEntry, ...]
    recent: tuple[RecentPost, ...]
    category_names: Mapping[str, str]
    author_names: Mapping[str, str]
    home_url: str


@dataclass(frozen=True, slots=True)
class Crumb:
    """One step of the breadcrumb; the page itself has no link."""

    title: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Head:
    """What a page's ``<head>`` and frame say of it."""

    title: str | None
    description: str | None
    canonical: str | None
    robots: str | None = None
    og_type: str = "website"
    og_image: str | None = None
    feed: str | None = None  # the page's own feed (an archive's)
    comments_feed: str | None = None
    structured_data: dict[str, Any] | None = None  # schema.org, as JSON-LD
    lead_image: dict[str, Any] | None = None  # the page's largest image (``images.picture_set``): preloaded
    breadcrumb: tuple[Crumb, ...] = ()
    preview: bool = False  # the preview banner
    search_query: str = ""  # what the search box shows


@dataclass(frozen=True, slots=True)
class Entry:
    """An article as an archive lists it."""

    slug: str
    title: str
    date: str
    summary: str | None
    author: str | None
    author_name: str | None
    categories: tuple[str, ...]
    image: str | None
    image_set: dict[str, Any] | None  # its thumbnail (``images.thumbnail_set``)


def entry(item: Any) -> Entry:
    """An archive entry from its listing item (``models.Listing``)."""
    values = item.attribute_values
    return Entry(values["slug"], values.get("title") or "", values.get("date") or "", values.get("summary"),
                 values.get("author"), values.get("author_name"), tuple(values.get("categories") or ()),
                 values.get("image"), values.get("image_set"))


@dataclass(frozen=True, slots=True)
class ListingPage:
    """An archive's page: home, a category, tag, author, year or month."""

    head: Head
    heading: str | None
    entries: tuple[Entry, ...]
    sticky: frozenset[str]  # the slugs of the sticky articles leading it
    older: str | None
    newer: str | None
    photo: dict[str, Any] | None = None  # an author's archive: their photo's sizes and ``alt``


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result."""

    slug: str
    title: str
    date: str
    summary: str | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """Search results, a page of them."""

    head: Head
    query: str
    hits: tuple[Hit, ...]
    total: int
    older: str | None
    newer: str | None


@dataclass(frozen=True, slots=True)
class ErrorPage:
    """A 404, or another error with the site's chrome."""

    head: Head
    heading: str
    message: str
    first_page: str | None = None


@dataclass(frozen=True, slots=True)
class RefusedPage:
    """Why a reader's comment was not accepted, and the way back to the article."""

    head: Head
    heading: str
    message: str
    problems: tuple[str, ...]
    back: str
    back_title: str


@dataclass(frozen=True, slots=True)
class Correction:
    """A public correction: when, and what was wrong."""

    date: str
    note: str


@dataclass(frozen=True, slots=True)
class ShownField:
    """A declared field the article page shows where its declaration says (``fields.Field.page``)."""

    name: str
    label: str
    value: Any
    place: str
    moment: bool  # a date and time: shown as one


@dataclass(frozen=True, slots=True)
class PostView:
    """An article or page as readers see it."""

    kind: str
    slug: str
    title: str
    date: str | None
    updated: str | None
    author: str | None
    summary: str | None
    image: str | None
    image_alt: str | None
    image_set: dict[str, Any] | None
    image_size: tuple[int, int] | None
    comment_count: int
    corrections: tuple[Correction, ...]
    shown: tuple[ShownField, ...]  # the declared fields with a place on the page

    def at(self, place: str) -> tuple[ShownField, ...]:
        """The declared fields shown at ``place`` ("header", "featured", "end"), in their order."""
        return tuple(f for f in self.shown if f.place == place) if self.shown else ()


SHOWN = tuple(f for f in fields.ARTICLE if f.page)  # the declared fields an article page shows by place


def post_view(values: Mapping[str, Any]) -> PostView:
    """An article or page from what its item stores (``Post.attribute_values``, or the same values
    made from a checked file for the desk's preview)."""
    size = values.get("image_size")
    return PostView(
        values.get("kind") or "article", values["slug"], values.get("title") or "", values.get("date"),
        values.get("updated"), values.get("author"), values.get("summary"), values.get("image"),
        values.get("image_alt"), values.get("image_set"), (int(size[0]), int(size[1])) if size else None,
        int(values.get("comment_count") or 0),
        tuple([Correction(c["date"], c["note"]) for c in values["corrections"]]) if values.get("corrections") else (),
        tuple([ShownField(f.name, f.label or f.name, values[f.attribute or f.name], f.page or "",
                          isinstance(f.kind, fields.Moment))
               for f in SHOWN if values.get(f.attribute or f.name) not in (None, "", [], ())]) if SHOWN else (),
    )


@dataclass(frozen=True, slots=True)
class Related:
    """A related post: its link and title."""

    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class CommentView:
    """A reader's comment as shown: its HTML was made safe when it was posted."""

    id: str
    sk: str
    name: str
    created: str
    html: Markup
    staff: bool = False  # written from the desk, as the site
    edited: str | None = None  # when an editor last changed its text


def comment_view(item: Any) -> CommentView:
    """A comment from its item (``models.Comment``)."""
    return CommentView(item.id, item.sk, item.name, item.created, Markup(item.html), bool(item.staff), item.edited)


@dataclass(frozen=True, slots=True)
class Reply:
    """A reply in a thread, with the replies under it."""

    comment: CommentView
    level: int
    replies: tuple[Reply, ...]


@dataclass(frozen=True, slots=True)
class Thread:
    """A top comment (None on a page that opens inside its thread) and its replies, nested."""

    comment: CommentView | None
    replies: tuple[Reply, ...]


@dataclass(frozen=True, slots=True)
class CommentLimits:
    """How long each field of the comment form may be."""

    name: int
    email: int
    text: int


@dataclass(frozen=True, slots=True)
class Discussion:
    """An article's comments section: a page of threads, and the form while comments are open."""

    threads: tuple[Thread, ...]
    later: str | None
    open: bool
    depth: int
    token: str | None
    notice: bool
    feed: str
    limits: CommentLimits


def threads(found: list[dict[str, Any]]) -> tuple[Thread, ...]:
    """The threads of a page of comments (``site.comments.page``), as views."""
    def nested(nodes: list[dict[str, Any]]) -> tuple[Reply, ...]:
        return tuple(Reply(comment_view(node["comment"]), node["level"], nested(node["replies"])) for node in nodes)

    return tuple(Thread(comment_view(t["comment"]) if t["comment"] else None, nested(t["nested"])) for t in found)


@dataclass(frozen=True, slots=True)
class LiveEntryView:
    """One entry of a live blog as readers see it: its text was sanitized at ingest."""

    anchor: str  # its id on the page: entry-<file name>
    sk: str  # its place (time#id): what ``?since=`` names
    time: str
    author: str | None
    author_name: str | None
    html: Markup
    pinned: bool
    correction: str | None
    edited: str | None
    share: str  # the address that shows it, whichever page it is on now
    version: str  # changes when the entry does: the script replaces an entry whose version changed
    headline: str  # its first sentence: how the key events, the feed and structured data name it


def live_entry(item: Any, share: str) -> LiveEntryView:
    """An entry from its item (``models.LiveEntryItem``), with its share link."""
    return LiveEntryView(f"entry-{item.entry_id}", item.sk, item.time, item.author, item.author_name,
                         Markup(item.html), bool(item.pinned), item.correction, item.edited, share,
                         str(item.source_etag or item.edited or item.time).strip('"'), headline_of(item.html))


def text_of(html: str) -> str:
    """HTML's text without its markup, its spaces collapsed."""
    return re.sub(r"\s+", " ", Markup(html).striptags()).strip()


def headline_of(html: str) -> str:
    """An entry's headline: its first sentence, at most 110 characters (Google's limit for a headline)."""
    first = re.split(r"(?<=[.!?])\s", text_of(html), maxsplit=1)[0]
    return first if len(first) <= 110 else first[:109].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class LiveBlog:
    """A live blog's part of its article page: key events, a page of entries, the links between pages,
    and what our script polls (``fragment``, every ``poll_seconds``)."""

    entries: tuple[LiveEntryView, ...]
    key_events: tuple[LiveEntryView, ...]
    older: str | None  # "Older updates"
    newer: str | None  # "Newer updates"
    first_screen: bool  # the newest entries (the script announces new ones only here)
    ended: str | None  # when the live blog ended; None while live
    fragment: str
    feed: str
    poll_seconds: float
    script: str  # our script that polls the fragment (``static/live.<version>.js``)


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """An article or a static page, or one part of one broken into pages."""

    head: Head
    post: PostView
    body: Markup
    image: str  # the featured image's address on this site ("" for none)
    page_links: tuple[tuple[int, str | None], ...]  # (part, its link; None for this one) when in parts
    author_name: str | None
    primary_category: str | None
    related: tuple[Related, ...]
    tags: tuple[tuple[str, str], ...]  # (slug, name)
    discussion: Discussion | None
    live: LiveBlog | None = None  # a live blog's entries
    parent: Crumb | None = None  # a page's parent page (no link: not published)
    children: tuple[Crumb, ...] = ()  # a page's child pages, by title


@dataclass(frozen=True, slots=True)
class ProtectedPage:
    """A password-protected post's title and password form."""

    head: Head
    post: PostView
    wrong: str  # why the last password was refused ("" for none)
