"""Chaos for newsletters: one send to as many readers as the run has operations, through the real
sender and events functions (``make bench-send``'s chaos run, bench/send.py), with every message
delivered in any order and a share twice, SES throttling a share of calls, a share of senders killed
midway (after a claim, after SES took an e-mail, while a plan step queued its batches), and SES's
events (Send, Delivery) through the events function out of order and a share twice.

Afterwards each reader has exactly one e-mail in moto's SES, and the send is as the desk must show
it: done, its ``sent`` the readers who got it, each reader's copy counted once.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

READERS = int(os.environ.get("NEWSROOM_CHAOS_OPERATIONS", "60"))


def test_a_send_through_chaos_reaches_each_reader_once_and_ends_done_with_exact_counts(site):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
    bench = pytest.importorskip("send")
    seed = int(os.environ.get("NEWSROOM_CHAOS_SEED", "2026"))
    result = bench.chaos(READERS, seed=seed, duplicate=0.2, throttle=0.05, crash=0.3, newsletter="Chaos send",
                         forced=("throttled", "killed after a claim", "killed after SES took the e-mail",
                                 "delivered twice"))
    print("\nchaos figures (newsletters): " + json.dumps(result, sort_keys=True))
    assert (result["duplicates"], result["missed"]) == (0, 0)
    assert result["received"] == result["copies_counted"] == READERS
    assert (result["state"], result["sent"], result["skipped"]) == ("done", READERS, 0)
    assert result["faults"].get("delivered twice", 0) > 0 and result["faults"].get("throttled", 0) > 0
    assert result["faults"].get("killed after a claim", 0) > 0
    assert result["faults"].get("killed after SES took the e-mail", 0) > 0
