"""Newsletters at scale (issue 47): who receives a list without a Scan, the fan-out planned in the
sender function, SES's rate and throttling, pause / resume / cancel, and SES's events counted per send.

Observable results: the stored items (the index, the send's record), the e-mails moto's SES accepted.
"""

from __future__ import annotations

import json
import random
import time

import botocore.client
import pytest

from chalicelib import keys
from chalicelib.models import Delivery, Receiving, Subscriber
from chalicelib.newsletters import events, sending, subscribers
from tests.functional.test_newsletters import FakeQueue, active, batches, deliver, newsletters_to, story


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


# --- the fan-out: planned by the sender function, each reader once --------------------------------

def readers(count: int, prefix: str = "fan") -> list[str]:
    return [f"{prefix}{n}@example.com" for n in range(count) if active(f"{prefix}{n}@example.com")]


def copies(emails: list[str], subject: str) -> list[int]:
    return [len(newsletters_to(e, subject)) for e in emails]


@pytest.fixture
def small_steps(monkeypatch):
    """Plan steps of 7 readers in batches of 3, so a handful of readers makes many messages."""
    monkeypatch.setattr(sending, "PLAN_STEP", 7)
    monkeypatch.setattr(sending, "BATCH", 3)


def test_start_queues_one_plan_and_the_sender_pages_the_list_into_batches_each_reader_once(site, small_steps, aws_calls):
    emails = readers(20)
    queued = FakeQueue()
    aws_calls.clear()
    send_id, count = sending.start(story("Planned issue"), queued.append, started_by="Ed Itor")
    assert count == 20 and len(queued) == 1
    assert {op for _, op in aws_calls} <= {"Query", "TransactWriteItems"}  # the web function's part: quick
    plan = queued[0]
    outcomes = queued.drain()
    assert deliver(plan, queued) == sending.Outcome(duplicate=1) and queued == []  # a plan step twice: planned once
    assert sum(o.queued for o in outcomes) == 8  # 3 steps of 7, 7, 6 readers: 3 + 3 + 2 batches
    assert sum(o.sent for o in outcomes) == 20 and copies(emails, "Planned issue") == [1] * 20
    status = sending.status(send_id)
    assert (status.state, status.sent, status.recipients, status.started_by) == ("done", 20, 20, "Ed Itor")
    assert ("dynamodb", "Scan") not in aws_calls


def test_a_plan_step_that_crashed_before_queuing_everything_is_queued_again_by_its_redelivery(site, small_steps):
    emails = readers(10)
    queued = FakeQueue()
    send_id, _ = sending.start(story("Plan crash"), queued.append)
    plan = queued.pop(0)

    def crash(bodies, delay=0):
        queued.extend(bodies[:2])  # SQS took two messages, then the function died
        raise RuntimeError("Lambda timed out")

    with pytest.raises(RuntimeError):
        sending.deliver(plan, queue=crash, pace=sending.Pace(0))
    queued.append(plan)  # SQS delivers it again
    queued.drain()
    assert copies(emails, "Plan crash") == [1] * 10
    assert sending.status(send_id).state == "done"


def test_each_sender_keeps_to_its_share_of_the_rate_ses_reports(site, monkeypatch):
    emails = readers(6, "paced")
    queued = FakeQueue()
    sending.start(story("Paced issue"), queued.append)
    [body] = batches(queued)
    moment, slept = [1000.0], []

    def sleep(seconds):
        slept.append(seconds)
        moment[0] += seconds

    rate = sending.aws.sesv2_client().get_account()["SendQuota"]["MaxSendRate"]  # moto: 1 a second, as the sandbox
    monkeypatch.setattr(sending.mail, "_rate", [])
    monkeypatch.setattr(sending, "account_pace",
                        lambda: sending.Pace(sending.SENDERS / sending.mail.max_send_rate(), lambda: moment[0], sleep))
    assert sending.newsletters_queue_handler([{"messageId": "p", "body": body}], queue=queued) == {"batchItemFailures": []}
    assert copies(emails, "Paced issue") == [1] * 6
    assert slept == [pytest.approx(sending.SENDERS / rate)] * 5  # 6 sends: 5 waits of 5 senders / 1 a second


