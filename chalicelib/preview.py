"""Secret preview links for what readers cannot see yet: drafts, scheduled articles, and pending
versions of articles (drafts/ and submissions/, chalicelib/publish/pending.py) (issue 18).

A preview link is ``/preview/<token>/``. The token names the article's slug,
the version of its file (the S3 ETag ingest published) and when it expires,
signed with the stage's secret (``config.cursor_secret``, under its own
label). So it cannot be forged or altered, it stops working at its expiry
(``preview_days`` in the site settings, 7 by default), and it is revoked by
what changes the file: a new version (another ETag), publishing it (the
article is then simply live: the link answers 404), or deleting it.

Ingest makes the link when it stores a draft or a scheduled article and
writes it to the file's status record, ``previews/<key>.json`` in the bucket
(beside ``reports/``), which ``newsroom publish`` prints and any S3 client
can read; it deletes that record when the file goes live or away.

The page is the real article template with ``noindex`` and ``Cache-Control:
private, no-store``; it is in no listing, feed, sitemap or search (drafts and
scheduled articles never are).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from typing import Any

from chalicelib import config

LABEL = b"preview|"
PATH = "/preview/"
PENDING_MARK = "~"  # a token names a pending version (chalicelib/publish/pending.py) as "~<key>": no slug has one


def token_for(slug: str, etag: str, expires: int) -> str:
    """A signed token for this version of ``slug``, valid until ``expires`` (epoch seconds)."""
    message = f"{slug}|{etag}|{expires}".encode()
    payload = base64.urlsafe_b64encode(message).decode().rstrip("=")
    return f"{payload}.{_sign(message)}"


def read(token: str, now: float | None = None) -> tuple[str, str] | None:
    """(slug, etag) a token names, or None if it is malformed, altered or expired."""
    payload, _, signature = token.partition(".")
    if not payload or len(token) > 1000:
        return None
    try:
        message = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        slug, etag, expires = message.decode().rsplit("|", 2)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not hmac.compare_digest(signature, _sign(message)) or not expires.isdigit():
        return None
    if int(expires) < (time.time() if now is None else now):
        return None
    return slug, etag


def link(slug: str, etag: str, days: int, now: float | None = None) -> tuple[str, int]:
    """The preview URL (absolute with a configured base URL, else a site path) and its expiry."""
    expires = int((time.time() if now is None else now) + days * 86400)
    return f"{config.current().base_url}{PATH}{token_for(slug, etag, expires)}/", expires


def pending_copy(named: str) -> Any:
    """The preview copy of the pending version a token names (``~drafts/articles/x.md``), or None."""
    from chalicelib import keys
    from chalicelib.models import Post

    return Post.get_or_none(*keys.pending(named[len(PENDING_MARK):])) if named.startswith(PENDING_MARK) else None


def _sign(message: bytes) -> str:
    return hmac.new(config.current().cursor_secret, LABEL + message, hashlib.sha256).hexdigest()[:32]
