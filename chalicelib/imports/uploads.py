"""Checking and uploading content files as one batch: what ``newsroom publish``, ``newsroom
import-wordpress`` and the imports function share. Uploading is the only way in: files go to the
content bucket, and ingest publishes them as any editor's upload."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Mapping

from botocore.exceptions import ClientError

from chalicelib import config
from chalicelib.content.content_format import ContentError, Problem, check_file, kind_of_key


def digest(data: bytes) -> str:
    """S3's ETag for a single-part upload: the MD5 of the bytes."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def problems_of(files: Mapping[str, bytes]) -> dict[str, list[Problem]]:
    """Every problem in every content file, by key (media files are not checked)."""
    out: dict[str, list[Problem]] = {}
    from chalicelib.publish.pending import is_pending, live_key

    for key in files:
        if key.startswith(config.MEDIA_PREFIX):
            continue
        data = files[key]
        if is_pending(key):
            if live_key(key) is None:
                out[key] = [Problem("file", "only articles/ and pages/ files have drafts and submissions")]
                continue
            try:
                check_file(live_key(key), data)  # type: ignore[arg-type]
            except ContentError as error:
                out[key] = error.problems
            continue
        if kind_of_key(key) is None:
            out[key] = [Problem("file", "is not under a content prefix (" + ", ".join(
                config.INGESTED_PREFIXES + (config.MEDIA_PREFIX,)) + ")")]
            continue
        try:
            check_file(key, data)
        except ContentError as error:
            out[key] = error.problems
    return out


def ordered(bucket_keys: Any) -> list[str]:
    """Keys in the order ingest should see them (media before the articles that show it)."""
    return sorted(bucket_keys, key=config.apply_rank)


def upload(s3: Any, bucket: str, files: Mapping[str, bytes],
           progress: Callable[[str, bool], None] | None = None,
           metadata: dict[str, str] | None = None) -> dict[str, str]:
    """Upload the files whose bytes differ from the bucket's, with ``metadata`` (who uploaded them,
    for ``newsroom history``); return {key: ETag} of those uploaded."""
    uploaded: dict[str, str] = {}
    for key in ordered(files):
        sent = _send(s3, bucket, key, files[key], metadata)
        if sent:
            uploaded[key] = sent
        if progress:
            progress(key, bool(sent))
    return uploaded


def upload_many(s3: Any, bucket: str, files: Mapping[str, bytes], metadata: dict[str, str] | None = None,
                progress: Callable[[int], object] | None = None, workers: int = 16) -> dict[str, str]:
    """``upload``, ``workers`` at a time within each kind (media, then terms, then pages and articles,
    as ingest wants them): a 20,000-file import in seconds, not minutes. ``progress(done)`` every 200."""
    uploaded: dict[str, str] = {}
    done = 0
    keys = ordered(files)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for rank in sorted({config.apply_rank(k) for k in keys}):
            batch = [k for k in keys if config.apply_rank(k) == rank]
            for key, sent in zip(batch, pool.map(lambda k: _send(s3, bucket, k, files[k], metadata), batch), strict=True):
                if sent:
                    uploaded[key] = sent
                done += 1
                if progress and done % 200 == 0:
                    progress(done)
    if progress:
        progress(done)
    return uploaded


def _send(s3: Any, bucket: str, key: str, data: bytes, metadata: dict[str, str] | None) -> str:
    """Upload one file unless the bucket holds these bytes already; its new ETag, or "" if skipped."""
    if _current_etag(s3, bucket, key) == digest(data):
        return ""
    response = s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType=_content_type(key), Metadata=metadata or {})
    return str(response["ETag"]).strip('"')


def _current_etag(s3: Any, bucket: str, key: str) -> str | None:
    try:
        etag: str = s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
        return etag
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _content_type(key: str) -> str:
    import mimetypes

    if key.endswith((".md", ".markdown")):
        return "text/markdown; charset=utf-8"
    if key.endswith((".yaml", ".yml")):
        return "application/yaml"
    return mimetypes.guess_type(key)[0] or "application/octet-stream"
