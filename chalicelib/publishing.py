"""Write validated content into DynamoDB so readers' pages can be served.

Input is a parsed file from ``content_format`` (and, for articles, its body
already rendered by ``markup``); output is items in the table described in
``models``. Nothing here reads S3 or renders Markdown; where a rule needs to
know whether a file still exists, ``ingest`` passes that in.

Every change to what one file publishes is one DynamoDB transaction: the
Post, its archive Listings, its redirects and its Source record together,
conditional on the Source's ``revision``. So a reader never sees half an
update, and of two ingests of the same key racing, the one that read older
state fails with ``ConcurrentChange`` and is retried against the new state.

Follow-up work that keeps *other* items right (links that point here, the
site snapshot) runs after the transaction, is idempotent, and is redone on a
retry until the Source is marked ``settled``. Its cost is bounded whatever
the size of the site (docs/architecture.md has the numbers). Inside
``one_snapshot_rebuild()`` (a batch of SQS messages, a resync) the snapshot
is rebuilt once at the end, and only then are that batch's Sources settled.

Rules an editor can rely on (docs/content-format.md):
- a slug belongs to the first file that claimed it, while that file exists;
  a second file claiming it is refused with a report and published as soon
  as the slug is free (so moving a file works in either event order);
- changing an article's slug moves it, and its old URL answers 301;
- ``aliases`` answer 301 to the article, unless a real article owns that URL.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, bodies, search
from chalicelib.content_format import Article, Author, Category, ContentError, Problem, Settings
from chalicelib.markup import RenderedBody
from chalicelib.models import (
    DEFAULT_SETTINGS,
    AuthorItem,
    CategoryItem,
    Claim,
    Comment,
    Listing,
    Month,
    Post,
    Ref,
    SearchTerm,
    SettingsItem,
    SiteSnapshot,
    Source,
)

log = logging.getLogger(__name__)

RELATED_CANDIDATES = 8  # stored per article; the page shows the first live ones
SUCCESSORS_REFRESHED = 4  # articles after a new one whose related posts may change
RECENT_EXTRA = 10  # recent posts kept beyond the widget's size, to cover scheduled ones
SNAPSHOT_ATTEMPTS = 8


class ConcurrentChange(Exception):
    """Another ingest changed the same file or slug first; apply again from S3."""


@dataclass
class PublishResult:
    """What a publish did, in words an editor can read."""

    slug: str | None
    notes: list[str] = field(default_factory=list)
    freed_slug: str | None = None  # a slug this change released; waiting claims can take it
    unchanged: bool = False


def iso(moment: dt.datetime | None) -> str | None:
    """Format a UTC datetime the way every item stores it (sorts as text)."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def now_iso() -> str:
    """The current time as stored in items."""
    return iso(dt.datetime.now(dt.timezone.utc))  # type: ignore[return-value]


def _connection() -> Connection:
    """The connection transactions run on: the one every model shares."""
    return aws.dynamodb_connection()


def approved_comments(slug: str) -> int:
    """How many approved comments an article has (a Query; for an article coming back after removal)."""
    return Comment.count(f"comments#{slug}")


def _get(model: type, pk: str, sk: str):  # type: ignore[no-untyped-def]
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def get_post(path: str) -> Post | None:
    """The post item at ``/<path>/``, or None."""
    return _get(Post, *Post.key_for(path))


def get_source(key: str) -> Source | None:
    """What the file at ``key`` last published, or None."""
    return _get(Source, "source", key)


def is_stale_event(source: Source | None, sequencer: str | None) -> bool:
    """True if an S3 event is older than the newest one already applied to its key.

    S3 sequencers of one key compare as hex strings once the shorter is
    left-padded with zeros (AWS's documented rule). moto sends none.
    """
    if not sequencer or source is None or not source.sequencer:
        return False
    width = max(len(sequencer), len(source.sequencer))
    return sequencer.rjust(width, "0") < source.sequencer.rjust(width, "0")


