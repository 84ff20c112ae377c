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
from chalicelib.models import Delivery, NewsletterIssue
from chalicelib.newsletters import mail, subscribers, tokens

log = logging.getLogger("newsroom.newsletters")

BATCH = 50  # readers per queue message: one sender invocation sends them at SES's rate
LEASE_SECONDS = 300  # a claim this old was left by a sender that crashed: another may take it over
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


@dataclass(frozen=True)
class Outcome:
    """What one batch did: sent now, already sent or claimed (a duplicate), skipped (no longer receiving)."""

    sent: int = 0
    duplicate: int = 0
    skipped: int = 0


def start(issue: Issue, enqueue: Callable[[str], None], send_id: str | None = None) -> tuple[str, int]:
    """Record the send and queue its batches (``enqueue`` sends one message body); (send id, recipients)."""
    send_id = send_id or secrets.token_hex(8)
    readers = [item.pk.removeprefix(keys.SUBSCRIBER_PREFIX) for item in subscribers.receiving(issue.newsletter)]
    record = NewsletterIssue(*keys.newsletter_issue(send_id), newsletter=issue.newsletter, subject=issue.subject,
                             content={"site_name": issue.site_name, "site_url": issue.site_url, "text": issue.text,
                                      "html": issue.html}, recipients=len(readers), created=clock.now_iso())
    try:
        record.save(condition=NewsletterIssue.pk.does_not_exist())
    except PutError as exc:
        if retry.condition_failed(exc):
            raise ValueError(f"send {send_id} was started already") from None
        raise
    for first in range(0, len(readers), BATCH):
        enqueue(json.dumps({"send": send_id, "readers": readers[first:first + BATCH]}))
    return send_id, len(readers)


def deliver(body: str, now: Callable[[], float] = time.time) -> Outcome:
    """Send one batch (a queue message's body), each reader at most once however often it arrives."""
    batch = json.loads(body)
    send_id = str(batch["send"])
    record = NewsletterIssue.get(*keys.newsletter_issue(send_id), consistent_read=True)
    issue = Issue(newsletter=record.newsletter, subject=record.subject, **record.content)
    sent = duplicate = skipped = 0
    for hashed in _hashes(batch.get("readers", [])):
        reader = subscribers.find(hashed)
        if reader is None or reader.state != "active" or issue.newsletter not in (reader.newsletters or []):
            skipped += 1
        elif not _claim(send_id, hashed, now()):
            duplicate += 1
        else:
            _send(issue, reader.email, hashed, send_id)
            sent += 1
    return Outcome(sent, duplicate, skipped)


def newsletters_queue_handler(sqs_messages: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """The sender function: each queue message one batch. A batch AWS failed (SES throttling, a timeout)
    goes back to the queue to be delivered again, which sends only what it had not; a message that is not
    a batch of ours is logged and dropped, never retried."""
    failures = []
    for record in sqs_messages:
        try:
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
    unsubscribe_url = issue.site_url + "/newsletter/unsubscribe/?t=" + tokens.unsubscribe_token(hashed)
    message = mail.compose(email, issue.subject, issue.site_name, issue.text.replace(UNSUBSCRIBE_MARK, unsubscribe_url),
                           issue.html.replace(UNSUBSCRIBE_MARK, unsubscribe_url), unsubscribe_url)
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


_SOURCE = re.compile(r"<source\b[^>]*>", re.IGNORECASE)
_LOCAL_LINK = re.compile(r'\b(src|href)="/(?!/)')


def _absolute(site_url: str, html: str) -> str:
    return _LOCAL_LINK.sub(lambda match: f'{match.group(1)}="{site_url}/', html)
