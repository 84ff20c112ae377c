"""Desk sessions that end, and sign-in that slows an attacker without locking anyone out (issue 40):
Sign out, Sign out everywhere, an admin ending someone's sessions; the per-account back-off and the
per-reader limit keyed on the reader CloudFront names; a sign-in only from the site's own pages."""

from __future__ import annotations

import json
import time

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib import keys
from chalicelib.desk import session
from chalicelib.models import Sessions
from tests.functional.test_desk import ORIGIN, STORY, api, form, sign_in

CDN_SECRET = "the-secret-our-distribution-sends"


def _cookie(jar: str, name: str) -> str:
    return next(part.split("=", 1)[1] for part in jar.split("; ") if part.startswith(name + "="))


def _replayed(desk, jar: str, token: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """What an old session's cookie gets for the list, open, lock and publish."""
    desk.put("articles/kept.md", "---\ntitle: Kept\ndate: 2024-03-01\n---\n\nWords.\n")
    return {"list": desk.client.http.get("/desk/articles", headers={"Cookie": jar}).status_code,
            "open": desk.client.http.get("/desk/edit?key=articles/kept.md", headers={"Cookie": jar}).status_code,
            "lock": api(desk, "/desk/lock", jar, token, {"key": "articles/kept.md"}).status_code,
            "publish": api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY,
                                                            "body": "Replayed."}).status_code}


