"""Fixtures shared by every test: a fresh moto AWS per test, the stack from infra/.

The tests hand their settings in (``chalicelib.config.use``): each test starts
with ``TEST_CONFIG`` whatever the previous one changed, and the ``settings``
fixture changes them for one test. botocore still reads credentials from the
environment, and moto's in-process mock must not meet a real endpoint.
"""

from __future__ import annotations

import json
import os

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
})
os.environ.pop("AWS_ENDPOINT_URL", None)

import contextlib  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Iterator  # noqa: E402

import boto3  # noqa: E402
import botocore.client  # noqa: E402
import hypothesis  # noqa: E402
import pytest  # noqa: E402
from chalice.test import Client  # noqa: E402
from moto import mock_aws  # noqa: E402

from chalicelib import config  # noqa: E402
from devstack import moto_gaps  # noqa: E402
from devstack.local import sqs_event, upload_content  # noqa: E402
from devstack.stack import Stack, create_stack  # noqa: E402
from tests import dynamodb_limits  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parent.parent
moto_gaps.install()  # deletes in the versioned bucket notify, as in AWS
# The dev stage, in moto's in-process mock, with no site cache (each test sees its writes at once).
TEST_CONFIG = config.Config(stage="dev", region="us-east-1", site_cache_seconds=0)
config.use(TEST_CONFIG)  # for module-scoped fixtures too
dynamodb_limits.install()  # every DynamoDB request of the suite meets DynamoDB's own limits, not just moto's


# Hypothesis's profiles (pyproject's addopts pick "ci"; `make fuzz` picks "fuzz"):
# - ci: every run draws the same examples (each test's generator is seeded from its own source), so make test
#   gives the same answer on every clone and a failure is reproducible; no example database.
# - fuzz: new random examples on every run, FUZZ_FACTOR (default 10) times each test's max_examples. What it
#   finds is kept as an @example line on the test (or, for bytes, a file under tests/data/), which ci then
#   runs every time; its local database (.hypothesis/, not committed) replays a find until it is fixed.
# In both, time never decides a result (no deadline, no too_slow health check): a busy machine is not a bug.
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None,
                                     suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.register_profile("fuzz", derandomize=False, print_blob=True, deadline=None,
                                     suppress_health_check=[hypothesis.HealthCheck.too_slow])
