"""The signed links of newsletter e-mails: confirm a sign-up (expiring), unsubscribe and manage (never expiring).

Each is an HMAC-SHA256 over what it authorizes, with the site's secret (``config.cursor_secret``,
read when a link is made or checked) and a purpose, so a link for one purpose never works for
another. A confirmation link names the sign-up it confirms (its nonce): a newer sign-up or a use
makes it stale. An unsubscribe link works for as long as the e-mail may be read: RFC 8058 asks that
the one-click address keep working, and a reader may unsubscribe from a years-old e-mail.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from chalicelib import config

CONFIRM_MAX_AGE_SECONDS = 7 * 86400  # a week to find the e-mail and click
_HASH = re.compile(r"^[0-9a-f]{64}$")
_NONCE = re.compile(r"^[0-9a-f]{16,32}$")


class BadLink(Exception):
    """A link that does not authorize anything: ``code`` (forged, expired) and words for the reader."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def confirm_token(address_hash: str, nonce: str, now: float | None = None) -> str:
    """The confirmation link's token: which address, which sign-up, when it was issued, signed."""
    issued = int(time.time() if now is None else now)
    return f"{address_hash}.{nonce}.{issued}.{_sign('confirm', address_hash, nonce, str(issued))}"


def read_confirm(token: str, now: float | None = None) -> tuple[str, str]:
    """(address hash, nonce) a confirmation token authorizes.

    :raise BadLink: not one of ours (``forged``), or older than CONFIRM_MAX_AGE_SECONDS (``expired``).
    """
    parts = (token or "").split(".")
    if len(parts) != 4 or not _HASH.match(parts[0]) or not _NONCE.match(parts[1]) or not parts[2].isdigit():
        raise BadLink("forged", "This confirmation link is not one we sent. Please sign up again.")
    address_hash, nonce, issued, signature = parts
    if not hmac.compare_digest(signature, _sign("confirm", address_hash, nonce, issued)):
        raise BadLink("forged", "This confirmation link is not one we sent. Please sign up again.")
    age = (time.time() if now is None else now) - int(issued)
    if not -300 <= age <= CONFIRM_MAX_AGE_SECONDS:
        raise BadLink("expired", f"This confirmation link has expired (links work for "
                      f"{CONFIRM_MAX_AGE_SECONDS // 86400} days). Please sign up again.")
    return address_hash, nonce


def unsubscribe_token(address_hash: str) -> str:
    """The unsubscribe link's token: which address, signed."""
    return f"{address_hash}.{_sign('unsubscribe', address_hash)}"


def read_unsubscribe(token: str) -> str:
    """The address hash an unsubscribe token authorizes.

    :raise BadLink: not one of ours (``forged``).
    """
    address_hash, _, signature = (token or "").partition(".")
    if not _HASH.match(address_hash) or not hmac.compare_digest(signature, _sign("unsubscribe", address_hash)):
        raise BadLink("forged", "This unsubscribe link is not one we sent. Use the link in the newsletter "
                      "itself, or reply to it and we will take you off the list.")
    return address_hash


def manage_token(address_hash: str) -> str:
    """The "manage your subscription" link's token: which address, signed for that purpose only.
    It never expires, as the unsubscribe link: a reader may open a years-old e-mail to delete their data."""
    return f"{address_hash}.{_sign('manage', address_hash)}"


def read_manage(token: str) -> str:
    """The address hash a manage token authorizes.

    :raise BadLink: not one of ours (``forged``).
    """
    address_hash, _, signature = (token or "").partition(".")
    if not _HASH.match(address_hash) or not hmac.compare_digest(signature, _sign("manage", address_hash)):
        raise BadLink("forged", "This link is not one we sent. Use the “Manage your subscription” link in "
                      "one of our e-mails.")
    return address_hash


def _sign(purpose: str, *parts: str) -> str:
    message = "|".join(("newsletter", purpose, *parts)).encode()
    return hmac.new(config.current().cursor_secret, message, hashlib.sha256).hexdigest()[:40]
