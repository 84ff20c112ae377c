"""make bench-send: a newsletter sent to 1,000,000 subscribers, on our real sender code, at SES's rate.

Three parts, each written to ``bench/results/send.json``:

1. **A sample, sent for real.** ``--sample`` subscribers (2,000) are written through
   ``subscribers.saved`` (the index with them) into the local stand-in, and a send goes through the
   real ``sending.start`` and ``sending.deliver`` (the plan steps, the batches, the claims, SES v2's
   SendEmail in moto) with ``SENDERS`` simulated sender functions taking the queue's messages. Time
   is simulated: each AWS call costs its modelled latency (``--dynamodb-ms``, ``--ses-ms``,
   ``--sqs-ms``), our own code its measured time, and each sender's ``Pace`` (the real one, from
   ``--rate``) sleeps on the simulated clock. What SES accepted is counted per recipient from moto:
   duplicates and missed.
2. **The million, modelled.** From the sample: the time one reader costs a sender (calls and code), the
   time a batch costs besides (reading the send, counting, the queue), the plan's steps. Each sender
   sends at most ``rate / SENDERS`` a second (its pace) or as fast as its work allows, whichever is
   slower; the send takes the plan's first step, the readers at that rate, and the tail (the last
   batches, when fewer than ``SENDERS`` remain). ``rate_utilization`` is the rate reached over ``--rate``.
   ``cost_per_1000`` adds SES, Lambda (the senders' time, paced: they wait for their turn; the events
   function: SES's Send and Delivery events), SQS (plan, batch and event messages: send, receive,
   delete) and DynamoDB (the claims, the marks, the reads, the copies counted once at the end, the
   Send events' reads and the Delivery events' counting) at us-east-1's list prices (below, with their pages).
3. **Chaos.** ``--chaos`` recipients (10,000) through the real code with every message delivered in a
   random order, a share delivered twice, SES throttling a share of calls (TooManyRequestsException),
   and a share of senders killed midway (after a claim, after SES took an e-mail, or after a plan step
   queued part of its batches: no AWS call of theirs after that); a killed sender's message comes back
   after the queue's visibility timeout (longer than the claim's lease, as in the template), once SES's
   events (Send among them) went through the events function, out of order and a share twice. Every
   recipient must have exactly one e-mail in moto's SES, and the send must be done, its ``sent`` the
   readers who got it.

``--rate``: SES's account rate, e-mails a second. The default, 14, is the rate AWS long gave a new
account leaving the sandbox (its quotas page now says the rate "varies based on your specific use
case": docs.aws.amazon.com/ses/latest/dg/quotas.html); a million at 14 a second is ~20 hours, and
needs a daily quota of at least a million. ``make bench-send ARGS="--rate 200"`` for a larger account.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from common import BENCH, DYNAMODB_READ, DYNAMODB_WRITE, LAMBDA_GB_SECOND, LAMBDA_REQUEST, api_call, machine, replace_api_call

# us-east-1 list prices (December 2026), beside those in common.py:
SES_PER_EMAIL = 0.10 / 1000  # aws.amazon.com/ses/pricing/: $0.10 per 1,000 e-mails sent
SQS_REQUEST = 0.40 / 1e6  # aws.amazon.com/sqs/pricing/: standard queue, per request (64 KB chunk), past the free million
SNS_PUBLISH = 0.50 / 1e6  # aws.amazon.com/sns/pricing/: per publish (SES's events); delivery to SQS is free
SENDER_MEMORY_GB = 0.5  # the newsletters function's MemorySize (.chalice/config.json: the 512 MB default)
EVENT_BATCH = 10  # SES events per newsletter_events invocation (app.py: batch_size)
EVENT_SECONDS = 0.05  # one newsletter_events invocation: 10 events, ~2 writes each
# SES's events per reader (infra/template.yaml's MatchingEventTypes): Send (the copy read; written only
# if its sender died before marking it) and Delivery (the copy marked, the send's counter added to).
EVENTS_PER_READER = 2
EVENT_WRITES, EVENT_READS = 2, 0.5  # per reader: the Delivery event's two writes; the Send event's eventually consistent read
COPY_BYTES = 200  # one reader's copy (models.Delivery: keys, state, claim, SES's message id, delivered_at)
COUNTINGS = 1  # times a send's copies are counted (sending._close: once, unless senders were killed near its end)


@dataclass
class Sender:
    """One simulated sender function: its simulated clock and its own pace (the real ``sending.Pace``)."""

    name: int
    clock: float = 0.0
    pace: Any = None
    busy: float = 0.0  # simulated seconds spent on messages (Lambda bills them)


@dataclass
class Recorder:
    """Every AWS call the real code makes while a sender runs: its count per operation, and the
    simulated latency it adds to that sender's clock."""

    latency: dict[str, float]
    current: Sender | None = None
    calls: Counter[str] = field(default_factory=Counter)
    sends: list[float] = field(default_factory=list)  # simulated time of each SES SendEmail
    in_calls: float = 0.0  # real seconds inside AWS calls (moto), left out of our code's time

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        original = api_call()

        def call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            service = client.meta.service_model.service_name
            began = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                self.in_calls += time.perf_counter() - began
                if self.current is not None:
                    self.calls[f"{service}:{operation}"] += 1
                    self.current.clock += self.latency.get(service, 0.0)
                    if operation == "SendEmail":
                        self.sends.append(self.current.clock)

        replace_api_call(call)
        try:
            yield
        finally:
            replace_api_call(original)


