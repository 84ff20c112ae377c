"""Sending a newsletter to its active readers, each reader once, through an SQS fan-out at SES's rate.

``start`` (the desk's web function: a few quick writes and one SendMessage, whatever the list's
size) records the send (``models.NewsletterIssue``: the e-mail rendered once, a conditional write, so
a send started twice with one id is one send; and its entry in the list of sends) and queues one
*plan* message. The sender function does the rest; each queue message is one of:

- a plan step: pages up to ``PLAN_STEP`` readers of the index (``subscribers.receivers``), queues
  them as batches of ``BATCH`` and queues the next step. The send's record says which step is due
  (``plan_cursor``): a step delivered twice is planned once; a step that crashed after taking its
  turn and before queuing everything (``plan_queued`` false) is queued again by its redelivery.
- a close: ``resume`` queues one once the plan is done, for a send paused as its last batch ended
  (below, Counts).
- a batch: for each reader, ``deliver``
  1. reads the subscriber: no longer active, or no longer on this newsletter: the copy
     (``models.Delivery``) is written ``skipped``;
  2. else claims the reader's copy, a conditional put: it succeeds only if nobody took it, or a claim
     older than ``LEASE_SECONDS`` was left by a crash (a skip is the same conditional put);
  3. waits for its turn (``Pace``: each of the ``SENDERS`` functions keeps to its share of the
     account's rate, read from SES's ``GetAccount``), asks SES to send, tagged with the send and the
     reader, and marks the copy sent (``mark_sent``: conditional on its own claim).

A duplicate batch, or a plan step queuing a batch again, finds each copy taken and sends nothing:
exactly once per reader rests on the claim alone. SES throttling the account: the claim of the reader
SES refused is let go and the rest of the batch goes back to the queue, a few seconds later, as a new
message (it sends only what it had not).

A sender killed after SES accepted an e-mail and before marking its copy leaves the copy claimed;
SES has no idempotency key, so a redelivery after the lease would send it again. SES closes most of
that window itself: the configuration set publishes a ``Send`` event for each e-mail it accepted ("the
send request was successful and SES will attempt to deliver the message", MatchingEventTypes SEND:
docs.aws.amazon.com/ses/latest/APIReference-V2/API_EventDestination.html; infra/template.yaml has
``send``), carrying the message's tags (``mail.tags``: docs.aws.amazon.com/ses/latest/dg/
event-publishing-send-email.html, .../event-publishing-retrieving-sns-contents.html), and the events
function (``events.accepted``) marks a still-claimed copy sent, so the batch's redelivery, which takes
over only a copy still claimed, leaves it. What remains: the Send event not yet applied when the batch
comes back (SQS redelivers after the queue's visibility timeout, 1,800 s; SES, SNS and the events
queue take seconds, unless the events function is failing or backed up for that long, or SES's
publishing lost the event), and a sender slower than the lease without being dead (an SES call of
over five minutes): then that reader gets the e-mail twice, never none.

Counts. Each batch, as it ends, adds to the send's record what it did (``_count``, one UpdateItem):
``sent``, ``skipped``, ``processed`` (the two), and ``found`` (copies it found taken: a duplicate's,
or a redelivery's after a crash). That is the progress the desk shows while sending, and it can fall
short: a killed sender's additions are lost (its copies are then *found* by the redelivery, not
counted again). So the counts that stand are read from the copies, the source of truth: once
``processed`` + ``found`` reaches the readers planned (every reader adds one to it, by the batch that
sent or skipped it or by the redelivery that found it), ``_close`` counts the copies by state (one
paged Query of the send's copies, ``copy_states``: ~0.04 read units a reader, once a send in the usual
case); if every planned reader's copy is sent or skipped, it sets ``sent``, ``skipped`` and
``processed`` to those numbers and the state to done, in one conditional update. A batch's addition
after that is refused, so the counts stay exact under duplicate, concurrent, killed and throttled
deliveries. If some copies are still open (a concurrent duplicate still running, a killed sender's
claims waiting for their redelivery), ``recheck_at`` says how far ``processed`` + ``found`` must grow
before the copies are counted again (by as many as are open), so a send is counted a few times at
most, never once per batch. A copy SES's Send event marked counts as sent, as the reader got it.

A send can also be recorded ahead of its moment (``schedule``: state ``scheduled``, listed and
cancellable on the desk): a scheduled digest (``digests.py``), whose EventBridge Scheduler schedule
puts a ``SCHEDULED_TAG`` message on this queue at its time; the sender function hands it to
``scheduled`` (``digests.due``), which composes the e-mail and calls ``start_scheduled``: the same
record, now ``sending``, and its first plan step. Delivered twice, or after a cancel, it starts nothing.

The send's record also keeps its state (``scheduled``, ``sending``, ``paused``, ``cancelled``, ``done``), who started
and changed it, and its counters: ``sent`` and ``skipped`` (above), ``delivered``, ``bounced``,
``complained`` by SES's events (``events.py``), each an atomic ADD once per reader. A batch or plan
step arriving while the send is paused is held (``HeldBatch``) and queued again by ``resume`` (with
a close message, as a send paused just as its last batch ended has no batch left to close it); while
cancelled, dropped (a cancelled send keeps the counts its batches added). A batch looks at the state
again every ``CHECK_EVERY`` readers, so a pause or a cancel stops a running batch too.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from botocore.exceptions import ClientError
from markupsafe import Markup, escape
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, clock, config, keys, models, retry
from chalicelib.models import Delivery, HeldBatch, NewsletterIssue, SendListed
from chalicelib.newsletters import SENDERS, mail, subscribers, tokens

log = logging.getLogger("newsroom.newsletters")

BATCH = 50  # readers per queue message: at 14 e-mails a second shared by 5 senders, ~18 s of sending
PLAN_STEP = 20_000  # readers per plan step: 400 batches, 40 SendMessageBatch calls, a few seconds
LEASE_SECONDS = 300  # a claim this old was left by a sender that crashed: another may take it over
CHECK_EVERY = 10  # readers between two looks at the send's state (a pause or a cancel stops a batch)
THROTTLED_DELAY_SECONDS = 2  # a throttled batch's rest waits this long in the queue
UNSUBSCRIBE_MARK = "%%UNSUBSCRIBE_URL%%"  # where each reader's own unsubscribe address goes
PLAN_START, PLAN_DONE = "start", "done"  # a plan cursor before the first reader, and after the last
STATES = ("scheduled", "sending", "paused", "cancelled", "done")
SCHEDULED_TAG = "newsroom-digest"  # a scheduled send's moment on the queue: {"newsroom-digest": {"send": <id>}}
SEND_ID = re.compile(r"^[0-9a-f]{16,64}$")  # what ``start`` and ``schedule`` make (the desk's send token)
SQS_BATCH = 10  # SendMessageBatch's limit

Queue = Callable[[list[str], int], None]  # queue these message bodies, delayed this many seconds
Scheduled = Callable[[str, Callable[[str], None]], "int | None"]  # a scheduled send's moment (digests.due)


@dataclass(frozen=True)
class Issue:
    """What one send delivers: rendered once, with ``UNSUBSCRIBE_MARK`` where each reader's link goes."""

    newsletter: str
    subject: str
    site_name: str
    site_url: str  # the site's address (origin and base), for the unsubscribe links
    text: str
    html: str


