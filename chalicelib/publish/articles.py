"""Write articles and static pages: the post, its archive listings, its redirects, its claims.

Input is a parsed file from ``content_format`` and its body already rendered by ``markup``; output
is items in the table (``models``). ``planner`` decides (``read_current`` asks the table and the
bucket, ``plan_article`` makes the ``ArticlePlan``, testable without AWS); ``commit`` here carries a
plan out: one transaction with the file's Source (``revisions``), then the links to and from other
articles (``links``), the search index and the site snapshot. ``unpublish`` takes a file's article
down. Nothing here reads S3 or renders Markdown: what a rule needs to know of the bucket it asks the
``ContentBucket`` ingest passes in. The rules an editor can rely on are ``planner``'s docstring's.
"""

from __future__ import annotations

from typing import Iterable

from pynamodb.transactions import TransactWrite

from chalicelib import clock, keys, old_urls
from chalicelib.bucket import ContentBucket
from chalicelib.content.content_format import Article, ContentError, Problem
from chalicelib.content.markup import RenderedBody
from chalicelib.models import Claim, Month, Post, SearchTerm, Source
from chalicelib.publish import edge, links, planner, revisions, terms
from chalicelib.publish.planner import (
    ArticlePlan,
    alias_taken,
    desk_fields,
    holds_slug_for_another,
    listing_items,
    listing_names,
    month_of,
)
from chalicelib.publish.revisions import PublishResult


def get_post(path: str) -> Post | None:
    """The post item at ``/<path>/``, or None."""
    return Post.get_or_none(*keys.post(path), consistent_read=True)


def slug_held_by(slug: str, key: str) -> str | None:
    """The other file whose article or page holds ``slug``, or None if the file at ``key`` may take it
    (the desk asks before a save; ingest decides with the same rule, ``planner.holds_slug_for_another``)."""
    owner = get_post(slug)
    return owner.source_key if owner is not None and holds_slug_for_another(owner, key) else None


def publish_article(article: Article, body: RenderedBody, source: Source | None, bucket: ContentBucket,
                    etag: str | None = None, sequencer: str | None = None, force: bool = False,
                    image_size: tuple[int, int] | None = None, version: str | None = None) -> PublishResult:
    """Publish (or update) an article or page from one file: read what it decides on, plan, commit
    (``planner``).

    ``source`` is the file's Source as read *before* the file was read from
    S3 (``revisions.get_source``): committing is conditional on it, which is
    what makes a slower ingest of an older read lose. ``bucket`` says whether
    another file still exists, and keeps an oversized body.

    :raise ContentError: the slug, or an address an alias wants, belongs to another file that still exists.
    :raise ConcurrentChange: another ingest changed this file or slug meanwhile.
    """
    if source is not None and revisions.is_unchanged(source, etag, force):
        return PublishResult(slug=source.slug, notes=["unchanged"], unchanged=True)
    current = planner.read_current(article, body, source, bucket)
    plan = planner.plan_article(article, body, source, current, etag, force, image_size, version)
    return commit(plan, article, source, bucket, etag, sequencer)


