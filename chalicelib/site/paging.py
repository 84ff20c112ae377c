"""Opaque, tamper-proof cursors for "Older posts" / "Newer posts" links.

A cursor names the archive it belongs to and the sort key of the last (or
first) entry shown, and is signed with HMAC-SHA256 under
the settings' ``cursor_secret``. Paging by key rather than by offset keeps every
page one Query however deep, and keeps links right while articles are added.
A cursor that was forged, truncated or belongs to another archive is refused
with ``BadCursor`` (the page answers 400), never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

from chalicelib import config

_COMMENT_ID = r"\d{8}T\d{6}Z-[0-9a-f]{8}"
# Archive listings ("<date>#<slug>") and comment threads ("<id>" or "<parent id>#<id>").
_SK = re.compile(rf"^(\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}}Z#[a-z0-9-]{{1,120}}|{_COMMENT_ID}(#{_COMMENT_ID})?)$")
MAX_CURSOR_CHARS = 400


class BadCursor(ValueError):
    """A paging cursor that this site did not issue for this archive."""


def encode(listing: str, sort_key: str) -> str:
    """A cursor pointing just past ``sort_key`` in ``listing``."""
    payload = json.dumps([listing, sort_key], separators=(",", ":")).encode()
    signature = hmac.new(config.current().cursor_secret, payload, hashlib.sha256).digest()[:16]
    return _b64(payload) + "." + _b64(signature)


def decode(listing: str, cursor: str) -> str:
    """The sort key inside ``cursor``. :raise BadCursor: forged, damaged or for another archive."""
    if len(cursor) > MAX_CURSOR_CHARS or cursor.count(".") != 1:
        raise BadCursor("malformed cursor")
    body, signature = cursor.split(".")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except ValueError:
        raise BadCursor("malformed cursor") from None
    expected = hmac.new(config.current().cursor_secret, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(given, expected):
        raise BadCursor("cursor signature does not match")
    try:
        cursor_listing, sort_key = json.loads(payload)
    except (ValueError, TypeError):
        raise BadCursor("malformed cursor") from None
    if cursor_listing != listing or not isinstance(sort_key, str) or not _SK.match(sort_key):
        raise BadCursor("cursor is for another page")
    return sort_key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError(text)
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
