"""Chaos: many uploads, updates and deletes, delivered late, twice and out of order, with faults.

Afterwards every page must match the bucket exactly. ``make chaos`` runs it at
500 operations and prints the figures; the regular suite runs 60.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter

from chalicelib import store
from devstack.local import sqs_event
from tests.faults import FaultInjector
from tests.site_checks import mismatches

OPERATIONS = int(os.environ.get("NEWSROOM_CHAOS_OPERATIONS", "60"))
KEYS = 40


def _file(rng: random.Random, n: int, version: int, kind: str) -> str:
    if kind == "invalid":
        return f"---\ntitle: Chaos {n} v{version}\ndate: not-a-date\n---\nbroken\n"
    draft = "\ndraft: true" if kind == "draft" else ""
    return (f"---\ntitle: Chaos {n} v{version}\ndate: 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
            f"categories: [{rng.choice(['Tehran', 'Iran economy', 'Lending'])}]{draft}\n---\n\n"
            f"Body of chaos {n}, version {version}. See also [](/chaos-{rng.randrange(KEYS)}/).\n")


def test_chaos_run_ends_with_the_site_matching_the_bucket(site, monkeypatch):
    rng = random.Random(int(os.environ.get("NEWSROOM_CHAOS_SEED", "2026")))
    faults = FaultInjector(rate=0.02, seed=rng.randrange(10**6))
    stats: Counter = Counter()
    pending: list[dict] = []
    versions: Counter = Counter()
    # Per key: titles of the valid, visible versions since it was last deleted, and whether the
    # current file is invalid (then the site may keep showing any of those: see site_checks).
    shown_since_delete: dict[int, set[str | None]] = {}
    invalid_now: set[int] = set()

    def deliver(batch: list[dict]) -> None:
        event = sqs_event(batch, "arn:aws:sqs:us-east-1:123456789012:" + site.stack.queue_name)
        with faults.on():
            result = site.client.lambda_.invoke("ingest", event).payload
        store.clear_site_cache()
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        stats["deliveries"] += len(batch)
        stats["failed deliveries"] += len(failed)
        for message in batch:
            pending.remove(message)
            if message["MessageId"] in failed:
                pending.append(message)  # SQS redelivers it later
            elif rng.random() < 0.15:
                pending.append({**message, "MessageId": message["MessageId"] + "-dup"})
                stats["duplicates"] += 1

    with faults.installed(monkeypatch):
        for _ in range(OPERATIONS):
            n = rng.randrange(KEYS)
            key = f"articles/chaos-{n}.md"
            action = rng.choices(["upload", "delete", "invalid", "draft"], weights=[70, 18, 6, 6])[0]
            versions[n] += 1
            if action == "delete":
                site.delete(key)
                shown_since_delete[n] = {None}
                invalid_now.discard(n)
            else:
                site.put(key, _file(rng, n, versions[n], action))
                shown_since_delete.setdefault(n, {None})
                if action == "upload":
                    shown_since_delete[n].add(f"Chaos {n} v{versions[n]}")
                if action == "invalid":
                    invalid_now.add(n)
                else:
                    invalid_now.discard(n)
            stats[action] += 1
            pending.extend(site.receive())
            if rng.random() < 0.4 and pending:
                batch = rng.sample(pending, k=min(len(pending), rng.randint(1, 10)))  # any order
                stats["reordered batches"] += 1
                deliver(batch)
        while pending:
            deliver(rng.sample(pending, k=min(len(pending), 10)))

    stats["faults injected"] = faults.total
    stats["aws calls seen"] = faults.calls
    found = mismatches(site, {f"chaos-{n}" for n in range(KEYS)},
                       invalid_now={f"chaos-{n}": shown_since_delete[n] for n in invalid_now})
    stats["mismatches"] = len(found)
    print("\nchaos figures: " + json.dumps(dict(sorted(stats.items()))))
    for problem in found:
        print("chaos mismatch: " + problem[:2000])
    assert stats["upload"] + stats["delete"] + stats["invalid"] + stats["draft"] == OPERATIONS
    assert faults.total > 0 and stats["duplicates"] > 0
    assert found == [], "\n".join(found)
