"""Sending a newsletter to its active subscribers, each reader once, through an SQS fan-out.

``start`` records the send (``models.NewsletterIssue``: the e-mail rendered once, a conditional
write, so a send started twice with one id is one send) and splits its recipients into batches of
``BATCH`` address hashes, one queue message each. ``deliver`` takes one batch (a message may arrive
twice, late, or after a crash mid-batch) and, for each reader:

1. reads the subscriber: no longer active, or no longer on this newsletter (they unsubscribed after
   the send began): skipped;
2. claims the reader's copy (``models.Delivery``), a conditional put: it succeeds only if nobody
   claimed it, or a claim older than ``LEASE_SECONDS`` was left by a crash;
3. asks SES to send, then marks the copy sent, with SES's message id.

A duplicate delivery finds each copy claimed or sent and sends nothing. The window left is a crash
between SES accepting and the copy being marked sent, longer than the lease: that reader may get the
e-mail twice, never none (SES has no idempotency key to close it).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from markupsafe import Markup
from pynamodb.exceptions import PutError

from chalicelib import clock, keys, retry
from chalicelib.models import Delivery, HeldBatch, NewsletterIssue, SendEvent, SendListed
from chalicelib.newsletters import mail, subscribers, tokens

log = logging.getLogger("newsroom.newsletters")

BATCH = 50  # readers per queue message: one sender invocation sends them at SES's rate
LEASE_SECONDS = 300  # a claim this old was left by a sender that crashed: another may take it over
SCHEDULED_TAG = "newsroom-digest"  # a scheduled digest's moment on the queue: {"newsroom-digest": {"send": <id>}}
UNSUBSCRIBE_MARK = "%%UNSUBSCRIBE_URL%%"  # where each reader's own unsubscribe address goes


@dataclass(frozen=True)
class Issue:
    """What one send delivers: rendered once, with ``UNSUBSCRIBE_MARK`` where each reader's link goes."""

    newsletter: str
    subject: str
    site_name: str
    site_url: str  # the site's address (origin and base), for the unsubscribe links
    text: str
    html: str
    started_by: str = ""  # who pressed Send (their e-mail), for the desk's list of sends


@dataclass(frozen=True)
class Outcome:
    """What one batch did: sent now, already sent or claimed (a duplicate), skipped (no longer receiving)."""

    sent: int = 0
    duplicate: int = 0
    skipped: int = 0


def start(issue: Issue, enqueue: Callable[[str], None], send_id: str | None = None) -> tuple[str, int]:
    """Record the send and queue its batches (``enqueue`` sends one message body); (send id, recipients).
    The readers come from the roster, by Query (``subscribers.receiving_hashes``).

    :raise ValueError: a send with this id was started already.
    """
    send_id = send_id or secrets.token_hex(8)
    try:
        return send_id, begin(issue, enqueue, send_id, clock.now_iso(), issue.started_by)
    except Changed:
        raise ValueError(f"send {send_id} was started already") from None


class Changed(Exception):
    """The send's record is not as it was read: started already, or changed meanwhile."""


def begin(issue: Issue, enqueue: Callable[[str], None], send_id: str, created: str, started_by: str,
          seen: int | None = None) -> int:
    """Write the send's record (new, or over the scheduled one at version ``seen``) and queue its
    batches; the recipients. :raise Changed: the record is not as expected (nothing was queued)."""
    readers = subscribers.receiving_hashes(issue.newsletter)
    batches = (len(readers) + BATCH - 1) // BATCH
    record = NewsletterIssue(*keys.newsletter_issue(send_id), newsletter=issue.newsletter, subject=issue.subject,
                             content={"site_name": issue.site_name, "site_url": issue.site_url, "text": issue.text,
                                      "html": issue.html}, recipients=len(readers), created=created,
                             state="sending", batches=batches, started_by=started_by or None,
                             version=(seen or 0) + 1)
    condition = NewsletterIssue.pk.does_not_exist() if seen is None else NewsletterIssue.version == seen
    try:
        record.save(condition=condition)
    except PutError as exc:
        if retry.condition_failed(exc):
            raise Changed(send_id) from None
        raise
    if seen is None:
        SendListed(*keys.send_listed(created, send_id), send_id=send_id).save()
    for number, first in enumerate(range(0, len(readers), BATCH)):
        enqueue(json.dumps({"send": send_id, "batch": number, "readers": readers[first:first + BATCH]}))
    return len(readers)


def deliver(body: str, now: Callable[[], float] = time.time) -> Outcome:
    """Send one batch (a queue message's body), each reader at most once however often it arrives."""
    batch = json.loads(body)
    send_id = str(batch["send"])
    record = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True)
    issue = Issue(newsletter=record.newsletter, subject=record.subject, **record.content)
    readers = _hashes(batch.get("readers", []))
    number = int(batch.get("batch", 0))
    if record.state == "paused" and _held(send_id, number, body):
        return Outcome(skipped=len(readers))
    if record.state == "cancelled":
        readers = []  # nothing more goes; the batch counts as done
    sent = duplicate = skipped = 0
    for hashed in readers:
        reader = subscribers.find(hashed)
        if reader is None or reader.state != "active" or issue.newsletter not in (reader.newsletters or []):
            skipped += 1
        elif not _claim(send_id, hashed, now()):
            duplicate += 1
        else:
            _send(issue, reader.email, hashed, send_id)
            sent += 1
    Delivery(*keys.delivery(send_id, f"batch#{number:06d}"), state="done", claimed=int(now())).save()
    return Outcome(sent, duplicate, skipped)


