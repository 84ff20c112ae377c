"""The test harness: AWS stood in by moto with the template's stack, the site as editors and Lambda see it,
and the local servers. The tests (tests/conftest.py) and the benchmarks (bench/) both use it.

Nothing happens at import. ``use_fake_credentials`` is what a process calls first, so that botocore
never signs with, or reaches, a real account.

The stack is built once per process and emptied between uses (``StandIn``): building it (CloudFormation
in moto, then the bucket's notifications, versioning and the queues' policies: ``devstack.stack``) takes
about a second, emptying it a few hundredths. Emptied means what a fresh build would hold: no item, no
object or version, no message; the bucket's and queues' settings as built; no other bucket, table,
queue, topic or stack; every other service (Cognito, Scheduler, CloudFront...) as new.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from devstack.child import stop_group
from devstack.local import sqs_event, upload_content
from devstack.stack import Stack, create_stack

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_DIR / "content"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}
# The seed page's article: `newsroom-dev serve` is up once it answers.
SEED = "/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats/"


def in_process_config() -> Any:
    """The settings of the app's functions run in this process against moto: the dev stage, with no site
    cache (each read sees the writes before it)."""
    from chalicelib import config

    return config.Config(stage="dev", region=REGION, site_cache_seconds=0)


def use_fake_credentials() -> None:
    """Credentials that reach no account, and no endpoint but moto's: for a process that tests or benchmarks."""
    os.environ.update(FAKE_CREDENTIALS)
    os.environ.pop("AWS_ENDPOINT_URL", None)


# --- the site, as an editor and Lambda see it ----------------------------------------------------

class Site:
    """The content bucket and the ingest queue as an editor and Lambda see them."""

    def __init__(self, stack: Stack, client: Any, s3: Any = None, sqs: Any = None):
        import boto3

        self.stack = stack
        self.client = client  # chalice.test.Client
        self.s3 = s3 or boto3.client("s3")
        self.sqs = sqs or boto3.client("sqs")

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

        queue_url = {"images": self.stack.images_queue_url, "imports": self.stack.imports_queue_url,
                     "newsletters": self.stack.newsletters_queue_url,
                     "newsletter_events": self.stack.newsletter_events_queue_url}.get(function, self.stack.queue_url)
        event = sqs_event(messages, f"arn:aws:sqs:{REGION}:{ACCOUNT}:" + queue_url.rsplit("/", 1)[-1])
        result: dict[str, Any] = self.client.lambda_.invoke(function, event).payload
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
        return str(obj["Body"].read().decode())

    def get(self, path: str) -> Any:
        """A reader's GET."""
        return self.client.http.get(path)


# --- moto, with the stack built once --------------------------------------------------------------

# Queue attributes a test may change and the reset puts back (the others are counts and timestamps).
_QUEUE_SETTINGS = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "Policy",
                   "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "VisibilityTimeout")


@dataclass
class _Built:
    """What the stack is made of right after it was built: the reset brings moto back to this."""

    services: frozenset[str]
    tables: frozenset[str]
    buckets: dict[str, tuple[dict[str, Any], str]]  # name -> (notification configuration, versioning status)
    notifying: dict[str, Any]  # name -> moto's notification configuration object (replaced when a test puts one)
    queues: dict[str, tuple[str, dict[str, str], tuple[Any, ...]]]  # name -> (URL, settings, as moto holds them)
    topics: frozenset[str]
    subscriptions: frozenset[str]
    stacks: frozenset[str]
    iam: dict[str, frozenset[str]]  # each of moto's IAM registries (roles, managed policies...) -> its names


@dataclass(frozen=True)
class _Snapshot:
    items: dict[str, Any]  # table -> its items, as moto holds them
    objects: dict[str, list[tuple[str, bytes, dict[str, Any]]]]  # bucket -> (key, bytes, metadata) of each object


