"""Queue messages as both consumers read them (chalicelib/s3_events.py): S3 notifications, and our own requests."""

from __future__ import annotations

import json
import logging

from chalicelib.s3_events import S3Record, s3_records


def test_keys_arrive_decoded_with_their_place_in_the_history():
    body = json.dumps({"Records": [
        {"eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": "content"}, "object": {"key": "articles/a+b%C3%A9.md", "sequencer": "0A1"}}},
        {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "content"}, "object": {"key": "media/x.png"}}},
        {"eventName": "s3:ObjectRemoved:Delete", "s3": {"bucket": {"name": "content"}, "object": {"key": "y.md"}}},
    ]})
    assert s3_records(body) == [S3Record("content", "articles/a bé.md", "0A1", False),
                                S3Record("content", "media/x.png", None, True),
                                S3Record("content", "y.md", None, True)]


def test_a_message_that_is_not_an_s3_notification_gives_no_records(caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.s3_events")
    assert s3_records("{not json") == []
    assert s3_records(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []
    assert s3_records(json.dumps({"Records": [{"s3": {"bucket": {"name": "content"}}}]})) == []  # no key
    warned = [json.loads(r.getMessage()) for r in caplog.records if r.name == "newsroom.s3_events"]
    assert warned == [{"event": "ignored_message", "reason": "not JSON"}]


def test_our_own_requests_are_read_and_anything_else_is_not_one():
    from chalicelib import edge, renditions
    from chalicelib.s3_events import asked_for

    assert asked_for(json.dumps({"kind": {"items": [1, 2, 3]}}), "kind", "items", 2) == [1, 2]
    for other in ("{not json", "[]", json.dumps({"kind": []}), json.dumps({"kind": {"items": "1"}}),
                  json.dumps({"other": {"items": [1]}}), json.dumps({"Records": []})):
        assert asked_for(other, "kind", "items", 2) is None, other
    # The two requests that travel between our functions, each through its own sender.
    assert edge.requested(edge.request(["/b/", "/a/"])) == ["/a/", "/b/"]
    assert renditions.rerender_requested(renditions.rerender_request(["articles/a.md"])) == ["articles/a.md"]
    assert edge.requested(renditions.rerender_request(["articles/a.md"])) is None
    assert renditions.rerender_requested(edge.request(["/a/"])) is None
