"""A subscriber's own data (issue 47), from the "Manage your subscription" link of every e-mail: see it,
change the newsletters, download it as JSON, delete it (the address's hash kept, nothing else)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from chalicelib.models import Subscriber
from chalicelib.newsletters import sending, subscribers, tokens
from tests.functional.test_ingest import article
from tests.functional.test_newsletters import (
    ORIGIN,
    SLUG,
    FakeQueue,
    accepted,
    link,
    newsletters_to,
    path_of,
    press,
    sign_up,
    story,
    subscribed,
)
from tests.functional.test_pages import text


def item_of(email: str) -> Subscriber:
    return Subscriber.get(f"subscriber#{subscribers.address_hash(email)}", "subscriber", consistent_read=True)


def manage_link(message: dict) -> str:  # type: ignore[type-arg]
    found = [url for url in message["links"] if url.endswith("&manage=1")]
    assert found, f"no manage link in {message['links']}"
    return found[0]


def open_manage(site, message: dict) -> tuple[str, str]:  # type: ignore[no-untyped-def,type-arg]
    """Follow the e-mail's manage link as a browser does: (the manage page's address, its text)."""
    hop = site.get(path_of(manage_link(message)))
    assert hop.status_code == 303, hop.body
    location = hop.headers["Location"]
    assert "/newsletter/manage/?t=" in location and hop.headers["Cache-Control"] == "no-store"
    page = site.get(path_of(location))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    return location, text(page)


def post(site, url: str, origin: str | None = ORIGIN, **fields: str | list[str]):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        headers["Origin"] = origin
    return site.client.http.post(path_of(url), headers=headers, body=urlencode(fields, doseq=True).encode())


def test_every_e_mail_links_to_a_page_showing_the_readers_own_data(site):
    confirmation = subscribed(site, "own@example.com")
    manage_link(confirmation)  # the confirmation e-mail has it too
    queued = FakeQueue()
    sending.start(story(), queued.append)
    queued.drain()
    [newsletter] = newsletters_to("own@example.com", "Markets rally as talks resume")
    assert link(newsletter, "unsubscribe") in newsletter["headers"]["List-Unsubscribe"]
    _, shown = open_manage(site, newsletter)
    for expected in ("own@example.com", "Subscribed", "Daily briefing", "Your consent", "subscribe-page",
                     "signed up", "confirmed", "Download my data", "Delete my data"):
        assert expected in shown, expected


def test_download_my_data_is_the_json_of_everything_held(site):
    message = subscribed(site, "download@example.com")
    location, _ = open_manage(site, message)
    got = site.get(path_of(location.replace("/newsletter/manage/?", "/newsletter/manage/data/?")))
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    data = json.loads(got.body)
    assert (data["email"], data["state"], data["newsletters"]) == ("download@example.com", "active", ["Daily briefing"])
    assert data["consent"]["confirmed"] and [h["change"] for h in data["history"]] == ["signed up", "confirmed"]


def test_the_reader_changes_newsletters_and_unticking_all_unsubscribes(site):
    site.put("settings/site.yaml", "site_name: The Daily\nnewsletters: [Daily briefing, Breaking news]\n")
    site.put(f"articles/{SLUG}.md", article())
    assert site.ingest() == {"batchItemFailures": []}
    message = subscribed(site, "choosy@example.com")
    location, _ = open_manage(site, message)
    version = int(item_of("choosy@example.com").version)
    saved = post(site, location, do="save", version=str(version), newsletter=["Daily briefing", "Breaking news"])
    assert saved.status_code == 200 and "Saved" in text(saved)
    assert item_of("choosy@example.com").newsletters == ["Daily briefing", "Breaking news"]
    none = post(site, location, do="save", version=str(version + 1))
    assert none.status_code == 200 and "Unsubscribed" in text(none)
    item = item_of("choosy@example.com")
    assert (item.state, item.newsletters) == ("unsubscribed", [])
    back = post(site, location, do="save", version=str(item.version), newsletter="Breaking news")
    assert back.status_code == 200
    item = item_of("choosy@example.com")
    assert (item.state, item.newsletters, item.history[-1]["change"]) == ("active", ["Breaking news"], "resubscribed")


def test_a_change_made_elsewhere_since_the_page_opened_is_not_overwritten(site):
    message = subscribed(site, "twice@example.com")
    location, _ = open_manage(site, message)
    seen = int(item_of("twice@example.com").version)
    press(site, link(message, "unsubscribe"), body="List-Unsubscribe=One-Click")  # from another e-mail, meanwhile
    stale = post(site, location, do="save", version=str(seen), newsletter="Daily briefing")
    assert stale.status_code == 409 and "changed since this page was opened" in text(stale)
    assert item_of("twice@example.com").state == "unsubscribed"
    gone = post(site, location, do="delete", version=str(seen))
    assert gone.status_code == 409 and item_of("twice@example.com").email == "twice@example.com"


def test_a_post_from_another_site_or_a_forged_link_changes_nothing(site):
    message = subscribed(site, "guarded@example.com")
    location, _ = open_manage(site, message)
    version = str(item_of("guarded@example.com").version)
    assert post(site, location, origin="https://evil.example", do="delete", version=version).status_code == 403
    forged = location.split("?t=")[0] + "?t=" + tokens.unsubscribe_token(subscribers.address_hash("guarded@example.com"))
    assert post(site, forged, do="delete", version=version).status_code == 400  # another purpose's token
    assert site.get(path_of(forged)).status_code == 400
    assert item_of("guarded@example.com").state == "active"


def test_delete_asks_first_then_keeps_only_the_hash_and_a_new_sign_up_may_bring_them_back(site):
    message = subscribed(site, "leaving@example.com")
    location, _ = open_manage(site, message)
    asked = site.get(path_of(location + "&delete=1"))
    assert asked.status_code == 200 and "Delete your data?" in text(asked)
    assert item_of("leaving@example.com").state == "active"  # asking deletes nothing
    done = post(site, location, do="delete", version=str(item_of("leaving@example.com").version))
    assert done.status_code == 200 and "Your data is deleted" in text(done)
    tombstone = item_of("leaving@example.com")
    assert (tombstone.state, tombstone.email, tombstone.newsletters, tombstone.consent) == ("deleted", "", [], None)
    assert [h["change"] for h in tombstone.history] == ["deleted"]
    assert "No subscription" in text(site.get(path_of(location)))
    assert json.loads(site.get(path_of(location.replace("manage/?", "manage/data/?"))).body) == {
        "deleted": True, "kept": "a hash of the address"}
    queued: list[str] = []
    assert sending.start(story("After the delete"), queued.append)[1] == 0  # out of the index, and its count
    assert subscribers.receivers("Daily briefing", "", 10)[0] == []
    press(site, link(message, "unsubscribe"), body="List-Unsubscribe=One-Click")  # an old e-mail's one click
    assert (item_of("leaving@example.com").state, item_of("leaving@example.com").email) == ("deleted", "")

    assert sign_up(site, "leaving@example.com").status_code == 200  # the reader themselves, double opt-in
    press(site, link(accepted("leaving@example.com")[-1], "confirm"))
    back = item_of("leaving@example.com")
    assert (back.state, back.email) == ("active", "leaving@example.com")
    assert subscribers.receiving_count("Daily briefing") == 1


def test_a_pending_reader_choosing_from_the_confirmation_e_mails_manage_link_is_confirmed(site):
    assert sign_up(site, "pending@example.com").status_code == 200
    [message] = accepted("pending@example.com")
    location, shown = open_manage(site, message)
    assert "Waiting for you to confirm" in shown and "not yet" in shown
    saved = post(site, location, do="save", version=str(item_of("pending@example.com").version),
                 newsletter="Daily briefing")
    assert saved.status_code == 200
    item = item_of("pending@example.com")
    assert (item.state, item.newsletters, item.nonce) == ("active", ["Daily briefing"], None)
    assert item.consent["confirmed"] and item.history[-1]["change"] == "confirmed"
