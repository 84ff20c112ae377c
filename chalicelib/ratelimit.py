"""Limits on what a client may do, one item per counted key: a sliding window, and a back-off.

``SlidingWindow``: at most N events in any window of the stated length. Fixed windows let a client
post twice the limit across a window's edge (10 comments in 6 seconds were accepted that way). Here
each key keeps the times of its last ``limit`` events; an event is refused while ``limit`` of them
fall within the last ``seconds``.

``Backoff``: each failure in a row doubles the wait before the next attempt is even looked at (after
a few free ones), up to a cap; a success starts it again. Nothing is ever locked: whoever fails on
purpose only makes the next attempt wait at most the cap, and guessing stays bounded (one attempt
per cap, for as long as the failures go on). An attempt claims its place before it is checked, so a
burst of attempts at once gets one through, not all.

Each is one GetItem and one conditional PutItem per event (the write is conditional on the version
read, so two at once cannot both take the last place); DynamoDB's TTL removes a key's item once it
has been quiet long enough not to matter. Only the web function writes these (its role may write
items whose key starts ``ratelimit#``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib import keys, retry
from chalicelib.models import RateLimit


class Limited(Exception):
    """Too many events: ``retry_after`` seconds until the oldest counted one leaves the window."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SlidingWindow:
    """``limit`` events per ``seconds``, in any window of that length."""

    limit: int
    seconds: int

    def take(self, key: str, now: float | None = None) -> None:
        """Count one event for ``key`` (a keyed hash, never a raw address or e-mail).

        :raise Limited: ``limit`` events of ``key`` fall within the last ``seconds`` already.
        """
        now = time.time() if now is None else now
        for _ in range(retry.ATTEMPTS):
            item, recent = self._recent(key, now)
            version = int(item.version or 0) if item else 0
            updated = RateLimit(keys.rate_limit_pk(key), keys.SLIDING_WINDOW,
                                times=[*recent[-(self.limit - 1):], now] if self.limit > 1 else [now],
                                version=version + 1, expires=int(now) + 2 * self.seconds)
            condition = (RateLimit.version == version) if item else RateLimit.pk.does_not_exist()
            try:
                updated.save(condition=condition)
                return
            except PutError as exc:
                if not retry.condition_failed(exc):
                    raise
        raise retry.ConcurrentChange(f"rate limit {key}")

    def check(self, key: str, now: float | None = None) -> None:
        """Whether one more event would be allowed, without counting it.

        :raise Limited: ``limit`` events of ``key`` fall within the last ``seconds``.
        """
        self._recent(key, time.time() if now is None else now)

    def _recent(self, key: str, now: float) -> tuple[RateLimit | None, list[float]]:
        """``key``'s item and the times of its events within the window, oldest first.

        :raise Limited: ``limit`` of them already.
        """
        item = RateLimit.get_or_none(keys.rate_limit_pk(key), keys.SLIDING_WINDOW, consistent_read=True)
        recent = sorted(t for t in (item.times or []) if t > now - self.seconds) if item else []
        if len(recent) >= self.limit:
            raise Limited(max(1, int(recent[-self.limit] + self.seconds - now) + 1))
        return item, recent

    def clear(self, key: str) -> None:
        """Forget ``key``'s events (a successful sign-in clears its failures)."""
        RateLimit(keys.rate_limit_pk(key), keys.SLIDING_WINDOW).delete()


@dataclass(frozen=True)
class Backoff:
    """After ``free`` failures in a row, each failure doubles the wait before the next attempt is
    looked at: ``first`` seconds, then twice that, and so on up to ``cap``. Forgotten after ``memory``
    seconds without an attempt."""

    free: int
    first: float
    cap: float
    memory: int

    def wait_after(self, failures: int) -> float:
        """Seconds an attempt waits after ``failures`` failures in a row."""
        if failures <= self.free:
            return 0.0
        return float(min(self.cap, self.first * 2 ** (failures - self.free - 1)))

    def attempt(self, key: str, now: float | None = None) -> None:
        """Claim an attempt for ``key``, counted as a failure until ``succeeded`` says otherwise.

        :raise Limited: ``key``'s wait is not over (nothing is counted).
        """
        now = time.time() if now is None else now
        for _ in range(retry.ATTEMPTS):
            item = RateLimit.get_or_none(keys.rate_limit_pk(key), keys.BACKOFF, consistent_read=True)
            failures = int(item.failures or 0) if item and now - float(item.not_before or 0) < self.memory else 0
            if item and failures and float(item.not_before or 0) > now:
                raise Limited(max(1, int(float(item.not_before or 0) - now + 0.999)))
            version = int(item.version or 0) if item else 0
            try:
                self._save(key, failures + 1, now + self.wait_after(failures + 1), version + 1, now,
                           (RateLimit.version == version) if item else RateLimit.pk.does_not_exist())
                return
            except PutError as exc:
                if not retry.condition_failed(exc):
                    raise
        raise retry.ConcurrentChange(f"back-off {key}")

    def succeeded(self, key: str, now: float | None = None) -> None:
        """The attempt was right: ``key`` starts again with no failures (a PutItem: the web function's
        role may not delete)."""
        now = time.time() if now is None else now
        self._save(key, 0, now, 0, now, None)

    def _save(self, key: str, failures: int, not_before: float, version: int, now: float, condition: Any) -> None:
        RateLimit(keys.rate_limit_pk(key), keys.BACKOFF, failures=failures, not_before=not_before, version=version,
                  expires=int(max(now, not_before)) + self.memory).save(condition=condition)