@dataclass
class StandIn:
    """moto's in-process AWS holding the template's stack, built at first use and emptied for each later one.

    moto keeps its state in the process between ``mock_aws`` blocks when told not to drop it, so each use
    patches botocore again without a reset. A test that opens its own ``mock_aws()`` wipes every service
    when it starts and ends; the next use sees the stack gone and builds it again.
    """

    stack: Stack | None = None
    built: _Built | None = None
    clients: dict[str, Any] = field(default_factory=dict)  # made once: a boto3 client costs ~0.1 s to make
    desk: tuple[Any, dict[str, dict[str, Any]]] | None = None  # the desk's pool, and Cognito as it left it
    seeded: _Snapshot | None = None  # the sample content as ingest left it in the stack, the first time
    kept: dict[str, _Snapshot] = field(default_factory=dict)  # what each named arrangement left (``arranged``)
    builds: int = 0
    resets: int = 0
    _active: list[Any] = field(default_factory=list)

    @contextlib.contextmanager
    def aws(self) -> Iterator[Stack]:
        """moto patched in, holding the stack as freshly built (or freshly emptied)."""
        from moto import mock_aws

        if self._active:
            raise RuntimeError("one site at a time: this process's stack is in use (a module-scoped site and a "
                               "test's own site cannot be open together)")
        from devstack import moto_gaps

        moto_gaps.install()  # deletes in the versioned bucket notify, as in AWS
        mock = mock_aws()
        mock.start(reset=False)
        self._active.append(mock)
        try:
            import boto3

            if self.stack is None or self.built is None or not self._intact():
                self._build(boto3.Session(region_name=REGION))
            else:
                self._reset()
            assert self.stack is not None
            yield self.stack
        finally:
            self._active.clear()
            mock.stop(remove_data=False)

    @contextlib.contextmanager
    def site(self, seed: bool) -> Iterator[Site]:
        """The stack, the app's functions in Chalice's test client, and (``seed``) the sample content ingested."""
        emptied_before = self.resets
        with self.aws() as stack:
            from chalice.test import Client

            from app import app
            from chalicelib.site import store

            store.clear_site_cache()
            with Client(app, stage_name="dev") as test_client:
                site = Site(stack, test_client, self.client("s3"), self.client("sqs"))
                if self.resets == emptied_before:  # just built: the bucket's notifications made S3 send an
                    assert site.ingest() == {"batchItemFailures": []}  # s3:TestEvent, which ingest skips
                if seed and self.seeded is not None:
                    self._restore(self.seeded)
                elif seed:
                    upload_content(site.s3, stack.bucket, CONTENT_DIR)
                    assert site.ingest() == {"batchItemFailures": []}
                    self.seeded = self._snapshot()
                yield site
            store.clear_site_cache()

    def client(self, service: str) -> Any:
        """This process's boto3 client of ``service`` (for use inside ``aws()``, where moto answers it)."""
        if service not in self.clients:
            import boto3

            self.clients[service] = boto3.client(service, region_name=REGION)
        return self.clients[service]

    def desk_pool(self) -> Any:
        """The desk's user pool with one account per role (``devstack.desk``), inside ``aws()``: made the first
        time, then put back as it was made (Cognito's state copied as moto holds it: a pool takes ~20 calls)."""
        from moto.cognitoidentity.models import cognitoidentity_backends
        from moto.cognitoidp.models import cognitoidp_backends

        from devstack.desk import create_desk_pool

        backends: dict[str, Any] = {"cognito-idp": cognitoidp_backends, "cognito-identity": cognitoidentity_backends}
        if self.desk is None:
            import boto3

            pool = create_desk_pool(boto3.Session(region_name=REGION))
            self.desk = pool, {name: copy.deepcopy(b[ACCOUNT][REGION].__dict__) for name, b in backends.items()}
        else:
            pool, held = self.desk
            for name, backend in backends.items():
                backend[ACCOUNT][REGION].__dict__ = copy.deepcopy(held[name])
        return pool

    def arranged(self, name: str, site: Site, arrange: Callable[[Site], Any]) -> Site:
        """``arrange(site)`` (uploads and ingests) the first time; after that, what it left in the tables and
        buckets is put back from a copy, so each test starts from the same site without paying for it again.

        For arrangements of content only, ingested to the end: when ``arrange`` leaves a message on a queue
        or an object with more than one version, nothing is kept and it runs every time. ``name`` says
        which arrangement (and on which starting site): one name, one arrangement.
        """
        if name in self.kept:
            for bucket in self.kept[name].objects:
                _empty_bucket(bucket)
            self._restore(self.kept[name])
            return site
        arrange(site)
        held = _held()
        if all(not queue._messages for queue in held["sqs"].queues.values()) and all(
                len(versions) == 1 for bucket in (self.built.buckets if self.built else {}) for _, versions in
                held["s3"].buckets[bucket].keys.iterlists()):
            self.kept[name] = self._snapshot()
        return site

    def _build(self, session: Any) -> None:
        from moto.core.base_backend import BackendDict

        BackendDict.reset()
        self.stack = create_stack(session)
        self.seeded = self.desk = None
        self.kept.clear()
        self.builds += 1
        held = _held()
        s3, sqs = self.client("s3"), self.client("sqs")
        self.built = _Built(
            services=frozenset(backend.service_name for backend in BackendDict._instances  # type: ignore[misc]
                              if len(backend)),
            tables=frozenset(held["dynamodb"].tables),
            buckets={name: (_notifications(s3, name), bucket.versioning_status or "")
                     for name, bucket in held["s3"].buckets.items()},
            notifying={name: bucket.notification_configuration for name, bucket in held["s3"].buckets.items()},
            queues={name: (url, _queue_settings(sqs, url), _queue_state(held["sqs"].queues[name]))
                    for url in sqs.list_queues().get("QueueUrls", []) for name in [url.rsplit("/", 1)[-1]]},
            topics=frozenset(held["sns"].topics),
            subscriptions=frozenset(held["sns"].subscriptions),
            stacks=frozenset(stack.name for stack in held["cloudformation"].stacks.values()
                             if stack.status != "DELETE_COMPLETE"),
            iam={name: frozenset(registry) for name, registry in vars(held["iam"]).items()
                 if isinstance(registry, dict)})

    def _snapshot(self) -> _Snapshot:
        """Every item of the stack's tables and every object of its buckets, as they are now (from moto's
        own stores, as its table backups copy them: an API call per item would cost more than ingesting)."""
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import FakeKey, s3_backends

        assert self.built is not None
        tables = dynamodb_backends[ACCOUNT][REGION].tables
        buckets = s3_backends[ACCOUNT]["aws"].buckets
        return _Snapshot(
            items={table: copy.deepcopy(tables[table].items) for table in self.built.tables},
            objects={bucket: [(key.name, key.value, dict(key.metadata)) for key in buckets[bucket].keys.values()
                              if isinstance(key, FakeKey)] for bucket in self.built.buckets})

    def _restore(self, snapshot: _Snapshot) -> None:
        """Put a snapshot back into the emptied stack: what ingesting the same files made, without ingesting
        them again (each object gets one new version, as an upload gives it, and sends no notification)."""
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends

        tables = dynamodb_backends[ACCOUNT][REGION].tables
        for table, items in snapshot.items.items():
            tables[table].items = copy.deepcopy(items)
        s3 = s3_backends[ACCOUNT]["aws"]
        for bucket, objects in snapshot.objects.items():
            for name, value, metadata in objects:
                s3.put_object(bucket, name, value, disable_notification=True).set_metadata(dict(metadata), replace=True)

    def _intact(self) -> bool:
        """Whether the stack is still there (a test's own ``mock_aws()`` resets everything)."""
        assert self.stack is not None
        held = _held()
        return (self.stack.table in held["dynamodb"].tables and self.stack.bucket in held["s3"].buckets
                and self.stack.queue_name in held["sqs"].queues)

    def _reset(self) -> None:
        """Back to the stack as built, without building it again: what moto holds is read in its own
        stores (each API call costs tens of ms); the API changes only what a test changed."""
        from moto.core.base_backend import BackendDict

        assert self.built is not None
        built, held = self.built, _held()
        for backend in list(BackendDict._instances):  # type: ignore[misc]  # every service the stack does not use: as new
            if backend.service_name not in built.services:
                for account in backend.values():
                    account.reset()
                backend.clear()
        for stack in list(held["cloudformation"].stacks.values()):  # another stage's or prefix's stack a test made
            if stack.status != "DELETE_COMPLETE" and stack.name not in built.stacks:
                self.client("cloudformation").delete_stack(StackName=stack.name)
        for name, registry in vars(held["iam"]).items():  # roles and policies of those stacks (moto keeps them)
            if isinstance(registry, dict):
                for extra in set(registry) - built.iam.get(name, frozenset()):
                    del registry[extra]
        for table in list(held["dynamodb"].tables):
            if table in built.tables:
                _empty_table(table)
            else:
                self.client("dynamodb").delete_table(TableName=table)
        for name in list(held["s3"].buckets):
            _empty_bucket(name)
            if name not in built.buckets:
                self.client("s3").delete_bucket(Bucket=name)
                continue
            bucket, (notifications, versioning) = held["s3"].buckets[name], built.buckets[name]
            if bucket.notification_configuration is not built.notifying[name]:
                self.client("s3").put_bucket_notification_configuration(Bucket=name,
                                                                        NotificationConfiguration=notifications)
                built.notifying[name] = bucket.notification_configuration
            if versioning and bucket.versioning_status != versioning:
                self.client("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        for arn in set(held["sns"].subscriptions) - built.subscriptions:
            self.client("sns").unsubscribe(SubscriptionArn=arn)
        for arn in set(held["sns"].topics) - built.topics:
            self.client("sns").delete_topic(TopicArn=arn)
        if "ses" in built.services:  # the e-mail SES accepted is data, like a queue's messages; its identity stays
            from moto.core.model_instances import model_data
            from moto.ses.models import ses_backends

            mail = ses_backends[ACCOUNT][REGION]
            mail.sent_messages.clear()
            for model in model_data.get("ses", {}).values():  # the outbox (`newsroom outbox`) lists these
                model.instances_tracked.clear()  # type: ignore[attr-defined]
            mail.sent_message_count = mail.rejected_messages_count = 0
        for name, queue in list(held["sqs"].queues.items()):  # last: the puts above may have notified them
            if name not in built.queues:
                self.client("sqs").delete_queue(QueueUrl=self.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])
                continue
            url, settings, state = built.queues[name]
            if _queue_state(queue) != state:
                self.client("sqs").set_queue_attributes(QueueUrl=url, Attributes=settings)
            _purge(name)
        self.resets += 1


