"""Chaos: many uploads, updates and deletes, delivered late, twice and out of order, with faults.

Poison files (impossible dates, nesting thousands deep, huge numbers, lone
surrogates) are mixed in. A message that fails five deliveries goes to the
dead-letter queue, as SQS's redrive policy sends it; only AWS faults the run
injected may put it there (a file is never retried for being bad), and the
operators' replay of the dead-letter queue is run at the end. Afterwards
every page must match the bucket exactly. ``make chaos`` runs it at 500
operations and prints the figures; the regular suite runs 60.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter

from chalicelib.site import store
from devstack.local import sqs_event
from tests.faults import FaultInjector
from tests.site_checks import mismatches

OPERATIONS = int(os.environ.get("NEWSROOM_CHAOS_OPERATIONS", "60"))
KEYS = 40
MAX_RECEIVES = 5  # infra/template.yaml: the ingest queue's redrive policy
POISON = [
    "---\ntitle: Chaos {n} v{v}\ndate: 2022-02-30\n---\n\nBody\n",
    "---\ntitle: Chaos {n} v{v}\ndate: 9999-12-31T23:00:00-05:00\n---\n\nBody\n",
    "---\ntitle: Chaos {n} v{v}\ndate: 2024-01-01\nsummary: 1" + "0" * 5000 + "\n---\n\nBody\n",
    "---\ntitle: Chaos {n} v{v}\ndate: 2024-01-01\ntags: " + "[" * 3000 + "]" * 3000 + "\n---\n\nBody\n",
    '---\ntitle: "Chaos {n} v{v} \\ud83d"\ndate: 2024-01-01\n---\n\nBody\n',
]


def _file(rng: random.Random, n: int, version: int, kind: str) -> str:
    if kind == "poison":
        return rng.choice(POISON).replace("{n}", str(n)).replace("{v}", str(version))
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
    dead_letters: list[dict] = []
    receives: Counter = Counter()
    versions: Counter = Counter()
    # Per key: titles of the valid, visible versions since it was last deleted, and whether the
    # current file is invalid (then the site may keep showing any of those: see site_checks).
    shown_since_delete: dict[int, set[str | None]] = {}
    invalid_now: set[int] = set()

    def deliver(batch: list[dict], with_faults: bool = True) -> None:
        event = sqs_event(batch, "arn:aws:sqs:us-east-1:123456789012:" + site.stack.queue_name)
        injected_before = faults.total
        if with_faults:
            with faults.on():
                result = site.client.lambda_.invoke("ingest", event).payload
        else:
            result = site.client.lambda_.invoke("ingest", event).payload
        store.clear_site_cache()
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        stats["deliveries"] += len(batch)
        stats["failed deliveries"] += len(failed)
        if failed and faults.total == injected_before:
            stats["failures with no AWS fault injected"] += len(failed)  # a file retried for being bad
        for message in batch:
            pending.remove(message)
            if message["MessageId"] in failed:
                receives[message["MessageId"]] += 1
                if receives[message["MessageId"]] >= MAX_RECEIVES:
                    dead_letters.append(message)  # SQS's redrive policy
                    stats["dead-lettered"] += 1
                else:
                    pending.append(message)  # SQS redelivers it later
            elif rng.random() < 0.15:
                pending.append({**message, "MessageId": message["MessageId"] + "-dup"})
                stats["duplicates"] += 1

    with faults.installed(monkeypatch):
        for _ in range(OPERATIONS):
            n = rng.randrange(KEYS)
            key = f"articles/chaos-{n}.md"
            action = rng.choices(["upload", "delete", "invalid", "draft", "poison"], weights=[64, 18, 6, 6, 6])[0]
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
                if action in ("invalid", "poison"):
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
    # The operators replay the dead-letter queue once AWS is well again (docs/deploy.md).
    pending.extend(dead_letters)
    while pending:
        deliver(pending[:10], with_faults=False)

    stats["faults injected"] = faults.total
    stats["reports for poison files"] = sum(
        1 for n in invalid_now if site.report(f"articles/chaos-{n}.md") is not None)
    stats["aws calls seen"] = faults.calls
    found = mismatches(site, {f"chaos-{n}" for n in range(KEYS)},
                       invalid_now={f"chaos-{n}": shown_since_delete[n] for n in invalid_now})
    stats["mismatches"] = len(found)
    print("\nchaos figures: " + json.dumps(dict(sorted(stats.items()))))
    for problem in found:
        print("chaos mismatch: " + problem[:2000])
    assert stats["upload"] + stats["delete"] + stats["invalid"] + stats["draft"] + stats["poison"] == OPERATIONS
    assert stats["failures with no AWS fault injected"] == 0
    assert stats["reports for poison files"] == len(invalid_now)  # every bad file there now has its report
    assert faults.total > 0 and stats["duplicates"] > 0
    assert found == [], "\n".join(found)
