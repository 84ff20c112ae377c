"""Fixtures shared by every test: moto's AWS holding the stack from infra/, built once per process
(per xdist worker) and emptied before each test that asks for a site (devstack/harness.py).

The tests hand their settings in (``chalicelib.config.use``): each test starts
with ``TEST_CONFIG`` whatever the previous one changed, and the ``settings``
fixture changes them for one test. botocore still reads credentials from the
environment, and moto's in-process mock must not meet a real endpoint.
"""

from __future__ import annotations

import os
from typing import Any, ContextManager, Iterator

from devstack import harness

harness.use_fake_credentials()  # before boto3 is imported anywhere in the suite

import botocore.client  # noqa: E402
import hypothesis  # noqa: E402
import pytest  # noqa: E402

from chalicelib import config  # noqa: E402
from devstack import moto_gaps  # noqa: E402
from devstack.harness import Site  # noqa: E402
from tests import dynamodb_limits  # noqa: E402

PROJECT_DIR = harness.PROJECT_DIR
moto_gaps.install()  # deletes in the versioned bucket notify, as in AWS (for tests' own mock_aws() too)
TEST_CONFIG = harness.in_process_config()  # the dev stage, with no site cache: each test sees its writes at once
config.use(TEST_CONFIG)  # for module-scoped fixtures too
dynamodb_limits.install()  # every DynamoDB request of the suite meets DynamoDB's own limits, not just moto's
STAND_IN = harness.StandIn()  # this process's stack: built by the first test that asks, emptied for the next


def moto_site(seed: bool = False) -> ContextManager[Site]:
    """The site in moto: empty, or (``seed``) holding the sample content from content/. One at a time."""
    return STAND_IN.site(seed)


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


_PHASES = {"setup": 0.0, "call": 0.0, "teardown": 0.0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _PHASES[report.when] += report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line: how much of the tests' time went to setting them up (docs/performance.md, the suite)."""
    total = sum(_PHASES.values())
    if total:
        stacks = (f"; this process's stack built {STAND_IN.builds} times, emptied {STAND_IN.resets} times"
                  if STAND_IN.builds else "")  # under xdist, the workers build theirs
        terminalreporter.write_line(
            f"setup share: {100 * _PHASES['setup'] / total:.1f} % of {total:.0f} s in tests (setup "
            f"{_PHASES['setup']:.0f} s, call {_PHASES['call']:.0f} s, teardown {_PHASES['teardown']:.0f} s){stacks}")


@pytest.fixture(autouse=True)
def settings() -> Iterator[Any]:
    """Every test starts with TEST_CONFIG; ``settings(name=value, ...)`` changes them for this test."""
    def change(**changes: Any) -> config.Config:
        config.use(config.current().replace(**changes))
        return config.current()

    config.use(TEST_CONFIG)
    yield change
    config.use(TEST_CONFIG)


@pytest.fixture
def site() -> Iterator[Site]:
    """An empty site in moto, holding the stack built from infra/template.yaml."""
    with moto_site(seed=False) as fresh:
        yield fresh


@pytest.fixture
def seeded_site() -> Iterator[Site]:
    """A site holding the sample content from content/, for tests that change it."""
    with moto_site(seed=True) as fresh:
        yield fresh


@pytest.fixture(scope="module")
def seeded() -> Iterator[Site]:
    """The sample content, shared by a module's tests: read it, never change it.

    moto's state is global, so a module using this uses no other site fixture.
    """
    with moto_site(seed=True) as shared:
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
