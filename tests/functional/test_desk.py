"""The editors' desk (issue 29): sign-in through a real Cognito user pool (moto's), tokens verified in
our own code, the session cookie, CSRF, roles enforced where the write happens, the version check, and
the path every save takes: a file in the bucket, then ingest."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlencode

import jwt
import pytest
from moto.utilities.utils import load_resource

ORIGIN = "http://localhost"  # where the test client's requests come from (chalicelib/site/web.py)


def form(client, path, fields, headers=None):  # type: ignore[no-untyped-def]
    return client.http.post(path, body=urlencode(fields), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN, **(headers or {})})


def sign_in(site, role: str = "editor"):  # type: ignore[no-untyped-def]
    """Sign in as the local account of ``role``; the session's cookie header and CSRF token."""
    email, password = site.accounts[role]
    response = form(site.client, "/desk/sign-in", {"email": email, "password": password})
    assert response.status_code == 303, response.body
    cookies = response.headers["Set-Cookie"]
    cookies = cookies if isinstance(cookies, list) else [cookies]
    jar = "; ".join(c.split(";", 1)[0] for c in cookies)
    page = site.client.http.get("/desk/articles", headers={"Cookie": jar})
    token = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.body.decode()).group(1)
    return jar, token, cookies


def own_submissions(site, role: str = "contributor") -> str:  # type: ignore[no-untyped-def]
    """The local account of ``role``'s own folder of submissions/: its identity pool identity id, the only
    one its role's credentials reach (infra/template.yaml, ContributorPolicy)."""
    from chalicelib.desk import session

    jar, _, _ = sign_in(site, role)
    token = dict(cookie.split("=", 1) for cookie in jar.split("; "))[session.ID_COOKIE]
    return f"submissions/{session.owner_of(token)}/"


def api(site, path: str, jar: str, token: str, data: dict, origin: str = ORIGIN):  # type: ignore[no-untyped-def]
    return site.client.http.post(path, body=json.dumps(data), headers={
        "Content-Type": "application/json", "Cookie": jar, "X-CSRF-Token": token, "Origin": origin})


STORY = {"title": "Desk story", "slug": "", "summary": "From the desk.", "categories": "Oil", "tags": "",
         "author": "", "date": "2024-03-01T09:00:00Z", "image": ""}


def test_the_local_accounts_sign_in_at_once_and_the_cookie_is_locked_down(desk):
    jar, token, cookies = sign_in(desk)
    assert cookies  # signing in set cookies to look at
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/desk" in cookie
        assert "Secure" not in cookie  # plain http on this machine's loopback only
    page = desk.client.http.get("/desk/articles", headers={"Cookie": jar})
    assert page.status_code == 200 and "Local Editor (editor)" in page.body.decode()
    assert "Sign out" in page.body.decode()


def test_a_wrong_password_is_refused_without_saying_which_part(desk):
    email, _ = desk.accounts["editor"]
    response = form(desk.client, "/desk/sign-in", {"email": email, "password": "nope"})
    assert response.status_code == 401 and "The e-mail address or the password is not right." in response.body.decode()
    assert "Set-Cookie" not in response.headers


