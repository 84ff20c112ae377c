"""Write validated content into DynamoDB so readers' pages can be served.

Input is a parsed file from ``content_format`` (and, for articles, its body
already rendered by ``markup``); output is items in the table described in
``models``. Nothing here reads S3 or renders Markdown.

An article's own item and its archive listings are written in one DynamoDB
transaction, so a reader never sees an article in an archive that does not
open, or an archive missing an article that does. Work per publish is bounded
whatever the size of the site: a few Queries with small limits for related
posts and the site snapshot, and one refresh per article that links here.

Rules an editor can rely on (docs/content-format.md):
- a slug belongs to the first file that claimed it; a second file claiming it
  is refused with a report naming the owner;
- changing an article's slug moves it, and its old URL answers 301;
- ``aliases`` answer 301 to the article, unless a real article owns that URL.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.transactions import TransactWrite

from chalicelib import config
from chalicelib.content_format import Article, Author, Category, ContentError, Problem, Settings
from chalicelib.markup import RenderedBody
from chalicelib.models import (
    AuthorItem,
    CategoryItem,
    Listing,
    Post,
    Ref,
    SettingsItem,
    SiteSnapshot,
    Source,
)

log = logging.getLogger(__name__)

RELATED_CANDIDATES = 8  # stored per article; the page shows the first live ones
SUCCESSORS_REFRESHED = 4  # articles after a new one whose related posts may change
RECENT_EXTRA = 10  # recent posts kept beyond the widget's size, to cover scheduled ones


@dataclass
class PublishResult:
    """What a publish did, in words an editor can read."""

    slug: str | None
    notes: list[str] = field(default_factory=list)


def iso(moment: dt.datetime | None) -> str | None:
    """Format a UTC datetime the way every item stores it (sorts as text)."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def now_iso() -> str:
    """The current time as stored in items."""
    return iso(dt.datetime.now(dt.timezone.utc))  # type: ignore[return-value]


@functools.lru_cache(maxsize=1)
def _connection() -> Connection:
    """One connection for transactions (building a botocore client is slow)."""
    return Connection(region=config.AWS_REGION, host=config.AWS_ENDPOINT_URL)


def _get(model: type, pk: str, sk: str):  # type: ignore[no-untyped-def]
    try:
        return model.get(pk, sk)
    except DoesNotExist:
        return None


def get_post(path: str) -> Post | None:
    """The post item at ``/<path>/``, or None."""
    return _get(Post, *Post.key_for(path))


# --- articles and pages ----------------------------------------------------------

def listing_names(post: Post) -> list[str]:
    """Every archive an article appears in; none for drafts, pages and redirects."""
    if post.kind != "article" or post.draft or not post.date:
        return []
    names = ["home", f"year#{post.date[:4]}", f"month#{post.date[:7]}"]
    names += [f"category#{c}" for c in post.categories or []]
    names += [f"tag#{slug}" for slug, _ in post.tags or []]
    if post.author:
        names.append(f"author#{post.author}")
    return names


def _listing_items(post: Post) -> dict[tuple[str, str], Listing]:
    sk = f"{post.date}#{post.slug}"
    return {
        (f"list#{name}", sk): Listing(
            f"list#{name}", sk, slug=post.slug, title=post.title, date=post.date,
            summary=post.summary, author=post.author, author_name=post.author_name,
            categories=post.categories, image=post.image,
        )
        for name in listing_names(post)
    }


