"""Newsletters at scale (issue 47): who receives a list without a Scan, the fan-out planned in the
sender function, SES's rate and throttling, pause / resume / cancel, and SES's events counted per send.

Observable results: the stored items (the index, the send's record), the e-mails moto's SES accepted.
"""

from __future__ import annotations

import random
import time

import botocore.client
import pytest

from chalicelib import keys
from chalicelib.models import Receiving, Subscriber
from chalicelib.newsletters import events, subscribers
from tests.functional.test_newsletters import active


@pytest.fixture
def aws_calls(monkeypatch):
    """Every AWS operation made while the test runs, as (service, operation)."""
    calls: list[tuple[str, str]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


def all_receivers(newsletter: str, page: int) -> list[str]:
    found, cursor = [], ""
    while cursor is not None:
        got, cursor = subscribers.receivers(newsletter, cursor, limit=page)
        assert len(got) <= page
        found += got
    return found


def test_the_index_follows_every_change_of_every_subscriber_and_is_read_without_a_scan(site, aws_calls):
    rng = random.Random(47)
    lists = ("Daily briefing", "Breaking news")
    expected: dict[str, set[str]] = {name: set() for name in lists}
    emails = [f"r{n}@example.com" for n in range(40)]
    for email in emails:
        hashed = active(email, tuple(n for n in lists if rng.random() < 0.7) or lists[:1])
        expected_lists = Subscriber.get(*keys.subscriber(hashed)).newsletters
        for name in expected_lists:
            expected[name].add(hashed)
    for email in rng.sample(emails, 10):  # some leave, some are suppressed by SES
        hashed = subscribers.address_hash(email)
        if rng.random() < 0.5:
            subscribers.unsubscribe(hashed, "one-click")
        else:
            events.suppress(hashed, "complained")
        for name in lists:
            expected[name].discard(hashed)
    back = next(e for e in emails if all(subscribers.address_hash(e) not in v for v in expected.values())
                and Subscriber.get(*keys.subscriber(subscribers.address_hash(e))).state == "unsubscribed")
    consent = subscribers.Consent("subscribe-page", "w", "0" * 20, ("Breaking news",))
    nonce = subscribers.sign_up(back, consent, now=time.time() + subscribers.CONFIRMATION_EVERY_SECONDS)
    assert nonce
    subscribers.confirm(subscribers.address_hash(back), nonce)  # signs up again and confirms
    expected["Breaking news"].add(subscribers.address_hash(back))
    subscribers.sign_up("pending@example.com", subscribers.Consent("subscribe-page", "w", "0" * 20, lists))

    aws_calls.clear()
    for name in lists:
        assert subscribers.receiving_count(name) == len(expected[name]) > 0
        assert all_receivers(name, page=7) == sorted(expected[name])
        assert [s.email for s in subscribers.receiving(name)] == [
            Subscriber.get(*keys.subscriber(h)).email for h in sorted(expected[name])]
    assert ("dynamodb", "Scan") not in aws_calls
    stored = {(item.pk, item.sk) for item in Receiving.scan(Receiving.pk.startswith("receiving#"))}
    assert stored == {keys.receiving(name, h) for name in lists for h in expected[name]}


def test_a_write_that_lost_a_race_changes_neither_the_subscriber_nor_the_index(site):
    hashed = active("racing@example.com")
    first, second = Subscriber.get(*keys.subscriber(hashed)), Subscriber.get(*keys.subscriber(hashed))
    first.state, first.newsletters = "unsubscribed", []
    assert subscribers.saved(first, int(first.version))
    second.newsletters = ["Daily briefing", "Breaking news"]  # read before the unsubscribe: refused
    assert not subscribers.saved(second, int(second.version))
    assert subscribers.receiving_count("Daily briefing") == subscribers.receiving_count("Breaking news") == 0
    assert all_receivers("Daily briefing", page=5) == []
