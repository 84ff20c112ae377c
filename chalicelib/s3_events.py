"""Messages as they reach a queue: S3 notifications (which object, and its place in the key's
history), and the requests our own functions send each other (``{kind: {field: [...]}}``).

Both queue consumers read them here (ingest for content, the images function for media/), so
neither loads the other's libraries.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("newsroom.s3_events")  # for both consumers: not under either one's name


@dataclass(frozen=True)
class S3Record:
    """One S3 notification record: which object, and its place in the key's history."""

    bucket: str
    key: str
    sequencer: str | None = None
    removed: bool = False  # an ObjectRemoved event: the version before it is gone


def s3_records(body: str) -> list[S3Record]:
    """The S3 records in one SQS message body; keys arrive URL-encoded (``+`` for space)."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        log.warning(json.dumps({"event": "ignored_message", "reason": "not JSON"}))
        return []
    if not isinstance(payload, dict) or "Records" not in payload:  # e.g. s3:TestEvent
        return []
    records = []
    for record in payload["Records"]:
        s3 = record.get("s3", {})
        bucket = s3.get("bucket", {}).get("name")
        raw_key = s3.get("object", {}).get("key")
        if bucket and raw_key is not None:
            records.append(S3Record(bucket, urllib.parse.unquote_plus(raw_key), s3["object"].get("sequencer"),
                                    _is_removal(record)))
    return records


def _is_removal(record: dict[str, Any]) -> bool:
    """An ObjectRemoved event (AWS writes "ObjectRemoved:Delete", moto "s3:ObjectRemoved:...")."""
    return str(record.get("eventName", "")).removeprefix("s3:").startswith("ObjectRemoved")


def asked_for(body: str, kind: str, field: str, limit: int) -> list[Any] | None:
    """The first ``limit`` items of ``field`` in a ``{kind: {field: [...]}}`` message one of our
    functions sent (``edge.request``, ``renditions.rerender_request``), or None for any other message."""
    try:
        payload = json.loads(body)
    except (TypeError, json.JSONDecodeError):
        return None
    asked = payload.get(kind) if isinstance(payload, dict) else None
    if not isinstance(asked, dict) or not isinstance(asked.get(field), list):
        return None
    return asked[field][:limit]
