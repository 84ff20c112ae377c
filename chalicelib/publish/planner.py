"""The plan of one article's publish: what it will write, delete and invalidate, decided before anything
is written (the shape of Chalice's planner and executor).

``read_current`` asks the table and the bucket what a publish decides on (``Current``: the item at
the article's URL, what this file published before, the items at its aliases' and old redirects'
addresses, whether other files still exist, the approved comments an article coming back keeps, its
related posts and cross-links). ``plan_article`` is a pure function of the parsed file, its rendered
body, its Source and ``Current``: an ``ArticlePlan`` of every write, delete, condition and path to
invalidate, or a refusal naming who holds the slug or an old address (with the claims to record, so
the file goes live when the holder lets go). ``articles.publish_article`` reads, plans and commits:
one transaction with the file's Source, then the follow-ups. tests/unit/test_article_plan.py checks
plans without AWS.

Rules an editor can rely on (docs/content-format.md):
- a slug belongs to the first file that claimed it, while that file exists;
- changing an article's slug moves it, and its old URL answers 301;
- ``aliases`` answer 301 to the article, unless a real article owns that URL;
- an old address leads to one article: an alias (or a WordPress id URL, ``/?p=1``, that an alias of
  another form already answers) held by another file that exists refuses this file, naming the
  holder; an alias of a file that no longer exists is taken over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from chalicelib import bodies, clock, keys, old_urls
from chalicelib.bucket import ContentBucket
from chalicelib.content import images, search
from chalicelib.content.files import Article
from chalicelib.content.markup import RenderedBody
from chalicelib.content.stored import item_values
from chalicelib.fields import ARTICLE, item_attributes
from chalicelib.models import Comment, Listing, Post, SearchTerm, Source
from chalicelib.problems import Problem
from chalicelib.publish import edge, links


@dataclass(frozen=True)
class Current:
    """What the table and the bucket hold that a publish decides on (``read_current``)."""

    owner: Post | None = None  # the item at the article's URL
    previous: Post | None = None  # the item this file published last (where it was), if any
    at: Mapping[str, Post] = field(default_factory=dict)  # the items at the addresses its aliases want, and its old redirects
    files: Mapping[str, bool] = field(default_factory=dict)  # whether each other file the rules ask about still exists
    approved_comments: int = 0  # for an article (re)appearing at its URL: the comments approved there
    related: tuple[dict[str, str], ...] = ()  # ``links.related_candidates``
    xrefs: Mapping[str, dict[str, str] | None] = field(default_factory=dict)  # ``links.xref_targets``
    now: str = ""  # when the plan is made, as items write times
    ancestors: tuple[str, ...] = ()  # a page's parent, its parent's parent... as published (``parent_chain``)


@dataclass(frozen=True)
class ArticlePlan:
    """Everything one publish will do. ``refusal``: nothing but ``claims`` is written, and the file is
    refused with these problems."""

    post: Post
    previous: Post | None = None
    refusal: tuple[Problem, ...] = ()
    claims: tuple[str, ...] = ()  # slugs and addresses this file waits for (``Claim`` items)
    took_over_from: str | None = None  # the post's write is conditional on this file's item (it no longer exists)
    comment_count_seen: float | None = None  # ... and on the comment count read (a comment approved meanwhile loses)
    listings_put: tuple[Listing, ...] = ()
    listings_deleted: tuple[Listing, ...] = ()
    redirects_put: tuple[str, ...] = ()  # addresses that answer 301 to the post (none while it is a draft)
    redirects_taken_over: Mapping[str, str] = field(default_factory=dict)  # address -> the file (gone) that held it
    redirects_deleted: tuple[str, ...] = ()  # this file's redirects no longer wanted
    redirects: tuple[str, ...] = ()  # every redirect this file holds afterwards (its Source's)
    month_added: str | None = None
    month_removed: str | None = None
    search_entries: tuple[SearchTerm, ...] = ()
    offload: tuple[str, bytes] | None = None  # a body too large for the item: its key in the bucket, its bytes
    invalidate: frozenset[str] = frozenset()  # the edge's paths whose content changes
    refresh_links: bool = False  # recompute the links of the articles that point here (and of those after it)
    register_terms: bool = False  # the categories, tags and author it names may be new
    notes: tuple[str, ...] = ()
    had_warnings: bool = False  # the version it replaces was published with warnings
    had_preview: bool = True  # the version it replaces may have left a preview record and a schedule


def read_current(article: Article, body: RenderedBody, source: Source | None, bucket: ContentBucket) -> Current:
    """What ``plan_article`` decides on, read: the items at the article's URL, its previous URL, the
    addresses its aliases want and its old redirects (one consistent BatchGetItem); the bucket's word
    on the other files that hold them; the approved comments of an article (re)appearing; related
    posts and cross-link titles (their own bounded reads)."""
    previous_slug = _previous_slug(source)
    paths = {article.slug, *article.aliases, *(source.redirects or [] if source is not None else [])}
    paths |= {c for path in article.aliases if path != article.slug for c in old_urls.id_candidates(path)}
    if previous_slug:
        paths.add(previous_slug)
    by_key = {keys.post(path): path for path in sorted(paths)}
    at = {by_key[(item.pk, item.sk)]: item for item in Post.batch_get(list(by_key), consistent_read=True)}
    owner = at.get(article.slug)
    wanted = {c for path in article.aliases if path != article.slug for c in old_urls.id_candidates(path)}
    others = {item.source_key for path, item in at.items() if item.source_key not in (None, article.key)
              and ((path == article.slug and item.kind != "redirect") or (path in wanted and item.kind == "redirect"))}
    previous = at.get(previous_slug) if previous_slug else None
    own = owner is not None and owner.source_key == article.key
    return Current(owner=owner, previous=previous, at=at, files={key: bucket.exists(key) for key in sorted(others)},
                   approved_comments=0 if own else Comment.count(keys.comments_pk(article.slug)),
                   related=tuple(links.related_of(article.kind, article.draft, clock.iso(article.date), article.slug,
                                                  article.categories, article.tags)),
                   xrefs=links.xref_targets(body.xrefs), now=clock.now_iso(),
                   ancestors=parent_chain(article.parent) if article.kind == "page" else ())


MAX_PAGE_DEPTH = 20  # WordPress sets none; a chain longer than this is refused as a cycle would be


def parent_chain(parent: str | None) -> tuple[str, ...]:
    """``parent``, its published parent, and so on up (at most ``MAX_PAGE_DEPTH + 1`` slugs; a chain
    that meets itself stops there): what a page's ``parent`` would put it under."""
    chain: list[str] = []
    while parent and parent not in chain and len(chain) <= MAX_PAGE_DEPTH:
        chain.append(parent)
        item = Post.get_or_none(*keys.post(parent), consistent_read=True)
        parent = item.parent if item is not None and item.kind == "page" else None
    return tuple(chain)