def forged(desk, **changes) -> str:  # type: ignore[no-untyped-def]
    """An ID token like the pool's, with ``changes``, signed with a key that is not the pool's."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    claims = {"iss": f"https://cognito-idp.us-east-1.amazonaws.com/{desk.pool.user_pool_id}", "sub": "x",
              "aud": desk.pool.client_id, "token_use": "id", "exp": int(time.time()) + 3600,
              "email": "intruder@example.com", "cognito:groups": ["admin"], **changes}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})


@pytest.mark.parametrize("case", ["forged signature", "expired", "wrong audience", "access token", "unsigned"])
def test_a_token_that_is_not_the_pools_own_and_good_is_refused(desk, case):
    """Chalice's local mode would base64-decode any of these and let it in; our check refuses each."""
    from chalicelib.desk import identity

    jar, _, _ = sign_in(desk)
    good = jar.split("desk_id=")[1].split(";")[0]
    claims = jwt.decode(good, options={"verify_signature": False})
    if case == "forged signature":
        token = forged(desk)
    elif case == "unsigned":
        token = jwt.encode({**claims, "cognito:groups": ["admin"]}, key="", algorithm="none")
    else:
        # Re-signed with moto's own private key, so only the claim is wrong.
        private = load_resource("cognitoidp/resources/jwks-private.json")
        key = jwt.PyJWK(private).key
        changed = {"expired": {"exp": int(time.time()) - 5}, "wrong audience": {"aud": "another-client"},
                   "access token": {"token_use": "access"}}[case]
        token = jwt.encode({**claims, **changed}, key, algorithm="RS256", headers={"kid": "dummy"})
    with pytest.raises(identity.TokenRefused):
        identity.verify(token)
    page = desk.client.http.get("/desk/articles", headers={"Cookie": f"desk_id={token}"})
    assert page.status_code == 303 and page.headers["Location"] == "/desk/sign-in"


def _resigned(desk, **changes) -> str:  # type: ignore[no-untyped-def]
    """A real session's ID token with ``changes``, signed again with the pool's own key (moto's)."""
    jar, _, _ = sign_in(desk)
    claims = jwt.decode(jar.split("desk_id=")[1].split(";")[0], options={"verify_signature": False})
    key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    return jwt.encode({**claims, **changes}, key, algorithm="RS256", headers={"kid": "dummy"})


@pytest.mark.parametrize("case", ["groups as a string", "not valid yet", "a list of audiences", "no groups"])
def test_a_token_whose_claims_have_the_wrong_shape_is_refused(desk, case):
    """Signed by the pool, but ``cognito:groups`` is a string (never searched for "admin" in
    "administrators"), ``nbf`` is in the future, or ``aud`` is a list holding the client."""
    from chalicelib.desk import identity

    changes = {"groups as a string": {"cognito:groups": "administrators"},
               "not valid yet": {"nbf": int(time.time()) + 600},
               "a list of audiences": {"aud": [desk.pool.client_id, "another-client"]},
               "no groups": {"cognito:groups": []}}[case]
    token = _resigned(desk, **changes)
    with pytest.raises(identity.TokenRefused):
        identity.verify(token)
    page = desk.client.http.get("/desk/articles", headers={"Cookie": f"desk_id={token}"})
    assert page.status_code == 303 and page.headers["Location"] == "/desk/sign-in"


def test_the_signature_is_checked_by_cryptography_not_by_code_of_ours(desk, monkeypatch):
    """RS256 through PyJWT's own algorithm (the ``cryptography`` library): a token whose signature is
    one bit off is refused, the pool's own is accepted, and the check is the library's."""
    from jwt.algorithms import RSAAlgorithm

    from chalicelib.desk import identity

    checked = []
    original = RSAAlgorithm.verify
    monkeypatch.setattr(RSAAlgorithm, "verify", lambda self, *a: checked.append(1) or original(self, *a))
    good = _resigned(desk)
    checked.clear()
    assert identity.verify(good).role == "editor" and checked == [1]
    head, body, signature = good.split(".")
    flipped = jwt.utils.base64url_encode(bytes([jwt.utils.base64url_decode(signature)[0] ^ 1])
                                         + jwt.utils.base64url_decode(signature)[1:]).decode()
    with pytest.raises(identity.TokenRefused):
        identity.verify(f"{head}.{body}.{flipped}")


