"""Newsletter subscribers in DynamoDB: their state, their newsletters, their consent and every change.

One item per address (``models.Subscriber``, keyed by the address's SHA-256, so the key never shows
the address), every write conditional on the version read: two sign-ups, a confirmation and an
unsubscribe at once never lose one another's change. States:

- ``pending``: signed up, not confirmed; gets nothing but the confirmation e-mail;
- ``active``: confirmed; gets the newsletters it chose;
- ``unsubscribed``: asked to stop; a new sign-up (confirmed again) brings it back;
- ``bounced`` and ``complained``: SES said the address is dead or its owner called us spam; never
  written to again, whatever a form says (a sign-up is answered as any other, and sends nothing);
- ``deleted``: the reader deleted their data (``own_data.delete``): the item keeps the address's
  hash and nothing else, the suppression list an import reads. A sign-up by the reader themselves,
  confirmed from the e-mail (double opt-in), brings them back.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib import clock, keys, retry
from chalicelib.models import Reader, Subscriber

STATES = ("pending", "active", "unsubscribed", "bounced", "complained", "deleted")
SUPPRESSED = ("bounced", "complained")
# At most one confirmation e-mail per address in this long: a form filled in again and again with
# someone else's address must not flood their inbox (the answer on the page is the same).
CONFIRMATION_EVERY_SECONDS = 600


@dataclass(frozen=True)
class Consent:
    """What a reader agreed to, and where: recorded with the sign-up, kept with its confirmation."""

    form: str  # which form: "subscribe-page", or "article:<slug>"
    wording: str  # the words the form showed next to its button
    source: str  # a keyed hash of the address the form was posted from (never the address)
    newsletters: tuple[str, ...]


class StaleLink(Exception):
    """A confirmation link that no longer confirms anything: used, replaced, or the address suppressed."""


def normalized(email: str) -> str:
    """An address as we key it: trimmed, lower case (providers treat the local part so)."""
    return email.strip().lower()


def address_hash(email: str) -> str:
    """The SHA-256 of the normalized address: the item's key, and what a suppression list keeps."""
    return hashlib.sha256(normalized(email).encode()).hexdigest()


def find(hashed: str) -> Subscriber | None:
    """The subscriber with this address hash, read consistently (1 GetItem)."""
    return Subscriber.get_or_none(*keys.subscriber(hashed), consistent_read=True)


def sign_up(email: str, consent: Consent, now: float | None = None) -> str | None:
    """Record a sign-up; return the nonce of the confirmation e-mail to send, or None when none is
    sent (the address is suppressed, or was sent one less than CONFIRMATION_EVERY_SECONDS ago). An
    active subscriber stays active with what they had until they confirm the new choice."""
    moment = time.time() if now is None else now
    hashed = address_hash(email)
    for _ in range(retry.ATTEMPTS):
        item = find(hashed)
        if item is not None and (item.state in SUPPRESSED or
                                 moment - float(item.confirmation_sent or 0) < CONFIRMATION_EVERY_SECONDS):
            return None
        nonce = secrets.token_hex(16)
        seen = _version(item)
        if item is None:
            item = Subscriber(*keys.subscriber(hashed), email=normalized(email), state="pending", newsletters=[])
        elif item.state != "active":
            item.state = "pending"
        item.email = normalized(email)  # a deleted reader's item kept only the hash
        item.requested = list(consent.newsletters)
        item.nonce = nonce
        item.confirmation_sent = int(moment)
        item.consent = {**asdict(consent), "newsletters": list(consent.newsletters), "at": clock.iso_of_epoch(moment),
                        "confirmed": None}
        note(item, moment, "signed up", form=consent.form, newsletters=list(consent.newsletters))
        if saved(item, seen):
            return nonce
    raise retry.ConcurrentChange(f"subscriber {hashed}")