@dataclass(frozen=True)
class Outcome:
    """What one queue message did: readers sent now, already sent or claimed (a duplicate), skipped
    (no longer receiving), held (paused), dropped (cancelled), put back (throttled); batches queued."""

    sent: int = 0
    duplicate: int = 0
    skipped: int = 0
    held: int = 0
    dropped: int = 0
    requeued: int = 0
    queued: int = 0


@dataclass(frozen=True)
class SendStatus:
    """A send as the desk shows it: what, to how many, its state, and what happened so far."""

    send_id: str
    newsletter: str
    subject: str
    recipients: int  # active readers when it started
    created: str  # ISO time, UTC
    state: str  # scheduled, sending, paused, cancelled, done
    started_by: str | None
    sent: int
    delivered: int
    bounced: int
    complained: int
    unsubscribed: int
    skipped: int  # readers who left before their batch came


class UnknownSend(LookupError):
    """No send has this id."""


class SendStateError(ValueError):
    """The send is not in a state that allows this (pausing a finished send, resuming a cancelled one)."""


class Pace:
    """Keeps one sender to its share of the account's rate: ``interval`` seconds between two sends."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval, self.clock, self.sleep = interval, clock, sleep
        self.next = 0.0

    def wait(self) -> None:
        """Return when the next send is due."""
        now = self.clock()
        if self.next > now:
            self.sleep(self.next - now)
            now = self.next
        self.next = now + self.interval


def account_pace() -> Pace:
    """This sender's pace: SES's rate shared by ``SENDERS`` senders. One per process (a Lambda instance
    runs one batch at a time), kept from batch to batch so that the rate holds across them too."""
    interval = SENDERS / mail.max_send_rate()
    if not _paces:
        _paces.append(Pace(interval))
    _paces[0].interval = interval
    return _paces[0]


_paces: list[Pace] = []


def start(issue: Issue, enqueue: Callable[[str], None], send_id: str | None = None, *,
          started_by: str | None = None) -> tuple[str, int]:
    """Record the send and queue its first plan step (``enqueue`` sends one message body to the
    newsletters queue); (send id, readers it goes to as it starts). The batches are planned by the
    sender function, so this is two writes and one message whatever the list's size.

    :raise ValueError: a send with this id was started already.
    """
    send_id = send_id or secrets.token_hex(8)
    recipients = subscribers.receiving_count(issue.newsletter)
    _record(NewsletterIssue(*keys.newsletter_issue(send_id), newsletter=issue.newsletter, subject=issue.subject,
                            content=_content(issue), recipients=recipients, created=clock.now_iso(),
                            started_by=started_by, state="sending", plan_cursor=PLAN_START))
    enqueue(_plan_body(send_id, PLAN_START))
    return send_id, recipients


def schedule(newsletter: str, subject: str, content: dict[str, str], started_by: str | None) -> str:
    """Record a send that starts later (state ``scheduled``: listed, cancellable; ``content`` is what
    its composer needs at its moment, ``subject`` what the desk shows meanwhile); its id."""
    send_id = secrets.token_hex(8)
    _record(NewsletterIssue(*keys.newsletter_issue(send_id), newsletter=newsletter, subject=subject, content=content,
                            recipients=0, created=clock.now_iso(), started_by=started_by, state="scheduled",
                            plan_cursor=PLAN_START))
    return send_id


def start_scheduled(send_id: str, compose: Callable[[str, dict[str, str]], Issue | None],
                    enqueue: Callable[[str], None], why: str) -> int | None:
    """A scheduled send's moment: ``compose`` (given the newsletter and the content ``schedule`` kept)
    makes the e-mail, sent under the send's id to the readers as they are now; with no e-mail, the send
    is closed as done (``why``). The readers, or None if nothing was started: cancelled, or started
    already (a moment delivered again after a crash, before the first plan step ran, queues that step
    again: it plans once)."""
    record = NewsletterIssue.get_or_none(*keys.newsletter_issue(send_id), consistent_read=True)
    if record is None:
        return None
    if record.state == "sending" and record.plan_cursor == PLAN_START and record.plan_step is None:
        enqueue(_plan_body(send_id, PLAN_START))
        return int(record.recipients)
    if record.state != "scheduled":
        return None
    issue = compose(record.newsletter, dict(record.content or {}))
    if issue is None:
        try:
            _change(send_id, "schedule", "done", ("scheduled",), note=why)
        except SendStateError:
            pass  # cancelled meanwhile
        return None
    recipients = subscribers.receiving_count(issue.newsletter)
    try:
        record.update(actions=[NewsletterIssue.subject.set(issue.subject), NewsletterIssue.content.set(_content(issue)),
                               NewsletterIssue.recipients.set(recipients), NewsletterIssue.state.set("sending")],
                      condition=NewsletterIssue.state == "scheduled")
    except UpdateError as exc:
        if retry.condition_failed(exc):
            return None  # cancelled, or started by another delivery of this moment, meanwhile
        raise
    enqueue(_plan_body(send_id, PLAN_START))
    return recipients


def _content(issue: Issue) -> dict[str, str]:
    return {"site_name": issue.site_name, "site_url": issue.site_url, "text": issue.text, "html": issue.html}


def _record(record: NewsletterIssue) -> None:
    """Write a new send and its entry in the list of sends. :raise ValueError: the id is taken."""
    send_id = keys.send_of(record.pk)
    try:
        with TransactWrite(connection=aws.dynamodb_connection()) as txn:
            txn.save(record, condition=NewsletterIssue.pk.does_not_exist())
            txn.save(SendListed(*keys.send_listed(record.created, send_id), send_id=send_id))
    except TransactWriteError as exc:
        if retry.condition_failed(exc):
            raise ValueError(f"send {send_id} was started already") from None
        raise


def deliver(body: str, now: Callable[[], float] = time.time, queue: Queue | None = None,
            pace: Pace | None = None) -> Outcome:
    """Do what one queue message says (a plan step or a batch), each reader at most once however
    often it arrives; ``queue`` takes what it queues (default: the newsletters queue), ``pace``
    spaces the sends (default: this sender's share of SES's rate)."""
    message = json.loads(body)
    send_id = str(message["send"])
    record = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True)
    queue = sqs_queue if queue is None else queue
    readers = _hashes(message.get("readers", []))
    if record.state == "cancelled":
        return Outcome(dropped=len(readers))
    if record.state == "paused":
        _hold(send_id, body, queue)
        return Outcome(held=len(readers))
    if "plan" in message:
        return _plan(record, str(message["plan"]), queue)
    if message.get("close") is True:
        _finish_if_done(record)
        return Outcome()
    return _batch(record, readers, now, queue, pace)


def newsletters_queue_handler(sqs_messages: Iterable[dict[str, Any]], queue: Queue | None = None,
                              scheduled: Scheduled | None = None) -> dict[str, list[dict[str, str]]]:
    """The sender function: each queue message a plan step, a batch, or a scheduled send's moment
    (``SCHEDULED_TAG``), which ``scheduled`` starts (``digests.due``: app.py passes it). A message AWS
    failed (a timeout, DynamoDB throttling) goes back to the queue to be delivered again, which sends
    only what it had not; a message that is not one of ours is logged and dropped, never retried."""
    failures = []
    for record in sqs_messages:
        try:
            if (moment := _scheduled(record["body"])) and scheduled is not None:
                sending_to = scheduled(moment, lambda body: (queue or sqs_queue)([body], 0))
                log.info("scheduled send %s: %s", moment, "nothing to start" if sending_to is None
                         else f"started for {sending_to} readers")
                continue
            outcome = deliver(record["body"], queue=queue)
        except (ValueError, KeyError, TypeError, NewsletterIssue.DoesNotExist) as exc:
            log.error("newsletter message %s dropped: not a message of a known send (%s)", record.get("messageId"), exc)
            continue
        except Exception:  # noqa: BLE001 - anything else is AWS failing: the queue delivers it again
            log.exception("newsletter message %s failed; it will be delivered again", record.get("messageId"))
            failures.append({"itemIdentifier": str(record.get("messageId", ""))})
            continue
        log.info("newsletter message %s: %s", record.get("messageId"), outcome)
    return {"batchItemFailures": failures}


def _scheduled(body: str) -> str:
    """The send a scheduled moment's message names ("" for any other message)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    named = data.get(SCHEDULED_TAG) if isinstance(data, dict) else None
    send_id = str(named.get("send", "")) if isinstance(named, dict) else ""
    return send_id if SEND_ID.match(send_id) else ""