def _commit(source: Source | None, key: str, writes: Callable[[TransactWrite], None], settled: bool = False,
            **fields: Any) -> Source:
    """Run ``writes`` and save the file's new Source in one transaction, conditional on its revision."""
    revision = int(source.revision) if source is not None else 0
    new_source = Source("source", key, revision=revision + 1, settled=settled, **fields)
    condition = Source.revision == revision if source is not None else Source.pk.does_not_exist()
    try:
        with TransactWrite(connection=_connection()) as txn:
            writes(txn)
            txn.save(new_source, condition=condition)
    except TransactWriteError as exc:
        if exc.cause_response_code == "TransactionCanceledException" and "ConditionalCheckFailed" in str(
                exc.cancellation_reasons):
            raise ConcurrentChange(key) from exc
        raise
    return new_source


# Work that ends a change (rebuild the snapshot, then settle the Source), held
# back while a batch runs; None when no batch is open.
_deferred: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "deferred_finishes", default=None)


@contextlib.contextmanager
def one_snapshot_rebuild(run: Callable[[Callable[[], None]], None] = lambda step: step()) -> Iterator[None]:
    """Rebuild the site snapshot once for every change made inside, at the end, then settle them.

    ``run(step)`` runs each of those steps (ingest passes its retry-on-throttling
    wrapper; every step is idempotent). A change whose finish never ran (the
    rebuild failed for good, the Lambda died) stays unsettled, so its retry
    redoes its follow-up work: nothing is lost, only repeated. The caller must
    treat a failure here as a failure of every change made inside.
    """
    pending: list[Callable[[], None]] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending:
        run(rebuild_site_snapshot)
        for finish in pending:
            run(finish)


def _finish(settle: Callable[[], None]) -> None:
    """Rebuild the snapshot and settle now, or at the end of the open batch."""
    pending = _deferred.get()
    if pending is None:
        rebuild_site_snapshot()
        settle()
    else:
        pending.append(settle)


def _settle(source: Source) -> None:
    """Mark the follow-up work of ``source``'s revision done (unless a newer revision exists)."""
    try:
        source.update(actions=[Source.settled.set(True)], condition=Source.revision == source.revision)
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


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


def _listing_items(post: Post | None) -> dict[tuple[str, str], Listing]:
    if post is None:
        return {}
    sk = f"{post.date}#{post.slug}"
    tag_names = dict(post.tags or [])
    return {
        (f"list#{name}", sk): Listing(
            f"list#{name}", sk, slug=post.slug, title=post.title, date=post.date,
            summary=post.summary, author=post.author, author_name=post.author_name,
            categories=post.categories, image=post.image, updated=post.updated or post.date,
            label=tag_names.get(name[4:]) if name.startswith("tag#") else None,
        )
        for name in listing_names(post)
    }


