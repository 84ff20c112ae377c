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

Who receives a newsletter is an index, never a Scan: a ``Receiving`` item per (newsletter, active
reader), in 16 partitions per newsletter by the hash's first digit, and a counter per partition,
written by ``saved`` in the transaction that writes the subscriber (every write goes through it: the
forms, the CSV import, a deletion, SES's bounces). A send pages ``receivers``; the desk's confirmation
reads ``receiving_count``, 16 small items in one Query, whatever the list's size (a COUNT Query would
read the whole index: 1M readers, ~100 calls).

Subscribers saved before the index existed have no ``indexed`` and no entries until saved again:
``reindex`` (the operator's ``newsroom subscribers reindex``, an upgrade step) saves each such item
once through ``saved``, which writes its entries and counters; an item indexed already is left alone.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, clock, keys, models, retry
from chalicelib.models import Receiving, ReceivingCount, Subscriber

STATES = ("pending", "active", "unsubscribed", "bounced", "complained", "deleted")
SUPPRESSED = ("bounced", "complained")
# At most one confirmation e-mail per address in this long: a form filled in again and again with
# someone else's address must not flood their inbox (the answer on the page is the same).
CONFIRMATION_EVERY_SECONDS = 600
PAGE = 1000  # address hashes per page of ``receivers``


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


def receiving_count(newsletter: str) -> int:
    """How many active readers ``newsletter`` has: one Query of its 16 counters (kept by ``saved``)."""
    counters = models.read_range(ReceivingCount, keys.receiving_count_pk(newsletter), ">=", "0", limit=len(
        keys.RECEIVING_SHARDS))
    return sum(int(c.readers or 0) for c in counters)


def receivers(newsletter: str, after: str = "", limit: int = PAGE) -> tuple[list[str], str | None]:
    """At most ``limit`` address hashes of ``newsletter``'s active readers, in hash order, after the
    hash ``after`` ("" from the first); and where the next page starts (None: this was the last). One
    Query per shard touched (DynamoDB reads up to 1 MB a call: ~9,000 readers)."""
    found: list[str] = []
    for shard in keys.RECEIVING_SHARDS:
        if after and shard < after[0]:
            continue
        start = after if after and shard == after[0] else "0"  # every hex hash sorts from "0"
        test = ">" if after and shard == after[0] else ">="
        found += [item.sk for item in models.read_range(Receiving, keys.receiving_shard(newsletter, shard), test,
                                                        start, limit=limit - len(found), newest_first=False)]
        if len(found) >= limit:
            return found, found[-1]
    return found, None


def receiving(newsletter: str) -> list[Subscriber]:
    """Every active reader of ``newsletter``, in hash order (the index, then their items): for tests and
    small lists; a send pages ``receivers`` instead."""
    hashes: list[str] = []
    cursor: str | None = ""
    while cursor is not None:
        page, cursor = receivers(newsletter, cursor)
        hashes += page
    found = models.get_each({keys.subscriber(h): Subscriber for h in hashes}, consistent_read=True)
    return [found[keys.subscriber(h)] for h in hashes if keys.subscriber(h) in found]


def receives(item: Subscriber) -> list[str]:
    """The newsletters ``item`` gets now: its own while active, none otherwise."""
    return sorted(set(item.newsletters or [])) if item.state == "active" else []


REINDEXED, INDEXED, RECEIVES_NOTHING = "reindexed", "indexed", "receives nothing"


def reindex(item: Subscriber) -> str:
    """Bring the index up to what ``item`` gets now, through ``saved`` (the same conditional transaction
    as every save: its entries and its shard's counters); what it was: ``REINDEXED`` (written now),
    ``INDEXED`` (nothing to write) or ``RECEIVES_NOTHING`` (not an active reader, nothing indexed).
    Run again, it writes nothing: the item now says what it is indexed under. An item changed since it
    was read (a Scan's page) is read again: its own save may have indexed it meanwhile.

    :raise retry.ConcurrentChange: it kept changing while this tried.
    """
    current: Subscriber | None = item
    for _ in range(retry.ATTEMPTS):
        if current is None:  # gone since the Scan read it: nothing to index
            return RECEIVES_NOTHING
        if set(current.indexed or []) == set(receives(current)):
            return INDEXED if receives(current) else RECEIVES_NOTHING
        if saved(current, _version(current)):
            return REINDEXED
        current = find(item.pk.removeprefix(keys.SUBSCRIBER_PREFIX))
    raise retry.ConcurrentChange(f"subscriber {item.pk}")


def _version(item: Subscriber | None) -> int | None:
    return None if item is None else int(item.version or 0)


def note(item: Subscriber, moment: float, change: str, **details: Any) -> None:
    """Add a change to the subscriber's history (written with the change)."""
    item.history = [*(item.history or []), {"at": clock.iso_of_epoch(moment), "change": change, **details}]


def saved(item: Subscriber, seen: int | None) -> bool:
    """Write ``item`` if nobody changed it since it was read as version ``seen``; whether it was.

    The one way a subscriber is written: in the same transaction, the index of who receives what
    (``Receiving``, one item per newsletter it gets, and the counters of ``receiving_count``) follows
    the item, from what the item says it was indexed under (``indexed``, read with it) to what it gets
    now. The transaction is conditional on the version, so the index never drifts from the items.
    """
    condition = Subscriber.pk.does_not_exist() if seen is None else Subscriber.version == seen
    hashed = item.pk.removeprefix(keys.SUBSCRIBER_PREFIX)
    before, now = set(item.indexed or []), set(receives(item))
    item.version = (seen or 0) + 1
    item.indexed = sorted(now) or None
    try:
        if before == now:
            item.save(condition=condition)
            return True
        with TransactWrite(connection=aws.dynamodb_connection()) as txn:
            txn.save(item, condition=condition)
            for newsletter in sorted(now - before):
                txn.save(Receiving(*keys.receiving(newsletter, hashed)))
                txn.update(ReceivingCount(*keys.receiving_count(newsletter, hashed[0])), [ReceivingCount.readers.add(1)])
            for newsletter in sorted(before - now):
                txn.delete(Receiving(*keys.receiving(newsletter, hashed)))
                txn.update(ReceivingCount(*keys.receiving_count(newsletter, hashed[0])), [ReceivingCount.readers.add(-1)])
    except (PutError, TransactWriteError) as exc:
        item.indexed = sorted(before) or None
        if not (retry.condition_failed(exc) or retry.is_transient(exc)):
            raise
        return False
    return True