def subscribe(count: int, newsletter: str, prefix: str) -> list[str]:
    """``count`` active readers of ``newsletter``, written as every write is (``subscribers.saved``)."""
    from chalicelib import keys
    from chalicelib.models import Subscriber
    from chalicelib.newsletters import subscribers

    emails = [f"{prefix}{n}@example.com" for n in range(count)]
    for email in emails:
        item = Subscriber(*keys.subscriber(subscribers.address_hash(email)), email=email, state="active",
                          newsletters=[newsletter])
        if not subscribers.saved(item, None):
            raise RuntimeError(f"could not write {email}")
    return emails


def issue(newsletter: str, subject: str) -> Any:
    from chalicelib.newsletters import sending

    body = "<p>" + "The day's news, in full. " * 120 + "</p>"  # ~3 KB, an article's size
    return sending.article_issue(newsletter, "Newsroom", "https://news.example.com", subject, "The summary.", body,
                                 "/story/")


def accepted_counts(emails: list[str], subject: str) -> Counter[str]:
    """How many e-mails with ``subject`` moto's SES accepted for each address."""
    from moto.ses.models import ses_backends

    wanted, counts, seen = set(emails), Counter[str](), set()
    for backend in ses_backends.values():
        for region in backend.values():  # moto lists one backend under several names
            for message in region.sent_messages:
                if message.id not in seen and f"Subject: {subject}" in getattr(message, "raw_data", ""):
                    seen.add(message.id)
                    counts.update({d for d in message.destinations if d in wanted})  # To: is listed twice
    return counts


def tally(emails: list[str], counts: Counter[str]) -> dict[str, int]:
    return {"duplicates": sum(max(0, counts[e] - 1) for e in emails), "missed": sum(1 for e in emails if counts[e] == 0)}


# --- 1. the sample, sent for real on a simulated clock ---------------------------------------------

def sample_send(count: int, rate: float, latency: dict[str, float]) -> dict[str, Any]:
    """Send to ``count`` readers through the real code with ``SENDERS`` simulated senders at ``rate``."""
    from chalicelib.newsletters import SENDERS, sending

    newsletter, subject = "Bench sample", "Sample issue"
    emails = subscribe(count, newsletter, "sample")
    queue: list[tuple[float, int, str]] = []  # (visible at, order, body): the newsletters queue
    order = iter(range(10**9))

    def enqueue(bodies: list[str], delay: int = 0, at: float = 0.0) -> None:
        for body in bodies:
            heapq.heappush(queue, (at + delay, next(order), body))

    recorder = Recorder(latency)
    senders = [Sender(n) for n in range(SENDERS)]
    for sender in senders:
        sender.pace = sending.Pace(SENDERS / rate, clock=clock_of(sender), sleep=sleep_of(sender))
    per_message: list[tuple[int, float]] = []  # (readers, simulated seconds)
    own_code = 0.0
    with recorder.installed():
        send_id, _ = sending.start(issue(newsletter, subject), lambda body: enqueue([body]))
        while queue:
            sender = min(senders, key=lambda s: s.clock)
            visible, _, body = heapq.heappop(queue)
            sender.clock = max(sender.clock, visible) + latency["sqs"]  # the event source's receive
            began, in_calls, clock = time.perf_counter(), recorder.in_calls, sender.clock
            recorder.current = sender
            outcome = sending.deliver(body, queue=queue_of(enqueue, sender), pace=sender.pace)
            recorder.current = None
            code = (time.perf_counter() - began) - (recorder.in_calls - in_calls)
            own_code += code
            sender.clock += code + latency["sqs"]  # our code, and the message's delete
            sender.busy += sender.clock - clock + 2 * latency["sqs"]
            per_message.append((outcome.sent, sender.clock - clock))
    sends = sorted(recorder.sends)
    seconds = sends[-1] - sends[0] if len(sends) > 1 else 0.0
    busiest = max(Counter(int(t) for t in sends).values())
    status = sending.status(send_id)
    return {"recipients": count, "sent": status.sent, "state": status.state, "simulated_seconds": round(seconds, 2),
            "rate_reached": round((len(sends) - 1) / seconds, 3) if seconds else 0.0,
            "most_in_one_second": busiest, "calls": dict(recorder.calls),
            "own_code_seconds_per_reader": own_code / max(1, count),
            "sender_seconds": round(sum(s.busy for s in senders), 2),
            "messages": len(per_message), **tally(emails, accepted_counts(emails, subject))}