def publish_article(article: Article, body: RenderedBody, source: Source | None, etag: str | None = None,
                    sequencer: str | None = None,
                    file_exists: Callable[[str], bool] = lambda key: True,
                    store_body: Callable[[str, bytes], None] | None = None, force: bool = False,
                    image_size: tuple[int, int] | None = None) -> PublishResult:
    """Publish (or update) an article or page from one file.

    ``source`` is the file's Source as read *before* the file was read from
    S3 (``get_source``): committing is conditional on it, which is what makes
    a slower ingest of an older read lose. ``file_exists(key)`` tells whether
    another file still exists in the bucket; ``store_body(key, html)`` writes
    an oversized body to S3.

    :raise ContentError: the slug belongs to another file that still exists.
    :raise ConcurrentChange: another ingest changed this file or slug meanwhile.
    """
    if not force and source is not None and source.status == "published" and source.settled \
            and etag is not None and source.etag == etag:
        return PublishResult(slug=source.slug, notes=["unchanged"], unchanged=True)
    result = PublishResult(slug=article.slug)
    previous_slug = source.slug if source is not None and source.status == "published" else None

    owner = get_post(article.slug)
    if owner is not None and owner.kind != "redirect" and owner.source_key != article.key:
        if file_exists(owner.source_key):
            Claim(f"claim#{article.slug}", article.key).save()
            raise ContentError(article.key, [Problem(
                "slug", f"'{article.slug}' is already used by {owner.source_key}; give this file another "
                "slug, or delete the other file (this file is then published by itself)")])
        result.notes.append(f"took over /{article.slug}/ from {owner.source_key}, which no longer exists")
    previous = owner if previous_slug == article.slug else (get_post(previous_slug) if previous_slug else None)
    if previous is not None and (previous.source_key != article.key or previous.kind == "redirect"):
        previous = None

    packed = bodies.pack(body.html, article.slug)
    if packed.ref and store_body is not None:
        store_body(packed.ref, packed.offloaded_html)  # type: ignore[arg-type]
    post = Post(
        *Post.key_for(article.slug), kind=article.kind, slug=article.slug, title=article.title,
        date=iso(article.date), updated=iso(article.updated), author=article.author,
        author_name=article.author_name, categories=list(article.categories),
        tags=[[slug, name] for slug, name in zip(article.tags, article.tag_names)],
        summary=article.summary or body.excerpt, image=article.image, draft=article.draft,
        image_size=list(image_size) if image_size else None,
        body_html=packed.html, body_gz=packed.gz, body_ref=packed.ref,
        aliases=list(article.aliases), source_key=article.key, source_etag=etag,
        comment_count=owner.comment_count if owner is not None and owner.source_key == article.key
        else approved_comments(article.slug),
        comments_open=article.comments,
    )
    post.related = _related_candidates(post)
    post.xrefs = _xref_targets(body.xrefs)
    terms = _search_items(post, body.html)
    post.search_keys = [[item.pk, item.sk] for item in terms]

    old_redirects = set(source.redirects or []) if source is not None else set()
    new_redirects, alias_notes = _wanted_redirects(post, previous, old_redirects)
    result.notes += alias_notes
    new_listings = _listing_items(post)
    old_listings = _listing_items(previous)
    target_changed = previous is None or (previous.slug, previous.draft) != (post.slug, post.draft)
    to_put = new_redirects if target_changed else new_redirects - old_redirects

    def writes(txn: TransactWrite) -> None:
        owned = Post.pk.does_not_exist() | (Post.kind == "redirect") | (Post.source_key == article.key)
        if owner is not None and owner.kind != "redirect" and owner.source_key != article.key:
            owned = Post.source_key == owner.source_key  # taking over from a deleted file
        if owner is not None and owner.kind != "redirect":  # a comment approved meanwhile: retry, do not lose it
            owned = owned & (Post.comment_count == owner.comment_count)
        txn.save(post, condition=owned)
        for item in new_listings.values():
            txn.save(item)
        for key, item in old_listings.items():
            if key not in new_listings:
                txn.delete(item)
        for path in sorted(to_put):
            target = post.slug if not post.draft else None
            txn.save(Post(*Post.key_for(path), kind="redirect", slug=path, redirect_to=target,
                          source_key=article.key),
                     condition=Post.pk.does_not_exist() | (Post.kind == "redirect")
                     | (Post.source_key == article.key))
        for path in sorted(old_redirects - new_redirects - {post.slug}):
            txn.delete(Post(*Post.key_for(path)),
                       condition=Post.pk.does_not_exist() | (Post.source_key == article.key))
        txn.delete(Claim(f"claim#{article.slug}", article.key))

    new_source = _commit(source, article.key, writes, kind=article.kind, slug=post.slug, etag=etag,
                         sequencer=sequencer, status="published", redirects=sorted(new_redirects))
    if previous is not None and previous.slug != post.slug:
        result.notes.append(f"moved from /{previous.slug}/; the old URL now redirects")

    # Follow-ups: idempotent, redone on a retry until the Source is settled.
    _write_refs(post, previous, rewrite_all=source is not None and not source.settled)
    _write_search_terms(terms, previous)
    if article.kind == "article" and not article.draft and post.date:
        Month("month", post.date[:7], lastmod=now_iso()).save()
    if source is None or not source.settled or _reader_visible_change(previous, post):
        refresh_referrers(post.slug)
        _refresh_successors(post)
        if previous is not None and previous.slug != post.slug:
            refresh_referrers(previous.slug)
    _register_implicit_terms(article)
    _finish(lambda: _settle(new_source))
    if article.draft:
        result.notes.append("draft: stored, not shown to readers")
    return result