def test_unknown_key_ids_fetch_the_pools_keys_at_most_once_a_minute(desk, monkeypatch):
    """A flood of tokens naming a key the pool does not publish cannot make the web function fetch
    the JWKS on every request."""
    from chalicelib.desk import identity

    fetched: list[str] = []
    clock = [10_000.0]
    monkeypatch.setattr(identity, "_jwks", {})
    monkeypatch.setattr(identity, "fetch_jwks",
                        lambda url: fetched.append(url) or load_resource("cognitoidp/resources/jwks-public.json"))
    monkeypatch.setattr("chalicelib.desk.identity.time.monotonic", lambda: clock[0])
    stranger = forged(desk)
    stranger = jwt.encode(jwt.decode(stranger, options={"verify_signature": False}),
                          jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key, algorithm="RS256",
                          headers={"kid": "rotated-away"})
    for _ in range(10):
        page = desk.client.http.get("/desk/articles", headers={"Cookie": f"desk_id={stranger}"})
        assert page.status_code == 303
    assert len(fetched) == 1
    clock[0] += 61
    desk.client.http.get("/desk/articles", headers={"Cookie": f"desk_id={stranger}"})
    assert len(fetched) == 2
    jar, _, _ = sign_in(desk)
    assert desk.client.http.get("/desk/articles", headers={"Cookie": jar}).status_code == 200
    assert len(fetched) == 2  # a known key id fetches nothing


def test_every_desk_answer_is_private_unindexed_unframed_and_runs_no_inline_script(desk):
    jar, token, _ = sign_in(desk)
    answers = [desk.client.http.get("/desk/sign-in"), desk.client.http.get("/desk/articles", headers={"Cookie": jar}),
               desk.client.http.get("/desk/new", headers={"Cookie": jar}),
               api(desk, "/desk/preview", jar, token, {"fields": STORY, "body": "Hello."})]
    for response in answers:
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert response.headers["X-Frame-Options"] == "DENY"
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert "<script>" not in response.body.decode()


def test_a_write_without_the_token_or_from_another_origin_changes_nothing(desk):
    jar, token, _ = sign_in(desk)
    for sent_token, origin in (("", ORIGIN), ("0" * 64, ORIGIN), (token, "https://evil.example")):
        response = api(desk, "/desk/save", jar, sent_token, {"action": "publish", "fields": STORY, "body": "Hi."},
                       origin=origin)
        assert response.status_code == 403
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/")


def test_an_editor_publishes_and_the_article_is_on_the_site(desk):
    jar, token, _ = sign_in(desk)
    saved = api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Oil moved today."})
    assert saved.status_code == 200, saved.body
    answer = json.loads(saved.body)
    assert answer["key"] == "articles/desk-story.md"
    stored = desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/desk-story.md")
    assert stored["Metadata"]["uploaded-by"] == "Local Editor <editor@desk.example.com>"
    assert desk.ingest() == {"batchItemFailures": []}
    assert "Oil moved today." in desk.get("/desk-story/").body.decode()
    status = desk.client.http.get(f"/desk/status?key=articles/desk-story.md&version={answer['version']}",
                                  headers={"Cookie": jar})
    assert json.loads(status.body) == {"state": "live", "url": "/desk-story/", "date": "2024-03-01T09:00:00Z"}
    listed = desk.client.http.get("/desk/articles", headers={"Cookie": jar}).body.decode()
    assert "Desk story" in listed and "live" in listed


def test_a_stale_save_is_refused_with_both_versions(desk):
    jar, token, _ = sign_in(desk)
    first = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "One."}).body)
    desk.ingest()
    other_jar, other_token, _ = sign_in(desk, "admin")
    theirs = api(desk, "/desk/save", other_jar, other_token, {"action": "publish", "key": first["key"],
                                                               "version": first["version"], "fields": STORY,
                                                               "body": "Theirs."})
    assert theirs.status_code == 200
    mine = api(desk, "/desk/save", jar, token, {"action": "publish", "key": first["key"], "version": first["version"],
                                                 "fields": STORY, "body": "Mine."})
    assert mine.status_code == 409
    conflict = json.loads(mine.body)["conflict"]
    assert "Theirs." in conflict["theirs"] and "Mine." in conflict["mine"]
    assert b"Theirs." in desk.s3.get_object(Bucket=desk.stack.bucket, Key=first["key"])["Body"].read()