def child_page_paths(slug: str) -> set[str]:
    """The addresses of the pages whose ``parent`` is ``slug``: their breadcrumbs show its title and link
    (one Query of the desk's index of pages; only children carry a ``parent``)."""
    found = Source.desk.query(keys.desk_pk("page"), filter_condition=Source.parent == slug,
                              attributes_to_get=["slug"])
    return {f"/{s.slug}/" for s in found if s.slug}


def parent_problem(slug: str, ancestors: tuple[str, ...]) -> Problem | None:
    """The problem with putting page ``slug`` under the first of ``ancestors`` (``parent_chain``), or None."""
    if slug in ancestors[1:]:
        loop = " › ".join([slug, *reversed(ancestors[: ancestors.index(slug)])])
        return Problem("parent", f"'{ancestors[0]}' is under this page ({loop}), so it cannot be its "
                                 "parent: that would make a cycle; choose another parent or none")
    if len(ancestors) > MAX_PAGE_DEPTH:
        return Problem("parent", f"'{ancestors[0]}' is more than {MAX_PAGE_DEPTH} pages deep; choose a parent "
                                 "higher up")
    return None


def plan_article(article: Article, body: RenderedBody, source: Source | None, current: Current,
                 etag: str | None = None, force: bool = False, image_size: tuple[int, int] | None = None,
                 version: str | None = None) -> ArticlePlan:
    """What publishing ``article`` will do, from ``current``: nothing is read or written here."""
    owner = current.owner
    notes: list[str] = []
    if owner is not None and holds_slug_for_another(owner, article.key):
        if current.files.get(owner.source_key, True):
            return _refused(article, owner, (Problem("slug", f"'{article.slug}' is already used by {owner.source_key}; "
                                                     "give this file another slug, or delete the other file (this file "
                                                     "is then published by itself)"),), (article.slug,))
        notes.append(f"took over /{article.slug}/ from {owner.source_key}, which no longer exists")
    if (cycle := parent_problem(article.slug, current.ancestors)) is not None:
        return _refused(article, owner, (cycle,), ())
    taken_over, problems, claims = _alias_claims(article, current)
    if problems:
        return _refused(article, owner, tuple(problems), tuple(claims))
    previous = current.previous
    if previous is not None and (previous.source_key != article.key or previous.kind == "redirect"):
        previous = None
    packed = bodies.pack(body.html, article.slug)
    post = post_item(keys.post(article.slug), article, body, packed, etag, image_size, version=version,
                     comment_count=int(owner.comment_count) if owner is not None and owner.source_key == article.key
                     else current.approved_comments)
    post.related, post.xrefs = list(current.related), dict(current.xrefs)
    entries = search_items(post, body.html)
    post.search_keys = [[item.pk, item.sk] for item in entries]
    return _article_plan(article, post, previous, source, current, entries, packed, notes, taken_over, force)


