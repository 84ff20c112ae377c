"""Newsletters (issue 47): sign up with double opt-in, confirm from the e-mail, one-click unsubscribe.

The e-mails are read as a reader's mail client would get them: from what moto's SES accepted
(``chalicelib.newsletters.outbox``, as ``newsroom outbox`` lists them).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from chalicelib.models import Subscriber
from chalicelib.newsletters import events, outbox, sending, signup, subscribers, tokens
from tests.functional.test_ingest import article
from tests.functional.test_pages import text

ORIGIN = "http://localhost"  # what the Chalice test client's requests resolve to
SLUG = "markets"


def accepted(address: str) -> list[dict[str, Any]]:
    """The e-mails moto's SES accepted for ``address``, oldest first."""
    from moto.core.model_instances import model_data

    # SES's models alone, as moto's /moto-api/data.json lists them: the whole dump would also describe
    # objects of a bucket another test's stack took away (devstack.harness empties moto between tests).
    kept = [{"raw_data": m.raw_data, "destinations": m.destinations}
            for m in model_data.get("ses", {}).get("RawMessage").instances_tracked]  # type: ignore[union-attr]
    return [m for m in outbox.messages({"ses": {"RawMessage": kept}}) if address in [to.lower() for to in m["to"]]]


def form_token(site, path: str = "/subscribe/") -> str:
    page = site.get(path).body.decode()
    found = re.search(r'newsletter-form".*?name="token" value="([^"]+)"', page, re.DOTALL)
    assert found, f"{path} has no sign-up form"
    return found.group(1)


def sign_up(site, email: str, ip: str = "203.0.113.9", origin: str | None = ORIGIN, path: str = "/subscribe/",
            **fields: str) -> Any:
    form = {"email": email, "newsletter": "Daily briefing", "website": "", "token": form_token(site, path), **fields}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": ip}
    if origin:
        headers["Origin"] = origin
    return site.client.http.post("/subscribe/", headers=headers, body=urlencode(form).encode())


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def link(message: dict[str, Any], kind: str) -> str:
    found = [url for url in message["links"] if f"/newsletter/{kind}/" in url]
    assert found, f"no {kind} link in {message['links']}"
    return found[0]


def press(site, url: str, body: str = "", origin: str | None = ORIGIN) -> Any:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        headers["Origin"] = origin
    return site.client.http.post(path_of(url), headers=headers, body=body.encode())


def subscribed(site, email: str) -> dict[str, Any]:
    """Sign ``email`` up and confirm it from the e-mail, as a reader does; its confirmation e-mail."""
    assert sign_up(site, email).status_code == 200
    message = accepted(email)[-1]
    assert press(site, link(message, "confirm")).status_code == 200
    return message


