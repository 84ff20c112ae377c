"""Apply S3 notifications to the site: the body of the ingest Lambda.

Flow per S3 record: decode the key -> read the object's *current* state from
S3 (so a duplicated or late notification just re-applies the present) ->
parse and validate (``content_format``) -> render Markdown once
(``markup``) -> write DynamoDB (``publishing``). A missing object means the
file was deleted: its article is unpublished.

Errors an editor caused (``ContentError``) are permanent: the site stays as
it was, a report is written under ``reports/`` (which ingest does not watch)
and the message is acknowledged. Anything else (throttling, a network fault,
a bug) is transient: the message is reported as a batch item failure, SQS
redelivers it, and after the queue's maxReceiveCount it lands in the
dead-letter queue with its original body for replay.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterable

from botocore.exceptions import ClientError

from chalicelib import config, content_format, markup, publishing
from chalicelib.aws import s3_client
from chalicelib.content_format import Article, Author, Category, ContentError, Settings

log = logging.getLogger("newsroom.ingest")


@dataclass
class Outcome:
    """What happened to one file."""

    key: str
    outcome: str  # "published", "unpublished", "invalid", "ignored"
    slug: str | None = None
    problems: list[str] | None = None
    notes: list[str] | None = None


def handle_sqs_messages(messages: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Process SQS messages one by one; return the failed ones for redelivery.

    The return value is Lambda's partial batch response: only the messages
    listed there return to the queue.
    """
    failures = []
    for message in messages:
        try:
            for bucket, key in s3_records(message.get("body", "")):
                apply_key(bucket, key)
        except Exception:  # noqa: BLE001 - anything not an editor's error is retried
            log.exception(json.dumps({"event": "ingest_failed", "message_id": message.get("messageId")}))
            failures.append({"itemIdentifier": message.get("messageId", "")})
    return {"batchItemFailures": failures}


def s3_records(body: str) -> list[tuple[str, str]]:
    """The (bucket, key) pairs in one SQS message body from an S3 notification."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        log.warning(json.dumps({"event": "ignored_message", "reason": "not JSON"}))
        return []
    if not isinstance(payload, dict) or "Records" not in payload:  # e.g. s3:TestEvent
        return []
    pairs = []
    for record in payload["Records"]:
        s3 = record.get("s3", {})
        bucket = s3.get("bucket", {}).get("name")
        raw_key = s3.get("object", {}).get("key")
        if bucket and raw_key is not None:
            pairs.append((bucket, urllib.parse.unquote_plus(raw_key)))
    return pairs


def apply_key(bucket: str, key: str) -> Outcome:
    """Bring the site in line with the current state of one bucket key."""
    started = time.perf_counter()
    kind = content_format.kind_of_key(key)
    if kind is None:
        outcome = Outcome(key, "ignored")
    else:
        data, etag = _read_object(bucket, key)
        if data is None:
            result = publishing.unpublish_source(key)
            delete_report(bucket, key)
            outcome = Outcome(key, "unpublished", slug=result.slug, notes=result.notes)
        else:
            outcome = _publish(bucket, key, kind, data, etag)
    _log_outcome(outcome, started)
    return outcome


def _publish(bucket: str, key: str, kind: str, data: bytes, etag: str | None) -> Outcome:
    try:
        parsed = content_format.parse_file(key, data)
        if isinstance(parsed, Article):
            result = publishing.publish_article(parsed, markup.render_body(parsed.body, parsed.body_format), etag)
        elif isinstance(parsed, Author):
            result = publishing.save_author(parsed)
        elif isinstance(parsed, Category):
            result = publishing.save_category(parsed)
        elif isinstance(parsed, Settings):
            result = publishing.save_settings(parsed)
        else:  # pragma: no cover - parse_file returns one of the above
            raise TypeError(type(parsed))
    except ContentError as error:
        problems = [str(p) for p in error.problems]
        publishing.record_invalid(key, kind, problems)
        write_report(bucket, key, error)
        return Outcome(key, "invalid", problems=problems)
    delete_report(bucket, key)
    return Outcome(key, "published", slug=result.slug, notes=result.notes)


def _read_object(bucket: str, key: str) -> tuple[bytes | None, str | None]:
    try:
        response = s3_client().get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None, None
        raise
    return response["Body"].read(), response.get("ETag", "").strip('"') or None


def report_key(key: str) -> str:
    """Where the error report for ``key`` is written."""
    return f"{config.REPORTS_PREFIX}{key}.json"


def write_report(bucket: str, key: str, error: ContentError) -> None:
    """Leave a report an editor can read next to the content, naming file, field and problem."""
    report = {
        "file": key,
        "status": "not published",
        "problems": [{"field": p.field, "problem": p.message, "line": p.line} for p in error.problems],
        "message": str(error),
        "at": publishing.now_iso(),
    }
    s3_client().put_object(Bucket=bucket, Key=report_key(key), ContentType="application/json",
                           Body=json.dumps(report, indent=2, ensure_ascii=False).encode())


def delete_report(bucket: str, key: str) -> None:
    """Clear the report for ``key``: the file is fine now, or gone."""
    s3_client().delete_object(Bucket=bucket, Key=report_key(key))


def _log_outcome(outcome: Outcome, started: float) -> None:
    line = {"event": "ingest", "key": outcome.key, "outcome": outcome.outcome, "slug": outcome.slug,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)}
    if outcome.problems:
        line["problems"] = outcome.problems
    if outcome.notes:
        line["notes"] = outcome.notes
    (log.warning if outcome.outcome == "invalid" else log.info)(json.dumps(line, ensure_ascii=False))
