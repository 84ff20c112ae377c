"""What an attacker tried against the desk and the newsletter forms (docs/security/attack-2026-12-07.md),
each finding's regression: an outsider, and a signed-in contributor, the desk's lowest role."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.exceptions import ClientError

from chalicelib.bucket import ContentBucket
from chalicelib.desk import documents, session
from chalicelib.desk.identity import Identity
from tests.functional.test_desk import api, form, sign_in
from tests.functional.test_newsletters import ORIGIN, accepted, form_token

CDN_SECRET = "the-secret-our-distribution-sends"
NETWORK = "2001:db8:7:9"  # one /64: what one customer of any host or ISP is given, 2**64 addresses


def test_the_author_picker_tells_no_one_below_admin_a_colleagues_e_mail_address(desk):
    """A contributor (a freelancer, say) gets the names the Author picker offers, not the e-mail
    addresses of everyone who signs in to the desk (the admins' are their user names)."""
    for role in ("admin", "editor"):
        sign_in(desk, role)  # each sign-in makes the person's profile, which the picker lists
    for role in ("contributor", "editor"):
        jar, _, _ = sign_in(desk, role)
        answer = desk.client.http.get("/desk/author-choices", headers={"Cookie": jar})
        listed = json.loads(answer.body)["authors"]
        assert answer.status_code == 200 and {c["name"] for c in listed} >= {"Local Admin", "Local Editor"}
        assert "@" not in answer.body.decode(), role
    jar, _, _ = sign_in(desk, "admin")  # the People screen shows them every address anyway
    listed = json.loads(desk.client.http.get("/desk/author-choices", headers={"Cookie": jar}).body)["authors"]
    assert {"name": "Local Editor", "slug": "local-editor", "kind": "person", "email": "editor@desk.example.com"} \
        in listed


def _sign_up_through_cdn(site, email: str, reader: str):  # type: ignore[no-untyped-def]
    fields = {"email": email, "newsletter": "Daily briefing", "website": "", "token": form_token(site)}
    return site.client.http.post("/subscribe/", body=urlencode(fields).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN,
        "CloudFront-Viewer-Address": f"{reader}:4431", "X-Newsroom-Origin": CDN_SECRET})


def test_sign_ups_from_one_ipv6_network_share_one_limit_so_no_inbox_is_flooded(site, settings):
    """Every address of one /64 is one client: rotating through them (a new address each time, free on
    any IPv6 host) must not send a victim's inbox a confirmation e-mail per address variant."""
    settings(origin_secret=CDN_SECRET, allow_direct_access=True)
    answers = [_sign_up_through_cdn(site, f"victim+{n}@example.com", f"{NETWORK}::{n + 1:x}").status_code
               for n in range(6)]
    assert answers == [200] * 5 + [429]
    assert accepted("victim+5@example.com") == []
    assert _sign_up_through_cdn(site, "someone@example.com", "2001:db8:7:a::1").status_code == 200  # another /64
    assert _sign_up_through_cdn(site, "other@example.com", "198.51.100.7").status_code == 200  # IPv4: as it was


def test_failed_sign_ins_from_one_ipv6_network_are_one_readers(desk, settings):
    """Behind CloudFront the reader is CloudFront-Viewer-Address; an IPv6 one counts by its /64."""
    settings(origin_secret=CDN_SECRET, allow_direct_access=True)

    def attempt(n: int) -> int:
        return form(desk.client, "/desk/sign-in", {"email": f"guess{n}@example.com", "password": "wrong"}, headers={
            "CloudFront-Viewer-Address": f"{NETWORK}::{n + 1:x}:4431", "X-Newsroom-Origin": CDN_SECRET}).status_code

    assert [attempt(n) for n in range(session.ADDRESS_FAILURES + 1)] == [401] * session.ADDRESS_FAILURES + [429]


SCOOP = "submissions/us-east-1:00000000-0000-0000-0000-00000000beef/articles/scoop.md"  # another's own folder
SCOOP_TEXT = "---\ntitle: Scoop\ncategories: [Oil]\nsummary: Embargoed.\n---\n\nThe embargoed scoop.\n"


