"""Apply S3 notifications to the site: the body of the ingest Lambda.

Flow per S3 record: decode the key -> read what the site last applied for
it (its Source) -> read the object's *current* state from S3 -> parse and
validate (``content_format``) -> render Markdown once (``markup``) -> write
DynamoDB (``publishing``). A notification is only a hint that a key
changed: a duplicated, late or out-of-order one re-applies the present, and
a missing object means the file was deleted, so its article is unpublished.
Where S3 sends a ``sequencer`` (AWS does, moto does not), an event older than
the newest applied to its key is skipped outright.

Reading the Source *before* S3 and committing conditionally on it means two
ingests of one key cannot interleave: the one that read older state fails
with ``ConcurrentChange`` and is re-applied here from fresh S3 state.

Only AWS failing is transient (``retry.is_transient``: throttling, a
timeout, a 5xx, a lost race): the message is reported as a batch item
failure, SQS redelivers it, and after the queue's maxReceiveCount it lands
in the dead-letter queue with its original body for replay. Anything else
that goes wrong while a file is read, parsed, validated or rendered is that
file's problem: the site stays as it was, a report is written under
``reports/`` (which ingest does not watch) and the message is acknowledged.
An editor's mistake (``ContentError``) names the field and what to do; a
fault of ours says so, asks the editor to report it, and counts in the
``IngestFaults`` metric that an alarm watches.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable

from chalicelib import clock, config, keys, messages, metrics, preview, retry, snapshot
from chalicelib.bucket import ContentBucket, is_pending
from chalicelib.content import content_format, images, markup
from chalicelib.content.content_format import (
    Article,
    Author,
    Category,
    ContentError,
    ContentFile,
    LiveEntry,
    Problem,
    Settings,
    Tag,
)
from chalicelib.models import MediaItem, MediaUse, Source
from chalicelib.publish import articles, edge, live, pending, planner, revisions, schedule, terms

log = logging.getLogger("newsroom.ingest")
log.setLevel(logging.INFO)


@dataclass
class Outcome:
    """What happened to one file."""

    key: str
    outcome: str  # "published", "unchanged", "unpublished", "invalid", "stale", "ignored"
    slug: str | None = None
    problems: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def ingest_queue_handler(sqs_messages: Iterable[dict[str, Any]]) -> messages.BatchAnswer:
    """Process SQS messages one by one; return the failed ones for redelivery.

    The return value is Lambda's partial batch response: only the messages
    listed there return to the queue. The site snapshot is rebuilt once for
    the whole batch; if that fails, every message is returned (their changes
    are committed but unsettled, so the retry only redoes the follow-ups).
    """
    sqs_messages = list(sqs_messages)
    try:
        # One invalidation per batch, sent after the snapshot is rebuilt (chalicelib/publish/edge.py).
        with edge.one_invalidation(), revisions.one_snapshot_rebuild():
            failures = messages.dispatch(sqs_messages, HANDLERS, "ingest_failed")
    except Exception as exc:  # noqa: BLE001 - the batch's snapshot rebuild failed: retry them all
        messages.log_failure("ingest_failed", {"messageId": "(whole batch)"}, exc)
        return {"batchItemFailures": [{"itemIdentifier": m.get("messageId", "")} for m in sqs_messages]}
    return {"batchItemFailures": failures}


def _apply_change(change: messages.S3Change) -> None:
    """A file was uploaded or deleted."""
    apply_key(change.bucket, change.key, change.sequencer, removed=change.removed)


def _rerender(asked: messages.Rerender) -> None:
    """A photo these articles show has new sizes, or lost them (the images function asks)."""
    for key in asked.keys:
        apply_key(config.current().bucket, key, force=True)


def _invalidate(asked: messages.Invalidate) -> None:
    """Pages changed without an upload (comment moderation, from ``newsroom comments``)."""
    edge.changed(asked.paths)


def apply_key(bucket: str, key: str, sequencer: str | None = None, force: bool = False,
              removed: bool = False) -> Outcome:
    """Bring the site in line with the current state of one bucket key.

    ``force`` rewrites what the site holds even if the file looks unchanged
    (resync uses it to repair items that were changed by hand). ``removed``: the event was an
    ObjectRemoved one, so whatever was published before it was deleted by the editor.

    :raise retry.ConcurrentChange: still losing races after retry.ATTEMPTS (transient).
    """
    started = time.perf_counter()
    if is_pending(key):
        def apply_pending() -> Outcome:
            outcome, slug, problems = pending.apply(ContentBucket(bucket), key, sequencer, render_article)
            return Outcome(key, outcome, slug=slug, problems=problems)

        return _logged(retry.retrying(apply_pending), started)
    kind = content_format.kind_of_key(key)
    if kind is None:
        return _logged(Outcome(key, "ignored"), started)
    # Applying is idempotent, so a transient failure retries it whole.
    return _logged(retry.retrying(lambda: _apply_once(ContentBucket(bucket), key, kind, sequencer, force, removed)),
                   started)


def _apply_once(bucket: ContentBucket, key: str, kind: str, sequencer: str | None, force: bool = False,
                removed: bool = False) -> Outcome:
    source = revisions.get_source(key)  # read before S3: see the module docstring
    if revisions.is_stale_event(source, sequencer):
        return Outcome(key, "stale", slug=source.slug if source else None)
    data, etag, version = bucket.read_version(key, content_format.MAX_FILE_BYTES)
    if data is None:
        result = _unpublish(source, sequencer)
        bucket.delete_report(key)
        if kind in ("article", "page"):
            bucket.delete_preview(key)
            schedule.drop(key)
        outcome = Outcome(key, "unpublished", slug=result.slug, notes=result.notes)
        for freed in ([result.freed_slug] if result.freed_slug else []) + result.freed_paths:
            outcome.notes += _retry_claims(bucket, freed)
        return outcome
    try:
        try:
            parsed = content_format.check_file(key, data)
            result = _publish(bucket, parsed, source, etag, sequencer, force, version)
        except ContentError:
            raise
        except Exception as exc:
            if retry.is_transient(exc):  # AWS failing: the message comes back, the file is fine
                raise
            _count_fault_of_ours(key, exc)
            raise content_format.fault_of_ours(key, exc) from exc
    except ContentError as error:
        problems = [str(p) for p in error.problems]
        if removed and source is not None and source.status == "published":
            # The editor deleted what was live (this event says so, and it is not older than what
            # was applied), then uploaded a file that cannot be published: the deleted version must
            # not stay up behind it, as it does behind an invalid *update* of a live file.
            _unpublish(source, sequencer)
            source = revisions.get_source(key)
        revisions.record_invalid(key, kind, problems, source, sequencer, etag)
        bucket.report_refusal(key, error)
        return Outcome(key, "invalid", problems=problems)
    if result.warnings and not result.unchanged:
        bucket.write_report(key, {"file": key, "status": "published, with warnings", "problems": [],
                                  "warnings": result.warnings, "at": clock.now_iso()})
    elif not result.unchanged and (force or _may_have_report(source) or result.had_warnings):
        bucket.delete_report(key)
    if isinstance(parsed, Article) and (not result.unchanged or force):
        _record_preview(bucket, parsed, version or etag, result.had_preview)
    for freed in result.freed_paths:  # an alias it let go: a file refused for wanting it goes live
        result.notes += _retry_claims(bucket, freed)
    return Outcome(key, "unchanged" if result.unchanged else "published", slug=result.slug, notes=result.notes)


def _record_preview(bucket: ContentBucket, article: Article, etag: str | None, had_preview: bool = True) -> None:
    # ``etag``: the upload the link is bound to (its S3 version where the bucket keeps them).
    """A draft or scheduled article gets a preview link in its status record, a live one loses it;
    a scheduled one gets its moment scheduled (chalicelib/publish/schedule.py). ``had_preview``: the version
    it replaces may have left a record and a schedule (if not, a live article costs no request here)."""
    scheduled = not article.draft and article.date is not None and clock.iso(article.date) > clock.now_iso()
    if scheduled and article.date is not None:
        schedule.put(article.key, article.slug, article.date)
    elif had_preview:
        schedule.drop(article.key)
    if not (article.draft or scheduled) or etag is None:
        if had_preview:
            bucket.delete_preview(article.key)
        return
    url, expires = preview.link(article.slug, etag, published_settings().preview_days)
    bucket.write_preview(article.key, {"key": article.key, "slug": article.slug, "etag": etag, "preview": url,
                                       "expires": clock.iso_of_epoch(expires),
                                       "why": "a draft" if article.draft else f"scheduled for {clock.iso(article.date)}"})


def apply_due(due: messages.Due) -> None:
    """A scheduled article's date has come: the edge drops the pages that now list it, and the
    snapshot (recent posts) is rebuilt with the batch. Nothing if it was moved, unpublished or deleted."""
    post = articles.get_post(due.slug)
    if post is None or post.source_key != due.key or post.draft or not post.date or post.date > clock.now_iso():
        log.info(json.dumps({"event": "due", "key": due.key, "outcome": "nothing to do"}))
        return
    edge.changed(edge.article_paths(None, post, planner.listing_names(post)))
    if any(r.slug == post.slug for r in snapshot.current().visible_recent(clock.now_iso())):
        edge.changed([edge.RECENT])  # it joins the recent-posts widget, which every page fetches
    ContentBucket(config.current().bucket).delete_preview(due.key)
    revisions.finish(lambda: None)  # the snapshot's recent posts now include it
    log.info(json.dumps({"event": "due", "key": due.key, "slug": post.slug, "outcome": "live"}))


def published_settings() -> Settings:
    """The site settings as last published (for the preview links' lifetime)."""
    return snapshot.current().settings


def _may_have_report(source: Any) -> bool:
    """A report exists only while the file's Source records problems (resync, forced, cleans up the rest)."""
    return source is not None and (source.status == "invalid" or bool(source.problems))


def _publish(bucket: ContentBucket, parsed: ContentFile, source: Source | None, etag: str | None,
             sequencer: str | None, force: bool, version: str | None = None) -> revisions.PublishResult:
    if isinstance(parsed, Article):
        rendered, image_size = render_article(bucket, parsed)
        result = articles.publish_article(parsed, rendered, source, bucket, etag, sequencer, force=force, version=version,
                                          image_size=image_size)
        result.warnings = list(rendered.warnings)
        return result
    if isinstance(parsed, Author):
        return terms.save_author(parsed, source, etag, sequencer, force, author_photo(bucket, parsed))
    if isinstance(parsed, Category):
        return terms.save_category(parsed, source, etag, sequencer, force)
    if isinstance(parsed, Tag):
        return terms.save_tag(parsed, source, etag, sequencer, force)
    if isinstance(parsed, Settings):
        return terms.save_settings(parsed, source, etag, sequencer, force)
    if isinstance(parsed, LiveEntry):
        if revisions.is_unchanged(source, etag, force):
            return revisions.PublishResult(slug=None, notes=["unchanged"], unchanged=True)
        return live.save_entry(parsed, render_entry(bucket, parsed), source, etag, sequencer, force)
    raise TypeError(type(parsed))  # pragma: no cover - parse_file returns one of the above


def render_article(bucket: ContentBucket, parsed: Article) -> tuple[markup.RenderedBody, tuple[int, int] | None]:
    """The article's body as stored (sanitized, typeset, images sized) and its featured image's size.

    Photos under media/ are shown by their sizes (``images``): where the images function has not
    made them yet, the article waits (``images.WAITING``) and is rendered again when they are.

    :raise ContentError: a photo it shows is still being sized, or could not be; an image without
        alt text where the settings say ``require_alt``.
    """
    rendered = markup.render_body(parsed.body, parsed.body_format)
    shown = markup.media_images(rendered.html)
    featured = parsed.image if parsed.image and parsed.image.startswith("/media/") else None
    wanted = list(dict.fromkeys(shown + markup.media_links(rendered.html) + ([featured] if featured else [])))
    photos = {src: key for src in wanted if images.is_derivable(key := images.key_of(src))}
    sets = _photo_sets(bucket, parsed.key, photos)
    words = {src: found.pop("words") for src, found in sets.items() if "words" in found}
    rendered = dataclasses.replace(rendered, html=markup.describe_images(rendered.html, words))
    sizes = {src: size for src in shown + ([featured] if featured else [])
             if src not in photos and (size := bucket.image_size(src))}
    missing = markup.missing_alt(rendered.html, parsed.image, parsed.image_alt)
    warnings = tuple(message for _, message in missing)
    if missing and published_settings().require_alt:
        raise ContentError(parsed.key, [Problem(name, message + markup.REQUIRE_ALT) for name, message in missing])
    body = dataclasses.replace(rendered, html=markup.finish_images(rendered.html, sizes, sets),
                               image_set=sets.get(featured or ""), media=tuple(dict.fromkeys(photos.values())),
                               warnings=warnings)
    image_size = (int(sets[featured]["w"]), int(sets[featured]["h"])) if featured in sets else sizes.get(featured or "")
    return body, image_size


def author_photo(bucket: ContentBucket, author: Author) -> dict[str, Any] | None:
    """An author's photo as the page shows it: its sizes and the library's alt text (``alt``), or None
    (no photo, or one the library does not have). The file is recorded as showing it, so a new alt
    text or a replaced file publishes the author again, as it does an article.

    :raise ContentError: the photo is still being sized, or could not be.
    """
    if not author.photo:
        return None
    found = _photo_sets(bucket, author.key, {author.photo: images.key_of(author.photo)}).get(author.photo)
    if found is None:
        return None
    words = found.pop("words", None) or {}
    return {**found, "alt": words.get("alt") or ""}


def render_entry(bucket: ContentBucket, entry: LiveEntry) -> str:
    """A live blog entry's text as stored: rendered and sanitized as a body is, its photos shown by
    their sizes (an entry waits for them, as an article does). A deleted entry stores nothing.

    :raise ContentError: a photo it shows is still being sized, or could not be.
    """
    if entry.deleted:
        return ""
    rendered = markup.render_body(entry.body, entry.body_format)
    shown = markup.media_images(rendered.html)
    wanted = list(dict.fromkeys(shown + markup.media_links(rendered.html)))
    photos = {src: key for src in wanted if images.is_derivable(key := images.key_of(src))}
    sets = _photo_sets(bucket, entry.key, photos)
    sizes = {src: size for src in shown if src not in photos and (size := bucket.image_size(src))}
    return markup.finish_images(rendered.html, sizes, sets)


def _photo_sets(bucket: ContentBucket, article_key: str, photos: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The sizes of each photo (src -> ``images.picture_set``). The article is recorded as showing
    them *before* their records are read, so a photo sized meanwhile still renders it again."""
    if not photos:
        return {}
    wanted = sorted(set(photos.values()))
    with MediaUse.batch_write() as batch:
        for key in wanted:
            batch.save(MediaUse(keys.media_uses_pk(key), article_key))
    found = {item.sk: item for item in MediaItem.batch_get([keys.media(k) for k in wanted], consistent_read=True)}
    problems, sets = [], {}
    for src, key in photos.items():
        item = found.get(key)
        if item is not None and item.status == "ready":
            sets[src] = images.picture_set(item.derivatives or [], int(item.width), int(item.height))
            if item.focus in images.FOCAL_POINTS:
                sets[src]["focus"] = item.focus  # kept on the item: the thumbnail's crop follows it
            words = {name: getattr(item, name, None) for name in ("alt", "caption", "credit")}
            if any(words.values()):
                sets[src]["words"] = words  # taken off again by render_article: the library's, for the body
        elif item is not None:
            problems.append(Problem("image", f"{key} cannot be shown: {'; '.join(item.problems or [])}"))
        elif bucket.exists(key):
            problems.append(Problem("image", f"{key}: {images.WAITING}"))
    if problems:
        raise ContentError(article_key, list({str(p): p for p in problems}.values()))
    return sets


def _unpublish(source: Any, sequencer: str | None) -> revisions.PublishResult:
    """Take down whatever the file published (nothing, if it published nothing)."""
    if source is None:
        return revisions.PublishResult(slug=None, notes=["nothing was published from this file"])
    if source.kind in ("article", "page"):
        return articles.unpublish(source, sequencer)
    if source.kind == "entry":
        return live.remove(source, sequencer)
    return terms.remove(source, sequencer)


def _retry_claims(bucket: ContentBucket, slug: str) -> list[str]:
    """Publish files that were refused because ``slug`` (or an alias's address) was taken, now that it
    is free; each claim is then forgotten unless its file took ``slug`` as its own."""
    notes = []
    for claimant in articles.waiting_claims(slug):
        outcome = apply_key(bucket.name, claimant)
        if outcome.outcome != "published" or outcome.slug != slug:
            articles.drop_claim(slug, claimant)
        notes.append(f"/{slug}/ is free: {claimant} {outcome.outcome}")
    return notes


def _count_fault_of_ours(key: str, exc: BaseException) -> None:
    """Tell the operators: one log line in CloudWatch's embedded metric format (metric
    Newsroom/IngestFaults, alarmed in infra/template.yaml), with the traceback for the developers."""
    log.error(json.dumps(metrics.counted(
        "IngestFaults", event="ingest_fault", key=content_format.printable(key),
        error=content_format.printable(f"{type(exc).__name__}: {exc}")[:500]), ensure_ascii=False), exc_info=exc)


def _logged(outcome: Outcome, started: float) -> Outcome:
    """One structured log line per record: key, outcome, slug, duration; never the body."""
    line: dict[str, Any] = {"event": "ingest", "key": outcome.key, "outcome": outcome.outcome,
                            "slug": outcome.slug, "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    if outcome.problems:
        line["problems"] = outcome.problems
    if outcome.notes:
        line["notes"] = outcome.notes
    (log.warning if outcome.outcome == "invalid" else log.info)(json.dumps(line, ensure_ascii=False))
    return outcome


HANDLERS: messages.Handlers = {  # every message the ingest queue carries (chalicelib/messages.py)
    messages.S3Change: _apply_change,
    messages.Due: apply_due,  # a scheduled article's moment (chalicelib/publish/schedule.py)
    messages.Rerender: _rerender,
    messages.Invalidate: _invalidate,
}