def commit(plan: ArticlePlan, article: Article, source: Source | None, bucket: ContentBucket,
           etag: str | None = None, sequencer: str | None = None) -> PublishResult:
    """Carry out ``plan``: one transaction with the file's Source, the edge told, then the follow-ups
    (idempotent, redone on a retry until the Source is settled).

    :raise ContentError: the plan refuses the file (its claims are recorded first).
    :raise ConcurrentChange: another ingest changed this file or slug meanwhile.
    """
    if plan.refusal:
        for claimed in plan.claims:
            Claim(keys.claim_pk(claimed), article.key).save()
        raise ContentError(article.key, list(plan.refusal))
    if plan.offload is not None:
        bucket.store_body(*plan.offload)
    post, previous = plan.post, plan.previous
    new_source = revisions.commit(source, article.key, lambda txn: _writes(txn, plan, article.key), kind=article.kind,
                                  slug=post.slug, etag=etag, sequencer=sequencer, status="published",
                                  redirects=list(plan.redirects), **desk_fields(post))
    edge.changed(plan.invalidate, key=article.key)
    if post.kind == "page" and (previous is None or (previous.title, previous.draft) != (post.title, post.draft)):
        edge.changed(planner.child_page_paths(post.slug), key=article.key)  # their breadcrumbs name it
    links.write_refs(post, previous, rewrite_all=source is not None and not source.settled)
    _write_search_terms(list(plan.search_entries), previous)
    if plan.month_added:
        Month(*keys.month(plan.month_added)).update(actions=[Month.lastmod.set(clock.now_iso())])
    if plan.refresh_links:
        links.refresh_referrers(post.slug)
        links.refresh_successors(post)
        if previous is not None and previous.slug != post.slug:
            links.refresh_referrers(previous.slug)
    if plan.register_terms:
        terms.register_named_in(article)
    revisions.finish(lambda: revisions.settle(new_source))
    return PublishResult(slug=article.slug, notes=list(plan.notes), freed_paths=list(plan.redirects_deleted),
                         had_warnings=plan.had_warnings, had_preview=plan.had_preview)


def _writes(txn: TransactWrite, plan: ArticlePlan, key: str) -> None:
    """The plan's transaction: the post (conditional on what was read at its URL), its archive entries,
    its redirects (each conditional on being free, this file's, or a gone file's it takes over), the
    redirects it lets go, its claim, and the months' counts."""
    post = plan.post
    owned = Post.pk.does_not_exist() | (Post.kind == "redirect") | (Post.source_key == key)
    if plan.took_over_from is not None:
        owned = Post.source_key == plan.took_over_from  # taking over from a deleted file
    if plan.comment_count_seen is not None:  # a comment approved meanwhile: retry, do not lose it
        owned = owned & (Post.comment_count == plan.comment_count_seen)
    txn.save(post, condition=owned)
    for item in plan.listings_put:
        txn.save(item)
    for item in plan.listings_deleted:
        txn.delete(item)
    for path in plan.redirects_put:
        held = Post.pk.does_not_exist() | (Post.source_key == key)
        if path in plan.redirects_taken_over:  # from a file that no longer exists, as read (a newer claim makes this lose)
            held = held | ((Post.kind == "redirect") & (Post.source_key == plan.redirects_taken_over[path]))
        txn.save(Post(*keys.post(path), kind="redirect", slug=path, redirect_to=post.slug if not post.draft else None,
                      source_key=key), condition=held)
    for path in plan.redirects_deleted:
        txn.delete(Post(*keys.post(path)), condition=Post.source_key == key)
    txn.delete(Claim(keys.claim_pk(post.slug), key))
    _count_in_months(txn, added=plan.month_added, removed=plan.month_removed)


def aliases_claimed_twice(articles: Iterable[Article]) -> dict[str, list[Problem]]:
    """The same rule within one batch of files (``newsroom check``, an upload, an import), without the
    table: taken in the order of their keys, a file whose alias an earlier one already claims gets
    the problem ingest would give it (key -> problems)."""
    holders: dict[str, str] = {}  # alias -> the first file claiming it
    out: dict[str, list[Problem]] = {}
    for article in sorted(articles, key=lambda a: a.key):
        for path in article.aliases:
            taken = next(((c, holders[c]) for c in old_urls.id_candidates(path)
                          if holders.get(c, article.key) != article.key), None)
            if taken is not None:
                out.setdefault(article.key, []).append(alias_taken(path, *taken))
            elif path != article.slug:
                holders.setdefault(path, article.key)
    return out