def enqueue(body: str) -> None:
    """Put one message on the newsletters queue (the desk starting or resuming a send)."""
    sqs_queue([body])


def sqs_queue(bodies: list[str], delay: int = 0) -> None:
    """Queue message bodies on the newsletters queue, ten a call (SendMessageBatch)."""
    if not bodies:
        return
    sqs = aws.sqs_client()
    url = sqs.get_queue_url(QueueName=config.current().newsletters_queue)["QueueUrl"]
    for first in range(0, len(bodies), SQS_BATCH):
        entries = [{"Id": str(n), "MessageBody": body, "DelaySeconds": delay}
                   for n, body in enumerate(bodies[first:first + SQS_BATCH])]
        answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        if answer.get("Failed"):
            raise RuntimeError(f"SQS refused {len(answer['Failed'])} newsletter messages: {answer['Failed'][0]}")


# --- the desk's view and controls ----------------------------------------------------------------

def status(send_id: str) -> SendStatus:
    """Where a send is (1 GetItem).

    :raise UnknownSend: no send has this id.
    """
    record = NewsletterIssue.get_or_none(*keys.newsletter_issue(send_id), consistent_read=True) \
        if SEND_ID.match(send_id) else None
    if record is None:
        raise UnknownSend(send_id)
    return _status(send_id, record)


