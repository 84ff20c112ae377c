"""The images function: makes the sizes of every photo uploaded under media/.

S3 tells its own queue (``config.images_queue``) of each upload and deletion
under ``media/``; this function, apart from ingest so that neither the web
function nor ingest ever loads Pillow, applies them one key at a time:

- **created**: read the original, make its derivatives (``images.derive``),
  write them under ``sizes/`` (immutable names, cached for a year), record
  them in the key's ``MediaItem``, delete the previous version's, and ask
  ingest to render again every article that shows the image (``MediaUse``),
  so pages move to the new sizes; an article that waited for them is
  published then.
- **removed**: the derivatives and the record go, and the same articles are
  rendered again.
- **bad file** (not an image, truncated, wrong extension, a decompression
  bomb): a report under ``reports/media/...``, the record says ``invalid``
  and why, nothing else changes; the message is not retried.

A notification is only a hint: the key's present state in S3 is what is
applied, so duplicated, late or reordered events are harmless; an event older
than the newest applied (S3's ``sequencer``) is skipped. Only AWS failing is
retried (the message returns to the queue, then its dead-letter queue).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Iterable

from chalicelib import clock, config, keys, messages, retry
from chalicelib.aws import sqs_client
from chalicelib.bucket import ContentBucket
from chalicelib.content import images, media_types
from chalicelib.models import MediaItem, MediaUse
from chalicelib.publish import edge

log = logging.getLogger("newsroom.images")
log.setLevel(logging.INFO)


def images_queue_handler(sqs_messages: Iterable[dict[str, Any]]) -> messages.BatchAnswer:
    """Apply each message's S3 changes; return the messages to redeliver (AWS failed)."""
    with edge.one_invalidation():
        return {"batchItemFailures": messages.dispatch(sqs_messages, HANDLERS, "images_failed")}


def _apply_change(change: messages.S3Change) -> None:
    apply_key(change.bucket, change.key, change.sequencer)


def apply_key(bucket_name: str, key: str, sequencer: str | None = None, attempt: int = 1) -> str:
    """Bring ``key``'s sizes in line with the original in S3 now; returns what happened."""
    started = time.perf_counter()
    bucket = ContentBucket(bucket_name)
    if not images.is_derivable(key):
        return _logged(key, *_check_download(bucket, key, sequencer), started)
    before = MediaItem.get_or_none(*keys.media(key), consistent_read=True)
    if before is not None and sequencer and before.sequencer and sequencer < before.sequencer:
        return _logged(key, "stale", started)
    present, metadata = bucket.head(key)
    if before is not None and present is not None and before.etag == present and before.status == "ready":
        if described(metadata) == described_by(before):
            return _logged(key, "unchanged", started)  # known without downloading the photo (resync asks often)
        # The same photo with new words (the desk's library): recorded, and its articles rendered again.
        before.update(actions=[getattr(MediaItem, name).set(value) if value else getattr(MediaItem, name).remove()
                               for name, value in described(metadata).items()])
        _note_alt(key, before)
        _rerender(key)
        return _logged(key, "described", started)
    data, etag = bucket.read(key, images.MAX_ORIGINAL_BYTES)
    if data is None:
        if before is not None:
            _drop(bucket_name, _keys_of(before))
            before.delete()
            _note_alt(key, None)
        bucket.delete_report(key)
        _rerender(key)
        return _logged(key, "removed", started)
    try:
        made = images.derive(key, data)
    except images.ImageProblem as problem:
        _record_invalid(bucket, key, before, str(problem), etag, sequencer, len(data))
        _rerender(key)
        return _logged(key, "invalid", started, problem=str(problem))
    for derivative in made.derivatives:
        retry.retrying(lambda d=derivative: bucket.put(  # type: ignore[misc]
            d.key, d.data, content_type=d.mime, cache_control=images.CACHE_CONTROL))
    words = described(metadata)
    item = MediaItem(*keys.media(key), status="ready", etag=etag, sequencer=sequencer, width=made.width,
                     height=made.height, format=made.format, bytes=len(data), digest=made.digest,
                     derivatives=[[d.key, d.width, d.height, d.mime, len(d.data)] for d in made.derivatives],
                     made=clock.now_iso(), alt=words["alt"], caption=words["caption"], credit=words["credit"],
                     focus=words["focus"])
    item.save()
    _note_alt(key, item)
    if before is not None:
        _drop(bucket_name, _keys_of(before) - {d.key for d in made.derivatives})
    bucket.delete_report(key)
    if bucket.etag(key) != etag and attempt < 3:
        # Replaced (or deleted) while its sizes were made, and another invocation may have recorded the
        # newer version before this one: make the present one's, so the last word is the bucket's.
        return apply_key(bucket_name, key, None, attempt + 1)
    _rerender(key)
    return _logged(key, "made", started, sizes=len(made.derivatives))


DESCRIBED = {"alt": 1000, "caption": 1000, "credit": 200, "focus": 20}  # what a photo carries, and the limits


