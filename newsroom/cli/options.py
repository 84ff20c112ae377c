"""Which site a command works on (``aws_options``: the five flags), which files it sends
(``upload_options``), and how a local file or a typed name becomes a bucket key.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable

import click

from newsroom.aws_errors import SETTINGS


def aws_options(command: Callable[..., None]) -> Callable[..., None]:
    """--stage, --bucket, --table, --endpoint-url and --region: which site a command works on.

    The command gets them as one ``settings`` (chalicelib.config.Config), which is also in force
    while it runs: the stage's resources from .chalice/config.json, each flag winning over them.
    """
    @functools.wraps(command)
    def run(*args: Any, stage: str, bucket: str | None, table: str | None, endpoint_url: str | None,
            region: str | None, **kwargs: Any) -> None:
        from chalicelib import config

        try:
            settings = config.Config.for_stage(stage)
        except config.UnknownStage as error:
            raise click.BadParameter(str(error), param_hint="--stage") from None
        settings = settings.replace(bucket=bucket, table=table, endpoint_url=endpoint_url, region=region)
        click.get_current_context().meta[SETTINGS] = settings  # an AWS failure names this site
        with config.using(settings):
            command(*args, settings=settings, **kwargs)

    for option in reversed([
        click.option("--stage", default="dev", show_default=True, envvar="NEWSROOM_STAGE",
                     help="Which deployment: its bucket, table and queue from .chalice/config.json."),
        click.option("--bucket", help="Content bucket (default: the stage's)."),
        click.option("--table", help="DynamoDB table (default: the stage's)."),
        click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL",
                     help="AWS endpoint, e.g. http://127.0.0.1:5000 for `make run` (default: real AWS)."),
        click.option("--region", help="AWS region (default: AWS_REGION, else us-east-1)."),
    ]):
        run = option(run)
    return run


def say_where(action: str, settings: Any) -> None:
    """Tell the editor where a command is about to write, before it writes."""
    click.echo(f"{action} {settings.where()}", err=True)


def upload_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of every command that uploads files: which, from where, to which stage, waiting."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)),
        click.option("--root", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder that mirrors the bucket (default: the nearest folder holding articles/, pages/...)."),
        aws_options,
        click.option("--wait/--no-wait", default=True, show_default=True,
                     help="Wait until each file is live (or previewable) or refused."),
        click.option("--timeout", default=120.0, show_default=True,
                     help="Give up waiting once nothing has moved for this many seconds."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """The files named: each file as it is, each folder as every file in it, in order."""
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return out


def key_of(file: str) -> str:
    """A bucket key from what an editor typed: a key (articles/x.md) or a local file's path."""
    from chalicelib import config

    if file.startswith(config.INGESTED_PREFIXES + (config.MEDIA_PREFIX,)) and not Path(file).is_absolute():
        return file
    return bucket_key(Path(file), None)


def bucket_key(path: Path, root: Path | None) -> str:
    """The key a file would have in the bucket: its path below the content root."""
    path = path.resolve()
    if root is not None:
        return path.relative_to(root.resolve()).as_posix()
    from chalicelib import config

    for parent in path.parents:
        if parent.name + "/" in config.INGESTED_PREFIXES:
            return path.relative_to(parent.parent).as_posix()
    return f"{config.ARTICLES_PREFIX}{path.name}"