def throttling(monkeypatch, on_calls: set[int]) -> list[str]:
    """SES answers TooManyRequestsException to the calls numbered ``on_calls`` (from 1); the addresses asked."""
    real, asked = sending.mail.send, []

    def send(message, *tags):
        asked.append(str(message["To"]))
        if len(asked) in on_calls:
            raise sending.mail.aws.sesv2_client().exceptions.TooManyRequestsException(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}}, "SendEmail")
        return real(message, *tags)

    monkeypatch.setattr(sending.mail, "send", send)
    return asked


def test_a_throttled_batch_goes_back_to_the_queue_and_sends_only_what_it_had_not(site, monkeypatch):
    emails = readers(5, "throttled")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Throttled issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    asked = throttling(monkeypatch, {3})
    outcome = deliver(body, queued)
    assert (outcome.sent, outcome.requeued) == (2, 3)
    [rest] = queued
    assert json.loads(rest)["readers"] == json.loads(body)["readers"][2:]
    assert Delivery.get_or_none(*keys.delivery(send_id, json.loads(rest)["readers"][0])) is None  # its claim let go
    queued.drain()
    assert copies(emails, "Throttled issue") == [1] * 5 and len(asked) == 6
    assert sending.status(send_id).sent == 5


class Killed(BaseException):
    """The sender's Lambda was killed (a timeout, a lost instance): not an exception our code sees."""


