"""Waiting for ingest follows its progress: it goes on while files are applied, however long that
takes, and gives up only when nothing has moved for the stated time (issue 32)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from newsroom import publisher


@dataclass
class FakeSource:
    """What ingest records for a file once it has applied it (an author: no page to look up)."""

    sk: str
    etag: str
    settled: bool = True
    refused_etag: str | None = None
    problems: list[str] | None = None
    status: str = "published"
    kind: str = "author"
    slug: str = "x"


@pytest.fixture
def slow_ingest(monkeypatch):
    """A stand-in ingest that applies one file every ``per_file`` seconds, from when it is made."""
    def start(keys: list[str], per_file: float) -> None:
        began = time.monotonic()

        def batch_get(wanted):  # type: ignore[no-untyped-def]
            applied = int((time.monotonic() - began) / per_file)
            return [FakeSource(sk, etag="e") for _, sk in wanted if keys.index(sk) < applied]

        monkeypatch.setattr("chalicelib.models.Source.batch_get", batch_get)
    return start


def test_waiting_goes_on_while_files_are_applied_past_the_timeout(slow_ingest):
    """Ten files, one every 0.1 s: a second in all, five times the 0.2 s with nothing moving
    after which it would give up. Every file ends live."""
    keys = [f"authors/a{n}.yaml" for n in range(10)]
    slow_ingest(keys, per_file=0.1)
    beats: list[tuple[int, int]] = []
    started = time.monotonic()
    statuses = publisher.wait_live({k: "e" for k in keys}, timeout=0.2, interval=0.02,
                                   heartbeat=lambda done, waiting: beats.append((done, waiting)), heartbeat_every=0.3)
    assert time.monotonic() - started >= 0.9  # it took the whole second
    assert {s.state for s in statuses.values()} == {"live"} and len(statuses) == 10
    assert beats and all(done + waiting == 10 for done, waiting in beats)  # progress was shown


def test_waiting_gives_up_when_nothing_moves(slow_ingest):
    keys = ["authors/stuck.yaml"]
    slow_ingest(keys, per_file=3600)
    started = time.monotonic()
    statuses = publisher.wait_live({k: "e" for k in keys}, timeout=0.2, interval=0.02)
    assert 0.2 <= time.monotonic() - started < 2
    assert statuses["authors/stuck.yaml"].state == "waiting"
    assert statuses["authors/stuck.yaml"].detail == "not applied: nothing moved for 0.2 s"


def test_a_queue_that_is_still_draining_counts_as_moving(slow_ingest):
    """Ingest working through other files first (the queue's depth changing) keeps it waiting."""
    keys = ["authors/last.yaml"]
    slow_ingest(keys, per_file=0.6)  # applied after 0.6 s: three times the timeout
    depth = iter(range(1000, 0, -1))
    statuses = publisher.wait_live({k: "e" for k in keys}, timeout=0.2, interval=0.02,
                                   moving=lambda: next(depth))
    assert statuses["authors/last.yaml"].state == "live"