def _wanted_redirects(post: Post, previous: Post | None, old: set[str]) -> tuple[set[str], list[str]]:
    """Paths that should redirect to ``post``: its aliases and its former slugs."""
    notes = []
    wanted = set(old) - {post.slug}  # former slugs stay redirects
    wanted -= set(previous.aliases or []) if previous is not None else set()
    if previous is not None and previous.slug != post.slug:
        wanted.add(previous.slug)
    for path in post.aliases or []:
        existing = get_post(path)
        if existing is not None and existing.kind != "redirect" and existing.source_key != post.source_key:
            notes.append(f"alias /{path}/ ignored: it is the URL of {existing.source_key}")
        elif path != post.slug:
            wanted.add(path)
    return wanted, notes


def unpublish_source(key: str, source: Source | None, sequencer: str | None = None) -> PublishResult:
    """Take down whatever the file at ``key`` published. Safe to repeat.

    ``source`` is as read before S3 said the file is gone.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    if source is None:
        return PublishResult(slug=None, notes=["nothing was published from this file"])
    if source.kind in ("article", "page"):
        return _unpublish_post(source, sequencer)
    if source.status != "removed":
        term_writes = _term_removal(source)
        source = _commit(source, key, term_writes, kind=source.kind, slug=source.slug, status="removed",
                         sequencer=sequencer)
    removed = source
    _finish(lambda: _delete_settled(removed))
    return PublishResult(slug=source.slug, notes=["removed"])


def _term_removal(source: Source) -> Callable[[TransactWrite], None]:
    def writes(txn: TransactWrite) -> None:
        if source.kind == "author" and source.slug:
            # Bylines still name the author: keep the name, forget the bio.
            item = _get(AuthorItem, "author", source.slug)
            if item is not None and item.source_key == source.sk:
                txn.save(AuthorItem("author", source.slug, name=item.name))
        elif source.kind == "category" and source.slug:
            item = _get(CategoryItem, "category", source.slug)
            if item is not None and item.source_key == source.sk:
                txn.save(CategoryItem("category", source.slug, name=item.name))
        elif source.kind == "settings":
            txn.delete(SettingsItem("settings", "site"), condition=SettingsItem.source_key == source.sk)
    return writes


def _unpublish_post(source: Source, sequencer: str | None) -> PublishResult:
    result = PublishResult(slug=source.slug, notes=[])
    post = get_post(source.slug) if source.slug else None
    owned = post is not None and post.source_key == source.sk and post.kind != "redirect"
    if source.status != "removed":
        if owned:
            _write_refs(None, post)
            _write_search_terms([], post)

        def writes(txn: TransactWrite) -> None:
            if owned:
                txn.delete(post, condition=Post.source_key == source.sk)
                for item in _listing_items(post).values():
                    txn.delete(item)
            for path in source.redirects or []:
                txn.delete(Post(*Post.key_for(path)),
                           condition=Post.pk.does_not_exist() | (Post.source_key == source.sk))

        source = _commit(source, source.sk, writes, kind=source.kind, slug=source.slug, status="removed",
                         sequencer=sequencer, redirects=[])
        if owned:
            result.notes.append("unpublished")
    if source.slug:
        refresh_referrers(source.slug)
        result.freed_slug = source.slug
    removed = source
    _finish(lambda: _delete_settled(removed))
    return result


def _delete_settled(source: Source) -> None:
    """Forget a removed file once its follow-up work is done (unless it came back meanwhile)."""
    try:
        source.delete(condition=Source.revision == source.revision)
    except Exception as exc:  # noqa: BLE001 - a newer revision exists: it is not ours to delete
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise


def record_invalid(key: str, kind: str, problems: Iterable[str], source: Source | None,
                   sequencer: str | None = None, etag: str | None = None) -> None:
    """Remember that a file failed validation (what readers see is unchanged).

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    problems = list(problems)
    if source is None or source.status != "published":
        _commit(source, key, lambda txn: None, settled=True, kind=kind, status="invalid", problems=problems,
                sequencer=sequencer, refused_etag=etag)
        return
    # Keep what it published live; just note the problem.
    try:
        source.update(actions=[Source.problems.set(problems), Source.refused_etag.set(etag)],
                      condition=Source.revision == source.revision)
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise ConcurrentChange(key) from exc
        raise


def waiting_claims(slug: str) -> list[str]:
    """Keys of files refused because they wanted ``slug``."""
    return [claim.sk for claim in Claim.query(f"claim#{slug}")]


