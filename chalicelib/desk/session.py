"""A desk session: the cookie, the CSRF token, where a write may come from, and who it acts as.

- The session is the ID token (and, for signing out, the access token) in cookies that are
  ``HttpOnly`` (no script reads them), ``Secure`` (except on this machine's loopback, where the
  site is plain http), ``SameSite=Strict`` and scoped to ``/desk``. Every request verifies the ID
  token again (``identity.verify``): nothing is stored server-side to be stolen or to go stale.
- Every write must come from the desk's own pages: its ``Origin`` (or, without one, its
  ``Referer``) is the site's, and it carries the CSRF token the page was given, an HMAC of the
  session's token under the stage's secret, so another site can neither read nor forge it.
- Sign-in failures are limited per account and per address (``ratelimit.SlidingWindow``): at most
  ``SIGN_IN_FAILURES`` in any ``SIGN_IN_WINDOW`` seconds, whatever the password.
- Writes act as the signed-in person: the Cognito identity pool gives their role's temporary
  credentials (contributor, editor or admin, as ``infra/template.yaml`` maps each group), so the web
  function's own role needs, and has, no right to write content.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import time
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from chalicelib import aws, config
from chalicelib.aws import cognito_identity_client, s3_client, s3_client_as
from chalicelib.ratelimit import SlidingWindow

ID_COOKIE = "desk_id"
ACCESS_COOKIE = "desk_access"
PATH = "/desk"
SIGN_IN_FAILURES = 5
SIGN_IN_WINDOW = 15 * 60
SIGN_IN_LIMIT = SlidingWindow(SIGN_IN_FAILURES, SIGN_IN_WINDOW)


class CrossSite(Exception):
    """A write that did not come from the desk's own pages, or without its token."""


def cookies(headers: dict[str, str]) -> dict[str, str]:
    """The request's cookies by name."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed Cookie header is no session
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def set_cookies(id_token: str, access_token: str, seconds: int, secure: bool) -> list[str]:
    """The Set-Cookie values that start a session."""
    flags = f"Path={PATH}; HttpOnly; SameSite=Strict; Max-Age={int(seconds)}" + ("; Secure" if secure else "")
    return [f"{ID_COOKIE}={id_token}; {flags}", f"{ACCESS_COOKIE}={access_token}; {flags}"]


def clear_cookies(secure: bool) -> list[str]:
    """The Set-Cookie values that end a session."""
    flags = f"Path={PATH}; HttpOnly; SameSite=Strict; Max-Age=0" + ("; Secure" if secure else "")
    return [f"{ID_COOKIE}=; {flags}", f"{ACCESS_COOKIE}=; {flags}"]


def csrf_token(id_token: str) -> str:
    """The token the desk's pages carry for this session, and every write must send back."""
    return hmac.new(config.current().cursor_secret, b"desk-csrf|" + id_token.encode(), hashlib.sha256).hexdigest()


def check_write(headers: dict[str, str], origin: str, id_token: str, sent_token: str) -> None:
    """A write must come from the desk's own pages, with this session's CSRF token.

    :raise CrossSite: another origin, no origin at all, or a missing or wrong token.
    """
    came_from = headers.get("origin") or headers.get("referer") or ""
    parts = urlsplit(came_from)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        raise CrossSite("This was not sent from the desk's own pages.")
    if not sent_token or not hmac.compare_digest(sent_token, csrf_token(id_token)):
        raise CrossSite("This page is out of date (its security token does not match). Reload it and try again.")


def limited_keys(email: str, address: str | None) -> list[str]:
    """The sign-in counters a failure counts against: the account's and the address's (keyed hashes)."""
    secret = config.current().cursor_secret
    return [hmac.new(secret, f"desk-sign-in|{kind}|{value}".encode(), hashlib.sha256).hexdigest()[:24]
            for kind, value in (("account", email.strip().lower()), ("address", address or "unknown"))]


def s3_as(id_token: str) -> Any:
    """An S3 client with the signed-in person's role (the identity pool's credentials for them)."""
    credentials = credentials_of(id_token)
    return s3_client() if credentials is None else s3_client_as(credentials)


def acting_as(id_token: str) -> contextlib.AbstractContextManager[None]:
    """A block in which DynamoDB and SQS are reached with the signed-in person's role (moderation)."""
    return aws.acting_as(credentials_of(id_token))


def credentials_of(id_token: str) -> dict[str, str] | None:
    """The identity pool's credentials for this session's role (kept for the warm function while they
    last), or None on the local stand-in without an identity pool, which takes any key."""
    settings = config.current()
    if not settings.identity_pool_id:
        if settings.local_stand_in:
            return None
        raise CrossSite("The desk cannot write on this stage: it has no identity pool (docs/deploy.md).")
    kept = _KEPT.get(id_token)
    if kept is not None and kept[0] > time.time() + 60:
        return kept[1]
    provider = f"cognito-idp.{settings.region}.amazonaws.com/{settings.user_pool_id}"
    identity = cognito_identity_client()
    found = identity.get_id(IdentityPoolId=settings.identity_pool_id, Logins={provider: id_token})
    credentials: dict[str, Any] = identity.get_credentials_for_identity(IdentityId=found["IdentityId"],
                                                                        Logins={provider: id_token})["Credentials"]
    expires: Any = credentials.get("Expiration")
    until = float(expires.timestamp()) if hasattr(expires, "timestamp") else time.time() + 900
    if len(_KEPT) >= 64:
        _KEPT.clear()
    _KEPT[id_token] = (until, credentials)
    return credentials


_KEPT: dict[str, tuple[float, dict[str, Any]]] = {}  # session token -> (credentials expire at, credentials)
