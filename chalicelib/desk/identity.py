"""Who is signed in to the desk: Amazon Cognito signs people in, and we check every token ourselves.

Sign-in asks the stage's user pool (``USER_PASSWORD_AUTH``) for tokens; an account an admin created
on AWS answers with ``NEW_PASSWORD_REQUIRED`` first, as Cognito does, and the desk asks for one.
Every request then carries the ID token in its session cookie, and ``verify`` checks it in our
code, with PyJWT: its RS256 signature against the pool's published keys (JWKS), its issuer (this
pool), its audience (this app client), that it is an ID token, and that it has not expired.
Chalice's local mode only base64-decodes a Cognito token and would take a forged one; nothing here
trusts a token it has not checked.

A person's role is their Cognito group: ``contributor``, ``editor`` or ``admin`` (the highest
counts). The pool and client come from the settings (``user_pool_id``, ``user_pool_client_id``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import Algorithm

from chalicelib import config
from chalicelib.aws import cognito_client

ROLES = ("contributor", "editor", "admin")  # each may do what the one before it may, and more
JWKS_SECONDS = 3600.0  # the pool's keys are fetched again after this (Cognito rotates rarely)
_jwks: dict[str, tuple[float, dict[str, Any]]] = {}


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

    def may(self, role: str) -> bool:
        """Whether this person has ``role``'s rights (an admin has an editor's, and so on)."""
        return ROLES.index(self.role) >= ROLES.index(role)


@dataclass(frozen=True)
class Tokens:
    """What a successful sign-in gives: the ID token (who), the access token (to sign out)."""

    id_token: str
    access_token: str
    expires_in: int


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


def sign_out(access_token: str) -> None:
    """End every session of this person at the pool too (their tokens can no longer be refreshed)."""
    cognito = cognito_client()
    try:
        cognito.global_sign_out(AccessToken=access_token)
    except (cognito.exceptions.NotAuthorizedException, cognito.exceptions.ResourceNotFoundException):
        pass  # already signed out, or expired: the cookie goes anyway


def _tokens_or_challenge(answer: dict[str, Any], email: str) -> Tokens | NewPasswordNeeded:
    if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        return NewPasswordNeeded(email, answer["Session"])
    if "AuthenticationResult" not in answer:
        raise SignInFailed("This account needs a sign-in step the desk does not offer; ask an admin.")
    result = answer["AuthenticationResult"]
    return Tokens(result["IdToken"], result["AccessToken"], int(result.get("ExpiresIn", 3600)))


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


class _RS256(Algorithm):
    """RS256 verification only (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 section 8.2.2), in the
    standard library: the signature raised to the key's exponent must equal, byte for byte, the
    PKCS #1 encoding of the message's SHA-256. Comparing the whole encoding (never parsing it) is
    how RFC 8017 says to verify, and leaves nothing to forge. PyJWT's own RS256 needs the
    ``cryptography`` wheel: 5.8 MB more in the web function's zip for one modular exponentiation."""

    DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")  # DER prefix for SHA-256

    def prepare_key(self, key: Any) -> Any:
        n, e = key
        if not isinstance(n, int) or not isinstance(e, int) or n.bit_length() < 2048:
            raise jwt.InvalidKeyError("an RSA key of at least 2,048 bits")
        return key

    def sign(self, msg: bytes, key: Any) -> bytes:
        raise NotImplementedError("the desk verifies tokens; Cognito signs them")

    def verify(self, msg: bytes, key: Any, sig: bytes) -> bool:
        n, e = key
        size = (n.bit_length() + 7) // 8
        signature = int.from_bytes(sig, "big")
        if len(sig) != size or signature >= n:
            return False
        encoded = pow(signature, e, n).to_bytes(size, "big")
        digest = self.DIGEST_INFO + hashlib.sha256(msg).digest()
        expected = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
        return hmac.compare_digest(encoded, expected)

    @staticmethod
    def to_jwk(key_obj: Any, as_dict: bool = False) -> Any:
        raise NotImplementedError

    @staticmethod
    def from_jwk(jwk: Any) -> Any:
        found = json.loads(jwk) if isinstance(jwk, str) else jwk
        if found.get("kty") != "RSA":
            raise jwt.InvalidKeyError("not an RSA key")
        return _integer(found["n"]), _integer(found["e"])


def _integer(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


_JWS = jwt.PyJWS(algorithms=[])  # no algorithm but ours: "none" and HS256 can never be chosen
_JWS.register_algorithm("RS256", _RS256())


def _signing_key(token: str) -> Any:
    url = jwks_url()
    fetched_at, jwks = _jwks.get(url, (0.0, {}))
    kid = jwt.get_unverified_header(token).get("kid")
    if time.monotonic() - fetched_at > JWKS_SECONDS or not any(k.get("kid") == kid for k in jwks.get("keys", [])):
        jwks = fetch_jwks(url)
        _jwks[url] = (time.monotonic(), jwks)
    for key in jwks.get("keys", []):
        if key.get("kid") == kid:
            return _RS256.from_jwk(key)
    raise TokenRefused("signed with a key the pool does not publish")


def verify(token: str, now: float | None = None) -> Identity:
    """The person an ID token names, after every check. :raise TokenRefused: any check fails."""
    if not configured():
        raise TokenRefused("the desk has no user pool on this stage")
    try:
        _JWS.decode_complete(token, key=_signing_key(token), algorithms=["RS256"])  # the signature first
        claims = jwt.decode(token, audience=config.current().user_pool_client_id, issuer=issuer(), leeway=0,
                            options={"verify_signature": False, "verify_exp": True, "verify_iat": True,
                                     "verify_aud": True, "verify_iss": True,
                                     "require": ["exp", "iss", "aud", "sub", "token_use"]})
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise TokenRefused(str(exc)) from None
    if claims.get("token_use") != "id":
        raise TokenRefused("not an ID token")
    if now is not None and claims["exp"] <= now:
        raise TokenRefused("expired")
    groups = claims.get("cognito:groups") or []
    role = next((r for r in reversed(ROLES) if r in groups), None)
    if role is None:
        raise TokenRefused("this account is in none of the desk's groups (contributor, editor, admin)")
    email = str(claims.get("email") or claims.get("cognito:username") or "")
    return Identity(sub=str(claims["sub"]), email=email, name=str(claims.get("name") or email), role=role,
                    expires=int(claims["exp"]))
