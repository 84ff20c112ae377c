"""AWS clients, created lazily, once per process (and so per warm Lambda).

Every client comes from one botocore session, and every PynamoDB model
shares one DynamoDB client: building a session parses botocore's endpoint
data and building a client loads its service model, ~100 ms each on a cold
Lambda, and PynamoDB on its own makes a session and a client per model class
(12 in all for one publish). Nothing is created at import time: the web
handler never needs S3 and pays nothing for it. The endpoint comes from
AWS_ENDPOINT_URL when set (moto locally); botocore reads that variable itself.
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib import config


@functools.lru_cache(maxsize=None)
def botocore_session() -> Any:
    """The process's one botocore session."""
    import botocore.session

    return botocore.session.get_session()


@functools.lru_cache(maxsize=None)
def dynamodb_connection() -> Any:
    """The PynamoDB connection every model and transaction uses (models.TableItem._get_connection)."""
    from pynamodb.connection import Connection

    connection = Connection(region=config.AWS_REGION, host=config.AWS_ENDPOINT_URL)
    connection._local.session = botocore_session()  # PynamoDB would make a session of its own
    return connection


@functools.lru_cache(maxsize=None)
def s3_client() -> Any:
    """The S3 client for the content bucket."""
    return botocore_session().create_client("s3", region_name=config.AWS_REGION)


@functools.lru_cache(maxsize=None)
def sns_client() -> Any:
    """The SNS client that tells editors of new comments (only posting a comment creates it)."""
    return botocore_session().create_client("sns", region_name=config.AWS_REGION)