@pytest.fixture
def killing(monkeypatch):
    """``kill(n, after_ses)``: the sender dies at SES's n-th SendEmail, before SES accepts it or just
    after; from then on no call the dead process would make reaches AWS (its ``finally`` counts none).
    ``revive()``: the next Lambda instance, whose calls go through."""
    original = botocore.client.BaseClient._make_api_call
    plan = {"at": 0, "after": False, "sends": 0, "dead": False}

    def call(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if plan["dead"]:
            raise Killed(operation_name)
        if operation_name == "SendEmail":
            plan["sends"] += 1
            if plan["sends"] == plan["at"]:
                plan["dead"] = True
                if plan["after"]:
                    original(self, operation_name, api_params)  # SES accepted it: the e-mail is gone
                raise Killed(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)

    class Control:
        @staticmethod
        def kill(at: int, after_ses: bool = False) -> None:
            plan.update(at=plan["sends"] + at, after=after_ses, dead=False)

        @staticmethod
        def revive() -> None:
            plan["dead"] = False

    return Control


def after_the_lease() -> float:
    """When SQS delivers a killed sender's message again: after its visibility timeout (1,800 s in
    infra/template.yaml), past the claim's lease."""
    return time.time() + sending.LEASE_SECONDS + 1


def test_a_sender_killed_midway_still_finishes_its_send_with_the_counts_of_what_readers_got(site, killing):
    emails = readers(6, "killed")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Killed issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    killing.kill(3)  # two e-mails went, the third reader's claim is left to its lease
    with pytest.raises(Killed):
        deliver(body, queued)
    killing.revive()
    later = after_the_lease()
    outcome = deliver(body, queued, now=lambda: later)
    assert (outcome.sent, outcome.duplicate) == (4, 2)
    assert copies(emails, "Killed issue") == [1] * 6
    status = sending.status(send_id)
    assert (status.state, status.sent, status.skipped) == ("done", 6, 0)


def test_a_batch_delivered_twice_counts_each_reader_once_the_one_who_left_too(site):
    emails = readers(5, "twice")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Twice issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    subscribers.unsubscribe(subscribers.address_hash(emails[1]), "one-click")  # left before the batch came
    first, second = deliver(body, queued), deliver(body, queued)
    assert (first.sent, first.skipped, second.sent, second.skipped, second.duplicate) == (4, 1, 0, 0, 5)
    assert copies(emails, "Twice issue") == [1, 0, 1, 1, 1]
    status = sending.status(send_id)
    assert (status.state, status.sent, status.skipped) == ("done", 4, 1)


def test_a_batch_delivered_twice_at_once_counts_each_reader_once_and_closes_when_both_end(site, monkeypatch, aws_calls):
    emails = readers(5, "together")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Together issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    real, seconds, started = sending.mail.send, [], []

    def second_delivery_meanwhile(message, *tags):
        if not started:  # while the first holds its first claim, SQS hands the message to another sender
            started.append(True)
            seconds.append(deliver(body, queued))
            status = sending.status(send_id)
            assert (status.state, status.sent) == ("sending", 4)  # one copy still claimed: not done yet
        return real(message, *tags)

    monkeypatch.setattr(sending.mail, "send", second_delivery_meanwhile)
    aws_calls.clear()
    first = deliver(body, queued)
    assert (first.sent, first.duplicate, seconds[0].sent, seconds[0].duplicate) == (1, 4, 4, 1)
    assert copies(emails, "Together issue") == [1] * 5
    status = sending.status(send_id)
    assert (status.state, status.sent, status.skipped) == ("done", 5, 0)
    assert aws_calls.count(("dynamodb", "Query")) == 2  # the copies counted when each delivery ended


def test_a_sender_killed_after_ses_took_the_e_mail_does_not_send_it_again_once_its_send_event_came(site, killing):
    emails = readers(4, "accepted")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Accepted issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    killing.kill(2, after_ses=True)  # SES took the second e-mail; its copy was never marked sent
    with pytest.raises(Killed):
        deliver(body, queued)
    killing.revive()
    hashed = json.loads(body)["readers"][1]  # the batch's second reader
    assert Delivery.get(*keys.delivery(send_id, hashed)).state == "claimed"

    # SES's events (configuration set -> SNS -> SQS) reach the events function, in any order, twice.
    published = site.receive(site.stack.newsletter_events_queue_url)
    kinds = sorted(json.loads(m["Body"])["eventType"] for m in published)
    assert kinds == ["Delivery", "Delivery", "Send", "Send"]
    for order in (published[::-1], published):
        assert site.invoke(order, "newsletter_events") == {"batchItemFailures": []}
    copy = Delivery.get(*keys.delivery(send_id, hashed))
    accepted = [m for m in published if json.loads(m["Body"])["eventType"] == "Send"
                and json.loads(m["Body"])["mail"]["tags"]["reader"] == [hashed]]
    assert (copy.state, copy.message_id) == ("sent", json.loads(accepted[0]["Body"])["mail"]["messageId"])

    later = after_the_lease()
    outcome = deliver(body, queued, now=lambda: later)  # SQS delivers it again: it sends the rest only
    assert (outcome.sent, outcome.duplicate) == (2, 2)
    assert copies(emails, "Accepted issue") == [1, 1, 1, 1]
    status = sending.status(send_id)
    assert (status.state, status.sent, status.delivered) == ("done", 4, 2)


def test_a_send_event_marks_only_a_claimed_copy_of_its_own_send_and_reader(site):
    emails = readers(2, "tagged")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Tagged issue"), queued.append)
    queued.drain()
    hashed = subscribers.address_hash(emails[0])
    sent = Delivery.get(*keys.delivery(send_id, hashed))

    def send_event(tags: dict[str, list[str]]) -> dict:
        body = json.dumps({"eventType": "Send", "mail": {"messageId": "other-id", "tags": tags}, "send": {}})
        return {"messageId": "s1", "body": json.dumps({"Type": "Notification", "Message": body})}

    forged = [send_event({"send": [send_id], "reader": [hashed]}),  # a copy marked sent already
              send_event({"send": [send_id], "reader": ["f" * 64]}),  # no copy for this reader
              send_event({"send": ["not-a-send"], "reader": [hashed]}),
              send_event({"send": [send_id]})]  # no reader tag: an older e-mail
    assert events.newsletter_events_queue_handler(forged) == {"batchItemFailures": []}
    assert Delivery.get(*keys.delivery(send_id, hashed)).message_id == sent.message_id
    assert Delivery.get_or_none(*keys.delivery(send_id, "f" * 64)) is None
    assert sending.status(send_id).sent == 2


def test_a_paused_send_holds_its_batches_until_resumed_and_a_cancelled_one_drops_them(site, small_steps):
    emails = readers(9, "paused")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Paused issue"), queued.append)
    assert sending.pause(send_id, "Ed Itor").state == "paused"
    assert queued.drain() == [sending.Outcome()]  # the plan step, held
    assert sending.status(send_id).sent == 0 and copies(emails, "Paused issue") == [0] * 9
    with pytest.raises(sending.SendStateError, match="This send is paused"):
        sending.pause(send_id, "Ed Itor")
    assert sending.resume(send_id, "Ed Itor", queued.append).state == "sending"
    assert len(queued) == 1
    batches(queued)  # 7 readers, then 2: batches of 3, 3, 1 and 2
    deliver(queued.pop(0), queued)
    sending.pause(send_id, "Ed Itor")
    assert [o.held for o in queued.drain()] == [3, 1, 2]
    sending.resume(send_id, "Ed Itor", queued.append)
    queued.drain()
    assert copies(emails, "Paused issue") == [1] * 9 and sending.status(send_id).state == "done"

    cancelled, _ = sending.start(story("Cancelled issue"), queued.append)
    batches(queued)
    deliver(queued.pop(0), queued)
    assert sending.cancel(cancelled, "Ed Itor").state == "cancelled"
    assert [o.dropped for o in queued.drain()] == [3, 1, 2]
    assert sorted(copies(emails, "Cancelled issue")) == [0] * 6 + [1] * 3
    with pytest.raises(sending.SendStateError, match="cancelled"):
        sending.resume(cancelled, "Ed Itor", queued.append)
    with pytest.raises(sending.UnknownSend):
        sending.status("no-such-send")


def test_a_pause_stops_a_running_batch_and_keeps_the_rest(site, monkeypatch):
    emails = readers(sending.CHECK_EVERY + 5, "midway")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Midway issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    real, asked = sending.mail.send, []

    def pause_on_third(message, *tags):
        asked.append(message["To"])
        if len(asked) == 3:
            sending.pause(send_id, "Ed Itor")
        return real(message, *tags)

    monkeypatch.setattr(sending.mail, "send", pause_on_third)
    outcome = deliver(body, queued)
    assert (outcome.sent, outcome.held) == (sending.CHECK_EVERY, 5)
    assert queued == []  # held in the table, not in the queue
    sending.resume(send_id, "Ed Itor", queued.append)
    queued.drain()
    assert copies(emails, "Midway issue") == [1] * len(emails)


def test_a_send_paused_as_its_last_batch_ended_is_closed_when_resumed(site, monkeypatch):
    emails = readers(3, "lastpaused")
    queued = FakeQueue()
    send_id, _ = sending.start(story("Last paused issue"), queued.append)
    [body] = batches(queued)
    queued.clear()
    real, asked = sending.mail.send, []

    def pause_on_last(message, *tags):
        asked.append(message["To"])
        if len(asked) == 3:  # the batch is too short to look at the state again: it ends, paused
            sending.pause(send_id, "Ed Itor")
        return real(message, *tags)

    monkeypatch.setattr(sending.mail, "send", pause_on_last)
    assert deliver(body, queued).sent == 3 and queued == []
    assert sending.status(send_id).state == "paused"
    assert sending.resume(send_id, "Ed Itor", queued.append).state == "sending"
    assert [json.loads(b) for b in queued] == [{"send": send_id, "close": True}]  # for the sender function
    assert sending.status(send_id).state == "sending"
    queued.drain()
    status = sending.status(send_id)
    assert (status.state, status.sent) == ("done", 3) and copies(emails, "Last paused issue") == [1] * 3


def test_recent_lists_the_sends_newest_first_by_one_query(site, aws_calls):
    active("listed@example.com")
    queued = FakeQueue()
    ids = []
    for n in range(3):
        ids.append(sending.start(story(f"Issue {n}"), queued.append)[0])
        time.sleep(1.01)  # created is to the second
    aws_calls.clear()
    listed = sending.recent(limit=2)
    assert [s.send_id for s in listed] == ids[::-1][:2] and [s.subject for s in listed] == ["Issue 2", "Issue 1"]
    assert listed[0].recipients == 1 and listed[0].state == "sending"
    assert [op for _, op in aws_calls] == ["Query", "BatchGetItem"]


# --- SES's events: configuration set -> SNS -> SQS -> newsletter_events ---------------------------

def test_ses_events_suppress_and_count_on_their_send_once_and_an_unsubscribe_counts_too(site):
    from tests.functional.test_newsletters import link, press

    emails = readers(3, "counted") + ["bounce@simulator.amazonses.com", "complaint@simulator.amazonses.com"]
    for simulated in emails[3:]:
        active(simulated)
    queued = FakeQueue()
    send_id, count = sending.start(story("Counted issue"), queued.append)
    queued.drain()
    assert count == 5 and sending.status(send_id).sent == 5

    # SES published an event per recipient (moto: devstack.moto_gaps) to the topic, which queued it.
    events_queued = site.receive(site.stack.newsletter_events_queue_url)
    assert sorted(json.loads(m["Body"])["eventType"] for m in events_queued) == [
        "Bounce", "Complaint"] + ["Delivery"] * 3 + ["Send"] * 5
    assert site.invoke(events_queued, "newsletter_events") == {"batchItemFailures": []}
    assert site.invoke(events_queued, "newsletter_events") == {"batchItemFailures": []}  # SQS delivers at least once
    status = sending.status(send_id)
    assert (status.sent, status.delivered, status.bounced, status.complained) == (5, 3, 1, 1)
    states = [Subscriber.get(*keys.subscriber(subscribers.address_hash(e))).state for e in emails[3:]]
    assert states == ["bounced", "complained"] and subscribers.receiving_count("Daily briefing") == 3

    [got] = newsletters_to(emails[0], "Counted issue")
    one_click = got["headers"]["List-Unsubscribe"].strip("<>")
    assert one_click == link(got, "unsubscribe").replace("&amp;", "&") and f"&s={send_id}" in one_click
    for _ in range(2):  # pressed twice: counted once
        assert press(site, one_click, body="List-Unsubscribe=One-Click", origin=None).status_code == 200
    assert sending.status(send_id).unsubscribed == 1
    assert subscribers.receiving_count("Daily briefing") == 2
    forged = one_click.replace(f"&s={send_id}", "&s=another-send")
    assert press(site, forged, body="List-Unsubscribe=One-Click", origin=None).status_code == 200
    assert sending.status(send_id).unsubscribed == 1


def test_a_queue_message_that_is_not_an_ses_event_is_dropped_and_named(site, caplog):
    records = [{"messageId": "e1", "body": "not json"}, {"messageId": "e2", "body": json.dumps({"hello": 1})},
               {"messageId": "e3", "body": json.dumps({"Type": "Notification", "Message": json.dumps(
                   {"eventType": "Delivery", "mail": {"tags": {"send": ["no-such-send"]}},
                    "delivery": {"recipients": ["nobody@example.com"]}})})}]
    assert events.newsletter_events_queue_handler(records) == {"batchItemFailures": []}
    assert "SES event e1 dropped: not an SES event" in caplog.text and "SES event e2 dropped" in caplog.text


def test_the_benchs_chaos_run_sends_each_reader_exactly_once(site):
    """``make bench-send``'s chaos run (bench/send.py) on a few readers: duplicated, reordered,
    throttled and killed deliveries, and still one e-mail each in moto's SES, and a send that is done
    and counts each reader who got it once."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    bench = pytest.importorskip("send")
    result = bench.chaos(120, seed=3, duplicate=0.3, throttle=0.1, crash=0.3, newsletter="Chaos test")
    assert (result["duplicates"], result["missed"]) == (0, 0)
    assert result["recipients"] == result["received"] == result["copies_counted"] == 120
    assert (result["state"], result["sent"], result["skipped"]) == ("done", 120, 0)  # what the desk shows
    assert {"throttled", "delivered twice", "killed after a claim", "killed after SES took the e-mail"} <= set(
        result["faults"])  # each fault happened


def test_the_sender_and_events_functions_in_app_send_through_their_own_queues(site, monkeypatch):
    """app.py's ``newsletters`` and ``newsletter_events``, fed from the stack's queues as Lambda feeds them."""
    monkeypatch.setattr(sending, "account_pace", lambda: sending.Pace(0))  # moto's SES: 1 a second
    emails = readers(3, "wired")
    send_id, count = sending.start(story("Wired issue"), lambda body: sending.sqs_queue([body]), started_by="Ed Itor")
    rounds = 0
    while messages := site.receive(site.stack.newsletters_queue_url):
        assert site.invoke(messages, "newsletters") == {"batchItemFailures": []}
        rounds += 1
    assert rounds == 2  # the plan step, then the batch it queued
    assert site.invoke(site.receive(site.stack.newsletter_events_queue_url), "newsletter_events") == {
        "batchItemFailures": []}
    assert copies(emails, "Wired issue") == [1, 1, 1]
    status = sending.status(send_id)
    assert (status.state, status.sent, status.delivered, status.started_by) == ("done", 3, 3, "Ed Itor")
    assert [s.send_id for s in sending.recent()] == [send_id]