def test_after_sign_out_the_old_cookie_gets_the_sign_in_page_and_the_pool_refuses_its_refresh(desk):
    jar, token, _ = sign_in(desk)
    assert _replayed(desk, jar, token) == {"list": 200, "open": 200, "lock": 200, "publish": 200}
    id_token = _cookie(jar, session.ID_COOKIE)
    assert id_token in session._KEPT  # the identity pool's credentials, kept for the warm function
    out = form(desk.client, "/desk/sign-out", {"csrf": token}, headers={"Cookie": jar})
    assert out.status_code == 303 and out.headers["Location"] == "/desk/sign-in"
    cleared = out.headers["Set-Cookie"]
    assert all("Max-Age=0" in c for c in cleared) and any("desk_refresh=;" in c for c in cleared)
    assert id_token not in session._KEPT

    desk.s3.delete_object(Bucket=desk.stack.bucket, Key="articles/desk-story.md")
    assert _replayed(desk, jar, token) == {"list": 303, "open": 303, "lock": 401, "publish": 401}
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/desk-story")
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    with pytest.raises(ClientError, match="revoked"):  # the session's refresh token, revoked at the pool
        cognito.initiate_auth(ClientId=desk.pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": _cookie(jar, session.REFRESH_COOKIE)})


def test_signing_out_ends_that_session_only(desk):
    laptop, laptop_token, _ = sign_in(desk)
    phone, _, _ = sign_in(desk)
    form(desk.client, "/desk/sign-out", {"csrf": laptop_token}, headers={"Cookie": laptop})
    assert desk.client.http.get("/desk/articles", headers={"Cookie": laptop}).status_code == 303
    assert desk.client.http.get("/desk/articles", headers={"Cookie": phone}).status_code == 200


def test_sign_out_everywhere_ends_every_session_of_that_person_and_no_one_elses(desk):
    laptop, laptop_token, _ = sign_in(desk)
    phone, phone_token, _ = sign_in(desk)
    colleague, _, _ = sign_in(desk, "admin")
    out = form(desk.client, "/desk/sign-out", {"csrf": laptop_token, "everywhere": "1"}, headers={"Cookie": laptop})
    assert out.status_code == 303
    assert _replayed(desk, phone, phone_token) == {"list": 303, "open": 303, "lock": 401, "publish": 401}
    assert desk.client.http.get("/desk/articles", headers={"Cookie": colleague}).status_code == 200
    cognito = boto3.client("cognito-idp", region_name="us-east-1")
    with pytest.raises(ClientError, match="NotAuthorized"):  # GlobalSignOut: the phone's access token too
        cognito.get_user(AccessToken=_cookie(phone, session.ACCESS_COOKIE))
    time.sleep(1.05)  # auth_time is whole seconds: a session begun in the same second ends too
    again, _, _ = sign_in(desk)
    assert desk.client.http.get("/desk/articles", headers={"Cookie": again}).status_code == 200


def test_ending_a_persons_sessions_refuses_their_cookie_and_expires_with_their_tokens(desk):
    """What an admin disabling someone calls (issue 45's People screen): ``session.end_sessions(sub)``."""
    jar, token, _ = sign_in(desk, "contributor")
    from chalicelib.desk import identity

    who = identity.verify(_cookie(jar, session.ID_COOKIE))
    now = time.time()
    session.end_sessions(who.sub, now=now)
    assert desk.client.http.get("/desk/articles", headers={"Cookie": jar}).status_code == 303
    saved = api(desk, "/desk/save", jar, token, {"action": "submit", "fields": STORY, "body": "x"})
    assert saved.status_code == 401 and "Sign in again" in json.loads(saved.body)["error"]
    item = Sessions.get(*keys.sessions(who.sub))
    assert item.valid_after == int(now) and int(now) + 24 * 3600 <= item.expires <= int(now) + 24 * 3600 + 120


def test_a_sessions_record_forgets_what_has_expired(desk):
    from chalicelib.desk.identity import Identity

    def who(session_id: str, expires: int) -> Identity:
        return Identity("sub-1", "a@example.com", "A", "editor", expires, session_id, 1)
    session.end_session(who("old", 1_000_100), "token-old", now=1_000_000)
    session.end_session(who("new", 1_090_000), "token-new", now=1_000_200)
    session.end_session(who("newest", 1_095_000), "token-newest", now=1_080_000)  # "old" expired long ago
    item = Sessions.get(*keys.sessions("sub-1"))
    assert item.ended == {"new": 1_090_000, "newest": 1_095_000} and item.expires >= 1_095_000
    assert session.ended(who("new", 1_090_000)) and not session.ended(who("another", 1_090_000))


def test_every_desk_request_reads_the_sessions_record_once(desk, aws_requests):
    """(With the site snapshot warm, as a Lambda keeps it: the list reads it for the terms' names.)"""
    from chalicelib import config

    previous = config.use(config.current().replace(site_cache_seconds=60))
    try:
        jar, _, _ = sign_in(desk)
        aws_requests.clear()
        assert desk.client.http.get("/desk/articles", headers={"Cookie": jar}).status_code == 200
        assert [op for service, op in aws_requests.calls if service == "dynamodb"].count("GetItem") == 1
    finally:
        config.use(previous)


# --- signing in ----------------------------------------------------------------------------------

def test_a_cross_site_sign_in_post_is_refused(desk):
    email, password = desk.accounts["editor"]
    for origin in ("https://evil.example", None):
        response = desk.client.http.post("/desk/sign-in", body=f"email={email}&password={password}", headers={
            "Content-Type": "application/x-www-form-urlencoded", **({"Origin": origin} if origin else {})})
        assert response.status_code == 403 and "Set-Cookie" not in response.headers
        assert "not sent from the desk&#39;s own pages" in response.body.decode()


def test_an_account_that_fails_is_slowed_never_locked(desk, monkeypatch):
    """Three wrong passwords are free; then each failure doubles the wait before the next attempt is
    even checked (2 s, 4 s...). During the wait the right password is not checked either; after it,
    the right password signs in, as it would for the account's owner whatever an attacker did."""
    clock = [time.time()]
    monkeypatch.setattr("chalicelib.ratelimit.time.time", lambda: clock[0])
    email, password = desk.accounts["editor"]
    for _ in range(4):
        assert form(desk.client, "/desk/sign-in", {"email": email, "password": "wrong"}).status_code == 401
    waiting = form(desk.client, "/desk/sign-in", {"email": email, "password": password})
    assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "2"
    assert "Wait 2 seconds" in waiting.body.decode() and "Set-Cookie" not in waiting.headers
    clock[0] += 2
    assert form(desk.client, "/desk/sign-in", {"email": email, "password": "wrong"}).status_code == 401
    clock[0] += 3
    assert form(desk.client, "/desk/sign-in", {"email": email, "password": password}).status_code == 429  # 4 s now
    clock[0] += 1
    assert form(desk.client, "/desk/sign-in", {"email": email, "password": password}).status_code == 303
    assert form(desk.client, "/desk/sign-in", {"email": email, "password": "wrong"}).status_code == 401  # free again


def test_the_wait_doubles_to_a_cap_so_guessing_stays_bounded():
    backoff = session.SIGN_IN_BACKOFF
    assert [backoff.wait_after(n) for n in range(1, 12)] == [0, 0, 0, 2, 4, 8, 16, 32, 64, 120, 120]
    assert 24 * 3600 / backoff.cap == 720  # attempts a day, at most, on one account


def test_a_burst_of_attempts_at_once_gets_one_checked(desk, monkeypatch):
    """An attempt claims its place before the password is checked: attempts arriving together (their
    reads all before anyone's write) cannot all pass the wait."""
    from chalicelib.models import RateLimit

    clock = [1_000_000.0]
    monkeypatch.setattr("chalicelib.ratelimit.time.time", lambda: clock[0])
    key = session.limited_key("account", "someone@example.com")
    for _ in range(4):
        session.SIGN_IN_BACKOFF.attempt(key)  # four failures: a wait of 2 s
    clock[0] += 2
    seen = RateLimit.get(keys.rate_limit_pk(key), keys.BACKOFF)
    original = RateLimit.get_or_none
    monkeypatch.setattr(RateLimit, "get_or_none", classmethod(lambda cls, *a, **k: seen))  # all read the same
    session.SIGN_IN_BACKOFF.attempt(key)
    from chalicelib.retry import ConcurrentChange

    with pytest.raises(ConcurrentChange):
        session.SIGN_IN_BACKOFF.attempt(key)  # the version it read is gone: refused, nothing checked
    monkeypatch.setattr(RateLimit, "get_or_none", original)
    from chalicelib.ratelimit import Limited

    with pytest.raises(Limited):
        session.SIGN_IN_BACKOFF.attempt(key)


def _through_cdn(desk, reader: str, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return form(desk.client, "/desk/sign-in", {"email": email, "password": password}, headers={
        "CloudFront-Viewer-Address": f"{reader}:4431", "X-Newsroom-Origin": CDN_SECRET, **extra})


def test_one_readers_failures_do_not_stop_another_behind_the_same_edge(desk, settings):
    """Behind CloudFront every request comes from an edge's address; the limit is the reader's, as
    CloudFront names them (the comments' own ``client_of``)."""
    settings(origin_secret=CDN_SECRET, allow_direct_access=True)
    for n in range(session.ADDRESS_FAILURES):
        assert _through_cdn(desk, "198.51.100.7", f"nobody{n}@example.com", "wrong").status_code == 401
    assert _through_cdn(desk, "198.51.100.7", "nobody@example.com", "wrong").status_code == 429
    email, password = desk.accounts["editor"]
    assert _through_cdn(desk, "203.0.113.20", email, password).status_code == 303


def test_a_reader_address_without_the_origin_secret_is_not_believed(desk, settings):
    """Someone calling the API directly cannot dodge the limit by naming a new address each time."""
    settings(origin_secret=CDN_SECRET, allow_direct_access=True)
    for n in range(session.ADDRESS_FAILURES):
        response = form(desk.client, "/desk/sign-in", {"email": f"x{n}@example.com", "password": "wrong"},
                        headers={"CloudFront-Viewer-Address": f"192.0.2.{n}:4431"})
        assert response.status_code == 401
    refused = form(desk.client, "/desk/sign-in", {"email": "y@example.com", "password": "wrong"},
                   headers={"CloudFront-Viewer-Address": "192.0.2.200:4431"})
    assert refused.status_code == 429


def test_sign_in_post_from_our_pages_still_works(desk):
    email, password = desk.accounts["editor"]
    assert form(desk.client, "/desk/sign-in", {"email": email, "password": password},
                headers={"Origin": ORIGIN}).status_code == 303