def recent(limit: int = 20) -> list[SendStatus]:
    """The newest ``limit`` sends, newest first (one Query, one BatchGetItem)."""
    listed = models.read_range(SendListed, keys.SENDS_PK, "<", "~", limit=limit)
    found = models.get_each({keys.newsletter_issue(e.send_id): NewsletterIssue for e in listed})
    return [_status(e.send_id, found[keys.newsletter_issue(e.send_id)]) for e in listed
            if keys.newsletter_issue(e.send_id) in found]


def pause(send_id: str, who: str) -> SendStatus:
    """Stop sending until ``resume``: batches that come meanwhile are held, none lost.

    :raise SendStateError: the send is not sending. :raise UnknownSend: no such send.
    """
    _change(send_id, who, "paused", ("sending",))
    return status(send_id)


def resume(send_id: str, who: str, enqueue: Callable[[str], None]) -> SendStatus:
    """Send again what a pause held (``enqueue`` sends one message body to the newsletters queue).

    :raise SendStateError: the send is not paused. :raise UnknownSend: no such send.
    """
    _change(send_id, who, "sending", ("paused",))

    def each(bodies: list[str], delay: int) -> None:
        for body in bodies:
            enqueue(body)

    _release_held(send_id, each)
    record = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True)
    if record.plan_cursor == PLAN_DONE:  # perhaps paused as its last batch ended: the sender function closes it
        enqueue(json.dumps({"send": send_id, "close": True}))
    return _status(send_id, record)


