"""Keep article bodies of any size within DynamoDB's 400 KB item limit.

A rendered body is stored, by size:

- up to ``INLINE_LIMIT`` bytes: as text on the Post item (``body_html``);
- else compressed with zlib on the item (``body_gz``) if that fits in
  ``COMPRESSED_LIMIT`` (HTML compresses 4-8x; a 2 MiB file usually fits);
- else in the content bucket under ``rendered/`` (a prefix ingest does not
  watch), named by its SHA-256, with the key on the item (``body_ref``).
  The page then costs one S3 GetObject more.

``pack`` runs at ingest; ``load`` runs per request and imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chalicelib.models import Post

INLINE_LIMIT = 100 * 1024
COMPRESSED_LIMIT = 300 * 1024
RENDERED_PREFIX = "rendered/"
# What WordPress's <!--nextpage--> becomes at ingest (chalicelib/content/markup.py): pages show the
# parts between these one at a time (chalicelib/site/pages.py).
PAGE_BREAK = '<hr class="wp-nextpage">'


@dataclass(frozen=True)
class PackedBody:
    """How one body is stored: exactly one of the three fields is set."""

    html: str | None = None
    gz: bytes | None = None
    ref: str | None = None
    offloaded_html: bytes | None = None  # what to put at ``ref`` before publishing


def pack(html: str, slug: str) -> PackedBody:
    """Choose how to store ``html`` (see the module docstring)."""
    raw = html.encode("utf-8")
    if len(raw) <= INLINE_LIMIT:
        return PackedBody(html=html)
    compressed = zlib.compress(raw, 9)
    if len(compressed) <= COMPRESSED_LIMIT:
        return PackedBody(gz=compressed)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return PackedBody(ref=f"{RENDERED_PREFIX}{slug}/{digest}.html", offloaded_html=raw)


def load(post: Post) -> str:
    """The body HTML of a Post item, wherever it is stored."""
    if post.body_gz:
        return zlib.decompress(post.body_gz).decode("utf-8")
    if post.body_ref:
        from botocore.exceptions import ClientError

        from chalicelib.bucket import ContentBucket

        found = ContentBucket.of().fetch(post.body_ref)
        if found is None:  # the item names a body the bucket no longer holds: the page cannot be read now (503)
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": post.body_ref}}, "GetObject")
        return found.data.decode("utf-8")
    return post.body_html or ""
