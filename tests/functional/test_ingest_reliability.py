"""Ingest loses nothing and never goes backwards: duplicates, reordering, races, faults, size."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from chalicelib.bucket import ContentBucket
from chalicelib.models import Listing, Source
from chalicelib.publish import ingest
from devstack.local import Relay
from tests.faults import FaultInjector
from tests.functional.test_ingest import article
from tests.functional.test_pages import text
from tests.site_checks import mismatches


def test_same_event_delivered_twice_gives_the_same_site(site):
    site.put("articles/markets.md", article(categories="[Tehran]"))
    messages = site.receive()
    site.invoke(messages)
    first = (site.get("/").body, site.get("/markets/").body, Source.get("source", "articles/markets.md").revision)
    assert site.invoke(messages) == {"batchItemFailures": []}
    assert (site.get("/").body, site.get("/markets/").body,
            Source.get("source", "articles/markets.md").revision) == first
    assert [item.slug for item in Listing.query("list#category#tehran")] == ["markets"]


def test_older_notification_arriving_last_does_not_overwrite_newer(site):
    site.put("articles/markets.md", article(title="Version one"))
    first = site.receive()
    site.put("articles/markets.md", article(title="Version two"))
    second = site.receive()
    site.invoke(second)
    site.invoke(first)
    assert "Version two" in text(site.get("/markets/"))
    assert "Version one" not in text(site.get("/"))


def test_event_for_object_deleted_before_ingest_ran_publishes_nothing(site):
    site.put("articles/markets.md", article())
    created = site.receive()
    site.delete("articles/markets.md")
    deleted = site.receive()
    assert site.invoke(created) == {"batchItemFailures": []}
    assert site.invoke(deleted) == {"batchItemFailures": []}
    assert site.get("/markets/").status_code == 404
    assert "Tehran markets rally" not in text(site.get("/"))


def test_event_older_than_the_applied_sequencer_is_skipped(site, aws_requests):
    # Hand-built: moto's notifications carry no sequencer; AWS's do.
    site.put("articles/markets.md", article())
    [message] = site.receive()
    body = json.loads(message["Body"])
    body["Records"][0]["s3"]["object"]["sequencer"] = "0062E99A88DC407460"
    site.invoke([{**message, "Body": json.dumps(body)}])
    assert Source.get("source", "articles/markets.md").sequencer == "0062E99A88DC407460"
    body["Records"][0]["s3"]["object"]["sequencer"] = "62E99A88DC4074"  # shorter: compare padded
    aws_requests.clear()
    site.invoke([{**message, "MessageId": "late", "Body": json.dumps(body)}])
    assert ("s3", "GetObject") not in aws_requests.calls


def test_concurrent_ingest_of_one_key_ends_with_the_newest_file_once(site, monkeypatch):
    """Thread A reads version one from S3 and stalls; version two is uploaded and ingested; A goes on."""
    site.put("articles/markets.md", article(title="Version one", categories="[Tehran]"))
    site.receive()
    read_v1, v2_done = threading.Event(), threading.Event()
    original = ContentBucket.read_version

    def slow_read(bucket, key, limit):  # type: ignore[no-untyped-def]
        found = original(bucket, key, limit)
        if threading.current_thread().name == "ingest-a" and not read_v1.is_set():
            read_v1.set()
            v2_done.wait(timeout=30)
        return found

    monkeypatch.setattr(ContentBucket, "read_version", slow_read)  # what ingest reads a file with
    outcomes = {}
    thread_a = threading.Thread(name="ingest-a", target=lambda: outcomes.setdefault(
        "a", ingest.apply_key(site.stack.bucket, "articles/markets.md")))
    thread_a.start()
    assert read_v1.wait(timeout=30)
    site.put("articles/markets.md", article(title="Version two", categories="[Tehran]"))
    site.receive()
    outcomes["b"] = ingest.apply_key(site.stack.bucket, "articles/markets.md")
    v2_done.set()
    thread_a.join(timeout=60)
    assert outcomes["b"].outcome == "published"
    assert outcomes["a"].outcome == "unchanged"  # lost the race, re-read S3, found version two applied
    assert [(i.slug, i.title) for i in Listing.query("list#category#tehran")] == [("markets", "Version two")]
    assert "Version two" in text(site.get("/markets/"))


def test_two_threads_ingesting_the_same_key_together_publish_it_once(site):
    site.put("articles/markets.md", article(categories="[Tehran]"))
    messages = site.receive()
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        ingest.ingest_queue_handler([{"messageId": m["MessageId"], "body": m["Body"]} for m in messages])))
        for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [{"batchItemFailures": []}] * 2
    assert [i.slug for i in Listing.query("list#home")] == ["markets"]
    assert text(site.get("/")).count("Tehran markets rally") == 2  # listing + recent posts


def test_batch_with_one_malformed_record_publishes_the_good_ones(site):
    site.put("articles/one.md", article(title="Good one"))
    site.put("articles/bad.md", "---\ntitle: [broken\n---\nx\n")
    site.put("articles/two.md", article(title="Good two"))
    messages = site.receive()
    assert len(messages) == 3
    assert site.invoke(messages) == {"batchItemFailures": []}  # a bad file is reported, not retried
    assert site.get("/one/").status_code == 200 and site.get("/two/").status_code == 200
    assert "is not valid YAML" in json.loads(site.report("articles/bad.md"))["message"]


def test_only_the_failed_message_of_a_batch_returns_to_the_queue(site, monkeypatch):
    site.put("articles/one.md", article(title="Good one"))
    site.put("articles/flaky.md", article(title="Flaky"))
    site.put("articles/two.md", article(title="Good two"))
    messages = site.receive()
    flaky_id = next(m["MessageId"] for m in messages if "flaky" in m["Body"])
    faults = FaultInjector(rate=0, only=lambda service, op, params: params.get("Key") == "articles/flaky.md")
    with faults.installed(monkeypatch), faults.on():
        result = site.invoke(messages)
    assert result == {"batchItemFailures": [{"itemIdentifier": flaky_id}]}
    assert site.get("/one/").status_code == 200 and site.get("/two/").status_code == 200
    assert site.get("/flaky/").status_code == 404
    site.sqs.change_message_visibility(QueueUrl=site.stack.queue_url, ReceiptHandle=next(
        m["ReceiptHandle"] for m in messages if m["MessageId"] == flaky_id), VisibilityTimeout=0)
    assert [m["MessageId"] for m in site.receive()] == [flaky_id]


def _relay(site):  # type: ignore[no-untyped-def]
    """The local stack's relay, invoking the Lambda through Chalice's test client."""
    def handler(event, context):  # type: ignore[no-untyped-def]
        from chalicelib.site import store

        result = site.client.lambda_.invoke("ingest", event).payload
        store.clear_site_cache()
        return result

    site.sqs.set_queue_attributes(QueueUrl=site.stack.queue_url, Attributes={"VisibilityTimeout": "0"})
    return Relay(site.sqs, site.stack.queue_url, handler)


def test_transient_faults_are_retried_until_the_site_matches_the_bucket(site, monkeypatch):
    for i in range(12):
        site.put(f"articles/story-{i}.md", article(title=f"Story {i}", date=f"2024-01-{i + 1:02d}",
                                                   categories="[Tehran]"))
    site.delete("articles/story-3.md")
    relay = _relay(site)
    faults = FaultInjector(rate=0.05, seed=7)
    with faults.installed(monkeypatch), faults.on():
        for _ in range(200):
            if relay.poll_once() == 0:
                break
    assert faults.total > 0
    assert mismatches(site, {f"story-{i}" for i in range(12)}) == []
    dead = site.sqs.receive_message(QueueUrl=site.stack.dead_letter_queue_url).get("Messages", [])
    assert dead == []


def test_exhausted_retries_land_in_the_dead_letter_queue_with_the_original_event(site, monkeypatch):
    site.put("articles/doomed.md", article(title="Doomed"))
    relay = _relay(site)
    faults = FaultInjector(rate=0, only=lambda service, op, params: params.get("Key") == "articles/doomed.md")
    with faults.installed(monkeypatch), faults.on():
        for _ in range(10):
            relay.poll_once()
    site.sqs.set_queue_attributes(QueueUrl=site.stack.queue_url, Attributes={"VisibilityTimeout": "30"})
    dead = site.sqs.receive_message(QueueUrl=site.stack.dead_letter_queue_url).get("Messages", [])
    assert len(dead) == 1
    record = json.loads(dead[0]["Body"])["Records"][0]
    assert record["s3"]["object"]["key"] == "articles%2Fdoomed.md"
    assert site.get("/doomed/").status_code == 404
    # Replaying the dead letter (sending its body back to the ingest queue) publishes the article.
    site.sqs.send_message(QueueUrl=site.stack.queue_url, MessageBody=dead[0]["Body"])
    assert site.ingest() == {"batchItemFailures": []}
    assert site.get("/doomed/").status_code == 200


def test_second_file_waits_for_a_taken_slug_and_gets_it_when_the_first_is_deleted(site):
    site.put("articles/old-name.md", article(slug="markets"))
    site.ingest()
    site.put("articles/new-name.md", article(slug="markets", title="Moved"))
    site.ingest()
    assert "'markets' is already used by articles/old-name.md" in json.loads(
        site.report("articles/new-name.md"))["message"]
    assert "Moved" not in text(site.get("/markets/"))
    site.delete("articles/old-name.md")
    site.ingest()
    assert "Moved" in text(site.get("/markets/"))
    assert site.report("articles/new-name.md") is None
    assert text(site.get("/")).count("Moved") == 2


@pytest.mark.parametrize("delete_first", [True, False], ids=["delete-event-first", "create-event-first"])
def test_moving_a_file_keeps_exactly_one_live_copy_in_either_event_order(site, delete_first):
    site.put("articles/old-name.md", article(slug="markets"))
    site.ingest()
    site.put("articles/new-name.md", article(slug="markets", title="Moved"))
    created = site.receive()
    site.delete("articles/old-name.md")
    deleted = site.receive()
    for messages in ([deleted, created] if delete_first else [created, deleted]):
        assert site.invoke(messages) == {"batchItemFailures": []}
    assert "Moved" in text(site.get("/markets/"))
    assert [(i.slug, i.title) for i in Listing.query("list#home")] == [("markets", "Moved")]
    assert site.report("articles/new-name.md") is None


def test_every_record_is_logged_as_one_json_line_without_the_body(site, caplog):
    caplog.set_level(logging.INFO, logger="newsroom.ingest")
    site.put("articles/markets.md", article())
    site.ingest()
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "newsroom.ingest"]
    assert [(line["key"], line["outcome"], line["slug"]) for line in lines] == [
        ("articles/markets.md", "published", "markets")]
    assert isinstance(lines[0]["duration_ms"], float)
    assert "Stocks in Tehran" not in caplog.text


@pytest.mark.parametrize("compressible", [True, False], ids=["compressed", "offloaded-to-s3"])
def test_article_over_400_kb_is_published_and_renders(site, aws_requests, compressible):
    import random

    rng = random.Random(1)
    words = ["tehran", "market", "oil", "rial", "bank", "trade", "sanctions", "drone", "summit", "report"]
    if compressible:
        paragraphs = [" ".join(rng.choice(words) for _ in range(60)) for _ in range(1200)]
    else:
        letters = "abcdefghijklmnopqrstuvwxyz"
        paragraphs = [" ".join("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(60))
                      for _ in range(2500)]
    paragraphs.append("The very last paragraph.")
    body = "\n\n".join(paragraphs)
    assert len(body.encode()) > 400 * 1024
    site.put("articles/long.md", "---\ntitle: A long read\ndate: 2024-01-01\n---\n\n" + body)
    assert site.ingest() == {"batchItemFailures": []}
    aws_requests.clear()
    page = site.get("/long/")
    assert page.status_code == 200
    assert "The very last paragraph." in page.body.decode()
    assert aws_requests.count("dynamodb") <= 2
    assert aws_requests.count("s3") == (0 if compressible else 1)
