"""The content bucket as ingest and publishing use it: one small interface over S3.

Ingest makes one ``ContentBucket`` per S3 record and passes it to the
publishing code, which asks it the few things a rule needs (does another
file still exist? where does an oversized body go? how big is this image?)
and never talks to S3 itself. Reports for editors are written here too,
under ``reports/``, where ingest does not look.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from chalicelib import config
from chalicelib.aws import s3_client

if TYPE_CHECKING:  # the images function writes reports too, without loading the content format
    from chalicelib.content.content_format import ContentError

MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
IMAGE_HEAD_BYTES = 65536  # enough of an image for its width and height


@dataclass(frozen=True)
class ContentBucket:
    """One content bucket (``name``), reached through the settings' S3 client."""

    name: str

    def read(self, key: str, limit: int) -> tuple[bytes | None, str | None]:
        """The file at ``key`` and its ETag, reading at most ``limit`` + 1 bytes (a larger file is
        refused without being loaded whole); (None, None) if it is gone."""
        data, etag, _ = self.read_version(key, limit)
        return data, etag

    def read_version(self, key: str, limit: int) -> tuple[bytes | None, str | None, str | None]:
        """``read``, and the S3 version it read (None where the bucket keeps no versions): what a
        preview link is bound to, so the same bytes uploaded again are another upload."""
        return self.read_dated(key, limit)[:3]

    def read_dated(self, key: str, limit: int) -> tuple[bytes | None, str | None, str | None, dt.datetime | None]:
        """``read_version``, and when the version was written (S3's LastModified, UTC)."""
        try:
            response = s3_client().get_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None, None, None, None
            raise
        version, modified = response.get("VersionId"), response.get("LastModified")
        return (response["Body"].read(limit + 1), response.get("ETag", "").strip('"') or None,
                version if version and version != "null" else None,
                modified if isinstance(modified, dt.datetime) else None)

    def read_head(self, key: str, size: int) -> tuple[bytes | None, str | None]:
        """The first ``size`` bytes of the file at ``key`` and its ETag; (None, None) if it is gone."""
        try:
            response = s3_client().get_object(Bucket=self.name, Key=key, Range=f"bytes=0-{size - 1}")
        except ClientError as exc:
            if _code(exc) in MISSING | {"InvalidRange"}:
                return (b"", None) if _code(exc) == "InvalidRange" else (None, None)
            raise
        return response["Body"].read(size), response.get("ETag", "").strip('"') or None

    def exists(self, key: str) -> bool:
        """Whether a file is at ``key`` now (1 HeadObject)."""
        return self.etag(key) is not None

    def head(self, key: str) -> tuple[str | None, dict[str, str]]:
        """The ETag of the file at ``key`` and its object metadata; (None, {}) if there is none (1 HeadObject)."""
        try:
            response = s3_client().head_object(Bucket=self.name, Key=key)
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None, {}
            raise
        return response.get("ETag", "").strip('"') or None, dict(response.get("Metadata") or {})

    def etag(self, key: str) -> str | None:
        """The ETag of the file at ``key`` now, or None if there is none (1 HeadObject, nothing downloaded)."""
        return self.head(key)[0]

    def store_body(self, key: str, html: bytes) -> None:
        """Keep an article body too large for its DynamoDB item (bodies.py)."""
        s3_client().put_object(Bucket=self.name, Key=key, Body=html, ContentType="text/html; charset=utf-8")

    def image_size(self, src: str) -> tuple[int, int] | None:
        """Width and height of an image under media/, from its first 64 KiB; None if not there."""
        import imagesize

        key = urllib.parse.unquote(src.lstrip("/"))
        try:
            head = s3_client().get_object(Bucket=self.name, Key=key,
                                          Range=f"bytes=0-{IMAGE_HEAD_BYTES - 1}")["Body"].read()
        except ClientError as exc:
            if _code(exc) in MISSING | {"InvalidRange"}:
                return None
            raise
        width, height = imagesize.get(io.BytesIO(head))
        return (width, height) if width > 0 and height > 0 else None

    def write_report(self, key: str, report: dict[str, Any]) -> None:
        """Leave a report an editor can read next to the content: UTF-8 JSON whatever it quotes (a
        character UTF-8 cannot carry becomes U+FFFD, and the report says so)."""
        from chalicelib.content.content_format import printable  # not at import: the images function writes reports too

        text = json.dumps(report, indent=2, ensure_ascii=False)
        if printable(text) != text:
            report = {**report, "note": "characters that cannot be written as text were replaced with \ufffd"}
            text = printable(json.dumps(report, indent=2, ensure_ascii=False))
        s3_client().put_object(Bucket=self.name, Key=report_key(key), ContentType="application/json; charset=utf-8",
                               Body=text.encode("utf-8"))

    def report_refusal(self, key: str, error: ContentError) -> None:
        """The report for a file that was not published: each problem with its field and line."""
        from chalicelib.clock import now_iso

        self.write_report(key, {
            "file": key,
            "status": "not published",
            "problems": [{"field": p.field, "problem": p.message, "line": p.line} for p in error.problems],
            "message": str(error),
            "at": now_iso(),
        })

    def delete_report(self, key: str) -> None:
        """Clear the report for ``key``: the file is fine now, or gone."""
        s3_client().delete_object(Bucket=self.name, Key=report_key(key))


    def write_preview(self, key: str, record: dict[str, Any]) -> None:
        """The status record of a draft or scheduled file: its preview link (chalicelib/site/preview.py)."""
        s3_client().put_object(Bucket=self.name, Key=preview_key(key), ContentType="application/json; charset=utf-8",
                               Body=json.dumps(record, indent=2, ensure_ascii=False).encode("utf-8"))

    def delete_preview(self, key: str) -> None:
        """The file is live now, or gone: its preview link no longer works, so its record goes."""
        s3_client().delete_object(Bucket=self.name, Key=preview_key(key))


def preview_key(key: str) -> str:
    """Where the status record (the preview link) of ``key`` is written."""
    return f"{config.PREVIEWS_PREFIX}{key}.json"


def reports(s3: Any, bucket: str, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """The newest ``limit`` reports ingest left (files refused, or published with warnings), newest
    first, each with when it was written (``modified``), and how many there are in all. Read with
    the caller's client: ``newsroom errors`` and the desk's Refused screen, as the person asking."""
    listed = [obj for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=config.REPORTS_PREFIX)
              for obj in page.get("Contents", [])]
    listed.sort(key=lambda o: (o["LastModified"], o["Key"]), reverse=True)
    out = []
    for obj in listed[:limit]:
        try:
            body = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
        except (ClientError, ValueError):
            continue  # deleted meanwhile (the file was fixed), or not a report
        if isinstance(body, dict):
            out.append({**body, "modified": obj["LastModified"]})
    return out, len(listed)


def report_key(key: str) -> str:
    """Where the error report for ``key`` is written."""
    return f"{config.REPORTS_PREFIX}{key}.json"


def _code(exc: ClientError) -> str | None:
    return exc.response.get("Error", {}).get("Code")