def unpublish(source: Source, sequencer: str | None = None) -> PublishResult:
    """Take down the article or page a file published, and the redirects it made. Safe to repeat.

    ``source`` is as read before S3 said the file is gone.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    result = PublishResult(slug=source.slug, notes=[])
    post = get_post(source.slug) if source.slug else None
    owned = post if post is not None and post.source_key == source.sk and post.kind != "redirect" else None
    if source.status != "removed":
        held = _still_held(set(source.redirects or []), source.sk)
        gone = edge.article_paths(owned, None, listing_names(owned) if owned else [], source.redirects or [])
        if owned:
            links.write_refs(None, owned)
            _write_search_terms([], owned)

        def writes(txn: TransactWrite) -> None:
            if owned:
                txn.delete(owned, condition=Post.source_key == source.sk)
                for item in listing_items(owned).values():
                    txn.delete(item)
                _count_in_months(txn, added=None, removed=month_of(owned))
            for path in held:
                txn.delete(Post(*keys.post(path)), condition=Post.source_key == source.sk)
            if owned:  # the desk's list keeps showing it, as Unpublished, until it is published again
                txn.save(_tombstone(source))

        source = revisions.commit(source, source.sk, writes, kind=source.kind, slug=source.slug, status="removed",
                                  sequencer=sequencer, redirects=[])
        result.freed_paths = held
        edge.changed(gone, key=source.sk)
        if source.kind == "page" and source.slug:
            edge.changed(planner.child_page_paths(source.slug), key=source.sk)  # their breadcrumbs no longer link it
        if owned:
            result.notes.append("unpublished")
    if source.slug:
        links.refresh_referrers(source.slug)
        result.freed_slug = source.slug
    removed = source
    revisions.finish(lambda: revisions.forget(removed))
    return result


def _tombstone(source: Source) -> Source:
    """What the desk's list shows of an article or page once it is unpublished: its row as it was."""
    now = clock.now_iso()
    return Source(*keys.unpublished(source.sk), kind=source.kind, status="unpublished", title=source.title,
                  slug=source.slug, date=source.date, author=source.author, categories=source.categories,
                  desk_pk=keys.desk_pk(source.kind), desk_sk=keys.desk_order(source.date, source.sk, now),
                  saved_at=now)


def _still_held(paths: set[str], key: str) -> list[str]:
    """Those of ``paths`` whose redirect the file at ``key`` still holds (one taken over since, after
    the file was gone, is the new holder's to keep: deleting it is not this file's to do)."""
    if not paths:
        return []
    found = Post.batch_get([keys.post(path) for path in sorted(paths)], consistent_read=True)
    return sorted(item.slug for item in found if item.source_key == key and item.slug in paths)


def _count_in_months(txn: TransactWrite, added: str | None, removed: str | None) -> None:
    """Keep each Month's count of listed articles exact, in the change's own transaction (so a retry
    cannot count twice): the sitemap index lists only months that still have articles."""
    if added == removed:
        return
    if added:
        txn.update(Month(*keys.month(added)), actions=[Month.articles.add(1)])
    if removed:
        txn.update(Month(*keys.month(removed)), actions=[Month.articles.add(-1)])


def waiting_claims(slug: str) -> list[str]:
    """Keys of files refused because they wanted ``slug``."""
    return [claim.sk for claim in Claim.query(keys.claim_pk(slug))]


def drop_claim(slug: str, key: str) -> None:
    """Forget that ``key`` wanted ``slug`` (the file is gone or changed its mind)."""
    Claim(keys.claim_pk(slug), key).delete()


def _write_search_terms(entries: list[SearchTerm], previous: Post | None) -> None:
    """Write ``entries`` and delete the previous version's entries that are gone (batched)."""
    keep = {(t.pk, t.sk) for t in entries}
    stale = [tuple(k) for k in (previous.search_keys or [])] if previous is not None else []
    with SearchTerm.batch_write() as batch:
        for item in entries:
            batch.save(item)
        for pk, sk in stale:
            if (pk, sk) not in keep:
                batch.delete(SearchTerm(pk, sk))
