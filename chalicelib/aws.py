"""AWS clients, created lazily, once per process and settings (so once per warm Lambda).

Every client comes from one botocore session, and every PynamoDB model
shares one DynamoDB client: building a session parses botocore's endpoint
data and building a client loads its service model, ~100 ms each on a cold
Lambda, and PynamoDB on its own makes a session and a client per model class
(12 in all for one publish). Nothing is created at import time: the web
handler never needs S3 and pays nothing for it.

Region and endpoint come from ``config.current()`` when a client is asked
for, and clients are cached per (region, endpoint): handing in other
settings (``config.use``) gives other clients. The local stand-in (moto on
loopback) takes any credentials, so it gets dummy ones and works on a
machine with no AWS credentials at all.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from typing import Any, Callable, Iterator

from chalicelib import config

LOCAL_CREDENTIALS = ("testing", "testing")
# A signed-in desk user's role credentials (key id, secret, session token) while the desk acts for them.
_ACTING: contextvars.ContextVar[tuple[str, str, str] | None] = contextvars.ContextVar("acting_as", default=None)


@functools.lru_cache(maxsize=None)
def _session(local: bool) -> Any:
    import botocore.session

    from chalicelib.answers import ParserFactory

    session = botocore.session.get_session()
    session.register_component("response_parser_factory", ParserFactory())  # DynamoDB's answers, decoded faster
    if local:
        session.set_credentials(*LOCAL_CREDENTIALS)
    return session


def botocore_session() -> Any:
    """The process's botocore session (with dummy credentials for the local stand-in)."""
    return _session(config.current().local_stand_in)


def _where() -> tuple[str, str | None, bool]:
    settings = config.current()
    return settings.region, settings.endpoint_url, settings.local_stand_in


def dynamodb_connection() -> Any:
    """The PynamoDB connection every model and transaction uses (models.TableItem._get_connection):
    the function's own, or, inside ``acting_as``, one with the signed-in person's rights."""
    acting = _ACTING.get()
    if acting is not None:
        return _dynamodb_connection_as(*_where(), acting)
    return _dynamodb_connection(*_where())


@contextlib.contextmanager
def acting_as(credentials: dict[str, str] | None) -> Iterator[None]:
    """Within this block, DynamoDB and SQS are reached with ``credentials`` (a desk user's role, from
    the identity pool): what the desk moderates, it moderates with their rights, not the web
    function's. ``None`` (the local stand-in without an identity pool) changes nothing."""
    token = _ACTING.set((credentials["AccessKeyId"], credentials["SecretKey"], credentials["SessionToken"])
                        if credentials else None)
    try:
        yield
    finally:
        _ACTING.reset(token)


def _dynamodb_connection_as(region: str, endpoint_url: str | None, local: bool, acting: tuple[str, str, str]) -> Any:
    def make() -> Any:
        import botocore.config
        from pynamodb.connection import Connection

        key, secret, session_token = acting
        connection = Connection(region=region, host=endpoint_url, aws_access_key_id=key, aws_secret_access_key=secret,
                                aws_session_token=session_token)
        connection._local.session = _session(local)
        # The client itself, signed with the person's credentials: PynamoDB sets a connection's keys on the
        # session only when it makes one, and this connection shares the process's (the function's keys).
        connection._client = _session(local).create_client(
            "dynamodb", region_name=region, endpoint_url=endpoint_url, aws_access_key_id=key,
            aws_secret_access_key=secret, aws_session_token=session_token,
            config=botocore.config.Config(parameter_validation=False, retries={"total_max_attempts": 4,
                                                                               "mode": "standard"}))
        return connection
    return _kept_as(("dynamodb-connection", region, endpoint_url, local, acting), make)


@functools.lru_cache(maxsize=None)
def _dynamodb_connection(region: str, endpoint_url: str | None, local: bool) -> Any:
    from pynamodb.connection import Connection

    connection = Connection(region=region, host=endpoint_url)
    connection._local.session = _session(local)  # PynamoDB would make a session of its own
    return connection


