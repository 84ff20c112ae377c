"""Who is signed in to the desk: Amazon Cognito signs people in, and we check every token ourselves.

Sign-in asks the stage's user pool (``USER_PASSWORD_AUTH``) for tokens; an account an admin created
on AWS answers with ``NEW_PASSWORD_REQUIRED`` first, as Cognito does, and the desk asks for one.
Every request then carries the ID token in its session cookie, and ``verify`` checks it with PyJWT
and ``cryptography`` (RS256, never our own arithmetic: docs/dependencies.md): its signature against
the pool's published keys (JWKS), its issuer (this pool), its audience (exactly this app client: a
list of audiences is refused), that it is an ID token, not used before its ``nbf`` nor after its
``exp``. A key id the pool does not publish makes the function fetch the keys again at most once a
minute (``UNKNOWN_KEY_SECONDS``): a flood of forged tokens cannot make it fetch on every request.
Chalice's local mode only base64-decodes a Cognito token and would take a forged one; nothing here
trusts a token it has not checked. Whether a verified session has since been ended (signed out) is
``session``'s to say.

A person's role is their Cognito group: ``contributor``, ``editor`` or ``admin`` (the highest
counts). ``cognito:groups`` must be a list of names; anything else is refused, never searched for
a substring. The pool and client come from the settings (``user_pool_id``, ``user_pool_client_id``).

Signing out (Cognito's documented behaviour, docs.aws.amazon.com/cognito/latest/developerguide/
token-revocation.html): ``revoke`` (RevokeToken) ends one session's refresh token and the access
tokens issued with it; ``sign_out_everywhere`` (GlobalSignOut) ends all of a person's refresh and
access tokens. Neither makes an ID token fail a signature check, which is why the desk also keeps
its own record of ended sessions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import config
from chalicelib.aws import cognito_client

log = logging.getLogger("newsroom.desk")
ROLES = ("contributor", "editor", "admin")  # each may do what the one before it may, and more
JWKS_SECONDS = 3600.0  # the pool's keys are fetched again after this (Cognito rotates rarely)
UNKNOWN_KEY_SECONDS = 60.0  # a key id the pool does not publish fetches the keys again at most this often
_jwks: dict[str, tuple[float, dict[str, Any]]] = {}  # JWKS URL -> (fetched at, monotonic; the key set)


class SignInFailed(Exception):
    """Sign-in was refused; ``message`` is what the person reads (never which part was wrong)."""


class TokenRefused(Exception):
    """A token that is not one of ours, or no longer good."""


@dataclass(frozen=True)
class Identity:
    """The person a verified ID token names."""

    sub: str  # Cognito's id for them: stable across renames
    email: str
    name: str
    role: str  # "contributor", "editor" or "admin"
    expires: int  # epoch seconds
    session: str = ""  # the sign-in this token belongs to (Cognito's origin_jti: its refreshes share it)
    signed_in_at: int = 0  # epoch seconds: when the person typed their password (auth_time)

    def may(self, role: str) -> bool:
        """Whether this person has ``role``'s rights (an admin has an editor's, and so on)."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class Tokens:
    """What a successful sign-in gives: the ID token (who), the access token (to sign out everywhere),
    the refresh token (only ever used to revoke this session when it signs out)."""

    id_token: str
    access_token: str
    expires_in: int
    refresh_token: str = ""


@dataclass(frozen=True)
class NewPasswordNeeded:
    """Cognito's first-sign-in challenge: the account must choose its own password."""

    email: str
    session: str


def configured() -> bool:
    """Whether this stage has a user pool for the desk."""
    settings = config.current()
    return bool(settings.user_pool_id and settings.user_pool_client_id)


def sign_in(email: str, password: str) -> Tokens | NewPasswordNeeded:
    """Ask the user pool. :raise SignInFailed: wrong e-mail or password, or an account that may not."""
    cognito = cognito_client()
    try:
        answer = cognito.initiate_auth(ClientId=config.current().user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                                       AuthParameters={"USERNAME": email, "PASSWORD": password})
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.UserNotFoundException,
            cognito.exceptions.UserNotConfirmedException, cognito.exceptions.PasswordResetRequiredException):
        raise SignInFailed("The e-mail address or the password is not right.") from None
    return _tokens_or_challenge(answer, email)


def choose_password(challenge: NewPasswordNeeded, password: str) -> Tokens | NewPasswordNeeded:
    """Answer the first-sign-in challenge. :raise SignInFailed: a password the pool's policy refuses."""
    cognito = cognito_client()
    try:
        answer = cognito.respond_to_auth_challenge(
            ClientId=config.current().user_pool_client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge.session, ChallengeResponses={"USERNAME": challenge.email, "NEW_PASSWORD": password})
    except cognito.exceptions.InvalidPasswordException as exc:
        raise SignInFailed(f"That password cannot be used: {exc.response['Error'].get('Message', '')}") from None
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.CodeMismatchException):
        raise SignInFailed("The sign-in took too long. Sign in again.") from None
    return _tokens_or_challenge(answer, challenge.email)


