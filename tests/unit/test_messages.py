"""Every message our queues carry, read by one parser (chalicelib/messages.py): S3 notifications, due
times, re-render requests and invalidation requests, and how the two consumers dispatch them."""

from __future__ import annotations

import json
import logging

from chalicelib import messages
from chalicelib.messages import Due, Invalidate, Rerender, S3Change, parse


def test_keys_arrive_decoded_with_their_place_in_the_history():
    body = json.dumps({"Records": [
        {"eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": "content"}, "object": {"key": "articles/a+b%C3%A9.md", "sequencer": "0A1"}}},
        {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "content"}, "object": {"key": "media/x.png"}}},
        {"eventName": "s3:ObjectRemoved:Delete", "s3": {"bucket": {"name": "content"}, "object": {"key": "y.md"}}},
    ]})
    assert parse(body) == [S3Change("content", "articles/a bé.md", "0A1", False),
                           S3Change("content", "media/x.png", None, True),
                           S3Change("content", "y.md", None, True)]


def test_a_message_that_is_not_ours_gives_no_messages(caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.messages")
    assert parse("{not json") == []
    assert parse(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []
    assert parse(json.dumps({"Records": [{"s3": {"bucket": {"name": "content"}}}]})) == []  # no key
    for other in ("[]", json.dumps({"newsroom-due": []}), json.dumps({"newsroom_rerender": {"keys": "a"}}),
                  json.dumps({"other": {"paths": ["/a/"]}}), json.dumps({"Records": []})):
        assert parse(other) == [], other
    warned = [json.loads(r.getMessage()) for r in caplog.records if r.name == "newsroom.messages"]
    assert warned == [{"event": "ignored_message", "reason": "not JSON"}]


def test_each_of_our_messages_reads_back_as_itself():
    for sent in (Due("articles/a.md", "a", "2999-01-01T08:00:00Z"), Rerender(("articles/a.md", "pages/b.md")),
                 Invalidate(("/a/", "/b/"))):
        assert parse(sent.body()) == [sent], sent


def test_an_invalidation_request_names_only_site_paths():
    body = json.dumps({"newsroom-invalidate": {"paths": ["/*", "http://evil/", "/ok/", 3, "/" + "x" * 2000]}})
    assert parse(body) == [Invalidate(("/ok/",))]
    assert parse(Invalidate(("/b/", "/a/", "/b/")).body()) == [Invalidate(("/a/", "/b/"))]  # sorted, once each


def test_requests_are_bounded():
    many = tuple(f"articles/{n}.md" for n in range(250))
    [asked] = parse(json.dumps({"newsroom_rerender": {"keys": list(many)}}))
    assert isinstance(asked, Rerender) and asked.keys == many[:messages.MAX_KEYS]


def test_dispatch_hands_each_kind_to_its_handler_and_returns_what_failed(caplog):
    seen = []

    def fails(message):
        raise RuntimeError("AWS is down")

    handlers = {S3Change: seen.append, Due: fails}
    s3 = json.dumps({"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "articles/a.md"}}}]})
    failures = messages.dispatch([{"messageId": "1", "body": s3},
                                  {"messageId": "2", "body": Due("k", "s", "t").body()},
                                  {"messageId": "3", "body": Invalidate(("/a/",)).body()}],  # no handler: ignored
                                 handlers, "test_failed")
    assert seen == [S3Change("b", "articles/a.md")]
    assert failures == [{"itemIdentifier": "2"}]