def cancel(send_id: str, who: str) -> SendStatus:
    """Stop the send for good: what is left of it is dropped (what was sent stays sent).

    A scheduled send is cancelled before its moment (which then starts nothing).

    :raise SendStateError: the send is done or cancelled already. :raise UnknownSend: no such send.
    """
    _change(send_id, who, "cancelled", ("scheduled", "sending", "paused"))
    for held in models.read_range(HeldBatch, keys.held_pk(send_id), ">=", "0", limit=10_000, newest_first=False):
        held.delete()
    return status(send_id)


def _status(send_id: str, record: NewsletterIssue) -> SendStatus:
    return SendStatus(send_id=send_id, newsletter=record.newsletter, subject=record.subject,
                      recipients=int(record.recipients), created=record.created, state=record.state,
                      started_by=record.started_by, sent=int(record.sent or 0), delivered=int(record.delivered or 0),
                      bounced=int(record.bounced or 0), complained=int(record.complained or 0),
                      unsubscribed=int(record.unsubscribed or 0), skipped=int(record.skipped or 0))


def _change(send_id: str, who: str, state: str, allowed: tuple[str, ...], note: str = "") -> None:
    record = NewsletterIssue(*keys.newsletter_issue(send_id))
    condition = NewsletterIssue.pk.exists() & NewsletterIssue.state.is_in(*allowed)
    change = {"who": who, "state": state, "at": clock.now_iso(), **({"note": note} if note else {})}
    try:
        record.update(actions=[NewsletterIssue.state.set(state), NewsletterIssue.changed_by.set(change)],
                      condition=condition)
    except UpdateError as exc:
        if not retry.condition_failed(exc):
            raise
        now = status(send_id)  # :raise UnknownSend:
        raise SendStateError(f"This send is {now.state}: it cannot be {_WORDS.get(state, state)}.") from None


_WORDS = {"paused": "paused", "sending": "resumed", "cancelled": "cancelled", "done": "closed"}


# --- planning: the index paged into batches ------------------------------------------------------