def _scoop_of_another_contributor(desk) -> str:  # type: ignore[no-untyped-def]
    desk.s3.put_object(Bucket=desk.stack.bucket, Key=SCOOP, Body=SCOOP_TEXT.encode(),
                       Metadata={"uploaded-by": "Other Writer <other@desk.example.com>"})
    return str(desk.s3.head_object(Bucket=desk.stack.bucket, Key=SCOOP)["ETag"].strip('"'))


def _scoop_now(desk) -> tuple[bytes, dict]:  # type: ignore[no-untyped-def]
    found = desk.s3.get_object(Bucket=desk.stack.bucket, Key=SCOOP)
    return found["Body"].read(), found["Metadata"]


def test_a_contributor_neither_reads_nor_changes_another_contributors_submission(desk):
    """The desk keeps each contributor to their own submissions (as WordPress keeps a contributor out of
    another's posts), as their role's credentials do (their own folder of submissions/: finding 20)."""
    version = _scoop_of_another_contributor(desk)
    jar, token, _ = sign_in(desk, "contributor")
    opened = desk.client.http.get(f"/desk/edit?key={SCOOP}", headers={"Cookie": jar})
    assert opened.status_code == 403 and "embargoed scoop" not in opened.body.decode()
    fields = {"title": "Scoop", "summary": "Embargoed.", "categories": "Oil", "date": ""}
    changed = api(desk, "/desk/save", jar, token, {"action": "submit", "key": SCOOP, "version": version,
                                                    "versions": {SCOOP: version}, "fields": fields,
                                                    "body": "Rewritten by someone else."})
    assert changed.status_code == 403 and "another person's submission" in json.loads(changed.body)["error"]
    anew = api(desk, "/desk/save", jar, token, {"action": "submit", "fields": fields, "body": "Mine."})
    assert anew.status_code == 200 and "embargoed scoop" not in anew.body.decode()  # no 409 showing theirs
    mine = json.loads(anew.body)["key"]  # the same slug, in their own folder: the editor approves one of them
    assert mine != SCOOP and mine.startswith("submissions/us-east-1:") and mine.endswith("/articles/scoop.md")
    locked = api(desk, "/desk/lock", jar, token, {"key": SCOOP})
    assert locked.status_code == 403
    assert _scoop_now(desk) == (SCOOP_TEXT.encode(), {"uploaded-by": "Other Writer <other@desk.example.com>"})
    assert "Contents" not in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="locks/")
    editor_jar, _, _ = sign_in(desk, "editor")  # an editor reviews it as before
    reviewed = desk.client.http.get(f"/desk/edit?key={SCOOP}", headers={"Cookie": editor_jar})
    assert reviewed.status_code == 200 and "embargoed scoop" in reviewed.body.decode()


def test_a_new_password_from_forgot_password_ends_the_sessions_the_old_one_opened(desk):
    """Someone who had the old password (phished, shared) is signed out when its owner sets a new one."""
    email, _ = desk.accounts["editor"]
    intruder, _, _ = sign_in(desk, "editor")
    assert desk.client.http.get("/desk/articles", headers={"Cookie": intruder}).status_code == 200
    form(desk.client, "/desk/forgot-password", {"email": email})
    done = form(desk.client, "/desk/forgot-password", {"email": email, "code": "123456",  # moto takes any code
                                                       "new_password": "A-New-Password-42",
                                                       "confirm_password": "A-New-Password-42"})
    assert done.status_code == 200 and "Your new password is set." in done.body.decode()
    ended = desk.client.http.get("/desk/articles", headers={"Cookie": intruder})
    assert ended.status_code == 303 and ended.headers["Location"] == "/desk/sign-in"
    owner = form(desk.client, "/desk/sign-in", {"email": email, "password": "A-New-Password-42"})
    assert owner.status_code == 303
    cookies = owner.headers["Set-Cookie"]
    jar = "; ".join(c.split(";", 1)[0] for c in (cookies if isinstance(cookies, list) else [cookies]))
    assert desk.client.http.get("/desk/articles", headers={"Cookie": jar}).status_code == 200