def _held() -> dict[str, Any]:
    """moto's backends of the services the stack lives in, for this account and region."""
    from moto.cloudformation.models import cloudformation_backends
    from moto.dynamodb.models import dynamodb_backends
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    return {"cloudformation": cloudformation_backends[ACCOUNT][REGION], "dynamodb": dynamodb_backends[ACCOUNT][REGION],
            "iam": iam_backends[ACCOUNT]["global"], "s3": s3_backends[ACCOUNT]["aws"],
            "sns": sns_backends[ACCOUNT][REGION], "sqs": sqs_backends[ACCOUNT][REGION]}


def _queue_state(queue: Any) -> tuple[Any, ...]:
    """A queue's settings as moto holds them (to tell whether a test changed them)."""
    return tuple(json.dumps(getattr(queue, name, None), sort_keys=True, default=str) for name in (
        "delay_seconds", "maximum_message_size", "message_retention_period", "receive_message_wait_time_seconds",
        "redrive_policy", "visibility_timeout", "policy"))


def _notifications(s3: Any, bucket: str) -> dict[str, Any]:
    found = s3.get_bucket_notification_configuration(Bucket=bucket)
    return {k: v for k, v in found.items() if k != "ResponseMetadata"}


def _queue_settings(sqs: Any, url: str) -> dict[str, str]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
    return {k: v for k, v in attributes.items() if k in _QUEUE_SETTINGS}