def _plan(record: NewsletterIssue, cursor: str, queue: Queue) -> Outcome:
    """One plan step: queue the batches of up to ``PLAN_STEP`` readers after ``cursor``, and the next step."""
    send_id = keys.send_of(record.pk)
    after = "" if cursor == PLAN_START else cursor
    if record.plan_cursor == cursor and cursor != PLAN_DONE:
        page, last = subscribers.receivers(record.newsletter, after, PLAN_STEP)
        following = last or PLAN_DONE
        try:
            record.update(actions=[NewsletterIssue.plan_cursor.set(following), NewsletterIssue.plan_step.set(cursor),
                                   NewsletterIssue.plan_queued.set(False), NewsletterIssue.planned.add(len(page))],
                          condition=NewsletterIssue.plan_cursor == cursor)
        except UpdateError as exc:
            if retry.condition_failed(exc):
                return Outcome(duplicate=1)  # another delivery of this step took it
            raise
    elif record.plan_step == cursor and not record.plan_queued:
        # The delivery that took this step stopped before it had queued everything: queue it again
        # (the claims keep any batch it had queued from sending twice).
        following = record.plan_cursor
        page, _ = subscribers.receivers(record.newsletter, after, PLAN_STEP)
        page = [h for h in page if following == PLAN_DONE or h <= following]
    else:
        return Outcome(duplicate=1)
    batches = [_batch_body(send_id, page[first:first + BATCH]) for first in range(0, len(page), BATCH)]
    queue(batches + ([_plan_body(send_id, following)] if following != PLAN_DONE else []), 0)
    try:
        record.update(actions=[NewsletterIssue.plan_queued.set(True)], condition=NewsletterIssue.plan_step == cursor)
    except UpdateError as exc:
        if not retry.condition_failed(exc):
            raise
    if following == PLAN_DONE:
        _finish_if_done(record)
    return Outcome(queued=len(batches))


def _plan_body(send_id: str, cursor: str) -> str:
    return json.dumps({"send": send_id, "plan": cursor})


def _batch_body(send_id: str, readers: list[str]) -> str:
    return json.dumps({"send": send_id, "readers": readers})


# --- a batch: each reader once, at the account's rate --------------------------------------------

def _batch(record: NewsletterIssue, readers: list[str], now: Callable[[], float], queue: Queue,
           pace: Pace | None) -> Outcome:
    send_id = keys.send_of(record.pk)
    issue = Issue(newsletter=record.newsletter, subject=record.subject, **record.content)
    pace = pace or account_pace()
    counts = {"sent": 0, "duplicate": 0, "skipped": 0, "held": 0, "dropped": 0, "requeued": 0}
    try:
        for index, hashed in enumerate(readers):
            if index and index % CHECK_EVERY == 0 and (stop := _stopped(send_id, readers[index:], queue)):
                counts[stop] = len(readers) - index
                break
            reader = subscribers.find(hashed)
            moment = now()
            if reader is None or issue.newsletter not in subscribers.receives(reader):
                counts["skipped" if _take(send_id, hashed, moment, "skipped") else "duplicate"] += 1
                continue
            if not _take(send_id, hashed, moment, "claimed"):
                counts["duplicate"] += 1
                continue
            pace.wait()
            try:
                _send(issue, reader.email, hashed, send_id, moment)
            except ClientError as exc:
                if not mail.is_throttled(exc):
                    raise
                _release(send_id, hashed, moment)
                queue([_batch_body(send_id, readers[index:])], THROTTLED_DELAY_SECONDS)
                counts["requeued"] = len(readers) - index
                log.warning("SES throttled send %s: %d readers back in the queue", send_id, counts["requeued"])
                break
            counts["sent"] += 1
    finally:
        _count(record, counts["sent"], counts["skipped"], counts["duplicate"])
    return Outcome(**counts)


def _stopped(send_id: str, rest: list[str], queue: Queue) -> str | None:
    """Whether the send was paused ("held": the rest of the batch is kept) or cancelled ("dropped")."""
    state = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True,
                                attributes_to_get=["state"]).state
    if state == "paused":
        _hold(send_id, _batch_body(send_id, rest), queue)
        return "held"
    return "dropped" if state == "cancelled" else None