def test_opening_and_saving_an_unchanged_article_writes_nothing(desk):
    original = b"---\ntitle: 'Kept as typed'\ndate: 2024-03-01\ncategories: [Oil]\n---\n\nBody  with  spaces.\n"
    desk.put("articles/kept.md", original)
    desk.ingest()
    jar, token, _ = sign_in(desk)
    page = desk.client.http.get("/desk/edit?key=articles/kept.md", headers={"Cookie": jar}).body.decode()
    version = re.search(r'data-version="([^"]+)"', page).group(1)
    fields = {name: re.search(rf'id="f-{name}"[^>]*value="([^"]*)"', page).group(1)
              for name in ("title", "categories")}
    for action in ("draft", "publish"):
        saved = api(desk, "/desk/save", jar, token, {"action": action, "key": "articles/kept.md", "version": version,
                                                     "fields": {**fields, "date": "2024-03-01"},
                                                     "body": "Body  with  spaces.\n"})
        assert saved.status_code == 200 and json.loads(saved.body)["state"] == "unchanged"
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/kept.md")["Body"].read() == original
    assert [v["VersionId"] for v in desk.s3.list_object_versions(Bucket=desk.stack.bucket, Prefix="drafts/")
            .get("Versions", [])] == []  # nor a draft copy


def test_a_file_with_a_yaml_expansion_bomb_opens_without_expanding_it(desk):
    """The desk reads front matter with ingest's own reader: anchors and aliases are refused, not
    expanded (tags of nine levels of nine aliases would be 387 million strings to show). The file
    opens with its body and no fields, and saving it writes the fields the editor typed."""
    bomb = "\n".join(["a0: &a0 [lol]"] + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)])
    desk.put("articles/bomb.md", f"---\ntitle: Bomb\n{bomb}\ntags: *a9\n---\n\nThe words stay.\n".encode())
    jar, _, _ = sign_in(desk)
    page = desk.client.http.get("/desk/edit?key=articles/bomb.md", headers={"Cookie": jar})
    text = page.body.decode()
    assert page.status_code == 200 and "The words stay." in text
    assert "lol" not in text and re.search(r'id="f-title"[^>]*value=""', text)


def test_a_contributor_submits_for_review_and_a_forged_publish_is_refused(desk):
    jar, token, _ = sign_in(desk, "contributor")
    editor = desk.client.http.get("/desk/new", headers={"Cookie": jar}).body.decode()
    assert "Submit for review" in editor and ">Publish<" not in editor
    forged_publish = api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Sneaky."})
    assert forged_publish.status_code == 403 and "contributor may not publish" in json.loads(forged_publish.body)["error"]
    submitted = api(desk, "/desk/save", jar, token, {"action": "submit", "fields": {**STORY, "date": ""},
                                                     "body": "For review."})  # dated by the desk: now
    assert submitted.status_code == 200, submitted.body
    assert json.loads(submitted.body)["key"] == own_submissions(desk) + "articles/desk-story.md"
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/")


def test_mistakes_show_with_the_checkers_words_and_nothing_is_written(desk):
    jar, token, _ = sign_in(desk)
    response = api(desk, "/desk/save", jar, token, {"action": "publish", "fields": {**STORY, "slug": "sizes"},
                                                    "body": "x"})
    assert response.status_code == 400
    problems = json.loads(response.body)["problems"]
    assert any("reserved for the site's own pages" in p["message"] for p in problems)
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/")


def test_unpublishing_takes_the_article_down(desk):
    jar, token, _ = sign_in(desk)
    first = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Up."}).body)
    desk.ingest()
    assert desk.get("/desk-story/").status_code == 200
    gone = api(desk, "/desk/save", jar, token, {"action": "unpublish", "key": first["key"], "version": first["version"],
                                                "fields": STORY, "body": "Up."})
    assert gone.status_code == 200
    desk.ingest()
    assert desk.get("/desk-story/").status_code == 404