def test_sign_up_sends_a_confirmation_whose_link_makes_the_reader_active(site):
    page = site.get("/subscribe/")
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert 'type="email"' in page.body.decode() and signup.CONSENT_WORDING in text(page)

    answer = sign_up(site, "Reader@Example.com")
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    assert "Check your inbox" in text(answer)
    item = Subscriber.get(f"subscriber#{subscribers.address_hash('reader@example.com')}", "subscriber")
    assert (item.state, item.requested, item.newsletters) == ("pending", ["Daily briefing"], [])

    [message] = accepted("reader@example.com")
    assert message["subject"] == "Confirm your subscription to Newsroom"
    unsubscribe = link(message, "unsubscribe")
    assert message["headers"]["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    confirm = link(message, "confirm")

    shown = site.get(path_of(confirm))  # a mail scanner opening the link confirms nothing
    assert shown.status_code == 200 and "Confirm my subscription" in text(shown)
    assert Subscriber.get(item.pk, item.sk).state == "pending"
    done = press(site, confirm)
    assert done.status_code == 200 and "You are subscribed" in text(done) and "Daily briefing" in text(done)

    item = Subscriber.get(item.pk, item.sk)
    assert (item.state, item.newsletters, item.email) == ("active", ["Daily briefing"], "reader@example.com")
    assert item.consent["form"] == "subscribe-page" and item.consent["wording"] == signup.CONSENT_WORDING
    assert re.fullmatch(r"[0-9a-f]{20}", item.consent["source"]) and item.consent["confirmed"] and item.consent["at"]
    assert [h["change"] for h in item.history] == ["signed up", "confirmed"]
    again = press(site, confirm)  # the link is spent
    assert again.status_code == 409 and "used" in text(again)


def test_the_article_form_signs_up_and_records_which_form(site):
    site.put(f"articles/{SLUG}.md", article())
    assert site.ingest() == {"batchItemFailures": []}
    page = site.get(f"/{SLUG}/").body.decode()
    assert 'action="/subscribe/"' in page and f'name="form" value="article:{SLUG}"' in page
    assert sign_up(site, "from-article@example.com", path=f"/{SLUG}/", form=f"article:{SLUG}").status_code == 200
    item = Subscriber.get(f"subscriber#{subscribers.address_hash('from-article@example.com')}", "subscriber")
    assert item.consent["form"] == f"article:{SLUG}"


def test_a_known_and_an_unknown_address_get_the_same_answer(site):
    subscribed(site, "known@example.com")
    known = sign_up(site, "known@example.com", ip="198.51.100.1")
    unknown = sign_up(site, "unknown@example.com", ip="198.51.100.2")
    assert known.status_code == unknown.status_code == 200
    assert text(known) == text(unknown)
    assert len(accepted("known@example.com")) == 1  # one confirmation e-mail per address in 10 minutes
    assert Subscriber.get(f"subscriber#{subscribers.address_hash('known@example.com')}", "subscriber").state == "active"


def test_the_same_address_signed_up_again_and_again_gets_one_e_mail(site):
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert sign_up(site, "victim@example.com", ip=ip).status_code == 200
    assert len(accepted("victim@example.com")) == 1


def test_a_forged_or_expired_confirmation_link_is_refused(site):
    assert sign_up(site, "careful@example.com").status_code == 200
    confirm = link(accepted("careful@example.com")[0], "confirm")
    forged = confirm[:-4] + ("0000" if not confirm.endswith("0000") else "1111")
    token = urlsplit(confirm).query.removeprefix("t=")
    someone_else = confirm.replace(token.split(".")[0], subscribers.address_hash("someone@example.com"))
    for url in (forged, someone_else):
        assert site.get(path_of(url)).status_code == 400
        refused = press(site, url)
        assert refused.status_code == 400 and "not one we sent" in text(refused)
    hashed, nonce = tokens.read_confirm(urlsplit(confirm).query.removeprefix("t="))
    old = tokens.confirm_token(hashed, nonce, now=time.time() - tokens.CONFIRM_MAX_AGE_SECONDS - 60)
    expired = press(site, f"/newsletter/confirm/?t={old}")
    assert expired.status_code == 400 and "expired" in text(expired)
    assert Subscriber.get(f"subscriber#{hashed}", "subscriber").state == "pending"


def test_one_click_unsubscribe_is_one_post_from_anywhere(site):
    message = subscribed(site, "leaving@example.com")
    assert [s.email for s in subscribers.receiving("Daily briefing")] == ["leaving@example.com"]
    url = message["headers"]["List-Unsubscribe"].strip("<>")
    page = site.get(path_of(url))  # opened in a browser: a button, nothing changed yet
    assert page.status_code == 200 and "Unsubscribe" in text(page)
    assert [s.email for s in subscribers.receiving("Daily briefing")] == ["leaving@example.com"]

    answer = press(site, url, body="List-Unsubscribe=One-Click", origin=None)  # a mail client's POST: no Origin
    assert answer.status_code == 200 and "You are unsubscribed" in text(answer)
    item = Subscriber.get(f"subscriber#{subscribers.address_hash('leaving@example.com')}", "subscriber")
    assert (item.state, item.newsletters) == ("unsubscribed", [])
    assert item.history[-1]["change"] == "unsubscribed" and item.history[-1]["how"] == "one-click"
    assert subscribers.receiving("Daily briefing") == []
    assert press(site, url[:-3] + "abc", body="List-Unsubscribe=One-Click", origin=None).status_code == 400


@pytest.mark.parametrize("origin", ["https://evil.example", None])
def test_a_sign_up_from_elsewhere_is_refused_and_sends_nothing(site, origin):
    answer = sign_up(site, "target@example.com", origin=origin)
    assert answer.status_code == 403 and "not sent from this site" in text(answer)
    assert accepted("target@example.com") == []


def test_sign_ups_are_limited_per_client(site):
    answers = [sign_up(site, f"reader{n}@example.com", ip="203.0.113.50").status_code for n in range(6)]
    assert answers == [200] * 5 + [429]


def test_a_bad_address_or_newsletter_is_named(site):
    answer = sign_up(site, "not-an-address")
    assert answer.status_code == 400 and "Email: this is not an e-mail address" in text(answer)
    answer = sign_up(site, "ok@example.com", newsletter="Weekly gossip")
    assert answer.status_code == 400 and "no newsletter called “Weekly gossip”" in text(answer)


def test_outbox_without_an_address_says_what_to_type(monkeypatch):
    from click.testing import CliRunner

    from newsroom.cli import main as newsroom

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    result = CliRunner().invoke(newsroom, ["outbox"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "newsroom outbox --endpoint-url http://127.0.0.1:5000" in result.output
    result = CliRunner().invoke(newsroom, ["outbox", "--endpoint-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "start it with `make run`" in result.output


# --- sending: each active reader once, whatever the queue does ---------------------------------

def active(email: str, newsletters: tuple[str, ...] = ("Daily briefing",)) -> str:
    """A confirmed subscriber (through the module, as the sign-up route does); their address hash."""
    consent = subscribers.Consent(form="subscribe-page", wording=signup.CONSENT_WORDING, source="0" * 20,
                                  newsletters=newsletters)
    nonce = subscribers.sign_up(email, consent)
    assert nonce is not None
    subscribers.confirm(subscribers.address_hash(email), nonce)
    return subscribers.address_hash(email)


def story(title: str = "Markets rally as talks resume") -> sending.Issue:
    return sending.article_issue("Daily briefing", "Newsroom", ORIGIN, title, "Stocks rose on Monday.",
                                 '<p>Body with <a href="/other-story/">a link</a> and '
                                 '<picture><source srcset="/sizes/a.avif 320w"><img src="/sizes/a.jpg" alt="A"></picture></p>',
                                 "/markets/")


def newsletters_to(address: str, subject: str) -> list[dict[str, Any]]:
    return [m for m in accepted(address) if m["subject"] == subject]


class FakeQueue(list[str]):
    """The newsletters queue as a list of message bodies (what ``sending`` queues lands at its end)."""

    def __call__(self, bodies: list[str], delay: int = 0) -> None:
        self.extend(bodies)

    def drain(self, **options: Any) -> list[sending.Outcome]:
        """Deliver every message, the ones queued meanwhile too, as the sender function would (unpaced)."""
        done = []
        while self:
            done.append(deliver(self.pop(0), self, **options))
        return done


def deliver(body: str, queue: FakeQueue | None = None, **options: Any) -> sending.Outcome:
    """One queue message through the sender, with no wait between sends (SES's rate: test_newsletter_sending)."""
    return sending.deliver(body, queue=queue if queue is not None else FakeQueue(), pace=sending.Pace(0), **options)


def batches(queued: FakeQueue) -> list[str]:
    """Plan the send(s) queued: the batch messages their plan steps queue."""
    while any("plan" in json.loads(body) for body in queued):
        body = next(b for b in queued if "plan" in json.loads(b))
        queued.remove(body)
        deliver(body, queued)
    return list(queued)


def test_a_send_reaches_each_active_reader_once_even_when_every_batch_arrives_twice(site):
    readers = [f"reader{n}@example.com" for n in range(sending.BATCH + 3)]  # two batches
    for email in readers:
        active(email)
    subscribers.sign_up("pending@example.com", subscribers.Consent("subscribe-page", "w", "0" * 20, ("Daily briefing",)))
    queued = FakeQueue()
    send_id, count = sending.start(story(), queued.append)
    assert count == len(readers) and len(queued) == 1  # the plan: the sender function makes the batches
    assert len(batches(queued)) == 2
    first = [deliver(body) for body in queued]
    again = [deliver(body) for body in queued]  # SQS delivers at least once
    assert sum(o.sent for o in first) == len(readers) and sum(o.sent for o in again) == 0
    assert sum(o.duplicate for o in again) == len(readers)
    for email in (readers[0], readers[-1]):
        [got] = newsletters_to(email, "Markets rally as talks resume")
        assert got["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert got["headers"]["List-Unsubscribe"] == f"<{link(got, 'unsubscribe')}>"
        assert f"{ORIGIN}/markets/" in got["links"]
    assert newsletters_to("pending@example.com", "Markets rally as talks resume") == []
    with pytest.raises(ValueError, match="started already"):
        sending.start(story(), queued.append, send_id=send_id)


def test_the_unsubscribe_post_stops_the_next_send_and_the_rest_of_this_one(site):
    message = subscribed(site, "stopping@example.com")
    active("staying@example.com")
    queued = FakeQueue()
    sending.start(story("First issue"), queued.append)
    assert [deliver(body).sent for body in batches(queued)] == [2]
    [first] = newsletters_to("stopping@example.com", "First issue")
    assert "/newsletter/unsubscribe/" in link(first, "unsubscribe")  # the visible link too

    queued.clear()
    sending.start(story("Second issue"), queued.append)  # begun before the reader leaves
    batches(queued)
    one_click = first["headers"]["List-Unsubscribe"].strip("<>")
    assert press(site, one_click, body="List-Unsubscribe=One-Click", origin=None).status_code == 200
    outcome = deliver(queued[0])
    assert (outcome.sent, outcome.skipped) == (1, 1)
    assert newsletters_to("stopping@example.com", "Second issue") == []
    assert len(newsletters_to("staying@example.com", "Second issue")) == 1

    queued.clear()
    _, count = sending.start(story("Third issue"), queued.append)
    assert count == 1 and newsletters_to("stopping@example.com", "Third issue") == []
    token = lambda m: urlsplit(m["headers"]["List-Unsubscribe"].strip("<>")).query.split("&")[0]  # noqa: E731
    assert token(message) == token(first)  # one token per reader; a send's e-mail also names its send (&s=)


def test_a_batch_that_crashed_midway_is_finished_by_the_next_delivery_without_repeats(site, monkeypatch):
    for n in range(3):
        active(f"crash{n}@example.com")
    queued = FakeQueue()
    sending.start(story("Crash issue"), queued.append)
    batches(queued)
    real_send, calls = sending.mail.send, []

    def crash_on_second(message, *tags):
        calls.append(message["To"])
        if len(calls) == 2:
            raise RuntimeError("the sender's Lambda timed out")
        return real_send(message, *tags)

    monkeypatch.setattr(sending.mail, "send", crash_on_second)
    with pytest.raises(RuntimeError):
        deliver(queued[0])
    monkeypatch.setattr(sending.mail, "send", real_send)
    soon = deliver(queued[0])  # redelivered within the lease: the crashed claim is held
    assert (soon.sent, soon.duplicate) == (1, 2)
    later = deliver(queued[0], now=lambda: time.time() + sending.LEASE_SECONDS + 1)
    assert (later.sent, later.duplicate) == (1, 2)
    got = {n: len(newsletters_to(f"crash{n}@example.com", "Crash issue")) for n in range(3)}
    assert sorted(got.values()) == [1, 1, 1]


def test_a_complaint_or_a_hard_bounce_suppresses_the_address_for_every_newsletter(site):
    complaining = active("angry@example.com", ("Daily briefing", "Breaking news"))
    bouncing = active("gone@example.com")
    soft = active("full@example.com")
    complaint = {"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "Angry@Example.com"}]}}
    assert events.apply(json.dumps(complaint)) == [complaining]
    assert events.apply(complaint) == [complaining]  # delivered twice: nothing changes the second time
    assert events.apply({"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
                                                           "bouncedRecipients": [{"emailAddress": "gone@example.com"}]}})
    assert events.apply({"eventType": "Bounce", "bounce": {"bounceType": "Transient",
                                                           "bouncedRecipients": [{"emailAddress": "full@example.com"}]}}) == []
    states = {h: Subscriber.get(f"subscriber#{h}", "subscriber") for h in (complaining, bouncing, soft)}
    assert [(s.state, s.newsletters) for s in states.values()] == [
        ("complained", []), ("bounced", []), ("active", ["Daily briefing"])]
    assert [h["change"] for h in states[complaining].history] == ["signed up", "confirmed", "complained"]
    assert [s.email for s in subscribers.receiving("Daily briefing")] == ["full@example.com"]
    assert subscribers.receiving("Breaking news") == []
    answer = sign_up(site, "angry@example.com")  # the form cannot bring a suppressed address back
    assert answer.status_code == 200 and "Check your inbox" in text(answer)
    assert accepted("angry@example.com") == []
    assert Subscriber.get(f"subscriber#{complaining}", "subscriber").state == "complained"


def test_the_site_settings_name_the_newsletters_the_forms_offer(site):
    site.put("settings/site.yaml", "site_name: The Daily\nnewsletters: [Daily briefing, Breaking news]\n")
    site.put(f"articles/{SLUG}.md", article())
    assert site.ingest() == {"batchItemFailures": []}
    page = site.get(f"/{SLUG}/").body.decode()
    assert 'type="checkbox"' in page and ">Breaking news</label>" in page and "<legend>Newsletters</legend>" in page
    answer = sign_up(site, "both@example.com", path=f"/{SLUG}/", newsletter="Breaking news")
    assert answer.status_code == 200
    [message] = accepted("both@example.com")
    assert message["subject"] == "Confirm your subscription to The Daily"
    press(site, link(message, "confirm"))
    item = Subscriber.get(f"subscriber#{subscribers.address_hash('both@example.com')}", "subscriber")
    assert (item.state, item.newsletters) == ("active", ["Breaking news"])
    none_ticked = site.client.http.post("/subscribe/", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                                 "Origin": ORIGIN},
                                        body=urlencode({"email": "x@example.com", "token": form_token(site)}).encode())
    assert none_ticked.status_code == 400 and "Newsletters: please tick at least one." in text(none_ticked)


def test_the_sender_function_sends_a_batch_drops_what_is_not_one_and_returns_what_aws_failed(site, monkeypatch):
    monkeypatch.setattr(sending, "account_pace", lambda: sending.Pace(0))
    active("queued@example.com")
    queued = FakeQueue()
    sending.start(story("Queued issue"), queued.append)
    records = [{"messageId": "m1", "body": batches(queued)[0]}, {"messageId": "m2", "body": "not json"},
               {"messageId": "m3", "body": json.dumps({"send": "no-such-send", "readers": []})}]
    assert sending.newsletters_queue_handler(records, queue=queued) == {"batchItemFailures": []}
    assert len(newsletters_to("queued@example.com", "Queued issue")) == 1

    def failing(message, *tags):
        raise sending.mail.aws.sesv2_client().exceptions.AccountSuspendedException(
            {"Error": {"Code": "AccountSuspendedException", "Message": "Sending paused for this account."}}, "SendEmail")

    active("refused@example.com")
    queued.clear()
    sending.start(story("Refused issue"), queued.append)
    body = batches(queued)[0]
    monkeypatch.setattr(sending.mail, "send", failing)
    assert sending.newsletters_queue_handler([{"messageId": "m4", "body": body}], queue=queued) == {
        "batchItemFailures": [{"itemIdentifier": "m4"}]}