def _count(record: NewsletterIssue, sent: int, skipped: int, found: int) -> None:
    """Add what one batch did to the send's progress (one UpdateItem), and close the send if this may
    be its end. Refused once the send is done: its counts are then the copies' own."""
    if not sent and not skipped and not found:
        return
    try:
        record.update(actions=[NewsletterIssue.sent.add(sent), NewsletterIssue.skipped.add(skipped),
                               NewsletterIssue.processed.add(sent + skipped), NewsletterIssue.found.add(found)],
                      condition=NewsletterIssue.pk.exists() & (NewsletterIssue.state != "done"))
    except UpdateError as exc:
        if retry.condition_failed(exc):
            return
        raise
    _finish_if_done(record)


def _finish_if_done(record: NewsletterIssue) -> None:
    """Close the send if every planned reader may have been sent or skipped (``record`` as just read
    or updated): the batches' additions (``processed`` + ``found``) reached the readers planned, and
    the copies' ``recheck_at`` (what they must reach before the copies are counted again)."""
    if record.state != "sending" or record.plan_cursor != PLAN_DONE:
        return
    reached = int(record.processed or 0) + int(record.found or 0)
    if reached >= max(int(record.planned or 0), int(record.recheck_at or 0)):
        _close(record, reached)


def _close(record: NewsletterIssue, reached: int) -> None:
    """Count the send's copies (``copy_states``); if each planned reader's is sent or skipped, set the
    send's counts to theirs and its state to done. Else each reader still open will add at least one
    to ``processed`` + ``found`` (the batch that sends it, or the redelivery that finds it), so the
    copies are counted again only once that sum has grown by as many (``recheck_at``)."""
    states = copy_states(keys.send_of(record.pk))
    sent, skipped, planned = states["sent"], states["skipped"], int(record.planned or 0)
    if sent + skipped < planned:
        record.update(actions=[NewsletterIssue.recheck_at.set(reached + planned - sent - skipped)],
                      condition=NewsletterIssue.pk.exists())
        return
    try:
        record.update(actions=[NewsletterIssue.sent.set(sent), NewsletterIssue.skipped.set(skipped),
                               NewsletterIssue.processed.set(sent + skipped), NewsletterIssue.state.set("done")],
                      condition=(NewsletterIssue.state == "sending") & (NewsletterIssue.plan_cursor == PLAN_DONE))
    except UpdateError as exc:
        if not retry.condition_failed(exc):
            raise


def copy_states(send_id: str) -> Counter[str]:
    """How many of the send's copies are in each state (claimed, sent, skipped): one Query, paged,
    strongly consistent, of the copies' state alone (DynamoDB still reads each whole copy: ~150
    bytes, so ~0.04 read units a reader, and ~150 pages of 1 MB for a million)."""
    request: dict[str, Any] = {
        "TableName": Delivery.Meta.table_name, "KeyConditionExpression": "pk = :pk", "ConsistentRead": True,
        "ExpressionAttributeValues": {":pk": {"S": keys.delivery(send_id, "")[0]}},
        "ProjectionExpression": "#state", "ExpressionAttributeNames": {"#state": "state"}}
    client = aws.dynamodb_connection().client
    states: Counter[str] = Counter()
    while True:
        page = client.query(**request)
        states.update(str(item.get("state", {}).get("S", "")) for item in page.get("Items", ()))
        if "LastEvaluatedKey" not in page:
            return states
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _hold(send_id: str, body: str, queue: Queue) -> None:
    """Keep a message that came while the send is paused; if it was resumed meanwhile, queue it now."""
    HeldBatch(*keys.held(send_id, hashlib.sha256(body.encode()).hexdigest()[:32]), body=body).save()
    state = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True,
                                attributes_to_get=["state"]).state
    if state == "sending":  # resumed before it could see this one
        _release_held(send_id, queue)


def _release_held(send_id: str, queue: Queue) -> None:
    while held := models.read_range(HeldBatch, keys.held_pk(send_id), ">=", "0", limit=100, newest_first=False):
        queue([item.body for item in held], 0)
        for item in held:
            try:
                item.delete()
            except DeleteError as exc:
                if not retry.is_transient(exc):
                    raise


def _hashes(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if isinstance(v, str) and len(v) == 64]