def test_the_preview_is_the_sites_own_page(desk):
    jar, token, _ = sign_in(desk)
    response = api(desk, "/desk/preview", jar, token, {"fields": STORY, "body": "## A heading\n\nWords -- here."})
    html = json.loads(response.body)["html"]
    assert "<h2>A heading</h2>" in html and "Words — here." in html and 'name="robots" content="noindex' in html


def test_sign_out_ends_the_session(desk):
    jar, token, _ = sign_in(desk)
    out = form(desk.client, "/desk/sign-out", {"csrf": token}, headers={"Cookie": jar})
    assert out.status_code == 303 and out.headers["Location"] == "/desk/sign-in"
    cleared = out.headers["Set-Cookie"]
    assert all("Max-Age=0" in c for c in (cleared if isinstance(cleared, list) else [cleared]))


def test_saving_keeps_every_field_the_editor_does_not_edit(desk):
    """An imported article's aliases (its old URLs), sticky flag and comments setting survive a change
    made in the desk: the desk edits the fields it shows and leaves the rest of the file as it was."""
    desk.put("articles/imported.md", "---\ntitle: Imported\ndate: 2024-03-01\naliases: ['/?p=42', /2024/03/old/]\n"
             "sticky: true\ncomments: false\n---\n\nOld words.\n")
    desk.ingest()
    jar, token, _ = sign_in(desk)
    opened = desk.client.http.get("/desk/edit?key=articles/imported.md", headers={"Cookie": jar}).body.decode()
    version = re.search(r'data-version="([^"]+)"', opened).group(1)
    saved = api(desk, "/desk/save", jar, token, {"action": "publish", "key": "articles/imported.md", "version": version,
                                                 "fields": {"title": "Imported", "date": "2024-03-01"},
                                                 "body": "New words."})
    assert saved.status_code == 200, saved.body
    desk.ingest()
    text = desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/imported.md")["Body"].read().decode()
    assert "/2024/03/old/" in text and "sticky: true" in text and "comments: false" in text and "New words." in text
    assert desk.get("/2024/03/old/").status_code == 301 and "New words." in desk.get("/imported/").body.decode()


def test_a_correction_is_published_with_its_date(desk):
    jar, token, _ = sign_in(desk)
    first = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY,
                                                            "body": "The minister resigned on Monday."}).body)
    desk.ingest()
    corrected = api(desk, "/desk/save", jar, token, {
        "action": "publish", "key": first["key"], "version": first["version"], "fields": STORY,
        "body": "The minister resigned on Tuesday.", "correction": "An earlier version gave the wrong day."})
    assert corrected.status_code == 200, corrected.body
    desk.ingest()
    page = desk.get("/desk-story/").body.decode()
    assert "Corrections" in page and "An earlier version gave the wrong day." in page and "on Tuesday" in page
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+Z">', page.split("Corrections")[1])


def test_others_see_who_is_editing_and_may_take_over(desk):
    """The lock is a courtesy (the version check is what prevents overwrites): the second person
    sees the first one's name, may take over, and then the first one sees theirs."""
    desk.put("articles/shared.md", "---\ntitle: Shared\ndate: 2024-03-01\n---\n\nWords.\n")
    desk.ingest()
    editor_jar, editor_token, _ = sign_in(desk, "editor")
    admin_jar, admin_token, _ = sign_in(desk, "admin")
    assert api(desk, "/desk/lock", editor_jar, editor_token, {"key": "articles/shared.md"}).status_code == 200
    seen = api(desk, "/desk/lock", admin_jar, admin_token, {"key": "articles/shared.md"})
    assert seen.status_code == 409 and json.loads(seen.body)["editing"]["name"] == "Local Editor"
    took = api(desk, "/desk/lock", admin_jar, admin_token, {"key": "articles/shared.md", "take_over": True})
    assert took.status_code == 200
    back = api(desk, "/desk/lock", editor_jar, editor_token, {"key": "articles/shared.md"})
    assert back.status_code == 409 and json.loads(back.body)["editing"]["name"] == "Local Admin"
    assert desk.ingest() == {"batchItemFailures": []}  # a lock is no content: ingest never sees it