def publish_article(article: Article, body: RenderedBody, etag: str | None = None) -> PublishResult:
    """Publish (or update) an article or page from one file.

    :raise ContentError: the slug belongs to another file.
    """
    result = PublishResult(slug=article.slug)
    source = _get(Source, "source", article.key)
    previous_slug = source.slug if source and source.status == "published" else None
    owner = get_post(article.slug)
    if owner is not None and owner.kind != "redirect" and owner.source_key != article.key:
        raise ContentError(article.key, [Problem(
            "slug", f"'{article.slug}' is already used by {owner.source_key}; "
            "give this file another slug, or delete the other file first")])
    previous = owner if previous_slug == article.slug else (get_post(previous_slug) if previous_slug else None)
    if previous is not None and previous.source_key != article.key:
        previous = None

    post = Post(
        *Post.key_for(article.slug), kind=article.kind, slug=article.slug, title=article.title,
        date=iso(article.date), updated=iso(article.updated), author=article.author,
        author_name=article.author_name, categories=list(article.categories),
        tags=[[slug, name] for slug, name in zip(article.tags, article.tag_names)],
        summary=article.summary or body.excerpt, image=article.image, draft=article.draft,
        body_html=body.html, aliases=list(article.aliases), source_key=article.key, source_etag=etag,
        comment_count=previous.comment_count if previous is not None else 0,
    )
    post.related = _related_candidates(post)
    post.xrefs = _xref_targets(body.xrefs)

    new_listings = _listing_items(post)
    old_listings = _listing_items(previous) if previous is not None else {}
    with TransactWrite(connection=_connection()) as txn:
        txn.save(post)
        for item in new_listings.values():
            txn.save(item)
        for key, item in old_listings.items():
            if key not in new_listings:
                txn.delete(item)
        if previous is not None and previous.slug != post.slug:
            # A rename: the old URL becomes a redirect to the new one.
            txn.save(Post(*Post.key_for(previous.slug), kind="redirect", slug=previous.slug,
                          redirect_to=post.slug, source_key=article.key))
            result.notes.append(f"moved from /{previous.slug}/; the old URL now redirects")
        txn.save(Source("source", article.key, kind=article.kind, slug=post.slug, etag=etag,
                        status="published", problems=None))

    _write_redirects(post, previous, result)
    _write_refs(post, previous)
    if _reader_visible_change(previous, post):
        refresh_referrers(post.slug)
        _refresh_successors(post)
        if previous is not None and previous.slug != post.slug:
            refresh_referrers(previous.slug)
    _register_implicit_terms(article)
    rebuild_site_snapshot()
    if article.draft:
        result.notes.append("draft: stored, not shown to readers")
    return result


def unpublish_source(key: str) -> PublishResult:
    """Take down whatever the file at ``key`` published. Safe to repeat."""
    source = _get(Source, "source", key)
    if source is None:
        return PublishResult(slug=None, notes=["nothing was published from this file"])
    if source.kind in ("article", "page"):
        return _unpublish_post(source)
    if source.kind == "author":
        _delete_term(AuthorItem, "author", source.slug, key)
    elif source.kind == "category":
        _delete_term(CategoryItem, "category", source.slug, key)
    elif source.kind == "settings":
        item = _get(SettingsItem, "settings", "site")
        if item is not None and item.source_key == key:
            item.delete()
    source.delete()
    rebuild_site_snapshot()
    return PublishResult(slug=source.slug, notes=["removed"])


def _unpublish_post(source: Source) -> PublishResult:
    post = get_post(source.slug) if source.slug else None
    owned = post is not None and post.source_key == source.sk and post.kind != "redirect"
    with TransactWrite(connection=_connection()) as txn:
        if owned:
            txn.delete(post)
            for item in _listing_items(post).values():
                txn.delete(item)
        txn.delete(source)
    if owned:
        _write_redirects(None, post, PublishResult(slug=None))
        _write_refs(None, post)
        refresh_referrers(post.slug)
    rebuild_site_snapshot()
    return PublishResult(slug=source.slug, notes=["unpublished"] if owned else [])


def record_invalid(key: str, kind: str, problems: Iterable[str]) -> None:
    """Remember that a file failed validation (what readers see is unchanged)."""
    source = _get(Source, "source", key)
    if source is None:
        Source("source", key, kind=kind, status="invalid", problems=list(problems)).save()
    else:  # keep what it published live; just note the problem
        source.update(actions=[Source.problems.set(list(problems))])


def _reader_visible_change(before: Post | None, after: Post) -> bool:
    if before is None:
        return True
    return (before.title, before.date, before.draft, before.slug, before.kind) != (
        after.title, after.date, after.draft, after.slug, after.kind)


def _write_redirects(post: Post | None, previous: Post | None, result: PublishResult) -> None:
    """Make each alias of ``post`` a 301 to it; drop aliases it no longer lists."""
    wanted = set(post.aliases or []) if post is not None and not post.draft else set()
    dropped = set(previous.aliases or []) - wanted if previous is not None else set()
    target = post.slug if post is not None else None
    for path in sorted(wanted):
        existing = get_post(path)
        if existing is not None and existing.kind != "redirect":
            if existing.slug != target:
                result.notes.append(f"alias /{path}/ ignored: it is the URL of {existing.source_key}")
            continue
        Post(*Post.key_for(path), kind="redirect", slug=path, redirect_to=target,
             source_key=post.source_key).save()
    owner = previous.slug if previous is not None else None
    for path in sorted(dropped):
        existing = get_post(path)
        if existing is not None and existing.kind == "redirect" and existing.redirect_to in (owner, target):
            existing.delete()