def test_mistyped_codes_do_not_use_up_the_requests_for_a_new_code(desk):
    """The per-reader count of wrong codes and the count of requests for a code are two limits, not
    one counter: four typos, then "send me a new code", is what a person does."""
    email, _ = desk.accounts["editor"]
    assert form(desk.client, "/desk/forgot-password", {"email": email}).status_code == 200
    for n in range(4):
        wrong = form(desk.client, "/desk/forgot-password", {
            "email": email, "code": f"moto-confirmation-code:00000{n}", "new_password": "A-New-Password-42",
            "confirm_password": "A-New-Password-42"})
        assert wrong.status_code == 400
    again = form(desk.client, "/desk/forgot-password", {"email": email})
    assert again.status_code == 200 and "a code to choose a new password is on its way" in again.body.decode()


def test_a_contributors_new_submission_is_theirs_although_s3_says_403_for_a_missing_key():
    """On AWS the contributor's role may not list the bucket, so S3 answers HeadObject on a key with no
    file 403, not 404: that is a free key to them, and a new article saves; another's file stays refused."""
    class Client:  # S3 as the contributor's role meets it
        def __init__(self, found: tuple[str, dict[str, str]] | None) -> None:
            self.found = found

        def head_object(self, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803 - boto3's names
            assert Key.startswith(f"submissions/{OWN}/"), Key  # never a request their role would be refused
            if self.found is None:
                raise ClientError({"Error": {"Code": "403", "Message": "Forbidden"}}, "HeadObject")
            return {"ETag": f'"{self.found[0]}"', "Metadata": self.found[1]}

    def Bucket(found: tuple[str, dict[str, str]] | None) -> ContentBucket:  # noqa: N802 - read as the class it was
        return ContentBucket("content", Client(found), unlisted=True, owner=OWN)  # a contributor's (session.bucket_as)

    OWN = "us-east-1:0000000a-0000-0000-0000-000000000001"  # noqa: N806 - their identity id: their folder
    me = Identity(sub="s", email="me@desk.example.com", name="Me", role="contributor", expires=0)
    documents.check_own_work(Bucket(None), f"submissions/{OWN}/articles/new.md", me)
    documents.check_own_work(Bucket(("e", {"uploaded-by": "Me <me@desk.example.com>"})),
                             f"submissions/{OWN}/articles/mine.md", me)
    with pytest.raises(documents.NotYours, match="another person's submission"):
        documents.check_own_work(Bucket(("e", {"uploaded-by": "You <you@desk.example.com>"})),
                                 f"submissions/{OWN}/articles/yours.md", me)
    for theirs in ("submissions/us-east-1:0000000b-0000-0000-0000-000000000002/articles/x.md",  # a colleague's
                   "submissions/articles/x.md"):  # written before owners' folders: editors' alone
        with pytest.raises(documents.NotYours, match="another person's submission"):
            documents.check_own_work(Bucket(("e", {"uploaded-by": "Me <me@desk.example.com>"})), theirs, me)
    with pytest.raises(documents.NotYours, match="is not a submission"):
        documents.check_own_work(Bucket(None), "articles/live.md", me)


def test_one_inbox_gets_a_few_confirmations_a_day_however_its_address_is_spelled(site, settings):
    """``victim+1@…``, ``v.ictim@gmail.com``, ``VICTIM@…``: one inbox. Signed up again and again from
    many addresses (a new client each), it gets ``CONFIRMATIONS_PER_INBOX`` e-mails a day, no more; every
    sign-up is answered the same, and another inbox is not affected."""
    from chalicelib.site import subscribe

    settings(origin_secret=CDN_SECRET, allow_direct_access=True)
    spellings = ["victim@gmail.com", "victim+news@gmail.com", "v.ictim@gmail.com", "VICTIM+2@gmail.com",
                 "vic.tim+3@googlemail.com", "victim+4@gmail.com"]
    answers = [_sign_up_through_cdn(site, address, f"198.51.100.{n + 1}") for n, address in enumerate(spellings)]
    assert {a.status_code for a in answers} == {200} and len({a.body for a in answers}) == 1
    mailed = [m for address in dict.fromkeys(a.lower() for a in spellings) for m in accepted(address)]
    assert len(mailed) == subscribe.CONFIRMATIONS_PER_INBOX.limit
    assert _sign_up_through_cdn(site, "someone.else@gmail.com", "198.51.100.99").status_code == 200
    assert len(accepted("someone.else@gmail.com")) == 1


def test_an_unsubscribe_counts_only_for_a_send_that_reader_received(desk):
    """``&s=`` is not signed: it only says which send an unsubscribe came from. A reader who got no copy
    of a send (on another newsletter, or signed up after it) cannot count their unsubscribe for it, and
    made-up send ids write nothing (attack pass 2, finding 14)."""
    from chalicelib import keys
    from chalicelib.models import Delivery, NewsletterIssue
    from chalicelib.newsletters import sending, subscribers, tokens
    from tests.functional.test_desk_newsletter import KEY, deliver_all, published, query_of, send_form
    from tests.functional.test_desk_screens import post_form
    from tests.functional.test_newsletters import active, press

    published(desk)
    active("reader@attack-send.example")
    active("outsider@attack-send.example", ("Breaking news",))  # not a reader of the send
    jar, _, _ = sign_in(desk)
    send_id = query_of(post_form(desk, "/desk/newsletter", jar,
                                 send_form(desk, jar, f"/desk/newsletter?key={KEY}")))["send"]
    deliver_all(desk)
    outsider = tokens.unsubscribe_token(subscribers.address_hash("outsider@attack-send.example"))
    for send in (send_id, "0123456789abcdef", "f" * 64):
        assert press(desk, f"/newsletter/unsubscribe/?t={outsider}&s={send}",
                     body="List-Unsubscribe=One-Click", origin=None).status_code == 200
    assert sending.status(send_id).unsubscribed == 0
    outsider_hash = subscribers.address_hash("outsider@attack-send.example")
    for made_up in ("0123456789abcdef", "f" * 64):  # nothing is written for a send that is not one
        assert NewsletterIssue.get_or_none(*keys.newsletter_issue(made_up)) is None
        assert Delivery.get_or_none(*keys.delivery(made_up, outsider_hash)) is None
    reader = tokens.unsubscribe_token(subscribers.address_hash("reader@attack-send.example"))
    assert press(desk, f"/newsletter/unsubscribe/?t={reader}&s={send_id}", body="List-Unsubscribe=One-Click",
                 origin=None).status_code == 200
    assert sending.status(send_id).unsubscribed == 1  # a reader of the send still counts


@pytest.mark.parametrize("role", ["contributor", "editor"])
def test_no_one_below_admin_reaches_the_subscribers_and_no_contributor_changes_a_send(desk, role):
    """Each route of the Subscribers screen refuses below admin, with a valid CSRF token; a contributor
    pauses, resumes or cancels no send (attack pass 2: server-side role checks on the new routes)."""
    from tests.functional.test_desk_screens import get, post_form

    desk.put("settings/site.yaml", "site_name: Gazette\nnewsletters: [Daily briefing]\n")
    desk.ingest()
    jar, token, _ = sign_in(desk, role)
    for path in ("/desk/subscribers", "/desk/subscribers?q=reader@example.com",
                 "/desk/subscribers/progress?id=20261207abcdef12"):
        assert get(desk, path, jar).status_code == 403, path
    started = api(desk, "/desk/subscribers/import", jar, token,
                  {"name": "list.csv", "size": 100, "newsletters": ["Daily briefing"]})
    assert started.status_code == 403 and b"fields" not in started.body
    assert post_form(desk, "/desk/subscribers/export", jar, {"csrf": token}).status_code == 403
    assert post_form(desk, "/desk/subscribers/find", jar, {"csrf": token, "q": "reader@example.com"}).status_code == 403
    if role == "contributor":
        for action in ("pause", "resume", "cancel"):
            changed = post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": "0123456789abcdef",
                                                                  "action": action, "confirm": "yes"})
            assert changed.status_code == 403, action


