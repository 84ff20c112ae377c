"""A subscriber's own data, as they reach it from the "Manage your subscription" link of an e-mail.

Everything here is keyed by the address hash a signed link (``tokens.read_manage``) authorizes;
every write is conditional on the version the reader's page showed (``expected``), so a change made
elsewhere since (an unsubscribe from another e-mail, a bounce) is never overwritten unseen: the
reader is told and shown the page again. Every write goes through ``subscribers.saved``.

- ``data_of``: what we hold, as JSON data (the "Download my data" file, and the page).
- ``choose``: the newsletters they get; none ticked is an unsubscribe; ticking some again after an
  unsubscribe re-subscribes them (the link came in an e-mail to that address: the mailbox's owner).
- ``delete``: the subscriber is gone but for a tombstone keyed by the address's hash (state
  ``deleted``, no address, no consent, no history): the suppression list an import reads, so a
  later import does not bring them back silently. A sign-up by the reader themselves, confirmed
  from the e-mail, may (``subscribers.sign_up``).
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib import clock, keys, retry
from chalicelib.models import Subscriber
from chalicelib.newsletters import subscribers

CHOOSABLE = ("active", "pending", "unsubscribed")  # a bounced or complained address gets nothing, whatever it asks


class Changed(Exception):
    """The subscriber changed since the reader's page was shown (or is gone): show it again."""


class NotChoosable(Exception):
    """The address is suppressed (bounced, complained): nothing can be sent to it, so nothing to choose."""


def current(hashed: str) -> Subscriber | None:
    """The subscriber a link names, or None when there is none (never was, or deleted)."""
    item = subscribers.find(hashed)
    return None if item is None or item.state == "deleted" else item


def data_of(item: Subscriber) -> dict[str, Any]:
    """Everything we hold about one subscriber, as they may download it."""
    return {"email": item.email, "state": item.state, "newsletters": list(item.newsletters or []),
            "asked_for": list(item.requested or []), "consent": item.consent or None,
            "history": list(item.history or []), "confirmation_sent": (
                clock.iso_of_epoch(float(item.confirmation_sent)) if item.confirmation_sent else None),
            "kept_as": "subscriber#" + item.pk.removeprefix(keys.SUBSCRIBER_PREFIX)}


def choose(hashed: str, newsletters: list[str], offered: tuple[str, ...], expected: int,
           now: float | None = None) -> Subscriber:
    """Set the newsletters this subscriber gets (those of ``offered`` named in ``newsletters``).

    :raise Changed: the item is not at version ``expected`` (or is gone).
    :raise NotChoosable: the address is suppressed.
    """
    moment = time.time() if now is None else now
    chosen = [name for name in offered if name in newsletters]
    item = current(hashed)
    if item is None or int(item.version or 0) != expected:
        raise Changed(hashed)
    if item.state not in CHOOSABLE:
        raise NotChoosable(item.state)
    if not chosen:
        subscribers.unsubscribe(hashed, how="manage page", now=moment)
        found = current(hashed)
        if found is None:
            raise Changed(hashed)
        return found
    before = item.state
    if before == "pending":  # the link came in the confirmation e-mail: as good as its button
        item.consent = {**(item.consent or {}), "confirmed": clock.iso_of_epoch(moment)}
    if item.state in ("unsubscribed", "pending"):
        item.state, item.nonce, item.requested = "active", None, None
    item.newsletters = chosen
    subscribers.note(item, moment, "resubscribed" if before == "unsubscribed" else "confirmed" if before == "pending"
                     else "chose newsletters", how="manage page", newsletters=chosen)
    if not subscribers.saved(item, expected):
        raise Changed(hashed)
    return item


def delete(hashed: str, expected: int | None = None, now: float | None = None) -> bool:
    """Delete the subscriber's data, keeping the address's hash in the suppression list; whether there was
    any. ``expected``: the version the reader saw (None: whatever it is now). Deleting twice is one delete.

    :raise Changed: the item is not at version ``expected``.
    """
    moment = time.time() if now is None else now
    for _ in range(retry.ATTEMPTS):
        item = current(hashed)
        if item is None:
            return False
        seen = int(item.version or 0)
        if expected is not None and seen != expected:
            raise Changed(hashed)
        tombstone = Subscriber(*keys.subscriber(hashed), email="", state="deleted", newsletters=[],
                               history=[{"at": clock.iso_of_epoch(moment), "change": "deleted"}],
                               indexed=item.indexed)  # saved() takes it out of the index it was in
        if subscribers.saved(tombstone, seen):
            return True
    raise retry.ConcurrentChange(f"subscriber {hashed}")


def suppressed(hashed: str) -> str | None:
    """Why an import must not bring this address in: "deleted", "bounced", "complained"; or None."""
    item = subscribers.find(hashed)
    if item is not None and (item.state == "deleted" or item.state in subscribers.SUPPRESSED):
        return str(item.state)
    return None
