"""Follow uploaded content files: what ``newsroom publish`` and ``import-wordpress`` share (the
checks and the upload itself are ``chalicelib.imports.uploads``, shared with the imports function).

Uploading is the only way in: files go to the content bucket and the ingest
function publishes them, exactly as when an editor uses ``aws s3 cp``. Then
``wait_live`` reads each file's Source item (what ingest made of it) until it
reflects the uploaded bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError

from chalicelib import config, keys
from chalicelib.content import images


@dataclass(frozen=True)
class Status:
    """What became of one uploaded file."""

    key: str
    state: str  # "live", "draft", "scheduled", "removed", "refused", "waiting"; "kept": not overwritten (an import)
    detail: str = ""


def wait_live(uploaded: dict[str, str], timeout: float = 60.0, interval: float = 0.5,
              progress: Callable[[Status], None] | None = None, moving: Callable[[], object] | None = None,
              heartbeat: Callable[[int, int], None] | None = None,
              heartbeat_every: float = 15.0) -> dict[str, Status]:
    """Follow each uploaded content file until ingest has applied these bytes.

    It waits as long as work moves, however long that is (a 1,050-post import took 749 s): it gives
    up only when nothing has moved for ``timeout`` seconds, where moving is one of these files being
    applied, or ``moving()`` (the ingest queue's depth) answering something new. Those still waiting
    then say so. ``heartbeat(applied, waiting)`` is called every ``heartbeat_every`` seconds.
    """
    from chalicelib.models import Source

    waiting = {k: etag for k, etag in uploaded.items() if not k.startswith(config.MEDIA_PREFIX)}
    done: dict[str, Status] = {}
    last_move = last_beat = time.monotonic()
    last_signal = moving() if moving else None
    while waiting:
        before = len(waiting)
        pending = list(waiting)
        for batch in (pending[i:i + 100] for i in range(0, len(pending), 100)):
            for source in Source.batch_get([keys.source(key) for key in batch]):
                wanted = waiting.get(source.sk)
                if source.refused_etag == wanted and source.problems and all(
                        images.WAITING in problem for problem in source.problems):
                    continue  # its photos' sizes are being made: it is published by itself when they are
                if source.refused_etag == wanted and source.problems:
                    status = Status(source.sk, "refused", "; ".join(source.problems))
                elif source.etag == wanted and source.settled:
                    status = _status(source)
                else:
                    continue
                done[source.sk] = status
                del waiting[source.sk]
                if progress:
                    progress(status)
        now = time.monotonic()
        signal = moving() if moving and waiting else last_signal
        if len(waiting) != before or signal != last_signal:
            last_move, last_signal = now, signal
        if not waiting or now - last_move > timeout:
            break
        if heartbeat and now - last_beat >= heartbeat_every:
            heartbeat(len(done), len(waiting))
            last_beat = now
        time.sleep(interval)
    for key in waiting:
        done[key] = Status(key, "waiting", f"not applied: nothing moved for {timeout:g} s")
    return done


def queue_depth(queue: str) -> tuple[str, str] | None:
    """The ingest queue's messages waiting and in flight (SQS's approximate counts), or None where
    they cannot be read (no permission, no queue): waiting then follows the files alone."""
    from botocore.exceptions import BotoCoreError

    from chalicelib.aws import sqs_client

    try:
        sqs = sqs_client()
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    except (BotoCoreError, ClientError):
        return None
    return found.get("ApproximateNumberOfMessages", "?"), found.get("ApproximateNumberOfMessagesNotVisible", "?")


def _preview_of(key: str) -> str:
    """"; preview: <link>" from the file's status record in the bucket (chalicelib/preview.py), if any."""
    from chalicelib.bucket import ContentBucket

    record = ContentBucket.of().preview_link(key)
    return f"; preview: {record['preview']} (until {record['expires']})" if record is not None else ""


def _status(source: Any) -> Status:
    if source.status == "invalid":
        return Status(source.sk, "refused", "; ".join(source.problems or []))
    if source.sk.startswith(config.PENDING_PREFIXES):
        return Status(source.sk, "pending", f"not live (/{source.slug}/ is unchanged){_preview_of(source.sk)}")
    if source.status == "removed":
        return Status(source.sk, "removed")
    if source.kind in ("article", "page") and source.slug:
        from chalicelib.clock import now_iso
        from chalicelib.models import Post

        post = Post.get_or_none(*keys.post(source.slug), attributes_to_get=["draft", "date"])
        if post is None:
            return Status(source.sk, "refused", "published nothing (is the slug owned by another file?)")
        if post.draft:
            return Status(source.sk, "draft", f"/{source.slug}/ (a draft: not shown){_preview_of(source.sk)}")
        if post.date and post.date > now_iso():
            return Status(source.sk, "scheduled", f"/{source.slug}/ (live at {post.date}){_preview_of(source.sk)}")
        return Status(source.sk, "live", f"/{source.slug}/")
    return Status(source.sk, "live", source.kind)