def revoke(refresh_token: str) -> None:
    """End this one session at the pool: its refresh token, and the access tokens issued with it
    (RevokeToken). A failure is logged, not raised: the desk's own record has ended it already."""
    if not refresh_token:
        return
    cognito = cognito_client()
    try:
        cognito.revoke_token(Token=refresh_token, ClientId=config.current().user_pool_client_id)
    except (ClientError, BotoCoreError) as exc:
        log.error(json.dumps({"event": "desk_revoke_failed", "error": str(exc)[:300]}))


def sign_out_everywhere(access_token: str) -> None:
    """End every session of this person at the pool (GlobalSignOut): no refresh token of theirs works
    again. A failure is logged, not raised: the desk's own record has ended them already."""
    if not access_token:
        return
    cognito = cognito_client()
    try:
        cognito.global_sign_out(AccessToken=access_token)
    except (ClientError, BotoCoreError) as exc:
        log.error(json.dumps({"event": "desk_global_sign_out_failed", "error": str(exc)[:300]}))


def _tokens_or_challenge(answer: dict[str, Any], email: str) -> Tokens | NewPasswordNeeded:
    if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        return NewPasswordNeeded(email, answer["Session"])
    if "AuthenticationResult" not in answer:
        raise SignInFailed("This account needs a sign-in step the desk does not offer; ask an admin.")
    result = answer["AuthenticationResult"]
    return Tokens(result["IdToken"], result["AccessToken"], int(result.get("ExpiresIn", 3600)),
                  str(result.get("RefreshToken") or ""))


def issuer() -> str:
    """The user pool's issuer URL, as its tokens name it."""
    settings = config.current()
    return f"https://cognito-idp.{settings.region}.amazonaws.com/{settings.user_pool_id}"


def jwks_url() -> str:
    """Where the pool publishes its keys: Cognito's address, or the local stand-in's."""
    settings = config.current()
    if settings.endpoint_url:
        return f"{settings.endpoint_url.rstrip('/')}/{settings.user_pool_id}/.well-known/jwks.json"
    return f"{issuer()}/.well-known/jwks.json"


def fetch_jwks(url: str) -> dict[str, Any]:
    """The pool's JSON Web Key Set (https to Cognito, or the local stand-in on loopback)."""
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise TokenRefused("the pool's keys are not on https")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked above
        keys: dict[str, Any] = json.loads(response.read())
    return keys


def _signing_key(token: str) -> Any:
    """The pool's public key that signed ``token``, by its key id. :raise TokenRefused: none has it."""
    kid = jwt.get_unverified_header(token).get("kid")
    url = jwks_url()
    now = time.monotonic()
    fetched = _jwks.get(url)
    if fetched is None or now - fetched[0] > JWKS_SECONDS or (
            _published(fetched[1], kid) is None and now - fetched[0] >= UNKNOWN_KEY_SECONDS):
        fetched = _jwks[url] = (now, fetch_jwks(url))
    key = _published(fetched[1], kid)
    if key is None:
        raise TokenRefused("signed with a key the pool does not publish")
    return jwt.PyJWK(key, algorithm="RS256").key


def _published(jwks: dict[str, Any], kid: Any) -> dict[str, Any] | None:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    return next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None) if isinstance(keys, list) \
        else None


def verify(token: str) -> Identity:
    """The person an ID token names, after every check. :raise TokenRefused: any check fails."""
    if not configured():
        raise TokenRefused("the desk has no user pool on this stage")
    try:
        claims = jwt.decode(token, key=_signing_key(token), algorithms=["RS256"], issuer=issuer(), leeway=0,
                            audience=config.current().user_pool_client_id,
                            options={"strict_aud": True, "verify_nbf": True,
                                     "require": ["exp", "iat", "iss", "aud", "sub", "token_use"]})
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
        raise TokenRefused(str(exc)) from None
    if claims.get("token_use") != "id":
        raise TokenRefused("not an ID token")
    groups = claims.get("cognito:groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise TokenRefused("cognito:groups is not a list of group names")
    role = next((r for r in reversed(ROLES) if r in groups), None)
    if role is None:
        raise TokenRefused("this account is in none of the desk's groups (contributor, editor, admin)")
    email = str(claims.get("email") or claims.get("cognito:username") or "")
    session = str(claims.get("origin_jti") or claims.get("jti") or hashlib.sha256(token.encode()).hexdigest()[:32])
    signed_in_at = claims.get("auth_time", claims["iat"])
    return Identity(sub=str(claims["sub"]), email=email, name=str(claims.get("name") or email), role=role,
                    expires=int(claims["exp"]), session=session,
                    signed_in_at=int(signed_in_at) if isinstance(signed_in_at, (int, float)) else int(claims["iat"]))
