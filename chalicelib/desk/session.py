"""A desk session: the cookie, the CSRF token, where a write may come from, who it acts as, and
when it ends.

- The session is the ID token (and, for signing out, the access and refresh tokens) in cookies that
  are ``HttpOnly`` (no script reads them), ``Secure`` (except on this machine's loopback, where the
  site is plain http), ``SameSite=Strict`` and scoped to ``/desk`` (the refresh token to
  ``/desk/sign-out`` alone: nothing else ever reads it). Every request verifies the ID token again
  (``identity.verify``).
- A session ends when its person signs out, signs out everywhere, or is disabled by an admin. A
  signed ID token stays valid until it expires whatever Cognito is told (its documentation says so),
  so the desk keeps its own record, one item per person (``models.Sessions``): the sessions ended one
  by one (until their tokens expire) and the moment before which every session is over. Every desk
  request reads it (one consistent GetItem, ``ended``), and a request of an ended session is one of
  nobody: the sign-in page or 401, and the credentials kept for its token are dropped. DynamoDB's TTL
  removes the item once no token it names could still be valid (an ID token lasts at most a day).
- Every write must come from the desk's own pages: its ``Origin`` (or, without one, its
  ``Referer``) is the site's, and it carries the CSRF token the page was given, an HMAC of the
  session's token under the stage's secret, so another site can neither read nor forge it. A sign-in
  must come from the site's own pages too (``check_origin``).
- Sign-in is slowed, never locked (``SIGN_IN_BACKOFF``, ``ratelimit.Backoff``): after 3 failures in
  a row for an account, each failure doubles the wait before its next attempt is even checked, from
  2 seconds up to 2 minutes; a success starts it again. Anyone can make an account wait at most two
  minutes, and nobody can guess its password faster than once every two minutes (720 a day). Per
  reader, failures are limited to ``ADDRESS_FAILURES`` in ``ADDRESS_WINDOW`` (a sliding window), and
  the reader is who CloudFront says (``CloudFront-Viewer-Address``, trusted only with our origin
  secret: ``comment_rules.client_of``, the comments' own), never the edge server API Gateway sees.
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

from pynamodb.exceptions import PutError

from chalicelib import aws, config, keys, retry
from chalicelib.aws import cognito_identity_client, s3_client, s3_client_as
from chalicelib.bucket import ContentBucket
from chalicelib.desk.identity import Identity
from chalicelib.models import Sessions
from chalicelib.ratelimit import Backoff, SlidingWindow

ID_COOKIE = "desk_id"
ACCESS_COOKIE = "desk_access"
REFRESH_COOKIE = "desk_refresh"
PATH = "/desk"
SIGN_OUT_PATH = "/desk/sign-out"  # the only path the refresh token's cookie is sent to
SIGN_IN_BACKOFF = Backoff(free=3, first=2.0, cap=120.0, memory=24 * 3600)  # per account
ADDRESS_FAILURES = 20  # per reader: a newsroom's office shares one address
ADDRESS_WINDOW = 15 * 60
ADDRESS_LIMIT = SlidingWindow(ADDRESS_FAILURES, ADDRESS_WINDOW)
LONGEST_TOKEN = 24 * 3600  # Cognito's ID tokens last at most a day (IdTokenValidity: 5 minutes to 1 day)


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


def set_cookies(id_token: str, access_token: str, refresh_token: str, seconds: int, secure: bool) -> list[str]:
    """The Set-Cookie values that start a session."""
    flags = f"HttpOnly; SameSite=Strict; Max-Age={int(seconds)}" + ("; Secure" if secure else "")
    return [f"{ID_COOKIE}={id_token}; Path={PATH}; {flags}", f"{ACCESS_COOKIE}={access_token}; Path={PATH}; {flags}",
            f"{REFRESH_COOKIE}={refresh_token}; Path={SIGN_OUT_PATH}; {flags}"]


def clear_cookies(secure: bool) -> list[str]:
    """The Set-Cookie values that end a session."""
    flags = "HttpOnly; SameSite=Strict; Max-Age=0" + ("; Secure" if secure else "")
    return [f"{ID_COOKIE}=; Path={PATH}; {flags}", f"{ACCESS_COOKIE}=; Path={PATH}; {flags}",
            f"{REFRESH_COOKIE}=; Path={SIGN_OUT_PATH}; {flags}"]


def csrf_token(id_token: str) -> str:
    """The token the desk's pages carry for this session, and every write must send back."""
    return hmac.new(config.current().cursor_secret, b"desk-csrf|" + id_token.encode(), hashlib.sha256).hexdigest()


def check_origin(headers: dict[str, str], origin: str) -> None:
    """A form must be sent from the site's own pages: its ``Origin`` (or, without one, its ``Referer``).

    :raise CrossSite: another origin, or none at all.
    """
    came_from = headers.get("origin") or headers.get("referer") or ""
    parts = urlsplit(came_from)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        raise CrossSite("This was not sent from the desk's own pages.")


