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
from moto.moto_api._internal.responses import MotoAPIResponse

from chalicelib.models import Subscriber
from chalicelib.newsletters import outbox, signup, subscribers, tokens
from tests.functional.test_ingest import article
from tests.functional.test_pages import text

ORIGIN = "http://localhost"  # what the Chalice test client's requests resolve to
SLUG = "markets"


def accepted(address: str) -> list[dict[str, Any]]:
    """The e-mails moto's SES accepted for ``address``, oldest first."""
    models = json.loads(MotoAPIResponse().model_data(None, "", {})[2])
    return [m for m in outbox.messages(models) if address in [to.lower() for to in m["to"]]]


def form_token(site, path: str = "/subscribe/") -> str:
    found = re.search(r'name="token" value="([^"]+)"', site.get(path).body.decode())
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