def _take(send_id: str, hashed: str, moment: float, state: str) -> bool:
    """Take this reader's copy of the send, ``claimed`` (SES is about to be asked) or ``skipped`` (the
    reader no longer receives it); False if it is sent or skipped, or claimed within the lease."""
    copy = Delivery(*keys.delivery(send_id, hashed), state=state, claimed=int(moment))
    try:
        copy.save(condition=Delivery.pk.does_not_exist()
                  | ((Delivery.state == "claimed") & (Delivery.claimed < int(moment) - LEASE_SECONDS)))
    except PutError as exc:
        if retry.condition_failed(exc):
            return False
        raise
    return True


def mark_sent(send_id: str, hashed: str, message_id: str, claimed_at: int | None = None) -> bool:
    """Mark a claimed copy sent: by the sender whose claim it is (``claimed_at``, its claim's moment),
    or by SES's Send event (whoever claimed it). False if it is not claimed (sent already, skipped, no
    such copy, or claimed again by another sender after the lease). One conditional UpdateItem, which
    keeps what SES's other events wrote on the copy."""
    condition = Delivery.state == "claimed"
    if claimed_at is not None:
        condition &= Delivery.claimed == claimed_at
    try:
        Delivery(*keys.delivery(send_id, hashed)).update(
            actions=[Delivery.state.set("sent"), Delivery.message_id.set(message_id)], condition=condition)
    except UpdateError as exc:
        if retry.condition_failed(exc):
            return False
        raise
    return True


def _release(send_id: str, hashed: str, moment: float) -> None:
    """Let go of a claim SES refused to send (throttled), so the batch's next delivery takes it at once."""
    try:
        Delivery(*keys.delivery(send_id, hashed)).delete(
            condition=(Delivery.state == "claimed") & (Delivery.claimed == int(moment)))
    except DeleteError as exc:
        if not retry.condition_failed(exc):
            raise


def _send(issue: Issue, email: str, hashed: str, send_id: str, moment: float) -> None:
    unsubscribe_url = (issue.site_url + "/newsletter/unsubscribe/?t=" + tokens.unsubscribe_token(hashed)
                       + "&s=" + send_id)  # the send counts its unsubscribes (events.count_unsubscribe)
    message = mail.compose(email, issue.subject, issue.site_name, issue.text.replace(UNSUBSCRIBE_MARK, unsubscribe_url),
                           issue.html.replace(UNSUBSCRIBE_MARK, str(escape(unsubscribe_url))), unsubscribe_url)
    mark_sent(send_id, hashed, mail.send(message, send_id, hashed), int(moment))


def article_issue(newsletter: str, site_name: str, site_url: str, title: str, summary: str | None, body_html: str,
                  path: str) -> Issue:
    """An article as a newsletter: its title the subject, its body (links and photos made absolute,
    ``<picture>`` sources dropped: mail clients show the ``<img>``), a link to the page, and a
    plain-text part with the summary and the link."""
    body = _absolute(site_url, _SOURCE.sub("", body_html))
    values = {"site_name": site_name, "home_url": site_url + "/", "title": title, "summary": summary or "",
              "url": site_url + path, "unsubscribe_url": UNSUBSCRIBE_MARK, "newsletter": newsletter}
    return Issue(newsletter=newsletter, subject=title, site_name=site_name, site_url=site_url,
                 text=mail.render("article.txt", **values),
                 html=mail.render("article.html", body=Markup(body), **values))


_SOURCE = re.compile(r"<source\b[^>]*>", re.IGNORECASE)
_LOCAL_LINK = re.compile(r'\b(src|href)="/(?!/)')


def _absolute(site_url: str, html: str) -> str:
    return _LOCAL_LINK.sub(lambda match: f'{match.group(1)}="{site_url}/', html)


def digest_issue(newsletter: str, site_name: str, site_url: str, title: str,
                 entries: list[tuple[str, str, str]]) -> Issue:
    """A digest: ``title`` the subject, and each article (title, summary, path) a headline, its
    summary and a link to its page; the same in the plain-text part."""
    listed = [{"title": t, "summary": s, "url": site_url + p} for t, s, p in entries]
    values = {"site_name": site_name, "home_url": site_url + "/", "title": title, "entries": listed,
              "unsubscribe_url": UNSUBSCRIBE_MARK, "newsletter": newsletter}
    return Issue(newsletter=newsletter, subject=title, site_name=site_name, site_url=site_url,
                 text=mail.render("digest.txt", **values), html=mail.render("digest.html", **values))