# --- links between articles --------------------------------------------------------

def _related_lists(post: Post) -> list[str]:
    """The archives related posts are drawn from: the primary category, then two tags."""
    names = [f"category#{c}" for c in (post.categories or [])[:1]]
    names += [f"tag#{slug}" for slug, _ in (post.tags or [])[:2]]
    return names


def _related_candidates(post: Post) -> list[dict[str, str]]:
    """The newest articles published before ``post`` in its category or tags.

    "Before" keeps an article's related posts stable as the site grows (as on
    the seed site): a new article only changes the few that follow it, which
    ``_refresh_successors`` updates. A bounded Query per archive.
    """
    if post.draft or post.kind != "article" or not post.date:
        return []
    own_key = f"{post.date}#{post.slug}"
    seen: dict[str, dict[str, str]] = {}
    for name in _related_lists(post):
        for item in Listing.query(f"list#{name}", Listing.sk < own_key, scan_index_forward=False,
                                  limit=RELATED_CANDIDATES):
            seen.setdefault(item.slug, {"slug": item.slug, "title": item.title, "date": item.date})
    return sorted(seen.values(), key=lambda r: r["date"], reverse=True)[:RELATED_CANDIDATES]


def _refresh_successors(post: Post) -> None:
    """Recompute related posts of the few articles right after ``post`` in its archives."""
    if post.draft or post.kind != "article" or not post.date:
        return
    own_key = f"{post.date}#{post.slug}"
    done = set()
    for name in _related_lists(post):
        for item in Listing.query(f"list#{name}", Listing.sk > own_key, limit=SUCCESSORS_REFRESHED):
            if item.slug not in done:
                done.add(item.slug)
                _refresh_links(item.slug)


def _xref_targets(slugs: Iterable[str]) -> dict[str, dict[str, str]]:
    """Current titles of cross-linked articles that readers can see."""
    slugs = list(slugs)
    if not slugs:
        return {}
    found = {}
    for item in Post.batch_get([Post.key_for(s) for s in slugs]):
        if item.kind != "redirect" and not item.draft:
            found[item.slug] = {"title": item.title, "date": item.date}
    return found


def _ref_targets(post: Post | None) -> set[str]:
    if post is None:
        return set()
    return set((post.xrefs or {}).keys()) | {r["slug"] for r in post.related or []} | set(
        _xref_slugs_in(post.body_html or ""))


def _xref_slugs_in(body_html: str) -> list[str]:
    return re.findall(r"<!--xref:([a-z0-9-]+)-->", body_html)


def _write_refs(post: Post | None, previous: Post | None) -> None:
    """Record which articles ``post`` shows links to, so they can refresh it."""
    new = _ref_targets(post)
    old = _ref_targets(previous)
    source_slug = post.slug if post is not None else None
    old_slug = previous.slug if previous is not None else None
    for target in new - (old if old_slug == source_slug else set()):
        Ref(f"refs#{target}", source_slug).save()
    for target in old:
        if old_slug != source_slug or target not in new:
            Ref(f"refs#{target}", old_slug).delete()


def refresh_referrers(slug: str) -> int:
    """Re-resolve the links on every article that points at ``slug``; return how many changed."""
    return sum(_refresh_links(ref.sk, ref) for ref in Ref.query(f"refs#{slug}"))


def _refresh_links(slug: str, ref: Ref | None = None) -> bool:
    """Recompute one article's related posts and cross-link titles; True if they changed."""
    post = get_post(slug)
    if post is None or post.kind == "redirect":
        if ref is not None:
            ref.delete()
        return False
    related = _related_candidates(post)
    xrefs = _xref_targets(_xref_slugs_in(post.body_html or ""))
    if related == (post.related or []) and xrefs == (post.xrefs or {}):
        return False
    previous_targets = _ref_targets(post)
    post.update(actions=[Post.related.set(related), Post.xrefs.set(xrefs)])
    for target in {r["slug"] for r in related} - previous_targets:
        Ref(f"refs#{target}", post.slug).save()
    return True


# --- authors, categories, settings -----------------------------------------------

