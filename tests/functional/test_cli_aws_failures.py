"""Every AWS failure a command meets ends in one line that says what to do, never a traceback (issue 32).

botocore's client is made to fail every call with each kind of failure an editor meets (no
credentials, expired ones, access denied, a missing bucket or table, a wrong region, nothing
listening, throttling past the retries), and then with every error class botocore defines.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import botocore.exceptions as botocore_errors
import pytest
from botocore.client import BaseClient
from click.testing import CliRunner

from newsroom import aws_errors
from newsroom.cli import main
from tests.functional.test_ingest import article

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXPORT = PROJECT_DIR / "tests" / "data" / "wordpress-importer" / "small-export.xml"


def client_error(code: str, operation: str = "PutObject", message: str = "") -> botocore_errors.ClientError:
    return botocore_errors.ClientError({"Error": {"Code": code, "Message": message or code}}, operation)


KINDS = {
    "no credentials": (botocore_errors.NoCredentialsError(), "no AWS credentials"),
    "expired credentials": (client_error("ExpiredToken"), "expired or are not valid"),
    "access denied": (client_error("AccessDenied", "PutObject"), "access denied: your AWS identity may not "),
    "no bucket": (client_error("NoSuchBucket"), "does not exist"),
    "no table": (client_error("ResourceNotFoundException", "Query"), "does not exist"),
    "wrong region": (client_error("PermanentRedirect"), "wrong AWS region"),
    "unreachable": (botocore_errors.EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"), "cannot be reached"),
    "throttled": (client_error("ThrottlingException"), "throttling"),
}


def commands(tmp_path: Path) -> dict[str, list[str]]:
    """The commands an editor runs first, each as a newcomer types it."""
    story = tmp_path / "articles" / "story.md"
    story.parent.mkdir(exist_ok=True)
    story.write_text(article(title="A story"))
    return {"publish": ["publish", str(story)], "errors": ["errors"],
            "import-wordpress": ["import-wordpress", str(EXPORT)], "history": ["history", "articles/story.md"],
            "comments list": ["comments", "list"]}


@pytest.fixture
def aws_fails(monkeypatch):
    """Make every AWS call fail with the exception handed to the returned function."""
    def fail_with(exc: Exception) -> None:
        def call(self, operation_name, api_params):  # type: ignore[no-untyped-def]
            raise exc
        monkeypatch.setattr(BaseClient, "_make_api_call", call)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return fail_with


def one_line(result) -> str:  # type: ignore[no-untyped-def]
    """The command's last words: exactly one line from us, no traceback."""
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    ours = [line for line in result.output.splitlines() if line.startswith("newsroom: ")]
    assert len(ours) == 1, result.output
    return ours[0]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("command", ["publish", "errors", "import-wordpress", "history", "comments list"])
def test_each_aws_failure_is_one_line_with_what_to_do(aws_fails, tmp_path, kind, command):
    exc, words = KINDS[kind]
    aws_fails(exc)
    result = CliRunner().invoke(main, commands(tmp_path)[command])
    line = one_line(result)
    assert result.exit_code == aws_errors.EXIT_AWS, result.output
    assert words in line, line
    assert "stage dev" in line or kind in ("no credentials", "unreachable"), line  # names the site


def botocore_error_classes() -> list[type[Exception]]:
    return [cls for _, cls in inspect.getmembers(botocore_errors, inspect.isclass)
            if issubclass(cls, botocore_errors.BotoCoreError)]


def make(cls: type[Exception]) -> Exception:
    """An instance of any botocore error: its message fields filled with placeholders."""
    fields = {name: "x" for name in re.findall(r"{(\w+)", getattr(cls, "fmt", ""))}
    required = [p for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
    return cls(**{p.name: "x" for p in required}, **{k: v for k, v in fields.items()
                                                      if k not in {p.name for p in required}})


@pytest.mark.parametrize("cls", botocore_error_classes(), ids=lambda cls: cls.__name__)
def test_no_botocore_error_prints_a_traceback(aws_fails, tmp_path, cls):
    aws_fails(make(cls))
    result = CliRunner().invoke(main, ["errors"])
    one_line(result)
    assert result.exit_code == aws_errors.EXIT_AWS


def test_with_no_credentials_at_all_the_line_says_how_to_publish_locally_and_how_to_configure_aws(tmp_path):
    """The customer's case, as a new user meets it: a shell with no AWS settings at all."""
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "none"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_DEFAULT_REGION": "us-east-1"}
    run = subprocess.run([sys.executable, "-m", "newsroom.cli", "errors"], cwd=PROJECT_DIR, env=env,
                         capture_output=True, text=True, timeout=120)
    assert "Traceback" not in run.stderr and run.returncode == aws_errors.EXIT_AWS, run.stderr
    [line] = run.stderr.strip().splitlines()[-1:]
    assert line.startswith("newsroom: no AWS credentials") and "aws configure" in line
    assert "--endpoint-url http://127.0.0.1:5000" in line


def test_a_stopped_local_stand_in_says_start_make_run(aws_fails, tmp_path):
    aws_fails(botocore_errors.EndpointConnectionError(endpoint_url="http://127.0.0.1:5999"))
    result = CliRunner().invoke(main, ["errors", "--endpoint-url", "http://127.0.0.1:5999"])
    line = one_line(result)
    assert "nothing answers at http://127.0.0.1:5999" in line and "make run" in line


def test_a_fault_of_ours_is_one_line_too(monkeypatch, tmp_path):
    """Not AWS: a bug. One line that says to report it; NEWSROOM_DEBUG=1 shows the trace."""
    monkeypatch.setattr("chalicelib.bucket.reports", lambda s3, bucket, limit: 1 / 0)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = CliRunner().invoke(main, ["errors"])
    line = one_line(result)
    assert result.exit_code == 1 and "unexpected error (division by zero)" in line and "NEWSROOM_DEBUG=1" in line
    assert "ZeroDivisionError" not in line  # a person reads words, never a Python class
