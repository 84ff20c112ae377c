"""Links between articles: related posts, "SEE ALSO" cross-links, and who shows whose link.

An article stores the links it shows (``related`` candidates, ``xrefs``
titles), so its page is one read. When an article appears, changes title or
date, or goes, the articles showing a link to it must follow: each link is
recorded as a ``Ref`` item under its target (``keys.refs_pk``), so a change
refreshes exactly the articles that point at it. The work per change is
bounded by the links that really exist, whatever the size of the site.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from pynamodb.exceptions import UpdateError

from chalicelib import keys, retry
from chalicelib.models import Listing, Post, Ref

RELATED_CANDIDATES = 8  # stored per article; the page shows the first live ones
SUCCESSORS_REFRESHED = 4  # articles after a new one whose related posts may change


def _related_lists(post: Post) -> list[str]:
    """The archives related posts are drawn from: the primary category, then two tags."""
    names = [keys.category_listing(c) for c in (post.categories or [])[:1]]
    names += [keys.tag_listing(slug) for slug, _ in (post.tags or [])[:2]]
    return names


def related_candidates(post: Post) -> list[dict[str, str]]:
    """The newest articles published before ``post`` in its category or tags, never itself (``related_of``)."""
    return related_of(post.kind, bool(post.draft), post.date, post.slug, post.categories or [],
                      [slug for slug, _ in post.tags or []])


def related_of(kind: str, draft: bool, date: str | None, slug: str, categories: Sequence[str],
               tags: Sequence[str]) -> list[dict[str, str]]:
    """The newest articles published before the article ``slug`` (its ``date``, its ``categories`` and
    ``tags`` slugs) in its primary category or first two tags, never itself; none for a draft or a page.

    "Before" keeps an article's related posts stable as the site grows (as on
    the seed site): a new article only changes the few that follow it, which
    ``refresh_successors`` updates. A bounded Query per archive. While an
    article moves to a later date its old entry is still listed: skipped, or
    it would show (and record a link to) itself.
    """
    if draft or kind != "article" or not date:
        return []
    own_key = keys.listing_sk(date, slug)
    seen: dict[str, dict[str, str]] = {}
    names = [keys.category_listing(c) for c in list(categories)[:1]] + [keys.tag_listing(t) for t in list(tags)[:2]]
    for name in names:
        for item in Listing.query(keys.listing_pk(name), Listing.sk < own_key, scan_index_forward=False,
                                  limit=RELATED_CANDIDATES + 1):  # + 1: its own entry, while it moves
            if item.slug != slug:
                seen.setdefault(item.slug, {"slug": item.slug, "title": item.title, "date": item.date})
    return sorted(seen.values(), key=lambda r: r["date"], reverse=True)[:RELATED_CANDIDATES]


def refresh_successors(post: Post) -> None:
    """Recompute related posts of the few articles right after ``post`` in its archives."""
    if post.draft or post.kind != "article" or not post.date:
        return
    own_key = keys.listing_sk(post.date, post.slug)
    done = set()
    for name in _related_lists(post):
        for item in Listing.query(keys.listing_pk(name), Listing.sk > own_key, limit=SUCCESSORS_REFRESHED):
            if item.slug not in done and item.slug != post.slug:
                done.add(item.slug)
                _refresh_links(item.slug)


def xref_targets(slugs: Iterable[str]) -> dict[str, dict[str, str] | None]:
    """Every cross-linked slug, with the current title and date of those readers can see (else None)."""
    found: dict[str, dict[str, str] | None] = {slug: None for slug in slugs}
    if not found:
        return {}
    for item in Post.batch_get([keys.post(s) for s in found]):
        if item.kind != "redirect" and not item.draft:
            found[item.slug] = {"title": item.title, "date": item.date}
    return found


def _ref_targets(post: Post | None) -> set[str]:
    if post is None:
        return set()
    return set((post.xrefs or {}).keys()) | {r["slug"] for r in post.related or []}


def write_refs(post: Post | None, previous: Post | None, rewrite_all: bool = False) -> None:
    """Record which articles ``post`` shows links to (and forget ``previous``'s), so they can refresh it."""
    new = _ref_targets(post)
    old = _ref_targets(previous)
    source_slug = post.slug if post is not None else None
    old_slug = previous.slug if previous is not None else None
    same_slug = old_slug == source_slug
    for target in new if rewrite_all or not same_slug else new - old:
        Ref(keys.refs_pk(target), source_slug).save()
    for target in old:
        if not same_slug or target not in new:
            Ref(keys.refs_pk(target), old_slug).delete()


def refresh_referrers(slug: str) -> int:
    """Re-resolve the links on every article that points at ``slug``; return how many changed."""
    return sum(_refresh_links(ref.sk, ref) for ref in Ref.query(keys.refs_pk(slug)))


def _refresh_links(slug: str, ref: Ref | None = None) -> bool:
    """Recompute one article's related posts and cross-link titles; True if they changed.

    Its Ref items follow: links it no longer shows stop refreshing it, so the
    work per change stays bounded by the links that really exist.
    """
    post = Post.get_or_none(*keys.post(slug), consistent_read=True)
    if post is None or post.kind == "redirect":
        if ref is not None:
            ref.delete()
        return False
    before = _ref_targets(post)
    related = related_candidates(post)
    xrefs = xref_targets((post.xrefs or {}).keys())
    changed = related != (post.related or []) or xrefs != (post.xrefs or {})
    if changed:
        try:  # only while it is still the same article: UpdateItem would otherwise create a stub
            post.update(actions=[Post.related.set(related), Post.xrefs.set(xrefs)],
                        condition=(Post.source_key == post.source_key) & (Post.kind == post.kind))
        except UpdateError as exc:
            if not retry.condition_failed(exc):
                raise
            return False
    after = _ref_targets(post) if changed else before
    for target in after - before:
        Ref(keys.refs_pk(target), post.slug).save()
    for target in before - after:
        Ref(keys.refs_pk(target), post.slug).delete()
    if ref is not None and keys.ref_target(ref.pk) not in after | before:  # (if in before, deleted just now)
        ref.delete()
    return changed