hypothesis.settings.load_profile("ci")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's own @settings keep the profile's timing rules; under fuzz, it runs FUZZ_FACTOR times as many
    examples as it asks for."""
    fuzzing = hypothesis.settings.get_current_profile_name() == "fuzz"
    factor = int(os.environ.get("FUZZ_FACTOR", "10")) if fuzzing else 1
    for item in items:
        obj = getattr(item, "obj", None)
        test = getattr(obj, "__func__", obj)
        own = getattr(test, "_hypothesis_internal_use_settings", None)  # what @settings gave (Hypothesis 6)
        if isinstance(own, hypothesis.settings):
            test._hypothesis_internal_use_settings = hypothesis.settings(  # type: ignore[union-attr]
                own, max_examples=own.max_examples * factor, deadline=None,
                suppress_health_check=[*own.suppress_health_check, hypothesis.HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def settings() -> Iterator[Any]:
    """Every test starts with TEST_CONFIG; ``settings(name=value, ...)`` changes them for this test."""
    def change(**changes: Any) -> config.Config:
        config.use(config.current().replace(**changes))
        return config.current()

    config.use(TEST_CONFIG)
    yield change
    config.use(TEST_CONFIG)


class Site:
    """The content bucket and the ingest queue as an editor and Lambda see them."""

    def __init__(self, stack: Stack, client: Client):
        self.stack = stack
        self.client = client
        self.s3 = boto3.client("s3")
        self.sqs = boto3.client("sqs")

    def put(self, key: str, text: str | bytes) -> None:
        """Upload a file to the content bucket, as an editor would."""
        body = text.encode() if isinstance(text, str) else text
        self.s3.put_object(Bucket=self.stack.bucket, Key=key, Body=body)

    def delete(self, key: str) -> None:
        """Delete a file from the content bucket."""
        self.s3.delete_object(Bucket=self.stack.bucket, Key=key)

    def receive(self, queue_url: str | None = None) -> list[dict[str, Any]]:
        """Take the notifications S3 sent to the ingest queue (or ``queue_url``) (moto-produced)."""
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.sqs.receive_message(QueueUrl=queue_url or self.stack.queue_url, MaxNumberOfMessages=10,
                                             AttributeNames=["All"]).get("Messages", [])
            if not batch:
                return messages
            messages.extend(batch)

    def invoke(self, messages: list[dict[str, Any]], function: str = "ingest") -> dict[str, Any]:
        """Invoke the ingest (or images) Lambda with an SQS event made of ``messages``; return its result."""
        from chalicelib.site import store

        queue_url = {"images": self.stack.images_queue_url, "imports": self.stack.imports_queue_url}.get(
            function, self.stack.queue_url)
        event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:" + queue_url.rsplit("/", 1)[-1])
        result = self.client.lambda_.invoke(function, event).payload
        for message in messages:
            if message["MessageId"] not in {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        store.clear_site_cache()
        return result

    def run_imports(self) -> dict[str, Any]:
        """Deliver every pending imports/ notification to the imports Lambda (an export the desk uploaded)."""
        return self.invoke(self.receive(self.stack.imports_queue_url), "imports")

    def make_sizes(self) -> dict[str, Any]:
        """Deliver every pending media/ notification to the images Lambda."""
        return self.invoke(self.receive(self.stack.images_queue_url), "images")

    def ingest(self) -> dict[str, Any]:
        """Deliver every pending notification: media/ ones to the images Lambda first, then the
        content ones to ingest, until both queues are empty (sized photos render articles again)."""
        failures: list[dict[str, str]] = []
        while True:
            sized = self.receive(self.stack.images_queue_url)
            if sized:
                self.invoke(sized, "images")
            messages = self.receive()
            if not messages and not sized:
                return {"batchItemFailures": failures}
            if messages:
                failures += self.invoke(messages)["batchItemFailures"]

    def refusal(self, key: str) -> str | None:
        """The report for ``key`` if ingest refused it (not one of warnings on a published file), or None."""
        report = self.report(key)
        return report if report is not None and json.loads(report)["status"] == "not published" else None

    def report(self, key: str) -> str | None:
        """The error report ingest left for ``key``, or None."""
        try:
            obj = self.s3.get_object(Bucket=self.stack.bucket, Key=f"reports/{key}.json")
        except self.s3.exceptions.NoSuchKey:
            return None
        return obj["Body"].read().decode()

    def get(self, path: str) -> Any:
        """A reader's GET."""
        return self.client.http.get(path)


@contextlib.contextmanager
def _moto_site(seed: bool) -> Iterator[Site]:
    with mock_aws():
        from app import app
        from chalicelib.site import store

        store.clear_site_cache()
        stack = create_stack(boto3.Session(region_name="us-east-1"))
        with Client(app, stage_name="dev") as test_client:
            site = Site(stack, test_client)
            # Setting up notifications made S3 send an s3:TestEvent; ingest skips it.
            assert site.ingest() == {"batchItemFailures": []}
            if seed:
                upload_content(site.s3, stack.bucket, PROJECT_DIR / "content")
                assert site.ingest() == {"batchItemFailures": []}
            yield site
        store.clear_site_cache()


@pytest.fixture
def site() -> Iterator[Site]:
    """An empty site in a fresh moto AWS built from infra/template.yaml."""
    with _moto_site(seed=False) as fresh:
        yield fresh


@pytest.fixture
def seeded_site() -> Iterator[Site]:
    """A fresh site holding the sample content from content/, for tests that change it."""
    with _moto_site(seed=True) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def seeded() -> Iterator[Site]:
    """The sample content, shared by a module's tests: read it, never change it.

    moto's state is global, so a module using this uses no other site fixture.
    """
    with _moto_site(seed=True) as shared:
        yield shared


class RequestLog:
    """Counts AWS API calls by service and operation."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def count(self, service: str) -> int:
        return sum(1 for s, _ in self.calls if s == service)

    def clear(self) -> None:
        self.calls.clear()


@pytest.fixture
def aws_requests(monkeypatch: pytest.MonkeyPatch) -> RequestLog:
    """Record every AWS request made through botocore (boto3 and PynamoDB alike)."""
    log = RequestLog()
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        log.calls.append((self.meta.service_model.service_name, operation_name))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return log