def s3_client() -> Any:
    """The S3 client for the content bucket."""
    return _client("s3", *_where())


def cloudfront_client() -> Any:
    """The CloudFront client ingest invalidates pages with (chalicelib/publish/edge.py)."""
    return _client("cloudfront", *_where())


def scheduler_client() -> Any:
    """The EventBridge Scheduler client ingest schedules articles' due times with (chalicelib/publish/schedule.py)."""
    return _client("scheduler", *_where())


def sqs_client() -> Any:
    """The SQS client the editors' tool (and the desk, as the signed-in person) asks ingest for
    invalidations with (chalicelib/publish/edge.py)."""
    acting = _ACTING.get()
    if acting is not None:
        return _client_as("sqs", *_where(), acting)
    return _client("sqs", *_where())


def sns_client() -> Any:
    """The SNS client that tells editors of new comments (only posting a comment creates it)."""
    return _client("sns", *_where())


def sesv2_client() -> Any:
    """The SES (v2) client newsletters and their confirmation e-mails are sent with (chalicelib/newsletters/)."""
    return _client("sesv2", *_where())


def cognito_client() -> Any:
    """The Cognito user pool client the desk signs people in with (chalicelib/desk/identity.py)."""
    return _client("cognito-idp", *_where())


def cognito_client_as(credentials: dict[str, str]) -> Any:
    """The user pool client with a signed-in admin's role: the People screen's changes are theirs."""
    return _client_as("cognito-idp", *_where(), (credentials["AccessKeyId"], credentials["SecretKey"],
                                                 credentials["SessionToken"]))


def cognito_identity_client() -> Any:
    """The Cognito identity pool client that gives a desk user their role's credentials."""
    return _client("cognito-identity", *_where())


def s3_client_as(credentials: dict[str, str]) -> Any:
    """An S3 client that acts as a signed-in person (their role's temporary credentials): what the
    desk writes, it writes with their rights, not the web function's (it has none to write)."""
    return _client_as("s3", *_where(), (credentials["AccessKeyId"], credentials["SecretKey"],
                                        credentials["SessionToken"]))


def _client_as(service: str, region: str, endpoint_url: str | None, local: bool, acting: tuple[str, str, str]) -> Any:
    """A client with a signed-in person's credentials, made once while they last (a desk page asks
    for S3 two or three times: building a client is ~50 ms)."""
    key, secret, session_token = acting
    return _kept_as((service, region, endpoint_url, local, acting), lambda: _session(local).create_client(
        service, region_name=region, endpoint_url=endpoint_url, aws_access_key_id=key, aws_secret_access_key=secret,
        aws_session_token=session_token))


_AS: dict[tuple[Any, ...], Any] = {}  # (service, where..., credentials) -> a client or connection acting as someone
MAX_KEPT_AS = 48


def _kept_as(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    found = _AS.get(key)
    if found is None:
        if len(_AS) >= MAX_KEPT_AS:
            del _AS[next(iter(_AS))]  # the oldest
        found = _AS[key] = make()
    return found


def forget_acting(credentials: dict[str, str]) -> None:
    """Drop every client and connection made with ``credentials`` (a session that ended)."""
    acting = (credentials["AccessKeyId"], credentials["SecretKey"], credentials["SessionToken"])
    for key in [k for k in _AS if k[-1] == acting]:
        del _AS[key]


@functools.lru_cache(maxsize=None)
def _client(service: str, region: str, endpoint_url: str | None, local: bool) -> Any:
    return _session(local).create_client(service, region_name=region, endpoint_url=endpoint_url)


def forget_clients() -> None:
    """Drop every client and connection (SnapStart: each restored instance opens its own)."""
    _client.cache_clear()
    _dynamodb_connection.cache_clear()
    _AS.clear()