def drop_claim(slug: str, key: str) -> None:
    """Forget that ``key`` wanted ``slug`` (the file is gone or changed its mind)."""
    Claim(f"claim#{slug}", key).delete()


def _reader_visible_change(before: Post | None, after: Post) -> bool:
    if before is None:
        return True
    return (before.title, before.date, before.draft, before.slug, before.kind, before.categories,
            before.tags) != (after.title, after.date, after.draft, after.slug, after.kind, after.categories,
                             after.tags)


# --- search terms --------------------------------------------------------------------

def _search_items(post: Post, body_html: str) -> list[SearchTerm]:
    """The term index entries for ``post`` (none for drafts, pages and redirects)."""
    if post.kind != "article" or post.draft or not post.date:
        return []
    summary = (post.summary or "")[:300]
    return [
        SearchTerm(f"term#{term}", search.sort_key(score, post.date, post.slug), slug=post.slug,
                   title=post.title, date=post.date, summary=summary)
        for term, score in search.index_terms(post.title or "", post.summary or "", body_html).items()
    ]


def _write_search_terms(terms: list[SearchTerm], previous: Post | None) -> None:
    """Write ``terms`` and delete the previous version's entries that are gone (batched)."""
    keep = {(t.pk, t.sk) for t in terms}
    stale = [tuple(k) for k in (previous.search_keys or [])] if previous is not None else []
    with SearchTerm.batch_write() as batch:
        for item in terms:
            batch.save(item)
        for pk, sk in stale:
            if (pk, sk) not in keep:
                batch.delete(SearchTerm(pk, sk))


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


def _xref_targets(slugs: Iterable[str]) -> dict[str, dict[str, str] | None]:
    """Every cross-linked slug, with the current title and date of those readers can see (else None)."""
    found: dict[str, dict[str, str] | None] = {slug: None for slug in slugs}
    if not found:
        return {}
    for item in Post.batch_get([Post.key_for(s) for s in found]):
        if item.kind != "redirect" and not item.draft:
            found[item.slug] = {"title": item.title, "date": item.date}
    return found


def _ref_targets(post: Post | None) -> set[str]:
    if post is None:
        return set()
    return set((post.xrefs or {}).keys()) | {r["slug"] for r in post.related or []}


def _write_refs(post: Post | None, previous: Post | None, rewrite_all: bool = False) -> None:
    """Record which articles ``post`` shows links to, so they can refresh it."""
    new = _ref_targets(post)
    old = _ref_targets(previous)
    source_slug = post.slug if post is not None else None
    old_slug = previous.slug if previous is not None else None
    same_slug = old_slug == source_slug
    for target in new if rewrite_all or not same_slug else new - old:
        Ref(f"refs#{target}", source_slug).save()
    for target in old:
        if not same_slug or target not in new:
            Ref(f"refs#{target}", old_slug).delete()


def refresh_referrers(slug: str) -> int:
    """Re-resolve the links on every article that points at ``slug``; return how many changed."""
    return sum(_refresh_links(ref.sk, ref) for ref in Ref.query(f"refs#{slug}"))


def _refresh_links(slug: str, ref: Ref | None = None) -> bool:
    """Recompute one article's related posts and cross-link titles; True if they changed.

    Its Ref items follow: links it no longer shows stop refreshing it, so the
    work per change stays bounded by the links that really exist.
    """
    post = get_post(slug)
    if post is None or post.kind == "redirect":
        if ref is not None:
            ref.delete()
        return False
    before = _ref_targets(post)
    related = _related_candidates(post)
    xrefs = _xref_targets((post.xrefs or {}).keys())
    changed = related != (post.related or []) or xrefs != (post.xrefs or {})
    if changed:
        try:  # only while it is still the same article: UpdateItem would otherwise create a stub
            post.update(actions=[Post.related.set(related), Post.xrefs.set(xrefs)],
                        condition=(Post.source_key == post.source_key) & (Post.kind == post.kind))
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
    after = _ref_targets(post) if changed else before
    for target in after - before:
        Ref(f"refs#{target}", post.slug).save()
    for target in before - after:
        Ref(f"refs#{target}", post.slug).delete()
    if ref is not None and ref.pk.removeprefix("refs#") not in after:
        ref.delete()
    return changed


