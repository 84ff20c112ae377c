"""The template's wiring, created in moto: bucket -> queue for content prefixes, queue -> dead letters."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

import boto3
import pytest
from moto import mock_aws

from devstack.stack import create_stack, load_template


@pytest.fixture
def stack():  # type: ignore[no-untyped-def]
    with mock_aws():
        created = create_stack(boto3.Session(region_name="us-east-1"), stage="prod", name_prefix="acme-news")
        sqs = boto3.client("sqs", region_name="us-east-1")
        sqs.purge_queue(QueueUrl=created.queue_url)  # S3's s3:TestEvent
        yield created


def _keys(sqs, queue_url: str) -> list[str]:  # type: ignore[no-untyped-def]
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [unquote_plus(r["s3"]["object"]["key"]) for m in messages for r in json.loads(m["Body"]).get("Records", [])]


def test_resources_take_the_stage_and_prefix_names(stack):
    assert stack.bucket == "acme-news-prod-content"
    assert stack.table == "acme-news-prod-content"
    assert stack.queue_name == "acme-news-prod-ingest"
    assert stack.dead_letter_queue_url.endswith("/acme-news-prod-ingest-dlq")


def test_uploads_under_content_prefixes_reach_the_queue_and_others_do_not(stack):
    s3, sqs = boto3.client("s3", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key="articles/hello.md", Body=b"---\ntitle: Hi\n---\n")
    assert _keys(sqs, stack.queue_url) == ["articles/hello.md"]
    for key in ("media/photo.jpg", "reports/articles/hello.md.json", "rendered/x/y.html", "notes.txt"):
        s3.put_object(Bucket=stack.bucket, Key=key, Body=b"x")
    assert _keys(sqs, stack.queue_url) == []
    assert s3.get_bucket_versioning(Bucket=stack.bucket)["Status"] == "Enabled"


def test_a_poison_message_reaches_the_dead_letter_queue_after_the_redrive_count(stack):
    sqs = boto3.client("sqs", region_name="us-east-1")
    max_receives = load_template()["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"]
    sqs.send_message(QueueUrl=stack.queue_url, MessageBody="not an S3 event")
    receives = 0
    while sqs.receive_message(QueueUrl=stack.queue_url, VisibilityTimeout=0).get("Messages"):
        receives += 1  # received, never deleted: the handler failed
        assert receives <= max_receives
    assert receives == max_receives
    dead = sqs.receive_message(QueueUrl=stack.dead_letter_queue_url).get("Messages", [])
    assert [m["Body"] for m in dead] == ["not an S3 event"]
