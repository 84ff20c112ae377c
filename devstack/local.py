"""The local stack behind ``make run``: moto, the template, the relay, chalice local.

1. A moto server on 127.0.0.1 (default port 5000) stands in for AWS.
2. ``infra/template.yaml`` is created in it (``devstack.stack``).
3. A relay thread long-polls the ingest queue and hands each batch, shaped as
   the SQS event Lambda would send, to ``app.ingest``: the same handler
   function Lambda calls (and likewise for the images, imports, newsletters and
   newsletter events queues, so a send goes out through the stand-in's SES). Failed messages stay on the queue and come back
   after the visibility timeout, then go to the dead-letter queue, as in AWS.
4. ``content/`` is uploaded with S3 PutObject, so sample content takes the
   real path: S3 -> notification -> SQS -> relay -> ingest -> DynamoDB.
5. ``chalice local`` serves the site (default 127.0.0.1:8000).

Ctrl-C stops the relay, chalice local and moto. If serve is killed outright,
chalice local ends with it (``devstack.child``), so the port is free again.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import boto3

from chalicelib import config
from chalicelib.config import Config, stage_environment
from devstack.child import stop_group

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONTENT_DIR = PROJECT_DIR / "content"

log = logging.getLogger("devstack.local")


def local_environment(moto_port: int, stage: str = "dev") -> dict[str, str]:
    """What a process needs to work on the stage's resources in the moto server: the stage's
    variables, plus the endpoint and dummy credentials (for chalice local's process)."""
    return {
        **stage_environment(stage),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "NEWSROOM_STAGE": stage,
    }


def local_config(moto_port: int, stage: str = "dev") -> Config:
    """The settings of this process when it works on the stage's resources in the moto server."""
    return Config.for_stage(stage, local_environment(moto_port, stage))


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """Shape SQS ReceiveMessage results as the event Lambda delivers."""
    return {"Records": [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m.get("Attributes", {}),
            "messageAttributes": m.get("MessageAttributes", {}),
            "md5OfBody": m.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": "us-east-1",
        }
        for m in messages
    ]}


class Relay(threading.Thread):
    """Drains a queue (ingest's, or the images function's) into its Lambda handler, as the SQS event
    source mapping does."""

    def __init__(self, sqs: Any, queue_url: str, handler: Callable[[dict[str, Any], Any], Any], batch_size: int = 10,
                 name: str = "sqs-relay"):
        super().__init__(name=name, daemon=True)
        self.sqs = sqs
        self.queue_url = queue_url
        self.handler = handler
        self.batch_size = batch_size
        self.queue_arn = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.poll_once(wait_seconds=1)
            except Exception:  # noqa: BLE001 - keep relaying; the handler logs its own errors
                log.exception("relay: polling failed")
                time.sleep(0.5)

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch, invoke the handler, delete what succeeded; return the batch size."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds, AttributeNames=["All"])
        messages = response.get("Messages", [])
        if not messages:
            return 0
        try:
            result = self.handler(sqs_event(messages, self.queue_arn), None) or {}
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        except Exception:  # noqa: BLE001 - a failed invocation returns the whole batch
            log.exception("relay: ingest handler raised; the batch will be redelivered")
            failed = {m["MessageId"] for m in messages}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        return len(messages)

    def stop(self) -> None:
        self.stopping.set()


