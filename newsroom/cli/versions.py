"""A file's versions in the versioned bucket: ``history``, ``show`` one, ``revert`` to one.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from newsroom.cli.options import aws_options, key_of
from newsroom.cli.sending import send


@click.command()
@click.argument("file")
@aws_options
def history(file: str, settings: Any) -> None:
    """List every version of FILE in the bucket, newest first: when, who, title, what changed."""
    from chalicelib.bucket import ContentBucket
    from chalicelib.publish.history import versions

    key = key_of(file)
    found = versions(ContentBucket(settings.bucket), key)
    if not found:
        click.echo(f"{key}: no versions in {settings.bucket}", err=True)
        sys.exit(1)
    for version in found:
        what = "deleted" if version.deleted else ", ".join(version.changed) or ("first version" if version is found[-1]
                                                                               else "no change")
        who = f"  by {version.who}" if version.who else ""
        note = f"  ({version.note})" if version.note and not version.deleted else ""
        click.echo(f"{version.version_id}  {version.when}{who}  {version.title!r}  {what}{note}".replace("  ''", ""))


@click.command()
@click.argument("file")
@click.option("--version", "version_id", required=True, help="A version id from `newsroom history FILE`.")
@aws_options
def show(file: str, version_id: str, settings: Any) -> None:
    """Print one version of FILE as it was uploaded."""
    from chalicelib.bucket import ContentBucket
    from chalicelib.publish.history import version_bytes

    try:
        sys.stdout.buffer.write(version_bytes(ContentBucket(settings.bucket), key_of(file), version_id))
    except LookupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@click.command()
@click.argument("file")
@click.option("--to", "version_id", required=True, help="The version to bring back (`newsroom history FILE`).")
@aws_options
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until it is live or refused.")
@click.option("--timeout", default=120.0, show_default=True,
              help="Give up waiting once nothing has moved for this many seconds.")
def revert(file: str, version_id: str, settings: Any, wait: bool, timeout: float) -> None:
    """Bring back an old version of FILE (a deleted file too): uploaded as the newest version, it is
    checked and published as any upload is, and the history keeps everything in between."""
    from chalicelib.bucket import ContentBucket
    from chalicelib.config import REVERTED_FROM
    from chalicelib.publish.history import version_bytes

    key = key_of(file)
    try:
        data = version_bytes(ContentBucket(settings.bucket), key, version_id)
    except LookupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    statuses = send({key: data}, settings, wait, timeout, metadata={REVERTED_FROM: version_id})
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)
