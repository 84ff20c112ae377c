"""Read what readers' pages need from DynamoDB: GetItem and Query, never Scan.

The site snapshot (menu, categories, authors, recent posts, footer) is one
item that every page shows; a warm Lambda keeps it for
``site_cache_seconds`` (chalicelib/config.py) so most pages cost a single request. Everything
else is read fresh on each request. Nothing here writes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from chalicelib import keys, snapshot
from chalicelib.archives import ArchiveKind
from chalicelib.content import search as search_terms
from chalicelib.models import (
    TERM_ITEMS,
    AuthorItem,
    Listing,
    LiveEntryItem,
    Month,
    Post,
    SearchTerm,
    SiteSnapshot,
    TagItem,
    get_each,
    read,
    read_range,
)
from chalicelib.snapshot import Snapshot


def site() -> Snapshot:
    """The site snapshot, from the warm copy when fresh (0 or 1 GetItem: ``snapshot.current``)."""
    return snapshot.current()


def clear_site_cache() -> None:
    """Forget the warm snapshot (tests, and the local stack after an upload)."""
    snapshot.forget()


def post_at(path: str) -> Post | None:
    """The article, page or redirect served at ``/<path>/`` (1 GetItem)."""
    return read(Post, *keys.post(path))


def post_and_site(path: str) -> tuple[Post | None, Snapshot]:
    """``post_at(path)`` and ``site()`` in one request: a GetItem while the snapshot is cached,
    else one BatchGetItem for both (a cold Lambda's first page waits for one round trip, not two)."""
    warm = snapshot.warm()
    if warm is not None:
        return post_at(path), warm
    found = get_each({keys.post(path): Post, keys.SITE_SNAPSHOT: SiteSnapshot})
    return found.get(keys.post(path)), snapshot.keep(found.get(keys.SITE_SNAPSHOT))


def first_post_at(paths: list[str]) -> Post | None:
    """The first of ``paths`` that holds an article, page or redirect (one BatchGetItem for all)."""
    found = get_each({keys.post(path): Post for path in paths})
    return next((found[keys.post(path)] for path in paths if keys.post(path) in found), None)


@dataclass(frozen=True)
class Term:
    """What an archive's page says of its category, tag or author."""

    name: str
    description: str | None = None  # the term's own (a category's description, an author's bio)
    version: tuple[str | None, ...] = ()  # what else the page shows of it, for its ETag
    photo: dict[str, Any] | None = None  # an author's photo: its sizes (images.picture_set) and ``alt``


def term(kind: ArchiveKind, slug: str, snapshot: Snapshot) -> Term | None:
    """The category, tag or author an archive is for, or None if there is none: from the snapshot
    (categories: no read), else its term item (1 GetItem)."""
    if kind.names_from == "snapshot":
        category = snapshot.category(slug)
        return Term(category.name, category.description or None) if category is not None else None
    item = read(TERM_ITEMS[kind.name], *keys.term(kind.name, slug))
    if item is None:
        return None
    described = getattr(item, "bio", None) or getattr(item, "description", None)
    photo = getattr(item, "photo_set", None)
    return Term(item.name, described, (item.name, described, json.dumps(photo, sort_keys=True) if photo else None),
                photo)


def moved_tag(slug: str) -> str | None:
    """Where a tag renamed or merged into another now is (its archive's path), or None (1 GetItem): its
    old address as the new tag's file names it (``tag-aliases``). Read only where the tag is not here."""
    moved = read(TagItem, keys.TAG_ALIASES_PK, f"tag/{slug}")
    return moved.moved_to if moved is not None else None


def author(slug: str) -> AuthorItem | None:
    """An author's name and bio (1 GetItem)."""
    return read(AuthorItem, *keys.author(slug))


@dataclass
class ArchivePage:
    """One page of an archive, newest first, and where the neighbouring pages start."""

    entries: list[Listing]
    older: str | None  # sort key after which the next (older) page starts
    newer: str | None  # sort key before which the previous (newer) page ends


def listing_page(name: str, size: int, now_iso: str, after: str | None = None,
                 before: str | None = None) -> ArchivePage:
    """A page of an archive, by key rather than offset: one Query however deep (one item extra
    tells whether there is more). Scheduled articles are left out by the key condition."""
    latest = keys.listing_end(now_iso)
    if before is not None:  # the newer page: read upwards from the cursor, then turn it round
        items = [i for i in read_range(Listing, keys.listing_pk(name), ">", before, size + 1, newest_first=False)
                 if i.sk <= latest]
        has_newer = len(items) > size
        entries = list(reversed(items[:size]))
        return ArchivePage(entries, older=entries[-1].sk if entries else None,
                           newer=entries[0].sk if has_newer and entries else None)
    test, sk = ("<", after) if after is not None else ("<=", latest)
    items = read_range(Listing, keys.listing_pk(name), test, sk, size + 1)
    entries = items[:size]
    return ArchivePage(entries, older=entries[-1].sk if len(items) > size else None,
                       newer=entries[0].sk if after is not None and entries else None)


def listing(name: str, limit: int, now_iso: str) -> list[Listing]:
    """The newest ``limit`` entries of an archive, leaving out scheduled ones (1 Query; a feed's:
    unlike a page, it reads no entry more to know whether there is an older page)."""
    return read_range(Listing, keys.listing_pk(name), "<=", keys.listing_end(now_iso), limit)


def listed_since(name: str, since_iso: str, now_iso: str, limit: int) -> list[Listing]:
    """The entries of an archive dated from ``since_iso`` to ``now_iso``, newest first, at most
    ``limit`` (1 Query; for the news sitemap)."""
    return list(Listing.query(keys.listing_pk(name), Listing.sk.between(keys.listing_sk(since_iso, ""),
                                                                       keys.listing_end(now_iso)),
                              scan_index_forward=False, limit=limit))


def all_listed(name: str, now_iso: str) -> list[Listing]:
    """Every entry of an archive, newest first (paged Queries; for sitemaps)."""
    return list(Listing.query(keys.listing_pk(name), Listing.sk <= keys.listing_end(now_iso), scan_index_forward=False,
                              attributes_to_get=["pk", "sk", "slug", "date", "updated"]))


def months() -> list[Month]:
    """Every month that has had articles (1 Query; for the sitemap index)."""
    return list(Month.query(keys.MONTH_PK))


def search(query: str, now_iso: str) -> list[dict[str, Any]]:
    """Articles matching ``query``, best first: one Query per term, at most five."""
    terms = search_terms.query_terms(query)
    hits: dict[str, dict[str, Any]] = {}
    matched: dict[str, int] = defaultdict(int)
    score: dict[str, int] = defaultdict(int)
    for term in terms:
        for item in SearchTerm.query(keys.term_pk(term), limit=search_terms.PER_TERM):
            if item.date > now_iso:
                continue
            hits.setdefault(item.slug, {"slug": item.slug, "title": item.title, "date": item.date,
                                        "summary": item.summary})
            matched[item.slug] += 1
            score[item.slug] += search_terms.MAX_SCORE - int(item.sk.split("#", 1)[0])
    ranked = sorted(hits, key=lambda slug: (matched[slug], score[slug], hits[slug]["date"]), reverse=True)
    return [hits[slug] for slug in ranked]


def live_entries(post: Post, limit: int, at_or_before: str | None = None) -> list[LiveEntryItem]:
    """A live blog's newest ``limit`` entries, newest first, from the entry whose sort key is
    ``at_or_before`` (None: the newest) (1 Query)."""
    pk = keys.live_entries_pk(keys.live_folder(post.source_key or ""))
    return read_range(LiveEntryItem, pk, "<=", at_or_before or keys.LATEST, limit)


def live_entries_after(post: Post, sk: str, limit: int) -> list[LiveEntryItem]:
    """The ``limit`` entries just newer than the one at ``sk``, oldest first (1 Query)."""
    pk = keys.live_entries_pk(keys.live_folder(post.source_key or ""))
    return read_range(LiveEntryItem, pk, ">", sk, limit, newest_first=False)


def key_events(post: Post, limit: int = 50) -> list[LiveEntryItem]:
    """A live blog's pinned entries, newest first (1 Query)."""
    pk = keys.live_key_events_pk(keys.live_folder(post.source_key or ""))
    return read_range(LiveEntryItem, pk, "<=", keys.LATEST, limit)