def described(metadata: dict[str, str]) -> dict[str, str | None]:
    """A photo's alt text, caption, credit and focal point from its object metadata (percent-encoded:
    S3 metadata is ASCII), given at upload or in the desk's library."""
    from urllib.parse import unquote

    found = {name: " ".join(unquote(metadata.get(name, "")).split())[:limit] or None for name, limit in DESCRIBED.items()}
    found["focus"] = found["focus"] if found["focus"] in images.FOCAL_POINTS else None
    return found


def described_by(item: MediaItem) -> dict[str, str | None]:
    """What a photo's record says of it (``described``'s fields)."""
    return {name: getattr(item, name, None) or None for name in DESCRIBED}


def _note_alt(key: str, item: MediaItem | None) -> None:
    """Keep the list of photos without alt text (``MEDIA_WITHOUT_ALT``), which the desk counts beside Media."""
    if item is not None and item.status == "ready" and item.derivatives and not item.alt:
        MediaItem(keys.MEDIA_WITHOUT_ALT, key, status="ready").save()
    else:
        MediaItem(keys.MEDIA_WITHOUT_ALT, key).delete()


def _check_download(bucket: ContentBucket, key: str, sequencer: str | None) -> tuple[str]:
    """A file under media/ that is not a photo: recorded as a download, or refused with a report
    (HTML, active SVG, a type the site does not serve, bytes that are not what the name says).
    Never silently ignored."""
    head, etag = bucket.read_head(key, media_types.HEAD_BYTES)
    if head is None:
        found = MediaItem.get_or_none(*keys.media(key))
        if found is not None:
            found.delete()
        bucket.delete_report(key)
        return ("removed",)
    try:
        download = media_types.classify(key, head)
    except media_types.MediaRefused as refused:
        MediaItem(*keys.media(key), status="invalid", etag=etag, sequencer=sequencer, problems=[str(refused)],
                  made=clock.now_iso()).save()
        bucket.write_report(key, {"file": key, "status": "not served: readers cannot open it",
                                  "problems": [{"field": "file", "problem": str(refused), "line": None}],
                                  "message": f"{key}: {refused}", "at": clock.now_iso()})
        return ("refused",)
    MediaItem(*keys.media(key), status="ready", etag=etag, sequencer=sequencer, format=download.mime,
              derivatives=[], made=clock.now_iso()).save()
    bucket.delete_report(key)
    return ("download",)


def _keys_of(item: MediaItem) -> set[str]:
    return {entry[0] for entry in item.derivatives or []}


def _drop(bucket_name: str, derivative_keys: set[str]) -> None:
    """Delete derivatives no page should show any more, and drop them from the edge."""
    ordered = sorted(derivative_keys)
    ContentBucket(bucket_name).delete_many(ordered)
    edge.changed("/" + k for k in ordered)


def _record_invalid(bucket: ContentBucket, key: str, before: MediaItem | None, problem: str, etag: str | None,
                    sequencer: str | None, size: int) -> None:
    if before is not None:
        _drop(bucket.name, _keys_of(before))
    MediaItem(*keys.media(key), status="invalid", etag=etag, sequencer=sequencer, bytes=size,
              problems=[problem], made=clock.now_iso()).save()
    _note_alt(key, None)
    bucket.write_report(key, {"file": key, "status": "no sizes made: articles cannot show it",
                              "problems": [{"field": "image", "problem": problem, "line": None}],
                              "message": f"{key}: {problem}", "at": clock.now_iso()})


def users(key: str) -> list[str]:
    """The article files that showed the image at ``key`` when they were last rendered."""
    return [use.sk for use in MediaUse.query(keys.media_uses_pk(key))]


def _rerender(key: str) -> None:
    """Ask ingest to render again the articles showing ``key``: they move to its new sizes (or lose them)."""
    waiting = users(key)
    if not waiting:
        return
    sqs = sqs_client()
    queue = sqs.get_queue_url(QueueName=config.current().queue)["QueueUrl"]
    for start in range(0, len(waiting), messages.MAX_KEYS):
        batch = tuple(waiting[start:start + messages.MAX_KEYS])
        sqs.send_message(QueueUrl=queue, MessageBody=messages.Rerender(batch).body())


def _logged(key: str, outcome: str, started: float, **extra: Any) -> str:
    line = {"event": "images", "key": key, "outcome": outcome,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1), **extra}
    (log.warning if outcome == "invalid" else log.info)(json.dumps(line, ensure_ascii=False))
    return outcome


def showing(key: str) -> list[tuple[str, str]]:
    """The articles that show the image at ``key`` now: (article file, its URL path). A file that
    showed it once and no longer does (changed, deleted, refused) is left out."""
    from chalicelib.models import Post, Source

    found = []
    for article_key in users(key):
        source = Source.get_or_none(*keys.source(article_key))
        if source is None or not source.slug:
            continue
        item_key = keys.pending(article_key) if article_key.startswith(config.PENDING_PREFIXES) \
            else keys.post(source.slug)
        post = Post.get_or_none(*item_key)
        if post is not None and post.source_key == article_key and key in (post.media or []):
            found.append((article_key, f"/{post.slug}/"))
    return found


HANDLERS: messages.Handlers = {messages.S3Change: _apply_change}  # S3 sends this queue media/ changes only