def _purge(name: str) -> None:
    """PurgeQueue, with moto's one-a-minute limit started again: as a queue just built."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[ACCOUNT][REGION].queues[name]
    queue._messages = []
    queue._pending_messages = set()
    queue.deleted_messages = set()
    queue.last_purged_at = None


def _empty_table(table: str) -> None:
    """Every item gone (in moto's store, as a table just made: each DeleteItem would cost tens of ms)."""
    from collections import defaultdict

    from moto.dynamodb.models import dynamodb_backends

    dynamodb_backends[ACCOUNT][REGION].tables[table].items = defaultdict(dict)


def _empty_bucket(bucket: str) -> None:
    """Every object, version and delete marker gone, with no notification sent (as a bucket just made).

    Through moto's own store, as its reset does: deleting each version through the API would notify the
    queues of each, and moto 5.2 fails to describe a delete marker's deletion in a notification.
    """
    from moto.s3.models import FakeKey, s3_backends

    held = s3_backends[ACCOUNT]["aws"].buckets[bucket]
    for _, versions in held.keys.iterlists():
        for key in versions:
            if isinstance(key, FakeKey):
                key.dispose()
    for part in held.multiparts.values():
        part.dispose()
    held.keys = type(held.keys)()
    held.multiparts = type(held.multiparts)()


# --- local servers --------------------------------------------------------------------------------

def free_port() -> int:
    """A TCP port nothing listens on now (each process asks the kernel: parallel workers never share one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, timeout: float = 5) -> tuple[int, str]:
    """Status and text of a GET; 0 and "" when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> float | None:
    """Seconds until ``predicate()`` held, or None if it never did within ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(interval)
    return None


class ServeFailed(RuntimeError):
    """``newsroom-dev serve`` did not come up; the message ends with its log."""


@dataclass
class Served:
    """``newsroom-dev serve`` running: the site at ``base``, moto at ``endpoint``."""

    base: str
    endpoint: str
    proc: subprocess.Popen[Any]
    env: dict[str, str]  # what a command needs to work on it (the dummy credentials)
    ports: tuple[int, int]
    log: IO[str]

    def __getitem__(self, name: str) -> Any:  # stack["base"], as the tests read it
        return getattr(self, name)

    def printed(self) -> str:
        """Everything serve printed so far."""
        self.log.seek(0)
        return self.log.read()


def start_serve(log_dir: Path, timeout: float = 120, settings: dict[str, str] | None = None) -> Served:
    """``newsroom-dev serve`` (what ``make run`` runs) on free ports, up once it serves the sample content.
    ``settings``: documented settings of its environment (``NEWSROOM_...``) to set.

    :raise ServeFailed: it ended or did not serve within ``timeout`` seconds.
    """
    port, moto_port = free_port(), free_port()
    log = (log_dir / "serve.log").open("w+")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "NEWSROOM_"))} | (settings or {})
    proc = subprocess.Popen([str(Path(sys.executable).parent / "newsroom-dev"), "serve", "--port", str(port),
                             "--moto-port", str(moto_port), "--no-reload"],
                            cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    ready = wait_for(lambda: proc.poll() is not None or fetch(base + SEED)[0] == 200, timeout=timeout, interval=0.5)
    if ready is None or proc.poll() is not None:
        stop_group(proc, signal.SIGKILL, 10)
        log.seek(0)
        raise ServeFailed("newsroom-dev serve did not come up:\n" + log.read()[-5000:])
    aws_env = {**env, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    return Served(base, f"http://127.0.0.1:{moto_port}", proc, aws_env, (port, moto_port), log)


def stop_serve(served: Served) -> None:
    """Stop it as a developer does (Ctrl-C), and kill it only if that fails."""
    stop_group(served.proc)
    served.log.close()
