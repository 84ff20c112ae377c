"""The local stack as a newcomer runs it: ``newsroom-dev serve`` (what ``make run`` runs) in a process
(devstack/harness.py starts and stops it, on ports of its own: parallel workers never share one)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import expect

from devstack.harness import (  # noqa: F401 - the integration tests' helpers, from the harness
    PROJECT_DIR,
    SEED,
    Served,
    ServeFailed,
    fetch,
    free_port,
    start_serve,
    stop_serve,
    wait_for,
)
from devstack.harness import stop_group as stop  # noqa: F401

# Browser checks wait for what they assert (expect(...).to_have_count(3), never .count() at once); on a
# machine whose CPUs are busy, a page may take seconds to show it, so they wait up to 15 s.
expect.set_options(timeout=15_000)

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``newsroom-dev serve`` running with the sample content; stopped with Ctrl-C (SIGINT)."""
    try:
        stack = start_serve(tmp_path_factory.mktemp("serve"))
    except ServeFailed as failed:
        pytest.fail(str(failed))
    yield stack
    stop_serve(stack)
