"""The commands on content files: ``check`` them, ``publish`` them, ``submit`` them for review,
``approve`` a submission or a draft.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from newsroom.cli.options import aws_options, bucket_key, expand, upload_options
from newsroom.cli.sending import send

APPROVED_FROM = "approved-from"  # object metadata on the live version an approval made
SUBMITTED_BY = "submitted-by"


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that mirrors the bucket (default: the nearest folder holding articles/ or pages/).")
def check(files: tuple[Path, ...], root: Path | None) -> None:
    """Validate content files with the same rules as the site's ingest.

    An old address (an alias) two of the files claim is refused as ingest refuses the second; one the
    site already gives another file is found at upload (ingest reads the table; this reads no AWS)."""
    from chalicelib.content.content_format import Article, ContentError, Problem, check_file
    from chalicelib.content.markup import REQUIRE_ALT

    checked: list[tuple[Path, str, list[Problem], list[str]]] = []  # file, key, problems, warnings
    articles = []
    for path in expand(files):
        key = bucket_key(path, root)
        missing_alt: list[tuple[str, str]] = []
        try:
            parsed = check_file(key, path.read_bytes())
            missing_alt = _missing_alt(parsed)
            if missing_alt and _requires_alt(path, root):
                raise ContentError(key, [Problem(name, message + REQUIRE_ALT) for name, message in missing_alt])
        except ContentError as error:
            checked.append((path, key, error.problems, []))
            continue
        checked.append((path, key, [], [message for _, message in missing_alt]))
        if isinstance(parsed, Article) and parsed.aliases:
            articles.append(parsed)
    twice: dict[str, list[Problem]] = {}
    if len(articles) > 1:
        from chalicelib.publish.articles import aliases_claimed_twice

        twice = aliases_claimed_twice(articles)
    failed = 0
    for path, key, problems, warnings in checked:
        problems = problems or twice.get(key, [])
        failed += bool(problems)
        for problem in problems:
            click.echo(f"{path}: {problem}", err=True)
        for message in warnings if not problems else []:
            click.echo(f"{path}: warning: {message}", err=True)
        if not problems:
            click.echo(f"{path}: ok")
    if failed:
        click.echo(f"{failed} file(s) have problems.", err=True)
        sys.exit(1)


def _missing_alt(parsed: Any) -> list[tuple[str, str]]:
    from chalicelib.content import markup
    from chalicelib.content.content_format import Article

    if not isinstance(parsed, Article):
        return []
    return markup.missing_alt(markup.render_body(parsed.body, parsed.body_format).html, parsed.image, parsed.image_alt)


def _requires_alt(path: Path, root: Path | None) -> bool:
    """Whether the site's settings file beside the content (settings/site.yaml) says require_alt."""
    from chalicelib.content.content_format import ContentError, parse_settings

    folder = root or next((p for p in path.resolve().parents if (p / "settings" / "site.yaml").exists()), None)
    settings_file = folder / "settings" / "site.yaml" if folder else None
    if settings_file is None or not settings_file.exists():
        return False
    try:
        return parse_settings("settings/site.yaml", settings_file.read_bytes()).require_alt
    except ContentError:
        return False


@click.command()
@upload_options
@click.option("--draft", is_flag=True,
              help="Upload as an unpublished change (under drafts/): previewable, the live page unchanged, "
                   "until `newsroom approve`.")
def publish(paths: tuple[Path, ...], root: Path | None, settings: Any, wait: bool, timeout: float,
            draft: bool) -> None:
    """Check files, upload them to the content bucket and report when each is live.

    Nothing is uploaded if any file has a problem. Files already in the bucket
    with the same bytes are skipped. Folders are uploaded whole; media files
    (under media/) are uploaded as they are. With --draft, articles and pages
    go under drafts/ instead: each gets a preview link, and nothing changes for
    readers until an editor runs `newsroom approve drafts/<key>`.
    """
    from chalicelib import config

    files = {bucket_key(path, root): path.read_bytes() for path in expand(paths)}
    if draft:
        files = {config.DRAFTS_PREFIX + key: data for key, data in files.items()}
    statuses = send(files, settings, wait, timeout)
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)


@click.command()
@upload_options
def submit(paths: tuple[Path, ...], root: Path | None, settings: Any, wait: bool, timeout: float) -> None:
    """(Contributors) Send articles or pages to the editors: uploaded under submissions/<your IAM user
    name>/, checked and given a preview link, never published until an editor runs `newsroom approve`."""
    from chalicelib.bucket import submission_key
    from newsroom.who import iam_user

    owner, arn = iam_user()
    if owner is None:
        who = f"these credentials are {arn}" if arn else "no credentials answered"
        click.echo("newsroom submit sends with an IAM user's access keys: a contributor's submissions go to their "
                   f"own folder, named by their IAM user ({who}; docs/editors.md)", err=True)
        sys.exit(2)
    try:
        files = {submission_key(owner, bucket_key(path, root)): path.read_bytes() for path in expand(paths)}
    except ValueError as refused:
        click.echo(f"newsroom submit: the IAM user {owner!r} cannot submit: {refused}", err=True)
        sys.exit(2)
    statuses = send(files, settings, wait, timeout)
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)


@click.command()
@click.argument("key")
@aws_options
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until the file is live or refused.")
@click.option("--timeout", default=120.0, show_default=True,
              help="Give up waiting once nothing has moved for this many seconds.")
def approve(key: str, settings: Any, wait: bool, timeout: float) -> None:
    """(Editors) Publish a submission or a draft change (KEY: submissions/articles/x.md,
    drafts/articles/x.md): it becomes the live file, a new version in that file's history noting who
    submitted it, and the pending file is deleted (its preview link with it)."""
    from botocore.exceptions import ClientError

    from chalicelib.bucket import ContentBucket
    from chalicelib.config import UPLOADED_BY
    from chalicelib.publish.pending import live_article_of

    live = live_article_of(key)
    if live is None:
        click.echo(f"{key}: not a submission or a draft (submissions/... or drafts/..., an article or a page)",
                   err=True)
        sys.exit(2)
    bucket = ContentBucket(settings.bucket)
    try:
        found = bucket.fetch(key)
    except ClientError:
        found = None
    if found is None:
        click.echo(f"{key}: not in the bucket (approved already, or withdrawn?)", err=True)
        sys.exit(1)
    data = found.data
    refused = _editors_only(key, live, data, found.modified)
    if refused:
        click.echo(f"{key} is kept: a submission may not carry what only an editor sets. " + "; ".join(refused),
                   err=True)
        sys.exit(1)
    submitted_by = found.metadata.get(UPLOADED_BY, "")
    statuses = send({live: data}, settings, wait, timeout,
                     metadata={APPROVED_FROM: key, **({SUBMITTED_BY: submitted_by} if submitted_by else {})})
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        click.echo(f"{key} is kept: the live file was not published.", err=True)
        sys.exit(1)
    bucket.delete(key)
    click.echo(f"Approved: {key} is now {live}" + (f" (submitted by {submitted_by})" if submitted_by else ""))


def _editors_only(key: str, live: str, data: bytes, written: Any) -> list[str]:
    """Why a submission may not be approved as it is (a field only an editor sets, a date in the past), in
    the words ingest's report uses; [] if it may (a draft, or a submission that carries none)."""
    from chalicelib.content.content_format import ContentError, check_file
    from chalicelib.publish.pending import submission_refusals

    try:
        parsed = check_file(live, data)
    except ContentError:
        return []  # the publish that follows checks the file and reports its problems
    return [str(p) for p in submission_refusals(key, parsed, data, written)]  # type: ignore[arg-type]