def newsletters_queue_handler(sqs_messages: Iterable[dict[str, Any]],
                              scheduled: Callable[[str, Callable[[str], None]], int | None] | None = None,
                              ) -> dict[str, list[dict[str, str]]]:
    """The sender function: each queue message one batch, or the moment of a scheduled digest
    (``SCHEDULED_TAG``), which ``scheduled`` starts (``digests.due``: app.py passes it). A batch AWS
    failed (SES throttling, a timeout) goes back to the queue to be delivered again, which sends only
    what it had not; a message that is not a batch of ours is logged and dropped, never retried."""
    failures = []
    for record in sqs_messages:
        try:
            moment = _scheduled(record["body"])
            if moment and scheduled is not None:
                log.info("scheduled digest %s: %s recipients", moment, scheduled(moment, _enqueue))
                continue
            outcome = deliver(record["body"])
        except (ValueError, KeyError, TypeError, NewsletterIssue.DoesNotExist) as exc:
            log.error("newsletter batch %s dropped: not a batch of a known send (%s)", record.get("messageId"), exc)
            continue
        except Exception:  # noqa: BLE001 - anything else is AWS failing: the queue delivers it again
            log.exception("newsletter batch %s failed; it will be delivered again", record.get("messageId"))
            failures.append({"itemIdentifier": str(record.get("messageId", ""))})
            continue
        log.info("newsletter batch %s: %s", record.get("messageId"), outcome)
    return {"batchItemFailures": failures}


def _scheduled(body: str) -> str:
    """The send a scheduled digest's message names ("" for a batch)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    named = data.get(SCHEDULED_TAG) if isinstance(data, dict) else None
    send_id = str(named.get("send", "")) if isinstance(named, dict) else ""
    return send_id if SEND_ID.match(send_id) else ""


def _enqueue(body: str) -> None:
    """Put one batch on the newsletters queue (the sender starting a scheduled digest)."""
    from chalicelib import aws, config

    sqs = aws.sqs_client()
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=config.current().newsletters_queue)["QueueUrl"],
                     MessageBody=body)


def _hashes(values: Iterable[Any]) -> list[str]:
    return [str(v) for v in values if isinstance(v, str) and len(v) == 64]


def _claim(send_id: str, hashed: str, moment: float) -> bool:
    """Take this reader's copy of the send; False if it is sent, or claimed within the lease."""
    claim = Delivery(*keys.delivery(send_id, hashed), state="claimed", claimed=int(moment))
    try:
        claim.save(condition=Delivery.pk.does_not_exist()
                   | ((Delivery.state == "claimed") & (Delivery.claimed < int(moment) - LEASE_SECONDS)))
    except PutError as exc:
        if retry.condition_failed(exc):
            return False
        raise
    return True


def _send(issue: Issue, email: str, hashed: str, send_id: str) -> None:
    unsubscribe_url = (issue.site_url + "/newsletter/unsubscribe/?t=" + tokens.unsubscribe_token(hashed)
                       + "&s=" + send_id)
    message = mail.compose(email, issue.subject, issue.site_name, issue.text.replace(UNSUBSCRIBE_MARK, unsubscribe_url),
                           issue.html.replace(UNSUBSCRIBE_MARK, unsubscribe_url), unsubscribe_url)
    # SES reads a raw message's tags from this header (and removes it): they come back in the e-mail's
    # delivery, bounce and complaint events, which are counted for the send (events.apply).
    message["X-SES-MESSAGE-TAGS"] = f"send={send_id}"
    message_id = mail.send(message)
    copy = Delivery(*keys.delivery(send_id, hashed), state="sent", claimed=int(time.time()), message_id=message_id)
    copy.save()


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


def digest_issue(newsletter: str, site_name: str, site_url: str, title: str,
                 entries: list[tuple[str, str, str]]) -> Issue:
    """A digest: ``title`` the subject, and each article (title, summary, path) a headline, its
    summary and a link to its page; the same in the plain-text part."""
    listed = [{"title": t, "summary": s, "url": site_url + p} for t, s, p in entries]
    values = {"site_name": site_name, "home_url": site_url + "/", "title": title, "entries": listed,
              "unsubscribe_url": UNSUBSCRIBE_MARK, "newsletter": newsletter}
    return Issue(newsletter=newsletter, subject=title, site_name=site_name, site_url=site_url,
                 text=mail.render("digest.txt", **values), html=mail.render("digest.html", **values))


_SOURCE = re.compile(r"<source\b[^>]*>", re.IGNORECASE)
_LOCAL_LINK = re.compile(r'\b(src|href)="/(?!/)')