def check_write(headers: dict[str, str], origin: str, id_token: str, sent_token: str) -> None:
    """A write must come from the desk's own pages, with this session's CSRF token.

    :raise CrossSite: another origin, no origin at all, or a missing or wrong token.
    """
    check_origin(headers, origin)
    if not sent_token or not hmac.compare_digest(sent_token, csrf_token(id_token)):
        raise CrossSite("This page is out of date (its security token does not match). Reload it and try again.")


def limited_key(kind: str, value: str) -> str:
    """The sign-in counter of an account (its e-mail) or a reader (``comment_rules.client_of``): a keyed hash."""
    secret = config.current().cursor_secret
    return hmac.new(secret, f"desk-sign-in|{kind}|{value.strip().lower()}".encode(), hashlib.sha256).hexdigest()[:24]


# --- sessions that end -------------------------------------------------------------------------

def ended(who: Identity) -> bool:
    """Whether ``who``'s session was signed out, or began before they (or an admin) ended them all
    (one consistent GetItem)."""
    item = Sessions.get_or_none(*keys.sessions(who.sub), consistent_read=True)
    if item is None:
        return False
    if item.valid_after is not None and who.signed_in_at <= float(item.valid_after):
        return True
    return isinstance(item.ended, dict) and who.session in item.ended


def end_session(who: Identity, id_token: str, now: float | None = None) -> None:
    """This one session is over: its token is refused from now on, until it expires."""
    def change(ended_: dict[str, float], valid_after: float | None) -> tuple[dict[str, float], float | None]:
        return {**ended_, who.session: float(who.expires)}, valid_after
    _record(who.sub, change, now)
    forget(id_token)


def end_sessions(sub: str, now: float | None = None) -> None:
    """Every session of the person ``sub`` that began before now is over: "Sign out everywhere", and
    what an admin disabling someone calls (with Cognito's AdminDisableUser, which ends their tokens at
    the pool). Their next sign-in starts a session that works (one begun in the same second as this
    ends too: ``auth_time`` is whole seconds, and ending one too many is the safe side)."""
    when = float(int(time.time() if now is None else now))  # auth_time is whole seconds

    def change(ended_: dict[str, float], valid_after: float | None) -> tuple[dict[str, float], float | None]:
        return ended_, max(when, valid_after or 0.0)
    _record(sub, change, now)


def _record(sub: str, change: Any, now: float | None) -> None:
    """Read ``sub``'s record, apply ``change`` to (ended sessions, valid after), write it back if no one
    wrote meanwhile (the web function's own role: a contributor's has no right to write the table)."""
    now = time.time() if now is None else now
    for _ in range(retry.ATTEMPTS):
        item = Sessions.get_or_none(*keys.sessions(sub), consistent_read=True)
        current = {k: float(v) for k, v in (item.ended or {}).items() if float(v) > now} if item else {}
        ended_, valid_after = change(current, item.valid_after if item else None)
        version = int(item.version or 0) if item else 0
        last = max([*ended_.values(), (valid_after or 0.0) + LONGEST_TOKEN, now])
        try:
            Sessions(*keys.sessions(sub), ended=ended_ or None, valid_after=valid_after, version=version + 1,
                     expires=int(last) + 60).save(
                condition=(Sessions.version == version) if item else Sessions.pk.does_not_exist())
            return
        except PutError as exc:
            if not retry.condition_failed(exc):
                raise
    raise retry.ConcurrentChange(f"sessions of {sub}")


def forget(id_token: str) -> None:
    """Drop what this warm function keeps for the token: its credentials, and the clients made with them."""
    kept = _KEPT.pop(id_token, None)
    _OWNERS.pop(id_token, None)
    if kept is not None:
        aws.forget_acting(kept[1])


def s3_as(id_token: str) -> Any:
    """An S3 client with the signed-in person's role (the identity pool's credentials for them)."""
    credentials = credentials_of(id_token)
    return s3_client() if credentials is None else s3_client_as(credentials)


def bucket_as(id_token: str, who: Identity | None = None) -> ContentBucket:
    """The content bucket, reached with the signed-in person's own S3 client (``s3_as``). Given ``who``,
    a contributor's is ``unlisted``: their role may not list the bucket (infra/template.yaml's
    ContributorPolicy), so S3 says 403, not 404, of a missing submission and the bucket reads it as missing."""
    return ContentBucket.of(s3_as(id_token), unlisted=who is not None and not who.may("editor"),
                            owner=owner_of(id_token, who))


def owner_of(id_token: str, who: Identity | None = None) -> str:
    """The person's own submissions folder (``bucket.submission_key``): their identity pool identity id,
    what IAM substitutes for ``${cognito-identity.amazonaws.com:sub}`` in their role's policy; on the local
    stand-in without an identity pool, their user pool sub."""
    credentials_of(id_token)
    kept = _OWNERS.get(id_token)
    return kept if kept is not None else (who.sub if who is not None else "")


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
        _OWNERS.clear()
    _KEPT[id_token] = (until, credentials)
    _OWNERS[id_token] = str(found["IdentityId"])
    return credentials


_KEPT: dict[str, tuple[float, dict[str, Any]]] = {}  # session token -> (credentials expire at, credentials)
_OWNERS: dict[str, str] = {}  # session token -> the identity pool's identity id (owner_of)
