"""Fixtures the desk's test modules share."""

from __future__ import annotations

import boto3
import pytest
from moto.utilities.utils import load_resource

from chalicelib import config
from devstack.desk import create_desk_pool
from tests.conftest import _moto_site


@pytest.fixture
def desk(monkeypatch):  # type: ignore[no-untyped-def]
    """A site with its desk's user pool, one account per role, and the pool's keys as moto publishes them."""
    with _moto_site(seed=False) as site:
        pool = create_desk_pool(boto3.Session(region_name="us-east-1"))
        previous = config.use(config.current().replace(user_pool_id=pool.user_pool_id,
                                                       user_pool_client_id=pool.client_id,
                                                       identity_pool_id=pool.identity_pool_id))
        monkeypatch.setattr("chalicelib.desk.identity.fetch_jwks",
                            lambda url: load_resource("cognitoidp/resources/jwks-public.json"))
        site.pool = pool
        site.accounts = {role: (email, password) for role, email, password in pool.accounts}
        try:
            yield site
        finally:
            config.use(previous)