# --- authors, categories, settings -----------------------------------------------

def save_author(author: Author, source: Source | None, etag: str | None = None,
                      sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish an author's name and bio.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    return _save_term(source, author.key, "author", author.slug, etag, sequencer, force, AuthorItem(
        "author", author.slug, name=author.name, bio=author.bio, source_key=author.key))


def save_category(category: Category, source: Source | None, etag: str | None = None,
                        sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish a category's name, description and menu position.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    return _save_term(source, category.key, "category", category.slug, etag, sequencer, force, CategoryItem(
        "category", category.slug, name=category.name, description=category.description,
        menu_order=category.menu_order, parent=category.parent, source_key=category.key))


def save_settings(settings: Settings, source: Source | None, etag: str | None = None,
                        sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish the site settings.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    data = {
        "site_name": settings.site_name, "tagline": settings.tagline,
        "menu": [vars(m) for m in settings.menu] if settings.menu is not None else None,
        "footer_links": [vars(m) for m in settings.footer_links],
        "recent_posts": settings.recent_posts, "related_posts": settings.related_posts,
        "page_size": settings.page_size, "language": settings.language,
        "comments_close_after_days": settings.comments_close_after_days,
    }
    return _save_term(source, settings.key, "settings", "site", etag, sequencer, force,
                      SettingsItem("settings", "site", data=data, source_key=settings.key))


def _save_term(source: Source | None, key: str, kind: str, slug: str, etag: str | None, sequencer: str | None,
               force: bool, item: Any) -> PublishResult:
    if not force and source is not None and source.status == "published" and source.settled and etag and source.etag == etag:
        return PublishResult(slug=slug, notes=["unchanged"], unchanged=True)
    new_source = _commit(source, key, lambda txn: txn.save(item), kind=kind, slug=slug, etag=etag,
                         sequencer=sequencer, status="published")
    _finish(lambda: _settle(new_source))
    return PublishResult(slug=slug if kind != "settings" else None)


def _register_implicit_terms(article: Article) -> None:
    """Categories and authors named in an article exist even without their own file."""
    for slug, name in zip(article.categories, article.category_names):
        _put_if_absent(CategoryItem("category", slug, name=name))
    if article.author:
        _put_if_absent(AuthorItem("author", article.author, name=article.author_name))


def _put_if_absent(item: Any) -> None:
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


# --- the site snapshot --------------------------------------------------------------

def rebuild_site_snapshot() -> dict:
    """Recompute the one item every page reads: a handful of bounded reads.

    The write is conditional on the version read first, so a rebuild that
    read older state can never overwrite a newer one; it starts again.
    """
    for _ in range(SNAPSHOT_ATTEMPTS):
        current = _get(SiteSnapshot, "site", "site")
        version = int(current.version) if current is not None else 0
        data = _snapshot_data()
        condition = SiteSnapshot.version == version if current is not None else SiteSnapshot.pk.does_not_exist()
        try:
            SiteSnapshot("site", "site", data=data, version=version + 1).save(condition=condition)
            return data
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
    raise ConcurrentChange("site snapshot")


def _snapshot_data() -> dict:
    settings_item = _get(SettingsItem, "settings", "site")
    settings = {**DEFAULT_SETTINGS, **(settings_item.data if settings_item else {})}
    categories = [
        {"slug": c.sk, "name": c.name, "description": c.description or "",
         "menu_order": int(c.menu_order) if c.menu_order is not None else None, "parent": c.parent}
        for c in CategoryItem.query("category", consistent_read=True)
    ]
    categories.sort(key=lambda c: c["name"].lower())
    # Names only: bios are read on the author's own page, so the snapshot stays small.
    authors = {a.sk: a.name for a in AuthorItem.query("author", consistent_read=True,
                                                       attributes_to_get=["pk", "sk", "name"])}
    recent = [
        {"slug": item.slug, "title": item.title, "date": item.date}
        for item in Listing.query("list#home", scan_index_forward=False, consistent_read=True,
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
    return {
        "settings": settings,
        "menu": _resolve_links(menu, by_slug),
        "footer": _resolve_links(settings["footer_links"], by_slug),
        "categories": categories,
        "authors": authors,
        "recent": recent,
        "built_at": now_iso(),
    }


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
