"""Who is uploading, as the history names them (object metadata ``uploaded-by``)."""

from __future__ import annotations

import functools
import getpass


def iam_user() -> tuple[str | None, str]:
    """The IAM user these credentials are (the name IAM gives ``${aws:username}``, a contributor's own
    submissions folder: infra/template.yaml, ContributorPolicy), or None for another kind of caller (an
    assumed role, SSO), and the caller's ARN as STS names it ("" if it cannot be asked)."""
    from chalicelib import config
    from chalicelib.aws import botocore_session

    settings = config.current()
    sts = botocore_session().create_client("sts", region_name=settings.region, endpoint_url=settings.endpoint_url)
    try:
        arn = str(sts.get_caller_identity()["Arn"])
    except Exception:  # noqa: BLE001 - no credentials, offline: no identity to name
        return None, ""
    _, _, resource = arn.partition(":user/")  # arn:aws:iam::123456789012:user/[path/]name
    return (resource.rsplit("/", 1)[-1] or None) if resource else None, arn


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