def _rows(page: str) -> list[str]:
    """The list's rows as the editor reads them: each file's key, top to bottom."""
    return re.findall(r'<span class="key">([^<]+)</span>', page)


def test_the_list_is_newest_first_a_page_at_a_time_and_filters_see_every_file(desk, monkeypatch):
    """Seven articles with the list's page at three: newest first, Older goes on where the page ended,
    a refused new file (no date yet) is at the top, and a filter finds its rows however far back."""
    monkeypatch.setattr("chalicelib.desk.listing.PAGE_SIZE", 3)
    for day in range(1, 7):
        desk.put(f"articles/day-{day}.md", f"---\ntitle: Day {day}\ndate: 2024-05-0{day}T09:00:00Z\n"
                 f"categories: [{'Oil' if day in (1, 2) else 'Gas'}]\n---\nDay {day}.\n")
    desk.put("articles/broken.md", "---\ntitle: Broken\n---\nNo date.\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    first = desk.client.http.get("/desk/articles", headers={"Cookie": jar}).body.decode()
    assert _rows(first) == ["articles/broken.md", "articles/day-6.md", "articles/day-5.md"]
    assert "Refused" in first.split(">articles/broken.md</span>")[1].split("</tr>")[0]
    older = re.search(r'href="\?after=([^"]+)">Older</a>', first)
    assert older is not None and "Newest" not in first
    second = desk.client.http.get(f"/desk/articles?after={older.group(1)}", headers={"Cookie": jar}).body.decode()
    assert _rows(second) == ["articles/day-4.md", "articles/day-3.md", "articles/day-2.md"]
    assert "Newest</a>" in second
    oil = desk.client.http.get("/desk/articles?category=oil", headers={"Cookie": jar}).body.decode()
    assert _rows(oil) == ["articles/day-2.md", "articles/day-1.md"] and "Older</a>" not in oil
    search = desk.client.http.get("/desk/articles?q=day+3", headers={"Cookie": jar}).body.decode()
    assert _rows(search) == ["articles/day-3.md"]


def test_opening_the_list_reads_the_desk_index_not_the_files(desk, aws_requests):
    """The list, its tabs' counts and its filters come from one Query of the desk index (its list
    projection, paged by DynamoDB at 1 MB: bench/desk_list.py measures 10,000 articles), never a
    Scan and never the bucket's files (besides: the person's sessions record, the site snapshot for
    the names of authors and categories, the navigation's counts of comments waiting, photos without alt text and refused files)."""
    for n in range(4):
        desk.put(f"articles/n-{n}.md", f"---\ntitle: N {n}\ndate: 2024-05-01T09:00:0{n}Z\n---\nN.\n")
    desk.ingest()
    jar, _, _ = sign_in(desk)
    aws_requests.clear()
    page = desk.client.http.get("/desk/articles", headers={"Cookie": jar})
    assert page.status_code == 200 and len(_rows(page.body.decode())) == 4
    # the sessions record, the desk index, the site snapshot, then the navigation's two counts (comments
    # waiting, photos without alt text)
    assert [op for service, op in aws_requests.calls if service == "dynamodb"] == ["GetItem", "Query", "GetItem",
                                                                                   "Query", "Query"]
    assert [op for service, op in aws_requests.calls if service == "s3"] == ["ListObjectsV2"]  # the refused count


def test_a_slug_another_file_has_is_refused_before_saving(desk):
    """The desk checks the slug against the site's before it writes: a new article cannot take a
    live article's URL (its own file keeps its slug, and a redirect's path may be taken)."""
    desk.put("articles/2024-05-first.md", "---\ntitle: First come\nslug: first-come\ndate: 2024-05-01T09:00:00Z\n"
             "---\nFirst.\n")
    desk.put("articles/second.md", "---\ntitle: Second\ndate: 2024-05-01T09:00:00Z\n---\nSecond.\n")
    desk.ingest()
    jar, token, _ = sign_in(desk)
    for slug, said in [("first-come", "/first-come/ is taken by articles/2024-05-first.md: choose another slug"),
                       ("second", "articles/second.md already exists: choose another slug")]:
        response = api(desk, "/desk/save", jar, token, {"action": "publish", "body": "Third.",
                                                        "fields": {**STORY, "title": "Third", "slug": slug}})
        assert response.status_code == 400
        assert [(p["field"], p["message"]) for p in json.loads(response.body)["problems"]] == [("slug", said)]
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="articles/")["KeyCount"] == 2


