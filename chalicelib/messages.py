"""Every message our queues carry, one dataclass per kind, and the one reader of them all.

- ``S3Change``: S3 says a key under a watched prefix changed (created or removed), with its
  place in the key's history (``sequencer``). One S3 message may carry several.
- ``Due``: a scheduled article's moment has come (an EventBridge Scheduler schedule sends it to
  the ingest queue: ``publish/schedule.py``).
- ``Rerender``: a photo's sizes changed; render these articles again (the images function sends
  it to the ingest queue: ``publish/renditions.py``).
- ``Invalidate``: drop these paths at the edge (the editors' tool sends it after moderating
  comments: ``publish/edge.py``).

``parse(body)`` turns a queue message's body into the messages it holds: a list, empty for
anything that is not ours (S3's test event, a stray message). Each of our own kinds has ``body()``,
the JSON the reader takes back. The queue consumers dispatch on the type through a table of
handlers (``ingest.HANDLERS``, ``renditions.HANDLERS``). A message can arrive twice, late or out
of order: its handler applies the present state, so that is harmless.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from dataclasses import dataclass
from typing import Any, Callable, Iterable

log = logging.getLogger("newsroom.messages")  # for both consumers: not under either one's name

MAX_PATHS = 100  # paths one Invalidate carries (a comment moderation names a handful)
MAX_KEYS = 100  # article keys one Rerender carries (renditions sends more in several messages)
MAX_PATH_CHARS = 1000


@dataclass(frozen=True)
class S3Change:
    """One S3 notification record: which object, and its place in the key's history."""

    bucket: str
    key: str
    sequencer: str | None = None
    removed: bool = False  # an ObjectRemoved event: the version before it is gone


@dataclass(frozen=True)
class Due:
    """A scheduled article's date has come: ``key`` published as ``slug``, due at ``due`` (UTC)."""

    key: str
    slug: str
    due: str

    TAG = "newsroom-due"

    def body(self) -> str:
        return json.dumps({self.TAG: {"key": self.key, "slug": self.slug, "due": self.due}})


@dataclass(frozen=True)
class Rerender:
    """Render these article files again: a photo they show has new sizes, or lost them."""

    keys: tuple[str, ...]

    TAG = "newsroom_rerender"

    def body(self) -> str:
        return json.dumps({self.TAG: {"keys": list(self.keys[:MAX_KEYS])}})


@dataclass(frozen=True)
class Invalidate:
    """Drop these site paths at the edge (no wildcards: whole-site flushes are ingest's alone)."""

    paths: tuple[str, ...]

    TAG = "newsroom-invalidate"

    def body(self) -> str:
        return json.dumps({self.TAG: {"paths": sorted(set(self.paths))[:MAX_PATHS]}})


Message = S3Change | Due | Rerender | Invalidate


def parse(body: str) -> list[Message]:
    """The messages one queue message's body holds; [] for anything that is not ours."""
    try:
        payload = json.loads(body)
    except (TypeError, json.JSONDecodeError):
        log.warning(json.dumps({"event": "ignored_message", "reason": "not JSON"}))
        return []
    if not isinstance(payload, dict):
        return []
    if "Records" in payload:
        return list(_s3_changes(payload["Records"]))
    for tag, read in _OURS.items():
        if isinstance(payload.get(tag), dict):
            message = read(payload[tag])
            return [message] if message is not None else []
    return []  # e.g. s3:TestEvent


def _s3_changes(records: Any) -> list[S3Change]:
    """S3's records; keys arrive URL-encoded (``+`` for space)."""
    changes = []
    for record in records if isinstance(records, list) else []:
        s3 = record.get("s3", {}) if isinstance(record, dict) else {}
        bucket = s3.get("bucket", {}).get("name")
        raw_key = s3.get("object", {}).get("key")
        if bucket and isinstance(raw_key, str):
            removed = str(record.get("eventName", "")).removeprefix("s3:").startswith("ObjectRemoved")
            changes.append(S3Change(bucket, urllib.parse.unquote_plus(raw_key), s3["object"].get("sequencer"), removed))
    return changes


def _due(fields: dict[str, Any]) -> Due | None:
    if not isinstance(fields.get("key"), str):
        return None
    return Due(fields["key"], str(fields.get("slug", "")), str(fields.get("due", "")))


def _rerender(fields: dict[str, Any]) -> Rerender | None:
    keys = fields.get("keys")
    if not isinstance(keys, list):
        return None
    return Rerender(tuple(k for k in keys[:MAX_KEYS] if isinstance(k, str)))


def _invalidate(fields: dict[str, Any]) -> Invalidate | None:
    paths = fields.get("paths")
    if not isinstance(paths, list):
        return None
    return Invalidate(tuple(p for p in paths[:MAX_PATHS] if isinstance(p, str) and p.startswith("/")
                            and len(p) <= MAX_PATH_CHARS and "*" not in p))


_OURS: dict[str, Callable[[dict[str, Any]], Message | None]] = {
    Due.TAG: _due, Rerender.TAG: _rerender, Invalidate.TAG: _invalidate}


Handlers = dict[type, Callable[[Any], object]]
BatchAnswer = dict[str, list[dict[str, str]]]  # a queue function's answer: {"batchItemFailures": [...]}


def dispatch(sqs_messages: Iterable[dict[str, Any]], handlers: Handlers, failed_event: str) -> list[dict[str, str]]:
    """Hand each message a queue delivered to its kind's handler; return Lambda's batch item
    failures: the SQS messages a handler raised on (AWS failing), so SQS delivers them again.
    A kind with no handler here is logged and acknowledged: it was sent to the wrong queue."""
    failures = []
    for sqs_message in sqs_messages:
        try:
            for message in parse(sqs_message.get("body", "")):
                handler = handlers.get(type(message))
                if handler is None:
                    log.warning(json.dumps({"event": "ignored_message", "reason": f"no {type(message).__name__} here"}))
                    continue
                handler(message)
        except Exception as exc:  # noqa: BLE001 - anything that is not an editor's error is retried
            log_failure(failed_event, sqs_message, exc)
            failures.append({"itemIdentifier": sqs_message.get("messageId", "")})
    return failures


def log_failure(event: str, sqs_message: dict[str, Any], exc: BaseException) -> None:
    """One line: which message, and what went wrong (never its body)."""
    logging.getLogger("newsroom").error(json.dumps({"event": event, "message_id": sqs_message.get("messageId"),
                                                    "error": f"{type(exc).__name__}: {exc}"[:500]}))
