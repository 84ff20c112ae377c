"""Lazily created AWS clients, one per process (and so per warm Lambda).

Nothing is created at import time: the web handler never needs S3 and pays
nothing for it. The endpoint comes from AWS_ENDPOINT_URL when set (moto
locally); botocore reads that variable itself.
"""

from __future__ import annotations

import functools

import boto3

from chalicelib import config


@functools.lru_cache(maxsize=None)
def s3_client():  # type: ignore[no-untyped-def]
    """The S3 client for the content bucket."""
    return boto3.client("s3", region_name=config.AWS_REGION)
