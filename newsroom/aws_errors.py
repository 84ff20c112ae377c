"""Every AWS failure a command can meet, as one line that says what happened and what to do.

An editor runs ``newsroom publish story.md`` in a shell with no AWS credentials, or with expired
ones, or against a stage whose bucket was never deployed, or with ``make run`` stopped. botocore
raises; without this module the editor reads fifty lines of traceback ending in
``NoCredentialsError``. Here each kind of failure becomes one sentence naming what failed (the
action, the bucket, the table, the endpoint) and the next thing to try, and the command exits with
``EXIT_AWS`` (3). PynamoDB wraps botocore's errors: the cause inside is what is explained.

The commands of both tools reach this through ``explained`` (their click groups catch every AWS
failure with it), so no command can print a traceback for one.
"""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import urlsplit

import click

EXIT_AWS = 3  # an AWS failure; 1 is "some files have problems", 2 a usage error (click's)
LOCAL_STAND_IN = "http://127.0.0.1:5000"  # where `make run` serves the AWS stand-in

EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired",
           "InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"}
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403",
          "AuthorizationError", "AllAccessDisabled"}
THROTTLED = {"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
             "ProvisionedThroughputExceededException", "RequestThrottled", "RequestThrottledException",
             "SlowDown", "TooManyRequestsException", "TransactionInProgressException", "LimitExceededException"}
NO_BUCKET = {"NoSuchBucket"}
NO_TABLE = {"ResourceNotFoundException", "TableNotFoundException"}
NO_QUEUE = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
WRONG_REGION = {"PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException",
                "301", "InvalidRegion"}


def is_aws_failure(exc: BaseException) -> bool:
    """botocore's errors, and PynamoDB's (which wrap them)."""
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    return isinstance(exc, BotoCoreError | ClientError | PynamoDBException)


def explained(exc: BaseException, settings: Any = None) -> str:
    """One line for ``exc``: what happened, where, and what to do. ``settings``: the site the command
    worked on (``chalicelib.config.Config``), to name its bucket, table, region and endpoint."""
    from botocore import exceptions as botocore

    cause = _cause(exc)
    where = _where(settings)
    endpoint = getattr(settings, "endpoint_url", None)
    if isinstance(cause, botocore.NoCredentialsError | botocore.PartialCredentialsError
                  | botocore.CredentialRetrievalError | botocore.NoAuthTokenError | botocore.ProfileNotFound):
        return _no_credentials(cause, endpoint)
    if isinstance(cause, botocore.TokenRetrievalError | botocore.SSOTokenLoadError | botocore.UnauthorizedSSOTokenError
                  | botocore.SSOError | botocore.RefreshWithMFAUnsupportedError):
        return f"your AWS sign-in has expired ({_short(cause)}): sign in again (`aws sso login`) and rerun the command"
    if isinstance(cause, botocore.NoRegionError | botocore.InvalidRegionError | botocore.UnknownRegionError):
        return f"no usable AWS region ({_short(cause)}): pass --region (for example --region us-east-1) or set AWS_REGION"
    if isinstance(cause, botocore.EndpointConnectionError | botocore.ConnectTimeoutError
                  | botocore.ProxyConnectionError | botocore.SSLError):
        return _unreachable(cause, endpoint)
    if isinstance(cause, botocore.ConnectionClosedError | botocore.ReadTimeoutError | botocore.HTTPClientError):
        return (f"the connection to AWS{_at(endpoint)} broke ({_short(cause)}): nothing was lost; "
                "check the network and rerun the command")
    if isinstance(cause, botocore.ClientError):
        return _client_error(cause, where, settings)
    if isinstance(cause, botocore.BotoCoreError):
        return f"AWS could not be asked ({_short(cause)}){where}: check the command's flags and your AWS settings"
    return f"AWS failed{where}: {_short(cause)}"


def _cause(exc: BaseException) -> BaseException:
    """The botocore error inside a PynamoDB one (PynamoDB keeps it as ``cause``)."""
    seen = 0
    while seen < 5 and not _is_botocore(exc):
        inner = getattr(exc, "cause", None) or exc.__cause__
        if not isinstance(inner, BaseException):
            break
        exc, seen = inner, seen + 1
    return exc


