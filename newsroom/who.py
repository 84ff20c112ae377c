"""Who is uploading, as the history names them (object metadata ``uploaded-by``)."""

from __future__ import annotations

import functools
import getpass


@functools.lru_cache(maxsize=1)
def uploader() -> str:
    """Who is uploading (asked once per run), for the history: the AWS identity if it answers, else the login name."""
    from chalicelib.aws import botocore_session

    try:
        from chalicelib import config

        settings = config.current()
        sts = botocore_session().create_client("sts", region_name=settings.region, endpoint_url=settings.endpoint_url)
        return sts.get_caller_identity()["Arn"].rsplit("/", 1)[-1] or getpass.getuser()
    except Exception:  # noqa: BLE001 - no identity to ask (no credentials, offline): the login name
        return getpass.getuser()