def _article_plan(article: Article, post: Post, previous: Post | None, source: Source | None, current: Current,
                  entries: list[SearchTerm], packed: bodies.PackedBody, notes: list[str], taken_over: dict[str, str],
                  force: bool) -> ArticlePlan:
    """The writes, deletes and paths of a publish that goes ahead."""
    owner = current.owner
    old_redirects = set(source.redirects or []) if source is not None else set()
    new_redirects, alias_notes = _wanted_redirects(post, previous, old_redirects, current.at)
    notes += alias_notes + [f"took over {shown_alias(path)} from {holder}, which no longer exists"
                            for path, holder in sorted(taken_over.items()) if path in new_redirects]
    held = old_redirects - new_redirects - {post.slug}
    dropped = sorted(item.slug for path, item in current.at.items() if path in held and item.source_key == article.key
                     and item.slug in held)
    new_listings, old_listings = listing_items(post), listing_items(previous)
    target_changed = previous is None or (previous.slug, previous.draft) != (post.slug, post.draft)
    if previous is not None and previous.slug != post.slug:
        notes.append(f"moved from /{previous.slug}/; the old URL now redirects")
    if article.draft:
        notes.append("draft: stored, not shown to readers")
    return ArticlePlan(
        post=post, previous=previous, notes=tuple(notes),
        took_over_from=owner.source_key if owner is not None and holds_slug_for_another(owner, article.key) else None,
        comment_count_seen=owner.comment_count if owner is not None and owner.kind != "redirect" else None,
        listings_put=tuple(new_listings.values()),
        listings_deleted=tuple(item for key, item in old_listings.items() if key not in new_listings),
        redirects_put=tuple(sorted(new_redirects if target_changed else new_redirects - old_redirects)),
        redirects_taken_over=taken_over, redirects_deleted=tuple(dropped), redirects=tuple(sorted(new_redirects)),
        month_added=month_of(post), month_removed=month_of(previous), search_entries=tuple(entries),
        offload=(packed.ref, packed.offloaded_html) if packed.ref and packed.offloaded_html is not None else None,
        invalidate=frozenset(edge.article_paths(previous, post, set(listing_names(previous) if previous else [])
                                                | set(listing_names(post)), old_redirects | new_redirects)),
        refresh_links=source is None or not source.settled or _reader_visible_change(previous, post),
        register_terms=not _names_registered(source, previous, post),
        had_warnings=bool(previous is not None and previous.warned),
        had_preview=force or _may_have_preview(source, previous, current.now or clock.now_iso()))


