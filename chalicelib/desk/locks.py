"""Who is editing a file: a heartbeat with an expiry, and a take-over that the other editor learns of.

The editor's page (``templates/desk/locks.js``) asks every ``CHECK_SECONDS`` whether it still holds
the lock on the file it has open; the answer renews it at most every ``RENEW_SECONDS`` (a GET
mostly, a PUT now and then). A lock not renewed for ``LOCK_SECONDS`` is gone, so "X is editing"
clears within a minute of X leaving, and closing the tab releases it at once (a ``keepalive``
request on ``pagehide``).

Taking over, as WordPress's "Take over" does, writes the lock to the new holder. The first editor's
page learns of it at its next check and says so in a dialog, and their next save is refused
(``held_by_another``) with the reason, their text kept in the page: what they typed is not lost,
and what the other saved is not overwritten. Saves are still conditional on the versions each
person opened; the lock is what tells people, before they write, that someone else is writing.

Locks are small JSON files under ``locks/``, written with the person's own role (as their saves).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from chalicelib import clock, config
from chalicelib.bucket import ContentBucket
from chalicelib.desk.identity import Identity

LOCK_SECONDS = 45.0  # a lock not renewed this long is gone
RENEW_SECONDS = 15.0  # a holder's lock is written again when it is older than this
CHECK_SECONDS = 5  # how often the editor's page asks (locks.js reads it from the page)


@dataclass(frozen=True)
class Lock:
    """Who has a file open in the desk, since when, and when they last said so (epoch seconds)."""

    sub: str
    name: str
    since: str
    renewed: float


def lock_of(bucket: ContentBucket, key: str, now: float) -> Lock | None:
    """The living lock on ``key``, if someone holds one."""
    found = bucket.read_json(config.LOCKS_PREFIX + key, shown_only=True)
    try:
        lock = Lock(str(found["sub"]), str(found["name"]), str(found["since"]), float(found["renewed"]))
    except (ValueError, KeyError, TypeError):
        return None
    return lock if now - lock.renewed < LOCK_SECONDS else None


def hold(bucket: ContentBucket, key: str, who: Identity, now: float, take_over: bool = False) -> Lock | None:
    """Hold (or renew) the lock on ``key`` for ``who``; the other person's living lock if they hold it
    and ``who`` does not take over (then nothing is written)."""
    held = lock_of(bucket, key, now)
    if held is not None and held.sub != who.sub and not take_over:
        return held
    if held is not None and held.sub == who.sub and now - held.renewed < RENEW_SECONDS:
        return None  # held, and fresh enough: nothing to write
    since = held.since if held is not None and held.sub == who.sub else clock.now_iso()
    bucket.put(config.LOCKS_PREFIX + key, json.dumps({"sub": who.sub, "name": who.name, "since": since,
                                                      "renewed": now}).encode(), content_type="application/json")
    return None


def release(bucket: ContentBucket, key: str, who: Identity, now: float) -> None:
    """Let go of ``who``'s lock on ``key`` (the tab closed); another's lock is left as it is."""
    held = lock_of(bucket, key, now)
    if held is not None and held.sub == who.sub:
        bucket.delete(config.LOCKS_PREFIX + key)


def held_by_another(bucket: ContentBucket, key: str, who: Identity, now: float) -> Lock | None:
    """The living lock someone else holds on ``key`` (they took over, or opened it first), or None."""
    held = lock_of(bucket, key, now) if key else None
    return held if held is not None and held.sub != who.sub else None
