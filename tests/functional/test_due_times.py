"""A scheduled article's moment: one schedule per due time, and at that moment the edge and the
snapshot catch up (issue 18; chalicelib/publish/schedule.py), against moto's EventBridge Scheduler."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest

from chalicelib.messages import Due
from chalicelib.publish import schedule
from tests.functional.test_edge_invalidation import cdn  # noqa: F401 - the fixture
from tests.functional.test_ingest import article

ROLE = "arn:aws:iam::123456789012:role/newsroom-dev-due-times"


@pytest.fixture
def scheduler(site, settings):  # type: ignore[no-untyped-def]
    queue_arn = site.sqs.get_queue_attributes(QueueUrl=site.stack.queue_url,
                                              AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    settings(schedule_role=ROLE, ingest_queue_arn=queue_arn)
    client = boto3.client("scheduler", region_name="us-east-1")

    def schedules() -> dict[str, dict]:
        listed = client.list_schedules(GroupName="default")["Schedules"]
        return {s["Name"]: client.get_schedule(Name=s["Name"], GroupName="default") for s in listed}

    return schedules


def soon(minutes: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_scheduled_article_gets_one_schedule_moved_by_a_new_date_and_dropped_when_published(site, scheduler):
    site.put("articles/later.md", article(title="Later", date="2999-01-01T08:00:00Z"))
    site.ingest()
    [(name, found)] = scheduler().items()
    assert name == schedule.name_for("articles/later.md")
    assert found["ScheduleExpression"] == "at(2999-01-01T08:00:00)" and found["ActionAfterCompletion"] == "DELETE"
    assert found["Target"]["RoleArn"] == ROLE and found["Target"]["Arn"].endswith(":newsroom-dev-ingest")
    assert json.loads(found["Target"]["Input"]) == {Due.TAG: {
        "key": "articles/later.md", "slug": "later", "due": "2999-01-01T08:00:00Z"}}

    site.put("articles/later.md", article(title="Later", date="2999-06-01T08:00:00Z"))
    site.ingest()
    [found] = scheduler().values()
    assert found["ScheduleExpression"] == "at(2999-06-01T08:00:00)"  # moved, not doubled

    site.put("articles/later.md", article(title="Now", date="2024-01-01"))
    site.ingest()
    assert scheduler() == {}  # published now: nothing to wait for
    site.put("articles/again.md", article(title="Again", date="2999-01-01"))
    site.ingest()
    site.delete("articles/again.md")
    site.ingest()
    assert scheduler() == {}


def test_when_the_moment_comes_the_edge_drops_the_pages_that_now_list_it(site, scheduler, cdn, monkeypatch):  # noqa: F811
    site.put("articles/later.md", article(title="Embargo lifts", date=soon(10), categories="[Oil]"))
    site.ingest()
    [found] = scheduler().values()
    before = len(cdn())
    assert "Embargo lifts" not in site.get("/").body.decode()
    # Ten minutes later, Scheduler sends its message to the queue.
    monkeypatch.setattr("chalicelib.clock.now_iso", lambda: soon(11))
    monkeypatch.setattr("chalicelib.site.pages.now_iso", lambda: soon(11))
    site.sqs.send_message(QueueUrl=site.stack.queue_url, MessageBody=found["Target"]["Input"])
    assert site.ingest() == {"batchItemFailures": []}
    [paths] = cdn()[before:]
    assert "/widgets/recent/" in paths and "/*" not in paths  # it joins the recent-posts widget
    assert {"/", "/category/oil/"} <= paths
    assert "Embargo lifts" in site.get("/").body.decode()
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="previews/").get("KeyCount") == 0


def test_an_old_dated_moment_drops_only_the_pages_that_list_it(site, scheduler, cdn, monkeypatch):  # noqa: F811
    for n in range(5):  # five newer articles fill the widget
        site.put(f"articles/new-{n}.md", article(title=f"New {n}", date=soon(60 + n)))
    site.put("articles/later.md", article(title="Embargo lifts", date=soon(10), categories="[Oil]"))
    site.ingest()
    found = next(s for s in scheduler().values() if "later" in s["Target"]["Input"])
    monkeypatch.setattr("chalicelib.clock.now_iso", lambda: soon(70))
    monkeypatch.setattr("chalicelib.site.pages.now_iso", lambda: soon(70))
    before = len(cdn())
    site.sqs.send_message(QueueUrl=site.stack.queue_url, MessageBody=found["Target"]["Input"])
    assert site.ingest() == {"batchItemFailures": []}
    [paths] = cdn()[before:]
    assert {"/", "/later/", "/category/oil/"} <= paths and "/*" not in paths
    assert "/widgets/recent/" not in paths  # too old for the widget
    assert not any(p.endswith("/feed/") or p.startswith("/sitemap") for p in paths)  # they expire by themselves


def test_a_moment_for_a_moved_or_deleted_article_does_nothing(site, scheduler, cdn):  # noqa: F811
    message = json.dumps({Due.TAG: {"key": "articles/gone.md", "slug": "gone", "due": soon(-1)}})
    site.sqs.send_message(QueueUrl=site.stack.queue_url, MessageBody=message)
    assert site.ingest() == {"batchItemFailures": []}
    assert cdn() == []
