"""Versions that are not published: an editor's change to a live article, a contributor's submission
(issue 18). Ingest only: the web handler reads preview copies through ``chalicelib.preview``.

An editor who wants to change a live article without changing it yet uploads the new version under
``drafts/`` with the same path (``drafts/articles/budget.md`` for ``articles/budget.md``); a
contributor uploads under ``submissions/``. Ingest checks the file as it would the live one, renders
it, and keeps the result as the article's *preview copy* (``keys.pending``): never in a listing, feed,
sitemap or search, never at the article's URL, shown only through its preview link, which is written
to the file's status record (``previews/drafts/articles/budget.md.json``) as for any draft. The live
page stays as it is.

Publishing is copying: ``newsroom approve`` puts the version at its live path (the normal path: a new
version of the live file, kept in its history) and deletes the pending file; the deletion removes the
preview copy, so the preview link stops working. A new version of the pending file revokes the old
link the same way (the token names the file's version).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

from chalicelib import clock, config, keys, preview, snapshot
from chalicelib.bucket import live_key
from chalicelib.content import content_format
from chalicelib.content.content_format import Article, ContentError, Problem
from chalicelib.publish import revisions

if TYPE_CHECKING:
    from chalicelib.bucket import ContentBucket
    from chalicelib.content.markup import RenderedBody


def live_article_of(key: str) -> str | None:
    """The live article or page a pending version is of (``bucket.live_key``); None for any other key
    (only articles and pages have pending versions)."""
    live = live_key(key)
    return live if live != key and content_format.kind_of_key(live) in ("article", "page") else None


Render = Callable[["ContentBucket", Article], tuple["RenderedBody", "tuple[int, int] | None"]]


def apply(bucket: ContentBucket, key: str, sequencer: str | None, render: Render) -> tuple[str, str | None, list[str]]:
    """Bring the preview copy of the pending file ``key`` in line with the bucket: (outcome, slug,
    problems). ``render(bucket, article)`` renders the body as ingest does for live files."""
    from chalicelib.models import Post

    source = revisions.get_source(key)
    if revisions.is_stale_event(source, sequencer):
        return "stale", source.slug if source else None, []
    found = bucket.fetch(key, content_format.MAX_FILE_BYTES)
    data, etag, version, written = (found.data, found.etag, found.version, found.modified) if found else (
        None, None, None, None)
    live = live_article_of(key)
    if data is None or live is None:
        if source is not None:
            revisions.commit(source, key, lambda txn: txn.delete(Post(*keys.pending(key))), settled=True,
                             kind=source.kind, status="removed", sequencer=sequencer)
            revisions.forget(revisions.get_source(key))  # type: ignore[arg-type]
        bucket.delete_preview(key)
        bucket.delete_report(key)
        if data is not None:  # a pending file that is not an article or page: say so
            error = ContentError(key, [Problem("file", "only articles/ and pages/ files have drafts and "
                                                       "submissions")])
            bucket.report_refusal(key, error)
            return "invalid", None, [str(p) for p in error.problems]
        return "unpublished", source.slug if source else None, []
    try:
        parsed = content_format.check_file(live, data)
        assert isinstance(parsed, Article)
        refused = submission_refusals(key, parsed, data, written)  # a contributor's: only what they may set
        if refused:
            raise ContentError(live, refused)
        # Rendered as the pending file, so a photo sized later renders this preview again.
        rendered, image_size = render(bucket, dataclasses.replace(parsed, key=key))
    except ContentError as error:
        named = ContentError(key, error.problems)  # the report names the file the editor uploaded
        problems = [str(p) for p in named.problems]
        revisions.record_invalid(key, "article", problems, source, sequencer, etag)
        bucket.report_refusal(key, named)
        return "invalid", None, problems
    from chalicelib import bodies
    from chalicelib.publish import planner

    packed = bodies.pack(rendered.html, parsed.slug)
    if packed.ref and packed.offloaded_html is not None:
        bucket.store_body(packed.ref, packed.offloaded_html)
    copy = planner.post_item(keys.pending(key), dataclasses.replace(parsed, draft=True), rendered, packed, etag,
                              image_size, comment_count=0, source_key=key, version=version)
    revisions.commit(source, key, lambda txn: txn.save(copy), settled=True, kind=parsed.kind, slug=parsed.slug,
                     etag=etag, sequencer=sequencer, status="published",
                     **{**planner.desk_fields(copy), "draft": bool(parsed.draft)},  # a contributor's draft says so
                     saved_by=_name_of(found.metadata.get(config.UPLOADED_BY, "")) if found else None,
                     saved_at=clock.iso(written) if written else clock.now_iso())
    bucket.delete_report(key)
    url, expires = preview.link(preview.PENDING_MARK + key, version or etag or "", snapshot.current().settings.preview_days)
    why = ("a submission, waiting for an editor's approval" if key.startswith(config.SUBMISSIONS_PREFIX)
           else f"an unpublished change to {live}")
    bucket.write_preview(key, {"key": key, "live": live, "slug": parsed.slug, "etag": etag, "preview": url,
                               "expires": clock.iso_of_epoch(expires), "why": why})
    return "pending", parsed.slug, []


def _name_of(uploaded_by: str) -> str | None:
    """The person's name in an upload's ``uploaded-by`` ("Name <email>"), for the desk's list."""
    return uploaded_by.split(" <", 1)[0].strip()[:200] or None


def submission_refusals(key: str, parsed: Article, data: bytes, written: dt.datetime | None) -> list[Problem]:
    """What the contributor's submission at ``key`` (``parsed`` from ``data``, written at ``written``)
    may not carry (``content_format.submission_problems``), allowing the dates it may keep: the one
    its last accepted version had, and the live article's. [] for a key that is not a submission.
    Ingest, the desk's save and Approve, and ``newsroom approve`` all ask this."""
    if not key.startswith(config.SUBMISSIONS_PREFIX):
        return []
    kept = (_accepted_date(revisions.get_source(key)), _accepted_date(revisions.get_source(live_key(key))))
    return content_format.submission_problems(parsed, _front_matter(data), written or dt.datetime.now(dt.timezone.utc),
                                              kept)


def _accepted_date(source: Any) -> str | None:
    """The date a file was last published with (its Source's), if it was."""
    return source.date if source is not None and source.status == "published" else None


def _front_matter(data: bytes) -> dict[str, Any]:
    """The file's front matter as written (``check_file`` has read it already: it is valid)."""
    from chalicelib.content import front_matter

    return front_matter.split_front_matter("", front_matter.decode("", data))[0]
