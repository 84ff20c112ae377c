"""Write articles and static pages: the post, its archive listings, its redirects, its claims.

Input is a parsed file from ``content_format`` and its body already
rendered by ``markup``; output is items in the table (``models``). Nothing
here reads S3 or renders Markdown: what a rule needs to know of the bucket
(does another file still exist? where does an oversized body go?) it asks
the ``ContentBucket`` that ingest passes in.

Rules an editor can rely on (docs/content-format.md):
- a slug belongs to the first file that claimed it, while that file exists;
  a second file claiming it is refused with a report and published as soon
  as the slug is free (so moving a file works in either event order);
- changing an article's slug moves it, and its old URL answers 301;
- ``aliases`` answer 301 to the article, unless a real article owns that URL;
- an old address leads to one article: an alias (or a WordPress id URL, ``/?p=1``, that an
  alias of another form already answers) held by another file that exists refuses this file,
  naming the holder, before anything is written; the file is published as soon as the address
  is free, as a slug's is. An alias of a file that no longer exists is taken over.

Each change is one transaction with the file's Source (``revisions``); the
links to and from other articles (``links``), the search index and the site
snapshot follow after it.
"""

from __future__ import annotations

from typing import Any, Iterable

from pynamodb.transactions import TransactWrite

from chalicelib import bodies, clock, keys
from chalicelib.content import images, markup, search
from chalicelib.content.content_format import Article, ContentError, Problem
from chalicelib.content.markup import RenderedBody
from chalicelib.models import Claim, Comment, Listing, Month, Post, SearchTerm, Source
from chalicelib.publish import edge, links, revisions, terms
from chalicelib.publish.bucket import ContentBucket
from chalicelib.publish.revisions import PublishResult
from chalicelib.site import old_urls, protected


def approved_comments(slug: str) -> int:
    """How many approved comments an article has (a Query; for an article coming back after removal)."""
    return Comment.count(keys.comments_pk(slug))


def get_post(path: str) -> Post | None:
    """The post item at ``/<path>/``, or None."""
    return Post.get_or_none(*keys.post(path), consistent_read=True)


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


def _listing_items(post: Post | None) -> dict[tuple[str, str], Listing]:
    if post is None:
        return {}
    sk = keys.listing_sk(post.date, post.slug)
    tag_names = dict(post.tags or [])
    return {
        (keys.listing_pk(name), sk): Listing(
            keys.listing_pk(name), sk, slug=post.slug, title=post.title, date=post.date,
            summary=post.summary, author=post.author, author_name=post.author_name,
            categories=post.categories, image=post.image, image_set=images.thumbnail_set(post.image_set),
            updated=post.updated or post.date,
            label=tag_names.get(keys.tag_of(name) or ""),
        )
        for name in listing_names(post)
    }


def post_item(key: tuple[str, str], article: Article, body: RenderedBody, packed: bodies.PackedBody, etag: str | None,
              image_size: tuple[int, int] | None, comment_count: int, source_key: str | None = None,
              version: str | None = None) -> Post:
    """The item that serves ``article``: at its URL (``keys.post``), or as a preview copy (``keys.pending``)."""
    return Post(
        *key, kind=article.kind, slug=article.slug, title=markup.typeset_text(article.title),
        date=clock.iso(article.date), updated=clock.iso(article.updated), author=article.author,
        author_name=article.author_name, categories=list(article.categories),
        tags=[[slug, name] for slug, name in zip(article.tags, article.tag_names, strict=True)],
        summary=markup.typeset_text(article.summary) if article.summary else body.excerpt, image=article.image,
        image_alt=article.image_alt or None,
        draft=article.draft,
        image_size=list(image_size) if image_size else None, image_set=body.image_set,
        media=list(body.media) or None,
        body_html=packed.html, body_gz=packed.gz, body_ref=packed.ref,
        aliases=list(article.aliases), source_key=source_key or article.key, source_etag=etag,
        source_version=version, password_hash=protected.hash_password(article.password) if article.password else None,
        comment_count=comment_count, comments_open=article.comments, sticky=article.sticky or None,
        corrections=[{"date": clock.iso(when), "note": markup.typeset_text(note)}
                     for when, note in article.corrections] or None,
        warned=bool(body.warnings) or None,
    )


