"""What SES says happened to an e-mail after it left: a hard bounce or a complaint suppresses the
address at once, for every newsletter.

SES publishes its sending events (configuration set event destination, SNS) as JSON: ``eventType``
"Bounce" with ``bounce.bounceType`` "Permanent" (the address does not exist: never write to it
again), "Transient" (a full mailbox: nothing to do), or "Complaint" (the reader pressed "spam").
The recipients are in ``bounce.bouncedRecipients`` or ``complaint.complainedRecipients``
(docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html). An event may
arrive twice or late: suppressing an address twice changes nothing the second time.

Every newsletter is sent with the ``send`` message tag (``mail.send``), which SES repeats in each
event (``mail.tags``), so an event names its send without a lookup; the send's counters
(``delivered``, ``bounced``: permanent bounces only, ``complained``) are added to once per reader and
kind: the reader's copy (``models.Delivery``) is marked first, conditionally, and only the event that
marked it counts. An unsubscribe from a newsletter's link counts on that send the same way
(``count_unsubscribe``). The sender's events reach the ``newsletter_events`` function through the
configuration set's SNS topic and an SQS queue; the queue message is SNS's envelope, the event in
its ``Message`` (or, with raw delivery, the event itself).

A ``Send`` event (SES accepted the e-mail) also carries the ``reader`` tag: ``accepted`` marks that
reader's copy sent if it is still claimed, so a sender killed between SES's answer and its own mark
does not have the e-mail sent again by the batch's redelivery (sending.py says what window remains).
It reads the copy first (an eventually consistent GetItem, half a read unit), since nearly every copy
is marked by its sender already, and writes only a claimed one, conditionally: in any order, twice,
or after the sender's own mark, it changes nothing more.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any, Iterable

from pynamodb.exceptions import UpdateError

from chalicelib import keys, retry
from chalicelib.models import Delivery, NewsletterIssue
from chalicelib.newsletters import mail, sending, subscribers

log = logging.getLogger("newsroom.newsletters")
_HASH = re.compile(r"^[0-9a-f]{64}$")  # an address hash (subscribers.address_hash)
COUNTED = {"Delivery": "delivered", "Bounce": "bounced", "Complaint": "complained"}  # SES's eventType -> counter


def apply(event: dict[str, Any] | str, now: float | None = None) -> list[str]:
    """Suppress the addresses an SES event names, if it is a hard bounce or a complaint; their hashes."""
    data = json.loads(event) if isinstance(event, str) else event
    kind = data.get("eventType") or data.get("notificationType")
    if kind == "Bounce" and (data.get("bounce") or {}).get("bounceType") == "Permanent":
        state, named = "bounced", data["bounce"].get("bouncedRecipients") or []
    elif kind == "Complaint":
        state, named = "complained", (data.get("complaint") or {}).get("complainedRecipients") or []
    else:
        return []
    hashes = [subscribers.address_hash(str(r.get("emailAddress", ""))) for r in named if r.get("emailAddress")]
    for hashed in hashes:
        suppress(hashed, state, now)
    return hashes


def suppress(hashed: str, state: str, now: float | None = None) -> None:
    """The subscriber gets nothing more, whatever a form says later (``state``: bounced or complained)."""
    moment = time.time() if now is None else now
    for _ in range(retry.ATTEMPTS):
        item = subscribers.find(hashed)
        if item is None or item.state == state:
            return
        seen = int(item.version or 0)
        item.state, item.newsletters, item.requested, item.nonce = state, [], None, None
        subscribers.note(item, moment, state)
        if subscribers.saved(item, seen):
            return
    raise retry.ConcurrentChange(f"subscriber {hashed}")


def count(event: dict[str, Any], now: float | None = None) -> int:
    """Add an SES event to its send's counter, once per reader however often it comes; how many counted."""
    kind = event.get("eventType") or event.get("notificationType")
    counter = COUNTED.get(str(kind))
    tags = (event.get("mail") or {}).get("tags") or {}
    send_id = next(iter(tags.get(mail.SEND_TAG) or []), None)
    if counter is None or not isinstance(send_id, str) or not sending.SEND_ID.match(send_id):
        return 0
    if kind == "Bounce" and (event.get("bounce") or {}).get("bounceType") != "Permanent":
        return 0  # a full mailbox: SES tries again, and it may yet be delivered
    return sum(_count_once(send_id, subscribers.address_hash(address), counter, now) for address in _recipients(event))