def _refused(article: Article, owner: Post | None, problems: tuple[Problem, ...], claims: tuple[str, ...]) -> ArticlePlan:
    """A plan that writes nothing but the claims, and refuses the file with ``problems``."""
    return ArticlePlan(post=Post(*keys.post(article.slug), kind=article.kind, slug=article.slug), refusal=problems,
                       claims=claims)


def _alias_claims(article: Article, current: Current) -> tuple[dict[str, str], list[Problem], list[str]]:
    """Which addresses this article's aliases want that another file holds: the redirects it takes over
    from files that no longer exist (address -> that file), and, for files that still exist, the
    problems naming them and the addresses to claim. An alias wants its own address, and for
    WordPress's ``?p=ID`` the ``?page_id=ID`` or ``?attachment_id=ID`` that already answers ``/?p=ID``."""
    taken_over: dict[str, str] = {}
    problems: list[Problem] = []
    claims: list[str] = []
    for path in (p for p in article.aliases if p != article.slug):
        for candidate in old_urls.id_candidates(path):
            holder = current.at.get(candidate)
            if holder is None or holder.source_key == article.key or holder.kind != "redirect":
                continue  # free, its own, or a real article's URL (the alias is then ignored, with a note)
            if not current.files.get(holder.source_key, True):
                if candidate == path:
                    taken_over[path] = holder.source_key
                continue
            claims.append(candidate)
            problems.append(alias_taken(path, candidate, holder.source_key))
            break
    return taken_over, problems, claims


def _previous_slug(source: Source | None) -> str | None:
    return source.slug if source is not None and source.status == "published" else None


def holds_slug_for_another(owner: Post | None, key: str) -> bool:
    """Whether ``owner`` (the item at a slug's URL) is an article or page published from another file
    than ``key``: the slug is that file's while it exists (a redirect holds no slug)."""
    return owner is not None and owner.kind != "redirect" and owner.source_key not in (None, key)


def alias_taken(path: str, held_as: str, holder: str) -> Problem:
    """The problem of an alias whose address (``held_as``) another file's article answers."""
    via = f" (as {shown_alias(held_as)})" if held_as != path else ""
    return Problem("aliases", f"{shown_alias(path)} already leads to {holder}{via}; an old address leads to one "
                   "article: remove it from one of the two files (this file is then published by itself when the "
                   "other lets it go)")


def shown_alias(path: str) -> str:
    """An alias as its address reads: ``/2019/05/old/``, ``/?p=1``."""
    return f"/{path}" if path.startswith("?") else f"/{path}/"


def _wanted_redirects(post: Post, previous: Post | None, old: set[str],
                      at: Mapping[str, Post]) -> tuple[set[str], list[str]]:
    """Paths that should redirect to ``post``: its aliases and its former slugs (``at``: the items at them)."""
    notes = []
    wanted = set(old) - {post.slug}  # former slugs stay redirects
    wanted -= set(previous.aliases or []) if previous is not None else set()
    if previous is not None and previous.slug != post.slug:
        wanted.add(previous.slug)
    for path in post.aliases or []:
        existing = at.get(path)
        if existing is not None and existing.kind != "redirect" and existing.source_key != post.source_key:
            notes.append(f"alias /{path}/ ignored: it is the URL of {existing.source_key}")
        elif path != post.slug:
            wanted.add(path)
    return wanted, notes


def post_item(key: tuple[str, str], article: Article, body: RenderedBody, packed: bodies.PackedBody, etag: str | None,
              image_size: tuple[int, int] | None, comment_count: int, source_key: str | None = None,
              version: str | None = None) -> Post:
    """The item that serves ``article``: at its URL (``keys.post``), or as a preview copy (``keys.pending``)."""
    return Post(
        *key, kind=article.kind, slug=article.slug, **item_values(article, body.excerpt),
        image_size=list(image_size) if image_size else None, image_set=body.image_set,
        media=list(body.media) or None,
        body_html=packed.html, body_gz=packed.gz, body_ref=packed.ref,
        source_key=source_key or article.key, source_etag=etag, source_version=version,
        comment_count=comment_count, warned=bool(body.warnings) or None,
    )