def test_a_password_protected_article_is_not_sent_as_a_newsletter(desk):
    """The site gives a protected article's body only for its password; "Send as newsletter" would mail
    it to every reader, beyond recall (Jetpack sends no protected post either). The send screen says why,
    and neither a test nor the send goes (attack pass 2, finding 19)."""
    from tests.functional.test_desk_newsletter import DAILY, deliver_all, page_text, with_subject
    from tests.functional.test_desk_screens import get, post_form
    from tests.functional.test_newsletters import accepted, active

    desk.put("settings/site.yaml", f"site_name: Gazette\nnewsletters: [{DAILY}]\n")
    desk.put("articles/leak.md", "---\ntitle: Board minutes\ndate: 2024-03-01\npassword: s3cret-board\n---\n\n"
             "The board voted to close the Tabriz office.\n")
    desk.ingest()
    active("reader@attack-protected.example")
    jar, token, _ = sign_in(desk)
    screen = get(desk, "/desk/newsletter?key=articles/leak.md", jar)
    assert screen.status_code == 409 and "password" in page_text(screen)
    assert get(desk, "/desk/newsletter/preview?key=articles/leak.md", jar).status_code == 409
    for action in ("test", "send"):
        sent = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "key": "articles/leak.md", "newsletter": DAILY,
                                                         "action": action, "send_token": "ab" * 16})
        assert sent.status_code == 409, action
    deliver_all(desk)
    assert with_subject("reader@attack-protected.example", "Board minutes") == []
    assert not [m for m in accepted("editor@desk.example.com") if "Tabriz" in str(m)]


