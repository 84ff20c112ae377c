"""Times as the desk shows them: in the editor's own time zone, in words an editor reads
("Wed 9 Dec, 10:00"), never ISO strings or Python reprs.

The editor's zone is their browser's (``Intl.DateTimeFormat().resolvedOptions().timeZone``): the
desk's script keeps it in the ``desk_zone`` cookie (a display preference, not a secret, so script
may write it), and each screen reads it when it renders. A zone the IANA database does not know,
or no cookie yet, is UTC, and the text says "(UTC)", so a time is never shown in an unnamed zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ZONE_COOKIE = "desk_zone"
UTC = "UTC"


def zone_named(name: str) -> ZoneInfo:
    """The zone ``name`` (an IANA name such as Europe/London); UTC for anything else."""
    if not name or len(name) > 64 or not all(c.isalnum() or c in "/_+-" for c in name):
        return ZoneInfo(UTC)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(UTC)


def zone_of(request: Any) -> ZoneInfo:
    """The zone the person's browser said it is in (the ``desk_zone`` cookie), else UTC."""
    from chalicelib.desk import session

    return zone_named(unquote(session.cookies((getattr(request, "headers", None) or {})).get(ZONE_COOKIE, "")))


def moment(value: Any) -> dt.datetime | None:
    """``value`` (an ISO 8601 string, UTC where no offset is given, or a datetime) as an aware
    datetime; None for anything that is not a time."""
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, str) and value.strip():
        try:
            found = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return found if found.tzinfo is not None else found.replace(tzinfo=dt.timezone.utc)


def shown(value: Any, zone: ZoneInfo, weekday: bool = False, with_zone: bool = False) -> str:
    """``value`` in ``zone`` as an editor reads it: "7 Dec, 06:48" (``weekday``: "Mon 7 Dec, 06:48"),
    with the year when it is not this year's, and "(Europe/London)" after it if ``with_zone``.
    Text that is not a time is given back as it is."""
    found = moment(value)
    if found is None:
        return "" if value is None else str(value)
    local = found.astimezone(zone)
    text = f"{local.day} {local:%b}"
    if local.year != dt.datetime.now(zone).year:
        text += f" {local.year}"
    text = f"{local:%a} {text}" if weekday else text
    text += f", {local:%H:%M}"
    return f"{text} ({zone.key})" if with_zone else text