def accepted(event: dict[str, Any]) -> bool:
    """SES took a newsletter's e-mail (a ``Send`` event): mark the reader's copy sent if it is still
    only claimed (its sender died before marking it), so a redelivery of the batch does not send it
    again; whether it did. Idempotent and order-free: a copy sent or skipped already stays as it is."""
    if (event.get("eventType") or event.get("notificationType")) != "Send":
        return False
    tags = (event.get("mail") or {}).get("tags") or {}
    send_id = next(iter(tags.get(mail.SEND_TAG) or []), None)
    hashed = next(iter(tags.get(mail.READER_TAG) or []), None)
    message_id = (event.get("mail") or {}).get("messageId")
    if not (isinstance(send_id, str) and sending.SEND_ID.match(send_id) and isinstance(hashed, str)
            and _HASH.match(hashed) and isinstance(message_id, str)):
        return False
    # Nearly every copy was marked by its sender already: a read (half a read unit) spares a
    # conditional write that would fail (a whole write unit). A stale read only costs that write.
    copy = Delivery.get_or_none(*keys.delivery(send_id, hashed), attributes_to_get=["state"])
    if copy is not None and copy.state != "claimed":
        return False
    return sending.mark_sent(send_id, hashed, message_id)


def count_unsubscribe(send_id: str, hashed: str, now: float | None = None) -> bool:
    """Count an unsubscribe from a newsletter's link on its send, once, if the reader got that send."""
    return sending.SEND_ID.match(send_id) is not None and _count_once(send_id, hashed, "unsubscribed", now)


def newsletter_events_queue_handler(sqs_messages: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """The events function: each queue message one SES event (in SNS's envelope). A message that is
    not an event is logged and dropped; one AWS failed goes back to the queue (each step is idempotent)."""
    failures = []
    for record in sqs_messages:
        try:
            event = unwrapped(record["body"])
        except (ValueError, KeyError, TypeError) as exc:
            log.error("SES event %s dropped: not an SES event (%s)", record.get("messageId"), exc)
            continue
        try:
            apply(event)
            count(event)
            accepted(event)
        except Exception:  # noqa: BLE001 - AWS failing: the queue delivers it again
            log.exception("SES event %s failed; it will be delivered again", record.get("messageId"))
            failures.append({"itemIdentifier": str(record.get("messageId", ""))})
    return {"batchItemFailures": failures}


def unwrapped(body: str) -> dict[str, Any]:
    """The SES event in a queue message: SNS's envelope opened, or the event itself (raw delivery).

    :raise ValueError: not JSON, or not an SES event.
    """
    data = json.loads(body)
    if isinstance(data, dict) and data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        data = json.loads(data["Message"])
    if not isinstance(data, dict) or not (data.get("eventType") or data.get("notificationType")):
        raise ValueError("no eventType")
    return data


def _recipients(event: dict[str, Any]) -> list[str]:
    kind = event.get("eventType") or event.get("notificationType")
    if kind == "Delivery":
        return [str(r) for r in (event.get("delivery") or {}).get("recipients") or []]
    named = ((event.get("bounce") or {}).get("bouncedRecipients") if kind == "Bounce"
             else (event.get("complaint") or {}).get("complainedRecipients")) or []
    return [str(r["emailAddress"]) for r in named if isinstance(r, dict) and r.get("emailAddress")]


def _count_once(send_id: str, hashed: str, counter: str, now: float | None) -> bool:
    """Mark the reader's copy of the send as ``counter`` (once), then add one to the send's counter."""
    marked = getattr(Delivery, f"{counter}_at")
    try:
        Delivery(*keys.delivery(send_id, hashed)).update(
            actions=[marked.set(int(time.time() if now is None else now))],
            condition=Delivery.pk.exists() & marked.does_not_exist())
    except UpdateError as exc:
        if retry.condition_failed(exc):
            return False  # counted already, or not a reader of this send
        raise
    NewsletterIssue(*keys.newsletter_issue(send_id)).update(
        actions=[getattr(NewsletterIssue, counter).add(1)], condition=NewsletterIssue.pk.exists())
    return True