def test_the_featured_image_alt_text_is_saved_and_shown(desk):
    jar, token, _ = sign_in(desk)
    fields = {**STORY, "title": "With a photo", "image": "https://example.org/p.jpg", "image_alt": "A tanker at sea"}
    response = api(desk, "/desk/save", jar, token, {"action": "publish", "fields": fields, "body": "Words."})
    assert response.status_code == 200, response.body
    saved = desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/with-a-photo.md")["Body"].read().decode()
    assert "image_alt: A tanker at sea" in saved
    desk.ingest()
    assert 'alt="A tanker at sea"' in desk.get("/with-a-photo/").body.decode()


@pytest.mark.parametrize("path", ["/desk/no-such-screen", "/desk/media/nothing", "/desk/a/b/c"])
def test_an_unknown_desk_address_is_the_desks_own_private_unindexed_404(desk, path):
    jar, _, _ = sign_in(desk)
    for response in (desk.client.http.get(path), desk.client.http.get(path, headers={"Cookie": jar})):
        assert response.status_code == 404 and "No such desk page" in response.body.decode()
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    refused = desk.client.http.put("/desk/save", body=b"{}", headers={"Content-Type": "application/json"})
    assert refused.status_code == 405 and refused.headers["Cache-Control"] == "private, no-store"
    assert refused.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_the_desks_generic_error_names_no_python_class(desk, monkeypatch):
    jar, _, _ = sign_in(desk)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyError("desk_sk")
    monkeypatch.setattr("chalicelib.desk.listing.listing", broken)
    page = desk.client.http.get("/desk/articles", headers={"Cookie": jar})
    text = page.body.decode()
    assert page.status_code == 400 and "The desk could not do that. Nothing was changed" in text
    assert "KeyError" not in text and re.search(r"reference [0-9a-f]{8}", text)


def test_status_answers_only_for_article_files_and_a_contributor_only_for_their_own(desk):
    desk.put("articles/theirs.md", "---\ntitle: Theirs\ndate: 2024-03-01\n---\n\nWords.\n")
    desk.put("submissions/articles/someone.md", "---\ntitle: Someone's\ndate: 2030-03-01\n---\n\nWords.\n")
    desk.ingest()
    jar, token, _ = sign_in(desk, "contributor")
    mine = json.loads(api(desk, "/desk/save", jar, token, {"action": "submit", "fields": {**STORY, "date": ""},
                                                             "body": "Mine."}).body)
    desk.ingest()

    def status(key: str, cookie: str = jar):  # type: ignore[no-untyped-def]
        return desk.client.http.get(f"/desk/status?key={key}", headers={"Cookie": cookie})
    assert status(mine["key"]).status_code == 200 and json.loads(status(mine["key"]).body)["state"] == "in review"
    for key in ("articles/theirs.md", "submissions/articles/someone.md"):
        refused = status(key)
        assert refused.status_code == 403 and "own submissions" in json.loads(refused.body)["error"]
    for key in ("settings/site.yaml", "authors/sara.yaml", "../articles/theirs.md", ""):
        assert status(key).status_code == 400
    editor, _, _ = sign_in(desk)
    assert json.loads(status("articles/theirs.md", editor).body)["state"] == "live"
    assert status("settings/site.yaml", editor).status_code == 400
