"""The desk tells the truth about the edge (issue 41): an unpublished or corrected article is "gone from
the edge" only once CloudFront says the invalidation that carried it is Completed (GetInvalidation);
until then the desk says it is still clearing. moto completes invalidations at once, so these tests hold
its invalidations in progress and complete them when they choose."""

from __future__ import annotations

import json
from typing import Any, Iterator

import boto3
import pytest
from moto.cloudfront.models import cloudfront_backends
from moto.core import DEFAULT_ACCOUNT_ID

from tests.functional.test_desk import STORY, api, sign_in


@pytest.fixture
def cdn(desk, settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A distribution in moto, named to ingest as the stack names it; ``cdn.complete()`` finishes the
    invalidations sent so far, which otherwise stay InProgress."""
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(DistributionConfig={
        "CallerReference": "desk-edge", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "api", "DomainName": "example.execute-api.amazonaws.com",
                                               "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                      "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "api", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}},
    })["Distribution"]["Id"]
    # A stage with a distribution has its origin secret (read directly here, as a stage may allow).
    settings(distribution_id=distribution, origin_secret="edge-test-secret", allow_direct_access=True)
    backend = cloudfront_backends[DEFAULT_ACCOUNT_ID]["global"]

    class Cdn:
        def hold(self) -> None:
            """Every invalidation sent so far is still in progress, as CloudFront's are for seconds to minutes."""
            for invalidation in backend.invalidations.get(distribution, []):
                invalidation.status = "InProgress"

        def complete(self) -> None:
            for invalidation in backend.invalidations.get(distribution, []):
                invalidation.status = "Completed"

        def sent(self) -> int:
            return len(backend.invalidations.get(distribution, []))

    yield Cdn()


def status(desk, jar: str, answer: dict[str, Any], gone: bool = False) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the desk's page asks while it follows a save (templates/desk/desk.js: follow)."""
    path = (f"/desk/status?key={answer['key']}&version={answer['version']}&since={answer['since']}"
            + ("&gone=1" if gone else ""))
    found: dict[str, Any] = json.loads(desk.client.http.get(path, headers={"Cookie": jar}).body)
    return found


def test_an_unpublished_article_is_still_clearing_until_cloudfront_completes_its_invalidation(desk, cdn):
    jar, token, _ = sign_in(desk)
    first = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Up."}).body)
    desk.ingest()
    cdn.complete()
    gone = json.loads(api(desk, "/desk/save", jar, token, {"action": "unpublish", "key": first["key"],
                                                           "version": first["version"], "fields": STORY,
                                                           "body": "Up."}).body)
    assert gone["state"] == "unpublishing" and "gone from" not in gone["message"].lower()
    assert status(desk, jar, gone, gone=True) == {"state": "waiting"}  # ingest has not run yet
    sent = cdn.sent()
    desk.ingest()
    assert cdn.sent() == sent + 1
    cdn.hold()
    clearing = status(desk, jar, gone, gone=True)
    assert clearing["state"] == "unpublished" and clearing["edge"] == "clearing"
    assert "still clearing" in clearing["edge_note"] and "Gone from the site;" in clearing["edge_note"]
    cdn.complete()
    cleared = status(desk, jar, gone, gone=True)
    assert cleared["edge"] == "cleared" and cleared["edge_note"] == "Gone from the site and from the edge."


def test_a_correction_is_live_at_once_and_at_the_edge_when_cloudfront_says_so(desk, cdn):
    jar, token, _ = sign_in(desk)
    saved = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Wrong."}).body)
    desk.ingest()
    cdn.hold()
    live = status(desk, jar, saved)
    assert (live["state"], live["edge"]) == ("live", "clearing") and "still clearing" in live["edge_note"]
    cdn.complete()
    assert status(desk, jar, saved)["edge"] == "cleared"


def test_cloudfront_refusing_the_invalidation_is_said_not_hidden(desk, cdn, monkeypatch):
    from chalicelib import aws

    jar, token, _ = sign_in(desk)
    saved = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Up."}).body)

    class Refusing:
        def create_invalidation(self, **_: Any) -> None:
            raise RuntimeError("TooManyInvalidationsInProgress")

    monkeypatch.setattr(aws, "cloudfront_client", lambda: Refusing())
    desk.ingest()
    answer = status(desk, jar, saved)
    assert answer["edge"] == "failed" and "could not be told" in answer["edge_note"]


def test_without_a_distribution_there_is_no_edge_to_wait_for(desk):
    jar, token, _ = sign_in(desk)
    first = json.loads(api(desk, "/desk/save", jar, token, {"action": "publish", "fields": STORY, "body": "Up."}).body)
    desk.ingest()
    assert status(desk, jar, first) == {"state": "live", "url": "/desk-story/", "edge": None, "date": "2024-03-01T09:00:00Z"}
    gone = json.loads(api(desk, "/desk/save", jar, token, {"action": "unpublish", "key": first["key"],
                                                           "version": first["version"], "fields": STORY,
                                                           "body": "Up."}).body)
    desk.ingest()
    assert status(desk, jar, gone, gone=True) == {"state": "unpublished", "edge": None}


def test_an_approved_submission_is_followed_to_the_edge_as_a_publish_is(desk, cdn):
    """Approve answers with when it saved, as Publish does, so the desk's page follows the live article
    until CloudFront has cleared the old version (templates/desk/desk.js: follow)."""
    from tests.functional.test_desk_versions import FILE, LIVE, act, opened

    desk.put(LIVE, FILE)
    desk.put("submissions/" + LIVE, FILE.replace("The first words.", "A reviewed change."))
    desk.ingest()
    cdn.complete()
    jar, token, _ = sign_in(desk)
    approved = json.loads(act(desk, jar, token, "approve", opened(desk, jar, "submissions/" + LIVE),
                              "A reviewed change.").body)
    assert (approved["key"], approved["state"]) == (LIVE, "submitted") and approved["since"]
    assert status(desk, jar, approved) == {"state": "waiting"}  # ingest has not published it yet
    desk.ingest()
    cdn.hold()
    live = status(desk, jar, approved)
    assert (live["state"], live["url"], live["edge"]) == ("live", "/story/", "clearing")
    assert "still clearing" in live["edge_note"]
    cdn.complete()
    cleared = status(desk, jar, approved)
    assert cleared["edge"] == "cleared" and cleared["edge_note"] == "CloudFront has cleared the old version: the edge shows this one."
