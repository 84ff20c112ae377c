"""Fault injection for AWS calls: throttling and server errors on a fraction of requests."""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from typing import Callable, Iterator

import botocore.client
from botocore.exceptions import ClientError

TRANSIENT_ERRORS = {
    "dynamodb": ["ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError"],
    "s3": ["SlowDown", "InternalError", "ServiceUnavailable"],
}


class FaultInjector:
    """Makes a seeded fraction of DynamoDB and S3 calls fail while active."""

    def __init__(self, rate: float, seed: int = 0,
                 only: Callable[[str, str, dict], bool] | None = None):
        self.rate = rate
        self.random = random.Random(seed)
        self.only = only
        self.active = False
        self.injected: Counter = Counter()
        self.calls = 0

    def should_fail(self, service: str, operation: str, params: dict) -> bool:
        if not self.active or service not in TRANSIENT_ERRORS:
            return False
        self.calls += 1
        if self.only is not None:
            return self.only(service, operation, params)
        return self.random.random() < self.rate

    @contextlib.contextmanager
    def installed(self, monkeypatch) -> Iterator["FaultInjector"]:  # type: ignore[no-untyped-def]
        original = botocore.client.BaseClient._make_api_call
        injector = self

        def failing(client, operation_name, api_params):  # type: ignore[no-untyped-def]
            service = client.meta.service_model.service_name
            if injector.should_fail(service, operation_name, api_params):
                code = injector.random.choice(TRANSIENT_ERRORS[service])
                injector.injected[f"{service}:{code}"] += 1
                raise ClientError({"Error": {"Code": code, "Message": "injected fault"},
                                   "ResponseMetadata": {"HTTPStatusCode": 503}}, operation_name)
            return original(client, operation_name, api_params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
        try:
            yield self
        finally:
            monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)

    @contextlib.contextmanager
    def on(self) -> Iterator[None]:
        """Inject faults only inside this block."""
        self.active = True
        try:
            yield
        finally:
            self.active = False

    @property
    def total(self) -> int:
        return sum(self.injected.values())