def _absolute(site_url: str, html: str) -> str:
    return _LOCAL_LINK.sub(lambda match: f'{match.group(1)}="{site_url}/', html)


# --- a send's state, as the desk shows and changes it ---------------------------------------------

STATES = ("scheduled", "sending", "paused", "cancelled", "done")
EVENT_KINDS = ("delivered", "bounced", "complained", "unsubscribed")
SEND_ID = re.compile(r"^[0-9a-f]{16,64}$")


@dataclass(frozen=True)
class SendStatus:
    """One send as the desk lists it: its state, its counts and who started it."""

    send_id: str
    newsletter: str
    subject: str
    state: str  # scheduled, sending, paused, cancelled, done
    recipients: int
    sent: int
    delivered: int
    bounced: int
    complained: int
    unsubscribed: int
    created: str  # ISO 8601 UTC
    started_by: str


class NotChanged(Exception):
    """A pause, resume or cancel that does not apply to the send as it is now; the words say why."""


def status(send_id: str) -> SendStatus:
    """The send's state and counts: its record, and Queries of its copies and events (no Scan).

    :raise KeyError: no such send.
    """
    record = NewsletterIssue.get_or_none(*keys.newsletter_issue(send_id), consistent_read=True) \
        if SEND_ID.match(send_id) else None
    if record is None:
        raise KeyError(send_id)
    copies = keys.delivery(send_id, "")[0]
    sent = Delivery.count(copies, filter_condition=Delivery.state == "sent", consistent_read=True)
    done = Delivery.count(copies, Delivery.sk.startswith("batch#"), consistent_read=True)
    state = record.state or "sending"
    if state == "sending" and done >= int(record.batches or 0):
        state = "done"
    pk = keys.send_event(send_id, "", "")[0]
    counted = {kind: SendEvent.count(pk, SendEvent.sk.startswith(f"{kind}#"), consistent_read=True)
               for kind in EVENT_KINDS}
    return SendStatus(send_id=send_id, newsletter=record.newsletter, subject=record.subject, state=state,
                      recipients=int(record.recipients or 0), sent=sent, created=record.created,
                      started_by=record.started_by or "", **counted)


def recent(limit: int = 20) -> list[SendStatus]:
    """The newest sends, newest first (a Query of the list of sends, then each one's status)."""
    listed = SendListed.query(keys.SENDS, scan_index_forward=False, limit=limit)
    found = []
    for line in listed:
        try:
            found.append(status(line.send_id))
        except KeyError:
            continue
    return found


def pause(send_id: str, who: str) -> None:
    """Hold the send: batches that arrive are kept, not sent, until it is resumed. :raise NotChanged:"""
    _change(send_id, who, "paused", ("sending",))


def resume(send_id: str, who: str, enqueue: Callable[[str], None]) -> None:
    """Go on with a paused send: its held batches are queued again (a batch queued twice sends each
    reader once: the claims). :raise NotChanged:"""
    _change(send_id, who, "sending", ("paused",))
    for held in HeldBatch.query(keys.held_batch(send_id, 0)[0], consistent_read=True):
        enqueue(held.body)


def cancel(send_id: str, who: str) -> None:
    """Stop the send for good (or a scheduled one before its time): no more e-mails go, what went stays
    counted. :raise NotChanged:"""
    _change(send_id, who, "cancelled", ("sending", "paused", "scheduled"))


def record_event(send_id: str, kind: str, address_hash: str, now: float | None = None) -> None:
    """Count what became of one reader's copy (``kind``: one of EVENT_KINDS): once, however often told."""
    if kind in EVENT_KINDS and SEND_ID.match(send_id) and len(address_hash) == 64:
        moment = time.time() if now is None else now
        SendEvent(*keys.send_event(send_id, kind, address_hash), at=clock.iso_of_epoch(moment)).save()


def _change(send_id: str, who: str, to: str, allowed: tuple[str, ...]) -> None:
    for _ in range(retry.ATTEMPTS):
        current = status(send_id)
        if current.state not in allowed:
            raise NotChanged(f"This send is {current.state}: it cannot be {_WORDS[to]}.")
        record = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True)
        seen = int(record.version or 0)
        record.state, record.version = to, seen + 1
        record.changes = [*(record.changes or []), {"at": clock.now_iso(), "who": who, "what": to}]
        try:
            record.save(condition=NewsletterIssue.version == seen if seen else NewsletterIssue.version.does_not_exist())
        except PutError as exc:
            if retry.condition_failed(exc):
                continue
            raise
        return
    raise retry.ConcurrentChange(f"send {send_id}")


_WORDS = {"paused": "paused", "sending": "resumed", "cancelled": "cancelled"}


def _state(send_id: str) -> str:
    record = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True)
    return record.state or "sending"


def _held(send_id: str, number: int, body: str) -> bool:
    """Keep a paused send's batch; whether it stays held (the send was not resumed meanwhile: a
    resume that read the held batches before this one was kept would miss it, so it is read again)."""
    HeldBatch(*keys.held_batch(send_id, number), body=body).save()
    return _state(send_id) == "paused"
