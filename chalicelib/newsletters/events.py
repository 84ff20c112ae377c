"""What SES says happened to an e-mail after it left: a hard bounce or a complaint suppresses the
address at once, for every newsletter.

SES publishes its sending events (configuration set event destination, SNS) as JSON: ``eventType``
"Bounce" with ``bounce.bounceType`` "Permanent" (the address does not exist: never write to it
again), "Transient" (a full mailbox: nothing to do), or "Complaint" (the reader pressed "spam").
The recipients are in ``bounce.bouncedRecipients`` or ``complaint.complainedRecipients``
(docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html). An event may
arrive twice or late: suppressing an address twice changes nothing the second time. An e-mail of a
send carries the SES message tag ``send`` (its id), which comes back in ``mail.tags``: its delivery,
bounce or complaint is counted for that send (once per reader: ``sending.record_event``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib import retry
from chalicelib.newsletters import sending, subscribers


def apply(event: dict[str, Any] | str, now: float | None = None) -> list[str]:
    """Suppress the addresses an SES event names, if it is a hard bounce or a complaint; their hashes."""
    data = json.loads(event) if isinstance(event, str) else event
    kind = data.get("eventType") or data.get("notificationType")
    send_id = next(iter(((data.get("mail") or {}).get("tags") or {}).get("send") or []), "")
    if kind == "Delivery" and send_id:
        for address in (data.get("delivery") or {}).get("recipients") or []:
            sending.record_event(str(send_id), "delivered", subscribers.address_hash(str(address)), now)
        return []
    if kind == "Bounce" and (data.get("bounce") or {}).get("bounceType") == "Permanent":
        state, named = "bounced", data["bounce"].get("bouncedRecipients") or []
    elif kind == "Complaint":
        state, named = "complained", (data.get("complaint") or {}).get("complainedRecipients") or []
    else:
        return []
    hashes = [subscribers.address_hash(str(r.get("emailAddress", ""))) for r in named if r.get("emailAddress")]
    for hashed in hashes:
        suppress(hashed, state, now)
        if send_id:
            sending.record_event(str(send_id), state, hashed, now)
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