def clock_of(sender: Sender) -> Callable[[], float]:
    """A sender's simulated clock, for its pace."""
    return lambda: sender.clock


def sleep_of(sender: Sender) -> Callable[[float], None]:
    """A sleep that moves a sender's simulated clock on."""
    def sleep(seconds: float) -> None:
        sender.clock += seconds

    return sleep


def queue_of(enqueue: Callable[[list[str], int, float], None], sender: Sender) -> Callable[[list[str], int], None]:
    """The queue as one sender sees it: what it queues becomes visible at its simulated time (plus the delay)."""
    def queue(bodies: list[str], delay: int = 0) -> None:
        enqueue(bodies, delay, sender.clock)

    return queue


# --- 2. the million, modelled from the sample -------------------------------------------------------

def model(recipients: int, rate: float, latency: dict[str, float], sample: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.newsletters import SENDERS, sending

    calls, n = sample["calls"], sample["recipients"]
    per = {name: count / n for name, count in calls.items()}  # calls per reader, all included
    dynamodb = sum(v for k, v in per.items() if k.startswith("dynamodb:"))
    reader_work = (dynamodb * latency["dynamodb"] + per.get("sesv2:SendEmail", 0) * latency["sesv2"]
                   + sample["own_code_seconds_per_reader"])
    per_sender = min(rate / SENDERS, 1 / reader_work)  # paced, or as fast as the work allows
    reached = per_sender * SENDERS
    batches = -(-recipients // sending.BATCH)
    batch_seconds = sending.BATCH / per_sender
    first_step = 2 * latency["dynamodb"] + (sending.PLAN_STEP / 9_000) * latency["dynamodb"] \
        + (sending.PLAN_STEP / sending.BATCH / 10) * latency["sqs"]  # pages of 1 MB, SendMessageBatch of 10
    tail = batch_seconds * (SENDERS - 1) / 2  # the last batches: on average half the senders idle for a batch
    seconds = first_step + recipients / reached + tail
    utilization = recipients / seconds / rate

    # Cost per 1,000 recipients.
    sender_seconds = recipients * SENDERS / reached  # paced: every sender busy (sending or waiting its turn)
    invocations = batches + recipients / sending.PLAN_STEP
    events = recipients * EVENTS_PER_READER
    lambda_cost = (sender_seconds * SENDER_MEMORY_GB * LAMBDA_GB_SECOND + invocations * LAMBDA_REQUEST
                   + events / EVENT_BATCH * (EVENT_SECONDS * SENDER_MEMORY_GB * LAMBDA_GB_SECOND + LAMBDA_REQUEST))
    # SQS: each batch and plan message sent (in tens), received and deleted; each SES event sent by SNS,
    # received and deleted in tens.
    sqs_requests = invocations * (0.1 + 2) + events * (1 + 0.2)
    writes = sum(v for k, v in per.items() if k in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"))
    reads = sum(v for k, v in per.items() if k in ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"))
    # Counting the copies reads each whole copy (4 KB a read unit), however few its Query calls.
    copy_reads = COUNTINGS * COPY_BYTES / 4096
    dynamodb_cost = recipients * ((writes + EVENT_WRITES) * DYNAMODB_WRITE
                                  + (reads + copy_reads) * DYNAMODB_READ * 2 + EVENT_READS * DYNAMODB_READ)  # consistent reads
    ses_cost, sns_cost = recipients * SES_PER_EMAIL, events * SNS_PUBLISH
    sqs_cost = sqs_requests * SQS_REQUEST
    total = ses_cost + lambda_cost + sqs_cost + dynamodb_cost + sns_cost

    def per_1000(value: float) -> float:
        return round(value / recipients * 1000, 5)

    return {"recipients": recipients, "seconds": round(seconds, 1), "hours": round(seconds / 3600, 2),
            "rate": rate, "rate_reached": round(recipients / seconds, 3), "rate_utilization": round(utilization, 4),
            "senders": SENDERS, "reader_work_seconds": round(reader_work, 4), "batch_seconds": round(batch_seconds, 2),
            "cost_per_1000": round(total / recipients * 1000, 4),
            "cost_per_1000_parts": {"ses": per_1000(ses_cost), "lambda": per_1000(lambda_cost), "sqs": per_1000(sqs_cost),
                                    "dynamodb": per_1000(dynamodb_cost), "sns": per_1000(sns_cost)},
            "calls_per_reader": {k: round(v, 3) for k, v in sorted(per.items())}}


# --- 3. chaos -----------------------------------------------------------------------------------------

def chaos(count: int, seed: int = 47, duplicate: float = 0.2, throttle: float = 0.05, crash: float = 0.1,
          newsletter: str = "Chaos", progress: Callable[[str], None] = lambda line: None,
          forced: tuple[str, ...] = ()) -> dict[str, Any]:
    """Send to ``count`` readers through the real code with duplicated, reordered, throttled and
    crashing deliveries, and SES's events (``Send`` among them) delivered out of order and twice; the
    duplicates and the missed, counted in moto's SES, and the send as the desk then shows it.
    ``forced``: faults the first sends (and deliveries) meet whatever the dice say ("throttled", "killed
    after a claim", "killed after SES took the e-mail", "delivered twice"), so that a small run has each
    for sure."""
    from chalicelib import aws, config
    from chalicelib.newsletters import events, mail, sending

    rng = random.Random(seed)
    subject = f"Chaos issue {seed}"
    emails = subscribe(count, newsletter, f"chaos{seed}-")
    queue: list[str] = []
    faults = Counter[str]()
    now = [time.time()]
    real_send, real_call, dead = mail.send, api_call(), [False]

    class Crash(Exception):
        """The sender function was killed (a timeout, a lost instance): from then on, no call it
        would have made reaches AWS (its ``finally`` counts nothing)."""

    def killed() -> Crash:
        dead[0] = True
        return Crash()

    def dying_call(client: Any, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        if dead[0]:
            raise Crash()
        return real_call(client, operation, params)

    due = [fault for fault in forced if fault != "delivered twice"]
    twice = "delivered twice" in forced
    rolls = {"throttled": 0.0, "killed after a claim": throttle, "killed after SES took the e-mail":
             throttle + crash / sending.BATCH * 2}

    def flaky_send(message: Any, send_id: str | None = None, reader: str | None = None) -> str:
        roll = rng.random()
        if due:  # a fault this run must have: taken as if the dice had said so
            roll = rolls[due.pop(0)]
        if roll < throttle:
            faults["throttled"] += 1
            raise aws.sesv2_client().exceptions.TooManyRequestsException(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}}, "SendEmail")
        if roll < throttle + crash / sending.BATCH * 2:
            faults["killed after a claim"] += 1
            raise killed()  # after the claim, before SES: the claim is left to its lease
        message_id = real_send(message, send_id, reader)
        if roll < throttle + crash / sending.BATCH * 4:
            faults["killed after SES took the e-mail"] += 1
            raise killed()  # the copy stays claimed: only SES's Send event can mark it sent
        return message_id

    def flaky_queue(bodies: list[str], delay: int = 0) -> None:
        if len(bodies) > 1 and rng.random() < crash:
            faults["killed while queuing"] += 1
            queue.extend(bodies[: rng.randrange(len(bodies))])
            raise killed()
        queue.extend(bodies)

    sqs = aws.sqs_client()
    events_url = sqs.get_queue_url(QueueName=config.current().newsletter_events_queue)["QueueUrl"]

    def ses_events() -> None:
        """SES's events so far (configuration set -> SNS -> SQS) through the events function: in any
        order, a share twice."""
        records: list[dict[str, Any]] = []
        while got := sqs.receive_message(QueueUrl=events_url, MaxNumberOfMessages=10).get("Messages", []):
            records += [{"messageId": m["MessageId"], "body": m["Body"]} for m in got]
            sqs.delete_message_batch(QueueUrl=events_url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)])
        records += [r for r in records if rng.random() < duplicate]
        rng.shuffle(records)
        for first in range(0, len(records), EVENT_BATCH):
            if events.newsletter_events_queue_handler(records[first:first + EVENT_BATCH])["batchItemFailures"]:
                raise RuntimeError("the events function failed with no fault injected")

    ses_events()  # what came before (the sample's)
    mail.send = flaky_send
    replace_api_call(dying_call)
    try:
        send_id, _ = sending.start(issue(newsletter, subject), queue.append)
        delivered = 0
        while queue:
            body = queue.pop(rng.randrange(len(queue)))  # any order
            try:
                sending.deliver(body, now=lambda: now[0], queue=flaky_queue, pace=sending.Pace(0))
            except Crash:
                # The message was not deleted: it comes back after the visibility timeout (1,800 s),
                # past the claim's lease (300 s); SES's events came within seconds.
                dead[0] = False
                ses_events()
                now[0] += sending.LEASE_SECONDS + 1
                queue.append(body)
                continue
            delivered += 1
            if rng.random() < duplicate or twice:
                twice = False
                faults["delivered twice"] += 1
                queue.append(body)  # SQS delivers at least once
            if delivered % 200 == 0:
                progress(f"chaos: {delivered} messages, {dict(faults)}")
    finally:
        mail.send = real_send
        replace_api_call(real_call)
    ses_events()
    got = accepted_counts(emails, subject)
    status = sending.status(send_id)
    return {"recipients": count, "faults": dict(faults), **tally(emails, got), "state": status.state,
            "sent": status.sent, "skipped": status.skipped, "received": sum(1 for e in emails if got[e]),
            "copies_counted": sum(sending.copy_states(send_id).values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=1_000_000, help="subscribers modelled (1,000,000)")
    parser.add_argument("--rate", type=float, default=14.0, help="SES's account rate, e-mails a second (14)")
    parser.add_argument("--sample", type=int, default=2_000, help="recipients sent for real over moto (2,000)")
    parser.add_argument("--chaos", type=int, default=10_000, help="recipients of the chaos run (10,000)")
    parser.add_argument("--dynamodb-ms", type=float, default=8.0, help="one DynamoDB call, modelled (8 ms)")
    parser.add_argument("--ses-ms", type=float, default=60.0, help="one SES SendEmail call, modelled (60 ms)")
    parser.add_argument("--sqs-ms", type=float, default=15.0, help="one SQS call, modelled (15 ms)")
    parser.add_argument("--seed", type=int, default=47)
    args = parser.parse_args(argv)
    latency = {"dynamodb": args.dynamodb_ms / 1000, "sesv2": args.ses_ms / 1000, "sqs": args.sqs_ms / 1000}

    import logging

    from moto import mock_aws

    from chalicelib import config
    from devstack import moto_gaps
    from devstack.stack import create_stack

    logging.getLogger("newsroom.newsletters").setLevel(logging.ERROR)
    moto_gaps.install()
    started = time.perf_counter()
    with mock_aws():
        import boto3

        stack = create_stack(boto3.Session(region_name="us-east-1"))
        config.use(config.Config(table=stack.table))
        print(f"sample: {args.sample} recipients through the real sender at {args.rate:g} a second ...", flush=True)
        sample = sample_send(args.sample, args.rate, latency)
        print(f"  {sample['rate_reached']} a second reached, at most {sample['most_in_one_second']} in one second; "
              f"duplicates {sample['duplicates']}, missed {sample['missed']}", flush=True)
        modelled = model(args.recipients, args.rate, latency, sample)
        print(f"modelled: {args.recipients:,} in {modelled['hours']} h, rate_utilization {modelled['rate_utilization']}, "
              f"${modelled['cost_per_1000']} per 1,000 {modelled['cost_per_1000_parts']}", flush=True)
        print(f"chaos: {args.chaos} recipients, duplicated, reordered, throttled and crashing deliveries ...", flush=True)
        chaotic = chaos(args.chaos, args.seed, progress=lambda line: print("  " + line, flush=True))
        print(f"  duplicates {chaotic['duplicates']}, missed {chaotic['missed']}, faults {chaotic['faults']}; the send "
              f"{chaotic['state']}, {chaotic['sent']} sent of {chaotic['received']} readers who got it", flush=True)
    result = {"recipients": modelled["recipients"], "seconds": modelled["seconds"],
              "rate_utilization": modelled["rate_utilization"], "duplicates": sample["duplicates"],
              "missed": sample["missed"], "cost_per_1000": modelled["cost_per_1000"],
              "modelled": modelled, "sample": sample, "chaos": chaotic,
              "flags": vars(args), "bench_seconds": round(time.perf_counter() - started, 1), "machine": machine()}
    out = BENCH / "results" / "send.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(BENCH.parent)}")
    ok = (result["rate_utilization"] >= 0.95 and result["cost_per_1000"] <= 0.11
          and chaotic["duplicates"] == chaotic["missed"] == sample["duplicates"] == sample["missed"] == 0
          and chaotic["state"] == sample["state"] == "done" and chaotic["sent"] == chaotic["received"] == args.chaos
          and sample["sent"] == args.sample)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