def listing_names(post: Post) -> list[str]:
    """Every archive an article appears in; none for drafts, pages, redirects and protected posts (they
    answer at their URL only, never in a listing, feed, sitemap or search)."""
    if post.kind != "article" or post.draft or not post.date or post.password_hash:
        return []
    names = [keys.HOME, keys.year_listing(post.date[:4]), keys.month_listing(post.date[:7])]
    if post.sticky:
        names.append(keys.STICKY)
    names += [keys.category_listing(c) for c in post.categories or []]
    names += [keys.tag_listing(slug) for slug, _ in post.tags or []]
    if post.author:
        names.append(keys.author_listing(post.author))
    return names


_LISTED = tuple(name for f in ARTICLE if f.listed for name in item_attributes(f))


def listing_items(post: Post | None) -> dict[tuple[str, str], Listing]:
    """The article's entry in each archive it is listed in: the fields the declaration says archives
    copy (``listed``), its thumbnail, when it last changed (its date, where it has no ``updated``)
    and, in a tag's archive, the tag's name as the article writes it."""
    if post is None:
        return {}
    sk = keys.listing_sk(post.date, post.slug)
    tag_names = dict(post.tags or [])
    copied: dict[str, Any] = {name: post.attribute_values.get(name) for name in _LISTED}
    copied["updated"] = post.updated or post.date
    return {
        (keys.listing_pk(name), sk): Listing(
            keys.listing_pk(name), sk, slug=post.slug, **copied, image_set=images.thumbnail_set(post.image_set),
            label=tag_names.get(keys.tag_of(name) or ""),
        )
        for name in listing_names(post)
    }


def search_items(post: Post, body_html: str) -> list[SearchTerm]:
    """The term index entries for ``post`` (none for drafts, pages, redirects and protected posts)."""
    if post.kind != "article" or post.draft or not post.date or post.password_hash:
        return []
    summary = (post.summary or "")[:300]
    return [
        SearchTerm(keys.term_pk(term), search.sort_key(score, post.date, post.slug), slug=post.slug,
                   title=post.title, date=post.date, summary=summary)
        for term, score in search.index_terms(post.title or "", post.summary or "", body_html).items()
    ]


def month_of(post: Post | None) -> str | None:
    """The month ("2022-07") whose archive lists ``post``, if it is listed at all."""
    if post is None or not post.date or keys.month_listing(post.date[:7]) not in listing_names(post):
        return None
    return post.date[:7]


def desk_fields(post: Post) -> dict[str, Any]:
    """What the desk's list shows of an article, kept on its file's Source (chalicelib/desk/)."""
    return {"title": post.title, "date": post.date, "draft": bool(post.draft), "author": post.author,
            "categories": list(post.categories or []) or None, "parent": post.parent or None}


def _reader_visible_change(before: Post | None, after: Post) -> bool:
    if before is None:
        return True
    return (before.title, before.date, before.draft, before.slug, before.kind, before.categories,
            before.tags) != (after.title, after.date, after.draft, after.slug, after.kind, after.categories,
                             after.tags)


def _names_registered(source: Source | None, previous: Post | None, post: Post) -> bool:
    """The categories, tags and author ``post`` names exist already: the version it replaces named the
    same ones and its follow-up work is done (``terms.register_named_in`` never deletes them)."""
    return (source is not None and bool(source.settled) and previous is not None
            and (previous.categories, previous.author, previous.tags) == (post.categories, post.author, post.tags))


def _may_have_preview(source: Source | None, previous: Post | None, now: str) -> bool:
    """The file may have a preview record and a due-time schedule: its last version was a draft or
    is still scheduled (or it is not known what it was). A file never seen before has neither, and
    neither has one whose last version was live: its record went when it went live."""
    if source is None:
        return False
    return previous is None or bool(previous.draft) or (previous.date or "") > now
