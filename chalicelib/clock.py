"""How items write times: ISO 8601 in UTC to the second, so that they sort as text."""

from __future__ import annotations

import datetime as dt
from typing import overload

ITEM_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@overload
def iso(moment: dt.datetime) -> str: ...
@overload
def iso(moment: None) -> None: ...
def iso(moment: dt.datetime | None) -> str | None:
    """A datetime as items store it ("2022-07-12T00:00:00Z"), or None."""
    return moment.astimezone(dt.timezone.utc).strftime(ITEM_FORMAT) if moment else None


def iso_of_epoch(seconds: float) -> str:
    """Epoch seconds as items write times."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime(ITEM_FORMAT)


def now_iso() -> str:
    """The current time as items store it."""
    return dt.datetime.now(dt.timezone.utc).strftime(ITEM_FORMAT)