def publish_article(article: Article, body: RenderedBody, source: Source | None, bucket: ContentBucket,
                    etag: str | None = None, sequencer: str | None = None, force: bool = False,
                    image_size: tuple[int, int] | None = None, version: str | None = None) -> PublishResult:
    """Publish (or update) an article or page from one file.

    ``source`` is the file's Source as read *before* the file was read from
    S3 (``revisions.get_source``): committing is conditional on it, which is
    what makes a slower ingest of an older read lose. ``bucket`` says whether
    another file still exists, and keeps an oversized body.

    :raise ContentError: the slug, or an address an alias wants, belongs to another file that still exists.
    :raise ConcurrentChange: another ingest changed this file or slug meanwhile.
    """
    if source is not None and revisions.is_unchanged(source, etag, force):
        return PublishResult(slug=source.slug, notes=["unchanged"], unchanged=True)
    result = PublishResult(slug=article.slug)
    previous_slug = source.slug if source is not None and source.status == "published" else None

    owner = get_post(article.slug)
    if owner is not None and owner.kind != "redirect" and owner.source_key != article.key:
        if bucket.exists(owner.source_key):
            Claim(keys.claim_pk(article.slug), article.key).save()
            raise ContentError(article.key, [Problem(
                "slug", f"'{article.slug}' is already used by {owner.source_key}; give this file another "
                "slug, or delete the other file (this file is then published by itself)")])
        result.notes.append(f"took over /{article.slug}/ from {owner.source_key}, which no longer exists")
    taken_over = claim_aliases(article, bucket)
    previous = owner if previous_slug == article.slug else (get_post(previous_slug) if previous_slug else None)
    if previous is not None and (previous.source_key != article.key or previous.kind == "redirect"):
        previous = None
    result.had_warnings = bool(previous is not None and previous.warned)  # its report must go, if this has none
    result.had_preview = force or _may_have_preview(source, previous)

    packed = bodies.pack(body.html, article.slug)
    if packed.ref:
        bucket.store_body(packed.ref, packed.offloaded_html)  # type: ignore[arg-type]
    post = post_item(keys.post(article.slug), article, body, packed, etag, image_size,
                     comment_count=int(owner.comment_count) if owner is not None and owner.source_key == article.key
                     else approved_comments(article.slug), version=version)
    post.related = links.related_candidates(post)
    post.xrefs = links.xref_targets(body.xrefs)
    index_entries = _search_items(post, body.html)
    post.search_keys = [[item.pk, item.sk] for item in index_entries]

    old_redirects = set(source.redirects or []) if source is not None else set()
    new_redirects, alias_notes = _wanted_redirects(post, previous, old_redirects)
    result.notes += alias_notes + [f"took over {shown_alias(path)} from {holder}, which no longer exists"
                                   for path, holder in sorted(taken_over.items()) if path in new_redirects]
    dropped = _still_held(old_redirects - new_redirects - {post.slug}, article.key)
    result.freed_paths = dropped
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
            held = Post.pk.does_not_exist() | (Post.source_key == article.key)
            if path in taken_over:  # from a file that no longer exists, as checked (a newer claim makes this lose)
                held = held | ((Post.kind == "redirect") & (Post.source_key == taken_over[path]))
            txn.save(Post(*keys.post(path), kind="redirect", slug=path, redirect_to=target,
                          source_key=article.key), condition=held)
        for path in dropped:
            txn.delete(Post(*keys.post(path)), condition=Post.source_key == article.key)
        txn.delete(Claim(keys.claim_pk(article.slug), article.key))
        _count_in_months(txn, added=_month_of(post), removed=_month_of(previous))

    new_source = revisions.commit(source, article.key, writes, kind=article.kind, slug=post.slug, etag=etag,
                                  sequencer=sequencer, status="published", redirects=sorted(new_redirects),
                                  **desk_fields(post))
    edge.changed(edge.article_paths(previous, post, set(listing_names(previous) if previous else [])
                                    | set(listing_names(post)), old_redirects | new_redirects), key=article.key)
    if previous is not None and previous.slug != post.slug:
        result.notes.append(f"moved from /{previous.slug}/; the old URL now redirects")

    # Follow-ups: idempotent, redone on a retry until the Source is settled.
    links.write_refs(post, previous, rewrite_all=source is not None and not source.settled)
    _write_search_terms(index_entries, previous)
    if month := _month_of(post):
        Month(*keys.month(month)).update(actions=[Month.lastmod.set(clock.now_iso())])
    if source is None or not source.settled or _reader_visible_change(previous, post):
        links.refresh_referrers(post.slug)
        links.refresh_successors(post)
        if previous is not None and previous.slug != post.slug:
            links.refresh_referrers(previous.slug)
    if not _names_registered(source, previous, post):
        terms.register_named_in(article)
    revisions.finish(lambda: revisions.settle(new_source))
    if article.draft:
        result.notes.append("draft: stored, not shown to readers")
    return result


def _names_registered(source: Source | None, previous: Post | None, post: Post) -> bool:
    """The categories and author ``post`` names exist already: the version it replaces named the
    same ones and its follow-up work is done (``terms.register_named_in`` never deletes them)."""
    return (source is not None and bool(source.settled) and previous is not None
            and (previous.categories, previous.author) == (post.categories, post.author))


def _may_have_preview(source: Source | None, previous: Post | None) -> bool:
    """The file may have a preview record and a due-time schedule: its last version was a draft or
    is still scheduled (or it is not known what it was). A file never seen before has neither, and
    neither has one whose last version was live: its record went when it went live."""
    if source is None:
        return False
    return previous is None or bool(previous.draft) or (previous.date or "") > clock.now_iso()


