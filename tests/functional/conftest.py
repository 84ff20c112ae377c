"""Fixtures the functional test modules share: the desk's site, and the edge's viewer function."""

from __future__ import annotations

import shutil
from typing import Iterator

import pytest
from moto.utilities.utils import load_resource

from chalicelib import config
from tests.conftest import STAND_IN, moto_site
from tests.viewer_function import ViewerFunction, running


@pytest.fixture
def desk(monkeypatch):  # type: ignore[no-untyped-def]
    """A site with its desk's user pool, one account per role, the pool's keys as moto publishes them,
    and one category, Oil (the desk's pickers refuse a category the site does not have)."""
    with moto_site(seed=False) as site:
        site.put("categories/oil.yaml", "name: Oil\n")
        site.ingest()
        pool = STAND_IN.desk_pool()
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


@pytest.fixture(scope="module")
def edge() -> Iterator[ViewerFunction]:
    """The pages' viewer function as make package writes it, running in Node.js (tests/viewer_function.py)."""
    if shutil.which("node") is None:
        pytest.skip("runs the CloudFront function in Node.js")
    with running() as function:
        yield function