def _is_botocore(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    return isinstance(exc, BotoCoreError | ClientError)


def _client_error(exc: Any, where: str, settings: Any) -> str:
    error = exc.response.get("Error", {}) if isinstance(getattr(exc, "response", None), dict) else {}
    code = str(error.get("Code", ""))
    message = str(error.get("Message", "")).strip()
    action = exc.operation_name or "the request"
    if code in EXPIRED:
        return (f"AWS refused your credentials for {action}{where} ({code}): they have expired or are not valid; "
                "get new ones (`aws sso login`, or your administrator) and rerun the command")
    if code in DENIED:
        resource = _resource(exc, settings)
        return (f"access denied: your AWS identity may not {action} on {resource}{where}: ask an administrator "
                "for the editors' role (docs/deploy.md), or use --stage for a site you may publish to")
    if code in THROTTLED:
        return (f"AWS is throttling {action}{where} ({code}) and kept on after the retries: nothing was lost; "
                "wait a minute and rerun the command")
    if code in NO_BUCKET:
        bucket = getattr(settings, "bucket", None) or "the bucket"
        return (f"the bucket {bucket} does not exist{where}: check --stage or --bucket, or deploy the stack "
                "(`make deploy`, docs/deploy.md)")
    if code in NO_TABLE:
        table = getattr(settings, "table", None) or "the table"
        return (f"the table {table} does not exist{where}: check --stage or --table, or deploy the stack "
                "(`make deploy`, docs/deploy.md)")
    if code in NO_QUEUE:
        queue = getattr(settings, "queue", None) or "the ingest queue"
        return f"the queue {queue} does not exist{where}: check --stage, or deploy the stack (`make deploy`)"
    if code in WRONG_REGION:
        return (f"{action} went to the wrong AWS region{where} ({code}): pass the site's region with --region "
                "(or set AWS_REGION)")
    detail = f": {message}" if message else ""
    return f"AWS refused {action}{where} ({code or 'no code'}{detail})"


def _resource(exc: Any, settings: Any) -> str:
    """The bucket, table or queue an operation works on, as far as the settings say."""
    service = exc.response.get("ResponseMetadata", {}).get("ServiceName", "") if isinstance(exc.response, dict) else ""
    action = (exc.operation_name or "").lower()
    if settings is None:
        return "the site's resources"
    if service == "sqs" or "queue" in action or "message" in action:
        return f"the queue {settings.queue}"
    if any(word in action for word in ("item", "query", "scan", "batch", "transact", "table")):
        return f"the table {settings.table}"
    return f"the bucket {settings.bucket}"


def _no_credentials(exc: BaseException, endpoint: str | None) -> str:
    local = endpoint or (LOCAL_STAND_IN if _answers(LOCAL_STAND_IN) else None)
    if local and _is_loopback(local):
        return (f"no AWS credentials in this shell: the local site{_at(local)} takes any, "
                f"so run `AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing newsroom ... "
                f"--endpoint-url {local}`; for AWS, run `aws configure` or set AWS_PROFILE")
    return (f"no AWS credentials in this shell: run `aws configure` (or `aws sso login`, "
            f"or set AWS_PROFILE); to publish to `make run` instead, add --endpoint-url {LOCAL_STAND_IN}")


def _unreachable(exc: BaseException, endpoint: str | None) -> str:
    if endpoint and _is_loopback(endpoint):
        return (f"nothing answers at {endpoint}: the local site is not running; start it with `make run` "
                "in another terminal, then rerun the command")
    return (f"AWS cannot be reached{_at(endpoint)} ({_short(exc)}): check the network and --region, "
            "then rerun the command")


def _where(settings: Any) -> str:
    if settings is None:
        return ""
    stage = getattr(settings, "stage", None)
    endpoint = getattr(settings, "endpoint_url", None)
    return (f" (stage {stage}" if stage else " (") + (f" at {endpoint})" if endpoint else ")") if stage or endpoint else ""


def _at(endpoint: str | None) -> str:
    return f" at {endpoint}" if endpoint else ""


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details given"
    return text if len(text) <= 200 else text[:197] + "..."


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _answers(url: str) -> bool:
    """Whether something listens at ``url`` (a quarter of a second at most)."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=0.25):
            return True
    except OSError:
        return False


class CommandFailed(click.ClickException):
    """A command's one-line ending: ``newsroom: <what happened and what to do>`` and its exit code."""

    def __init__(self, message: str, exit_code: int, program: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it from the instance
        self.program = program

    def show(self, file: Any = None) -> None:
        click.echo(f"{self.program}: {self.format_message()}", err=True)


class OneLineCommands(click.Group):
    """A click group whose commands end in one line, never a traceback: an AWS failure is explained
    (``explained``, with the settings the command stored in ``ctx.meta[SETTINGS]``) and exits with
    ``EXIT_AWS``; anything else unexpected says so and exits 1 (``NEWSROOM_DEBUG=1`` shows the trace).

    Typed alone, with no command, the group says in one line what to do (``first_steps``, else its
    commands) and where the help is, and exits 2, as a usage error does, instead of a screen of help."""

    def __init__(self, *args: Any, first_steps: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_steps = first_steps

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            what = self.first_steps or "give a command: " + ", ".join(self.list_commands(ctx))
            click.echo(f"{ctx.command_path}: {what}; `{ctx.command_path} --help` says more.", err=True)
            ctx.exit(2)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - every failure gets its one line
            program = ctx.find_root().command.name or "newsroom"  # the tool's name, from a group of it too
            if is_aws_failure(exc):
                raise CommandFailed(explained(exc, ctx.meta.get(SETTINGS)), EXIT_AWS, program) from exc
            if os.environ.get("NEWSROOM_DEBUG"):
                raise
            raise CommandFailed(f"unexpected error ({_short(exc)}); nothing more was done. "
                                "Rerun with NEWSROOM_DEBUG=1 for the details, and report it", 1, program) from exc


SETTINGS = "newsroom.settings"  # where a command keeps the site it works on, for the line above
