"""Checking and uploading content files as one batch: what ``newsroom publish``, ``newsroom
import-wordpress`` and the imports function share. Uploading is the only way in: files go to the
content bucket, and ingest publishes them as any editor's upload.

A file whose bytes are already at its key is not sent again. An import (``keep_existing``) never
overwrites a key that holds other bytes, as WordPress's importer skips a post that "already
exists" (``WP_Import::process_posts`` in WordPress/wordpress-importer's ``class-wp-import.php``:
``post_exists`` by title and date, then "%s “%s” already exists." and the post is left as it is,
its new comments still imported): the file there is kept, and the key is listed in ``Uploads.kept`` for the report. Its
write is conditional (``If-None-Match: *``), so a file that appears between the look and the write
is kept too. ``newsroom publish`` means to replace what is there, and does.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from chalicelib import config
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.content import corrections
from chalicelib.content.content_format import Article, ContentError, Problem, check_file, kind_of_key


def digest(data: bytes) -> str:
    """S3's ETag for a single-part upload: the MD5 of the bytes."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def problems_of(files: Mapping[str, bytes]) -> dict[str, list[Problem]]:
    """Every problem in every content file, by key (media files are not checked); and, among the
    batch's live articles, an old address two of them claim (``articles.aliases_claimed_twice``)."""
    out: dict[str, list[Problem]] = {}
    from chalicelib.bucket import is_pending
    from chalicelib.publish.pending import live_article_of

    articles: list[Article] = []
    for key in files:
        if key.startswith(config.MEDIA_PREFIX):
            continue
        data = files[key]
        if is_pending(key):
            live = live_article_of(key)
            if live is None:
                out[key] = [Problem("file", "only articles/ and pages/ files have drafts and submissions")]
                continue
            try:
                check_file(live, data)
            except ContentError as error:
                out[key] = error.problems
            continue
        if kind_of_key(key) is None:
            out[key] = [Problem("file", "is not under a content prefix (" + ", ".join(
                config.INGESTED_PREFIXES + (config.MEDIA_PREFIX,)) + ")")]
            continue
        try:
            parsed = check_file(key, data)
        except ContentError as error:
            out[key] = error.problems
            continue
        if isinstance(parsed, Article) and parsed.aliases:
            articles.append(parsed)
    if len(articles) > 1:
        from chalicelib.publish.articles import aliases_claimed_twice

        for key, found in aliases_claimed_twice(articles).items():
            out.setdefault(key, []).extend(found)
    return out


@dataclass
class Uploads:
    """What an upload did: the keys sent (with their new ETags), and those kept as they were."""

    sent: dict[str, str] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)  # other bytes were there; not overwritten (``keep_existing``)


def ordered(bucket_keys: Any) -> list[str]:
    """Keys in the order ingest should see them (media before the articles that show it)."""
    return sorted(bucket_keys, key=config.apply_rank)


def upload(s3: Any, bucket: str, files: Mapping[str, bytes],
           progress: Callable[[str, bool], None] | None = None,
           metadata: dict[str, str] | None = None, keep_existing: bool = False) -> Uploads:
    """Upload the files whose bytes differ from the bucket's, with ``metadata`` (who uploaded them,
    for ``newsroom history``); ``keep_existing``: never over another file (an import)."""
    done = Uploads()
    for key in ordered(files):
        sent = _send(s3, bucket, key, files[key], metadata, keep_existing)
        _count(done, key, sent)
        if progress:
            progress(key, bool(sent))
    return done


def upload_many(s3: Any, bucket: str, files: Mapping[str, bytes], metadata: dict[str, str] | None = None,
                progress: Callable[[int], object] | None = None, workers: int = 16,
                keep_existing: bool = False) -> Uploads:
    """``upload``, ``workers`` at a time within each kind (media, then terms, then pages and articles,
    as ingest wants them): a 20,000-file import in seconds, not minutes. ``progress(done)`` every 200."""
    done = Uploads()
    count = 0
    keys = ordered(files)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for rank in sorted({config.apply_rank(k) for k in keys}):
            batch = [k for k in keys if config.apply_rank(k) == rank]
            for key, sent in zip(batch, pool.map(lambda k: _send(s3, bucket, k, files[k], metadata, keep_existing),
                                                 batch), strict=True):
                _count(done, key, sent)
                count += 1
                if progress and count % 200 == 0:
                    progress(count)
    if progress:
        progress(count)
    return done


def _count(done: Uploads, key: str, sent: str | None) -> None:
    if sent is None:
        done.kept.append(key)
    elif sent:
        done.sent[key] = sent


def _send(s3: Any, bucket: str, key: str, data: bytes, metadata: dict[str, str] | None,
          keep_existing: bool = False) -> str | None:
    """Upload one file unless the bucket holds these bytes already; its new ETag, "" if these bytes
    were there, None if other bytes were and ``keep_existing`` kept them."""
    # Under submissions/ the writer may be a contributor (`newsroom submit`), whose role may not list the
    # bucket: S3 says 403 of a missing key there, and every role that writes submissions/ may read them.
    content = ContentBucket(bucket, s3, unlisted=key.startswith(config.SUBMISSIONS_PREFIX))
    current = content.etag(key)
    if current == digest(data):
        return ""
    if current is not None and keep_existing:
        return None
    if current is not None and key.startswith(config.ARTICLES_PREFIX):  # its published corrections stay
        try:
            data = corrections.kept(data, content.get(key)[0])
        except KeyError:
            pass
        if digest(data) == current:
            return ""
    try:
        return content.put(key, data, if_version="" if keep_existing else None, content_type=_content_type(key),
                           metadata=metadata, report_theirs=False)
    except Conflict as lost:  # written meanwhile
        return "" if lost.etag == digest(data) else None


def _content_type(key: str) -> str:
    import mimetypes

    if key.endswith((".md", ".markdown")):
        return "text/markdown; charset=utf-8"
    if key.endswith((".yaml", ".yml")):
        return "application/yaml"
    return mimetypes.guess_type(key)[0] or "application/octet-stream"