def upload_content(s3: Any, bucket: str, content_dir: Path = CONTENT_DIR) -> int:
    """Upload ``content_dir`` to the bucket (settings and terms first, articles last)."""
    files = [p for p in content_dir.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for path in sorted(files, key=lambda p: config.apply_rank(p.relative_to(content_dir).as_posix())):
        s3.put_object(Bucket=bucket, Key=path.relative_to(content_dir).as_posix(), Body=path.read_bytes())
    return len(files)


def wait_until_drained(sqs: Any, queue_url: str, timeout: float = 60.0) -> bool:
    """Wait until the queue has nothing visible or in flight."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        if attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
            return True
        time.sleep(0.2)
    return False


def serve(host: str = "127.0.0.1", port: int | None = 8000, moto_port: int = 5000, stage: str = "dev",
          load_content: bool = True, reload: bool = True) -> None:
    """Run the local stack until Ctrl-C: with ``port`` None, the AWS stand-in alone (``make aws``),
    for ``chalice local`` or the tests to run beside it."""
    from moto.server import ThreadedMotoServer

    from devstack import moto_gaps

    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack
    # Ctrl-C stops it even when it was started from a script in the background, where the shell
    # leaves SIGINT ignored and Python then never raises KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    moto_gaps.install()
    env = local_environment(moto_port, stage)
    config.use(local_config(moto_port, stage))  # the relay's ingest works on the stand-in
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # What is not news to a developer: moto saying its CloudFormation skips the queue policies (stack.py
    # applies them itself), and PynamoDB saying it has no settings file (it needs none).
    logging.getLogger("moto").setLevel(logging.ERROR)
    logging.getLogger("pynamodb").setLevel(logging.WARNING)

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    chalice_proc = None
    relay = images_relay = imports_relay = None
    newsletter_relays: list[Relay] = []
    try:
        from devstack.stack import create_stack

        session = boto3.Session(region_name=env["AWS_REGION"], aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        stack = create_stack(session, stage=stage, endpoint_url=env["AWS_ENDPOINT_URL"])
        from devstack.desk import create_desk_pool

        desk_pool = create_desk_pool(session, stage=stage, endpoint_url=env["AWS_ENDPOINT_URL"])
        env.update(desk_pool.environment())  # chalice local's desk signs people in with it
        config.use(config.current().replace(user_pool_id=desk_pool.user_pool_id, user_pool_client_id=desk_pool.client_id,
                                            identity_pool_id=desk_pool.identity_pool_id))
        sys.path.insert(0, str(PROJECT_DIR))
        import app as chalice_app

        sqs = session.client("sqs", endpoint_url=env["AWS_ENDPOINT_URL"])
        relay = Relay(sqs, stack.queue_url, chalice_app.ingest)
        relay.start()
        images_relay = Relay(sqs, stack.images_queue_url, chalice_app.images, batch_size=1, name="images-relay")
        images_relay.start()
        imports_relay = Relay(sqs, stack.imports_queue_url, chalice_app.imports, batch_size=1, name="imports-relay")
        imports_relay.start()
        # A send's messages, to as many senders as Lambda runs at once (each keeps to its share of the
        # stand-in SES's rate: 1 a second, as SES's sandbox); SES's events about them, to newsletter_events.
        newsletter_relays = [Relay(sqs, stack.newsletters_queue_url, chalice_app.newsletters, batch_size=1,
                                   name=f"newsletters-relay-{n}") for n in range(chalice_app.NEWSLETTERS_CONCURRENCY)]
        newsletter_relays.append(Relay(sqs, stack.newsletter_events_queue_url, chalice_app.newsletter_events,
                                       name="newsletter-events-relay"))
        for started in newsletter_relays:
            started.start()
        if load_content:
            count = upload_content(session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"]), stack.bucket)
            wait_until_drained(sqs, stack.images_queue_url)
            wait_until_drained(sqs, stack.queue_url)
            print(f"Loaded {count} sample files from content/ through S3 -> SQS -> ingest.")
        where = {"aws_endpoint": env["AWS_ENDPOINT_URL"], "bucket": stack.bucket, "queue": stack.queue_name,
                 "table": stack.table}
        if port is not None:
            chalice_proc = subprocess.Popen(
                [sys.executable, "-m", "devstack.child",  # ends with this process, however it ends
                 str(Path(sys.executable).with_name("chalice")), "local", "--host", host, "--port", str(port),
                 "--stage", stage] + ([] if reload else ["--no-autoreload"]),
                cwd=PROJECT_DIR, env={**os.environ, **env}, start_new_session=True)
            where = {"site": f"http://{host}:{port}/", "desk": f"http://{host}:{port}/desk/", **where}
        print(json.dumps(where, indent=2))
        for role, email, password in desk_pool.accounts:
            print(f"desk account: {role} {email} {password}")
        if port is None:
            print(f"The AWS stand-in is up. Serve the site beside it: chalice local --stage {stage}")
        print(f"Upload:  aws --endpoint-url {env['AWS_ENDPOINT_URL']} s3 cp story.md s3://{stack.bucket}/articles/story.md")
        print(f"E-mails: newsroom outbox --endpoint-url {env['AWS_ENDPOINT_URL']}  (what SES accepted: sign-up "
              "confirmations, newsletters; sent at the stand-in SES's rate, 1 a second, as SES's sandbox)")
        print("Press Ctrl-C to stop.", flush=True)
        while chalice_proc is None or chalice_proc.poll() is None:
            time.sleep(0.5)
        raise SystemExit(f"chalice local exited with status {chalice_proc.returncode}")
    except KeyboardInterrupt:
        print("\nStopping.")
    finally:
        for running in (relay, images_relay, imports_relay, *newsletter_relays):
            if running is not None:
                running.stop()
        if chalice_proc is not None:
            stop_group(chalice_proc, signal.SIGTERM, 10)
        # werkzeug's server_close joins every handler thread, and a client's kept-alive connection
        # holds one open indefinitely: stop moto in the background and give it 5 s, not forever.
        stopper = threading.Thread(target=moto.stop, name="moto-stop", daemon=True)
        stopper.start()
        stopper.join(timeout=5)
