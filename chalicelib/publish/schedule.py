"""A scheduled article's moment: one EventBridge Scheduler schedule per due time, no cron that scans.

Readers see a scheduled article from its date on without anything running:
every listing hides entries dated after "now" (``store.listing_page``). What
does not happen by itself is the edge dropping its copies of the pages that
should now list it (home, its archives, the feeds), and the site snapshot's
recent posts. So when ingest stores an article dated in the future it puts
one one-time schedule (``at(<date>)``) whose target is the ingest queue
itself, with a message naming the file; at that moment ingest receives it
(a ``messages.Due``), and invalidates the article's paths and rebuilds the
snapshot as for any publish (``ingest.apply_due``). A new date moves the
schedule; publishing now, unscheduling or deleting the file removes it. The
schedule deletes itself after it runs.

Settings: ``schedule_role`` (the role Scheduler assumes to send to the
queue) and ``ingest_queue_arn``; without them (local runs, tests that do not
ask) nothing is scheduled.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from chalicelib import aws, config, messages, retry


def name_for(key: str) -> str:
    """The schedule's name for a file: one per file, so a new date replaces the old one."""
    return f"{config.current().table}-due-{hashlib.sha256(key.encode()).hexdigest()[:24]}"


def enabled() -> bool:
    settings = config.current()
    return bool(settings.schedule_role and settings.ingest_queue_arn)


def put(key: str, slug: str, due: dt.datetime) -> None:
    """Schedule the moment ``key`` (published as ``slug``) falls due, replacing any earlier one."""
    if not enabled():
        return
    settings = config.current()
    when = due.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    request = dict(
        Name=name_for(key), GroupName="default", ScheduleExpression=f"at({when})",
        ScheduleExpressionTimezone="UTC", FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": settings.ingest_queue_arn, "RoleArn": settings.schedule_role,
                "Input": messages.Due(key, slug, when + "Z").body()},
    )
    client = aws.scheduler_client()

    def create_or_update() -> None:
        try:
            client.create_schedule(**request)
        except client.exceptions.ConflictException:
            client.update_schedule(**request)

    retry.retrying(create_or_update)


def drop(key: str) -> None:
    """No moment to wait for any more (published now, unscheduled, deleted)."""
    if not enabled():
        return
    client = aws.scheduler_client()

    def delete() -> None:
        try:
            client.delete_schedule(Name=name_for(key), GroupName="default")
        except client.exceptions.ResourceNotFoundException:
            pass

    retry.retrying(delete)