def confirm(hashed: str, nonce: str, now: float | None = None) -> Subscriber:
    """Make the sign-up a confirmation link names active, with the newsletters it asked for.

    :raise StaleLink: no such sign-up (the link was used or replaced, or the address is suppressed).
    """
    moment = time.time() if now is None else now
    for _ in range(retry.ATTEMPTS):
        item = find(hashed)
        if item is None or item.nonce != nonce or item.state in SUPPRESSED:
            raise StaleLink(hashed)
        seen = _version(item)
        item.state = "active"
        item.newsletters = list(item.requested or [])
        item.requested = None
        item.nonce = None
        item.consent = {**(item.consent or {}), "confirmed": clock.iso_of_epoch(moment)}
        note(item, moment, "confirmed", newsletters=list(item.newsletters))
        if saved(item, seen):
            return item
    raise retry.ConcurrentChange(f"subscriber {hashed}")


def unsubscribe(hashed: str, how: str, now: float | None = None) -> bool:
    """Stop every newsletter to this address at once (``how``: "one-click", "page"...); whether
    there was such a subscriber. Asking twice changes nothing the second time."""
    moment = time.time() if now is None else now
    for _ in range(retry.ATTEMPTS):
        item = find(hashed)
        if item is None or item.state == "deleted":  # a deleted reader's hash stays as it is
            return False
        if item.state in ("unsubscribed", *SUPPRESSED) and not item.newsletters and not item.nonce:
            return True
        seen = _version(item)
        if item.state not in SUPPRESSED:
            item.state = "unsubscribed"
        item.newsletters, item.requested, item.nonce = [], None, None
        note(item, moment, "unsubscribed", how=how)
        if saved(item, seen):
            return True
    raise retry.ConcurrentChange(f"subscriber {hashed}")


def receiving(newsletter: str) -> list[Subscriber]:
    """Every active subscriber of ``newsletter``. A Scan of the subscribers' items: enough for a
    first send; the fan-out (issue 47) reads them in segments."""
    found = Subscriber.scan((Subscriber.pk.startswith(keys.SUBSCRIBER_PREFIX)) & (Subscriber.state == "active")
                            & Subscriber.newsletters.contains(newsletter), consistent_read=True)
    return sorted(found, key=lambda item: item.pk)


def _version(item: Subscriber | None) -> int | None:
    return None if item is None else int(item.version or 0)


def note(item: Subscriber, moment: float, change: str, **details: Any) -> None:
    """Add a change to the subscriber's history (written with the change)."""
    item.history = [*(item.history or []), {"at": clock.iso_of_epoch(moment), "change": change, **details}]


def saved(item: Subscriber, seen: int | None) -> bool:
    """Write ``item`` if nobody changed it since it was read as version ``seen``; whether it was."""
    condition = Subscriber.pk.does_not_exist() if seen is None else Subscriber.version == seen
    item.version = (seen or 0) + 1
    try:
        item.save(condition=condition)
    except PutError as exc:
        if not retry.condition_failed(exc):
            raise
        return False
    _enrol(item)
    return True


# --- the roster: who receives which newsletter, read by Query (the web function may not Scan) -----

def _enrol(item: Subscriber) -> None:
    """Write the subscriber's line in the roster as it is now (after the subscriber's own write: a
    crash between the two leaves the line one change behind until the next; the sender reads the
    subscriber itself before each e-mail, so a stale line never sends to someone who left)."""
    receives = list(item.newsletters or []) if item.state == "active" else []
    Reader(*keys.reader(item.pk.removeprefix(keys.SUBSCRIBER_PREFIX)), newsletters=receives).save()


def receiving_count(newsletter: str) -> int:
    """How many subscribers receive ``newsletter`` now: one Query of the roster (Select COUNT)."""
    return int(Reader.count(keys.READERS, filter_condition=Reader.newsletters.contains(newsletter),
                            consistent_read=True))


def receiving_hashes(newsletter: str) -> list[str]:
    """The address hashes of the subscribers who receive ``newsletter`` now, from the roster (Query)."""
    return [item.sk for item in Reader.query(keys.READERS, filter_condition=Reader.newsletters.contains(newsletter),
                                             consistent_read=True)]