def claim_aliases(article: Article, bucket: ContentBucket) -> dict[str, str]:
    """Check that no other file that still exists holds an address this article's aliases want (the
    alias itself, or, for WordPress's ``?p=ID``, the ``?page_id=ID`` or ``?attachment_id=ID`` that
    already answers ``/?p=ID``); returns the redirects it takes over from files that no longer exist
    (path -> that file). Nothing is written but the waiting claims, so a refusal leaves the site as it was.

    :raise ContentError: naming each alias taken and the file it already leads to.
    """
    wanted = {path: old_urls.id_candidates(path) for path in article.aliases if path != article.slug}
    if not wanted:
        return {}
    held = {(post.pk, post.sk): post for post in Post.batch_get(
        list(dict.fromkeys(keys.post(c) for candidates in wanted.values() for c in candidates)), consistent_read=True)}
    problems, taken_over = [], {}
    for path, candidates in wanted.items():
        for candidate in candidates:
            holder = held.get(keys.post(candidate))
            if holder is None or holder.source_key == article.key or holder.kind != "redirect":
                continue  # free, its own, or a real article's URL (the alias is then ignored, with a note)
            if not bucket.exists(holder.source_key):
                if candidate == path:
                    taken_over[path] = holder.source_key
                continue
            Claim(keys.claim_pk(candidate), article.key).save()
            problems.append(_alias_taken(path, candidate, holder.source_key))
            break
    if problems:
        raise ContentError(article.key, problems)
    return taken_over


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
                out.setdefault(article.key, []).append(_alias_taken(path, *taken))
            elif path != article.slug:
                holders.setdefault(path, article.key)
    return out


def _alias_taken(path: str, held_as: str, holder: str) -> Problem:
    via = f" (as {shown_alias(held_as)})" if held_as != path else ""
    return Problem("aliases", f"{shown_alias(path)} already leads to {holder}{via}; an old address leads to one "
                   "article: remove it from one of the two files (this file is then published by itself when the "
                   "other lets it go)")


def shown_alias(path: str) -> str:
    """An alias as its address reads: ``/2019/05/old/``, ``/?p=1``."""
    return f"/{path}" if path.startswith("?") else f"/{path}/"


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


def desk_fields(post: Post) -> dict[str, Any]:
    """What the desk's list shows of an article, kept on its file's Source (chalicelib/desk/)."""
    return {"title": post.title, "date": post.date, "draft": bool(post.draft), "author": post.author,
            "categories": list(post.categories or []) or None}


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
                for item in _listing_items(owned).values():
                    txn.delete(item)
                _count_in_months(txn, added=None, removed=_month_of(owned))
            for path in held:
                txn.delete(Post(*keys.post(path)), condition=Post.source_key == source.sk)

        source = revisions.commit(source, source.sk, writes, kind=source.kind, slug=source.slug, status="removed",
                                  sequencer=sequencer, redirects=[])
        result.freed_paths = held
        edge.changed(gone, key=source.sk)
        if owned:
            result.notes.append("unpublished")
    if source.slug:
        links.refresh_referrers(source.slug)
        result.freed_slug = source.slug
    removed = source
    revisions.finish(lambda: revisions.forget(removed))
    return result


def _still_held(paths: set[str], key: str) -> list[str]:
    """Those of ``paths`` whose redirect the file at ``key`` still holds (one taken over since, after
    the file was gone, is the new holder's to keep: deleting it is not this file's to do)."""
    if not paths:
        return []
    found = Post.batch_get([keys.post(path) for path in sorted(paths)], consistent_read=True)
    return sorted(item.slug for item in found if item.source_key == key and item.slug in paths)


def _month_of(post: Post | None) -> str | None:
    """The month ("2022-07") whose archive lists ``post``, if it is listed at all."""
    if post is None or not post.date or keys.month_listing(post.date[:7]) not in listing_names(post):
        return None
    return post.date[:7]


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


def _reader_visible_change(before: Post | None, after: Post) -> bool:
    if before is None:
        return True
    return (before.title, before.date, before.draft, before.slug, before.kind, before.categories,
            before.tags) != (after.title, after.date, after.draft, after.slug, after.kind, after.categories,
                             after.tags)


def _search_items(post: Post, body_html: str) -> list[SearchTerm]:
    """The term index entries for ``post`` (none for drafts, pages, redirects and protected posts)."""
    if post.kind != "article" or post.draft or not post.date or post.password_hash:
        return []
    summary = (post.summary or "")[:300]
    return [
        SearchTerm(keys.term_pk(term), search.sort_key(score, post.date, post.slug), slug=post.slug,
                   title=post.title, date=post.date, summary=summary)
        for term, score in search.index_terms(post.title or "", post.summary or "", body_html).items()
    ]


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