def test_test_sends_are_limited_per_person(desk):
    """"Send a test to me" goes to the ID token's address, which the person can change (finding 7): without
    a limit an editor mails anyone our newsletter without end from our SES identity. A few an hour, then
    429 with the wait, and nothing sent (attack pass 2, finding 17)."""
    from tests.functional.test_desk_newsletter import DAILY, KEY, TITLE, page_text, published, with_subject
    from tests.functional.test_desk_screens import post_form

    published(desk)
    admin = desk.accounts["admin"][0]  # an admin (editors' rights): the editor's outbox is other tests'
    jar, token, _ = sign_in(desk, "admin")
    fields = {"csrf": token, "key": KEY, "newsletter": DAILY, "action": "test"}
    for _ in range(10):  # ten an hour
        assert post_form(desk, "/desk/newsletter", jar, fields).status_code == 303
    refused = post_form(desk, "/desk/newsletter", jar, fields)
    assert refused.status_code == 429 and "tests in the last hour" in page_text(refused)
    assert refused.headers.get("Retry-After")
    assert len(with_subject(admin, f"[Test] {TITLE}")) == 10


@pytest.mark.parametrize("key", [
    "media/../articles/x.jpg", "media//2024/x.jpg", "media/./x.jpg", "media/a\\..\\x.jpg", "media/x.jpg\x00.png",
    "media/%2e%2e/x.jpg", "media/\uff0e\uff0e/x.jpg", "media/x\u202e.jpg", "media/" + "a" * 300 + ".jpg", "media/",
])
def test_every_media_key_a_desk_form_names_is_data_checked_as_one_path(desk, key):
    """Attack pass 3 (finding 21): the media library's forms and its status name keys checked by the one rule for
    paths from outside (``outside_paths``), not by ``..`` alone: nothing is described, deleted or replaced."""
    desk.put("media/x.jpg", b"\xff\xd8\xff\xe0not-really")
    jar, token, _ = sign_in(desk)
    before = desk.s3.head_object(Bucket=desk.stack.bucket, Key="media/x.jpg")["ETag"]
    headers = {"Cookie": jar, "Origin": ORIGIN, "Content-Type": "application/x-www-form-urlencoded"}
    for path in ("/desk/media/describe", "/desk/media/delete"):
        answer = desk.client.http.post(path, headers=headers,
                                       body=urlencode({"csrf": token, "key": key, "etag": before.strip('"'), "alt": "x"}))
        assert answer.status_code == 400 and "under media/" in answer.body.decode(), (path, answer.body[:200])
    status = desk.client.http.get("/desk/media/status?" + urlencode({"key": key}), headers={"Cookie": jar})
    assert status.status_code == 400
    replaced = api(desk, "/desk/media/upload", jar, token, {"name": "x.jpg", "type": "image/jpeg", "size": 10,
                                                          "alt": "x", "replace": key, "etag": before.strip('"')})
    assert replaced.status_code in (400, 409) and "fields" not in json.loads(replaced.body)
    assert desk.s3.head_object(Bucket=desk.stack.bucket, Key="media/x.jpg")["ETag"] == before