def save_author(author: Author) -> PublishResult:
    """Publish an author's name and bio."""
    AuthorItem("author", author.slug, name=author.name, bio=author.bio, source_key=author.key).save()
    Source("source", author.key, kind="author", slug=author.slug, status="published").save()
    rebuild_site_snapshot()
    return PublishResult(slug=author.slug)


def save_category(category: Category) -> PublishResult:
    """Publish a category's name, description and menu position."""
    CategoryItem("category", category.slug, name=category.name, description=category.description,
                 menu_order=category.menu_order, parent=category.parent, source_key=category.key).save()
    Source("source", category.key, kind="category", slug=category.slug, status="published").save()
    rebuild_site_snapshot()
    return PublishResult(slug=category.slug)


def save_settings(settings: Settings) -> PublishResult:
    """Publish the site settings."""
    data = {
        "site_name": settings.site_name, "tagline": settings.tagline,
        "menu": [vars(m) for m in settings.menu] if settings.menu is not None else None,
        "footer_links": [vars(m) for m in settings.footer_links],
        "recent_posts": settings.recent_posts, "related_posts": settings.related_posts,
        "page_size": settings.page_size, "language": settings.language,
    }
    SettingsItem("settings", "site", data=data, source_key=settings.key).save()
    Source("source", settings.key, kind="settings", slug="site", status="published").save()
    rebuild_site_snapshot()
    return PublishResult(slug=None)


def _delete_term(model: type, pk: str, slug: str | None, key: str) -> None:
    item = _get(model, pk, slug) if slug else None
    if item is not None and item.source_key == key:
        item.delete()


def _register_implicit_terms(article: Article) -> None:
    """Categories and authors named in an article exist even without their own file."""
    for slug, name in zip(article.categories, article.category_names):
        _put_if_absent(CategoryItem("category", slug, name=name))
    if article.author:
        _put_if_absent(AuthorItem("author", article.author, name=article.author_name))


def _put_if_absent(item) -> None:  # type: ignore[no-untyped-def]
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


# --- the site snapshot --------------------------------------------------------------

DEFAULT_SETTINGS = {"site_name": "Newsroom", "tagline": "", "menu": None, "footer_links": [],
                    "recent_posts": 5, "related_posts": 4, "page_size": 10, "language": "en"}


def rebuild_site_snapshot() -> dict:
    """Recompute the one item every page reads: a handful of bounded Queries."""
    settings_item = _get(SettingsItem, "settings", "site")
    settings = {**DEFAULT_SETTINGS, **(settings_item.data if settings_item else {})}
    categories = [
        {"slug": c.sk, "name": c.name, "description": c.description or "",
         "menu_order": int(c.menu_order) if c.menu_order is not None else None, "parent": c.parent}
        for c in CategoryItem.query("category")
    ]
    categories.sort(key=lambda c: c["name"].lower())
    authors = {a.sk: {"name": a.name, "bio": a.bio or ""} for a in AuthorItem.query("author")}
    recent = [
        {"slug": item.slug, "title": item.title, "date": item.date}
        for item in Listing.query("list#home", scan_index_forward=False,
                                  limit=settings["recent_posts"] + RECENT_EXTRA)
    ]
    by_slug = {c["slug"]: c for c in categories}
    menu = settings["menu"]
    if menu is None:
        menu = [{"title": "Home", "url": "/"}] + [
            {"title": c["name"], "url": f"/category/{c['slug']}/"}
            for c in sorted((c for c in categories if c["menu_order"] is not None),
                            key=lambda c: (c["menu_order"], c["name"].lower()))
        ]
    data = {
        "settings": settings,
        "menu": _resolve_links(menu, by_slug),
        "footer": _resolve_links(settings["footer_links"], by_slug),
        "categories": categories,
        "authors": authors,
        "recent": recent,
        "built_at": now_iso(),
    }
    SiteSnapshot("site", "site", data=data).save()
    return data


def _resolve_links(links: list[dict], categories: dict[str, dict]) -> list[dict[str, str]]:
    out = []
    for link in links:
        title = link.get("title") or ""
        if link.get("category"):
            category = categories.get(link["category"])
            title = category["name"] if category else link["category"]
        elif link.get("page"):
            page = get_post(link["page"])
            title = page.title if page is not None and page.title else link["page"]
        out.append({"title": title, "url": link["url"]})
    return out
