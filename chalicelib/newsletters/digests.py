"""A digest: a newsletter of the day's articles (those published since midnight in the site's
``time_zone``), sent now from the desk or at a time chosen there.

A scheduled digest reuses what makes a scheduled article due (``chalicelib/publish/schedule.py``):
one EventBridge Scheduler one-time schedule (``at(...)``, deleted after it runs), no cron that scans.
Its target is the newsletters queue and its message names the send (``DUE_TAG``); the sender
function (``sending.newsletters_queue_handler``) then composes the digest from the articles published
by that moment (``due``) and starts the send under the same id (``sending.start_scheduled``). The send
is recorded when it is scheduled (``sending.schedule``: state ``scheduled``), so the desk lists it and
can cancel it; a schedule's message delivered twice, or after a cancel, sends nothing (the record's
state decides, in a conditional write).

The record is the source of truth, the schedule only its alarm clock: ``cancel`` marks the send
cancelled first, then deletes its schedule (gone already: it fired, or an earlier cancel took it, is
fine). If that delete fails, the schedule fires at its time and the sender finds the send cancelled:
nothing is sent, and the desk says so. A schedule that could not be made leaves its record cancelled,
not a send listed as scheduled that nothing will start. Schedules delete themselves after they fire
(``ActionAfterCompletion: DELETE``), so fired ones do not pile up in the account's schedule group
(https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html; ``NONE`` is the
default). The desk offers no "change the time": cancel and schedule again.

Settings: ``schedule_role`` (the role Scheduler assumes to send to the queue) and
``newsletters_queue_arn``; without them (local runs) a digest can be sent now, not scheduled.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws, clock, config, keys, retry, snapshot
from chalicelib.models import Listing
from chalicelib.newsletters import sending

DUE_TAG = sending.SCHEDULED_TAG  # the schedule's message: {"newsroom-digest": {"send": <id>}}
MAX_ARTICLES = 30  # a digest lists at most this many, newest first
MAX_AHEAD_DAYS = 30  # how far ahead a digest may be scheduled
GROUP = "default"  # the schedule group (the web function's policy names its schedules in it, by prefix)

log = logging.getLogger("newsroom.newsletters")


class NotScheduled(Exception):
    """Why a digest cannot be scheduled, in the editor's words."""


def zone() -> ZoneInfo:
    """The newsroom's time zone (the site's settings, ``time_zone``)."""
    try:
        return ZoneInfo(snapshot.current().settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def todays_articles(now: dt.datetime | None = None) -> list[tuple[str, str, str]]:
    """(title, summary, path) of each article published today in the site's time zone up to ``now``,
    newest first (one Query of the home listing)."""
    moment = (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone())
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    found = Listing.query(keys.listing_pk(keys.HOME), Listing.sk.between(keys.listing_sk(clock.iso(midnight), ""),
                                                                         keys.listing_end(clock.iso(moment))),
                          scan_index_forward=False, limit=MAX_ARTICLES)
    return [(entry.title, entry.summary or "", f"/{entry.slug}/") for entry in found]


def subject(newsletter: str, now: dt.datetime | None = None) -> str:
    """Today's digest's subject: the newsletter and the day, in the site's time zone."""
    today = (now or dt.datetime.now(dt.timezone.utc)).astimezone(zone())
    return f"{newsletter}: {today:%A} {today.day} {today:%B %Y}"


def compose(newsletter: str, site_url: str, now: dt.datetime | None = None,
            entries: list[tuple[str, str, str]] | None = None) -> sending.Issue | None:
    """Today's digest as an e-mail (of ``entries`` where the caller has read ``todays_articles``
    already); None when no article was published today."""
    entries = todays_articles(now) if entries is None else entries
    if not entries:
        return None
    return sending.digest_issue(newsletter, snapshot.current().settings.site_name, site_url, subject(newsletter, now),
                                entries)


def enabled() -> bool:
    settings = config.current()
    return bool(settings.schedule_role and settings.newsletters_queue_arn)


def schedule_name(send_id: str) -> str:
    return f"{config.current().table}-digest-{send_id}"


def schedule(newsletter: str, site_url: str, when: dt.datetime, who: str) -> str:
    """Record a digest to send at ``when`` and make its one-time schedule; the send's id.

    :raise NotScheduled: this stage cannot schedule, or ``when`` is not ahead or too far ahead.
    """
    if not enabled():
        raise NotScheduled("This stage has no scheduler (NEWSROOM_SCHEDULE_ROLE and NEWSROOM_NEWSLETTERS_QUEUE_ARN "
                           "are set on a deployed stack): send the digest now instead.")
    now = dt.datetime.now(dt.timezone.utc)
    if when <= now + dt.timedelta(minutes=1):
        raise NotScheduled("Choose a time at least a minute ahead, or send the digest now.")
    if when > now + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise NotScheduled(f"Choose a time within {MAX_AHEAD_DAYS} days.")
    due = clock.iso(when)
    local = when.astimezone(zone())
    subject = f"{newsletter}: digest scheduled for {local:%a} {local.day} {local:%b}, {local:%H:%M} ({zone().key})"
    send_id = sending.schedule(newsletter, subject, {"site_url": site_url, "due": due}, who or None)
    settings = config.current()
    try:
        aws.scheduler_client().create_schedule(
            Name=schedule_name(send_id), GroupName=GROUP, ScheduleExpression=f"at({due.removesuffix('Z')})",
            ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
            Target={"Arn": settings.newsletters_queue_arn, "RoleArn": settings.schedule_role,
                    "Input": json.dumps({DUE_TAG: {"send": send_id}})})
    except (ClientError, BotoCoreError) as exc:
        log.error("digest %s: EventBridge Scheduler refused its schedule: %s", send_id, exc)
        sending.cancel(send_id, who or "the desk")  # listed as cancelled, not as scheduled with no alarm
        raise NotScheduled("EventBridge Scheduler did not take the schedule, so nothing is scheduled: try again "
                           "in a minute, or send the digest now.") from None
    return send_id


def cancel(send_id: str, who: str) -> bool:
    """Cancel a send (``sending.cancel``); if it was a scheduled digest, delete its schedule too.
    Whether a schedule may still fire (its delete failed): at its time it then sends nothing.

    :raise sending.SendStateError: done or cancelled already. :raise sending.UnknownSend: no such send.
    """
    was = sending.status(send_id).state
    sending.cancel(send_id, who)  # first: from here the record says no, whatever the schedule does
    return was == "scheduled" and not drop_schedule(send_id)


def drop_schedule(send_id: str) -> bool:
    """Delete a scheduled digest's schedule; True when it is gone (deleted now, or already: it fired and
    deleted itself, or was never made here), False when Scheduler could not be asked (logged)."""
    if not enabled():
        return True
    client = aws.scheduler_client()

    def delete() -> None:
        try:
            client.delete_schedule(Name=schedule_name(send_id), GroupName=GROUP)
        except client.exceptions.ResourceNotFoundException:
            pass

    try:
        retry.retrying(delete)
    except (ClientError, BotoCoreError) as exc:
        log.error("digest %s cancelled, but its schedule is left (it fires and sends nothing): %s", send_id, exc)
        return False
    return True


def due(send_id: str, enqueue: Callable[[str], None], now: dt.datetime | None = None) -> int | None:
    """The moment of a scheduled digest: compose it and start its send; the readers, or None when
    there is nothing to do (cancelled, started already, or no article today: the send is closed)."""
    return sending.start_scheduled(send_id, lambda newsletter, content: compose(
        newsletter, str(content.get("site_url", "")), now), enqueue, why="nothing to send: no article today")
