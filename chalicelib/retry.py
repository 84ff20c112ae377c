"""Which failures are worth trying again, and the one way to try again.

Only AWS failing is transient: throttling, a timeout, a 5xx, a lost race
(``ConcurrentChange``, a transaction conflict). Every step retried here is
idempotent, so trying it whole again is safe. Anything else propagates at
once: a bad file is the file's problem, never a reason to retry.
"""

from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

ATTEMPTS = 5  # tries of one step before the failure is passed on (SQS then redelivers)
BASE_SECONDS = 0.05  # backoff: 0.05, 0.1, 0.2, 0.4 s (plus jitter)
TRANSIENT_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout",
    "TransactionConflictException",
})

T = TypeVar("T")


class ConcurrentChange(Exception):
    """Another writer changed the same file, slug or item first; apply again from fresh state."""


def error_code(exc: BaseException) -> str | None:
    """AWS's error code for ``exc``: botocore's, or the one PynamoDB wraps."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return getattr(exc, "cause_response_code", None)


def _cancellation_codes(exc: BaseException) -> list[str]:
    return [r.code for r in getattr(exc, "cancellation_reasons", None) or [] if r is not None and r.code]


def condition_failed(exc: BaseException) -> bool:
    """Whether a write failed on its condition (alone, or as one action of a cancelled transaction)."""
    code = error_code(exc)
    if code == "TransactionCanceledException":
        return "ConditionalCheckFailed" in _cancellation_codes(exc)
    return code == "ConditionalCheckFailedException"


def is_transient(exc: BaseException) -> bool:
    """True for a lost race, throttling or a 5xx from AWS: worth trying again."""
    if isinstance(exc, (ConcurrentChange, BotoConnectionError)):
        return True
    code = error_code(exc)
    if code == "TransactionCanceledException":
        return any(c in TRANSIENT_CODES | {"TransactionConflict"} for c in _cancellation_codes(exc))
    return code in TRANSIENT_CODES


def retrying(step: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run an idempotent ``step``, trying again with backoff while it fails transiently."""
    for attempt in range(attempts):
        try:
            return step()
        except Exception as exc:
            if attempt == attempts - 1 or not is_transient(exc):
                raise
            time.sleep(BASE_SECONDS * 2 ** attempt * (1 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
