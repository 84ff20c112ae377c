"""The ``newsroom`` command: the editors' tools.

Built on click: every command has ``--help``. Content checks use the very
parser the ingest function uses (``chalicelib.content.content_format``), so a file
that ``newsroom check`` accepts is a file the site publishes.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

import click

from newsroom.aws_errors import SETTINGS, OneLineCommands


@click.group(name="newsroom", cls=OneLineCommands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Newsroom: publish a news site from files, on AWS or locally."""


@main.command()
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
    for path in _expand(files):
        key = _bucket_key(path, root)
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


def _say_where(action: str, settings: Any) -> None:
    """Tell the editor where a command is about to write, before it writes."""
    click.echo(f"{action} {settings.where()}", err=True)


@main.command()
@aws_options
@click.option("--quick", is_flag=True, help="Skip files whose ETag is unchanged instead of rewriting them.")
def resync(settings: Any, quick: bool) -> None:
    """Make the site match the bucket exactly: add, repair, remove, report."""
    from chalicelib.publish.resync import bucket_keys
    from chalicelib.publish.resync import resync as run_resync

    _say_where("Resyncing", settings)
    total = sum(1 for _ in bucket_keys(settings.bucket))
    with click.progressbar(length=total, label=f"Resyncing {settings.bucket}",
                           item_show_func=lambda key: key, file=sys.stderr) as bar:
        counts = run_resync(settings.bucket, force=not quick, progress=lambda key, outcome: bar.update(1, key))
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "bucket is empty")
    if counts.get("invalid"):
        click.echo("Invalid files have reports under reports/ in the bucket.", err=True)


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


@main.command()
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

    files = {_bucket_key(path, root): path.read_bytes() for path in _expand(paths)}
    if draft:
        files = {config.DRAFTS_PREFIX + key: data for key, data in files.items()}
    statuses = _send(files, settings, wait, timeout)
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)


@main.command()
@aws_options
@click.option("--limit", default=50, show_default=True, help="Show at most this many reports.")
def errors(settings: Any, limit: int) -> None:
    """List the files ingest refused (its reports in the bucket), newest first."""
    from chalicelib.aws import s3_client
    from chalicelib.bucket import reports

    found, total = reports(s3_client(), settings.bucket, limit)
    if not found:
        click.echo("No errors: every file in the bucket is published.")
        return
    for report in found:
        click.echo(f"{report['modified']:%Y-%m-%d %H:%M:%S}  {report.get('file')}  ({report.get('status')})")
        for problem in report.get("problems", []):
            line = f" (line {problem['line']})" if problem.get("line") else ""
            click.echo(f"    {problem.get('field')}: {problem.get('problem')}{line}")
        for warning in report.get("warnings", []):
            click.echo(f"    warning: {warning}")
    if total > limit:
        click.echo(f"... and {total - limit} more (--limit)")
    sys.exit(1)


@main.group()
def media() -> None:
    """The media library: photos and files under media/, their sizes, and the articles showing them."""


@media.command("list")
@aws_options
@click.option("--unused", is_flag=True, help="Only what no article shows.")
def media_list(settings: Any, unused: bool) -> None:
    """Every file under media/: size, the sizes made of a photo (or why none could be), and the
    articles that show it."""
    from chalicelib import config
    from chalicelib.bucket import ContentBucket
    from chalicelib.models import MediaItem
    from chalicelib.publish import renditions

    records = {item.sk: item for item in MediaItem.query("media")}
    listed = list(ContentBucket(settings.bucket).listed(config.MEDIA_PREFIX))
    shown_count = unused_count = 0
    for obj in sorted(listed, key=lambda o: o["Key"]):
        key, item = obj["Key"], records.get(obj["Key"])
        users = renditions.showing(key)
        if unused and users:
            continue
        shown_count += 1
        unused_count += not users
        if item is None:
            made = "not checked yet" if not _is_photo(key) else "sizes not made yet"
        elif item.status == "ready" and not _is_photo(key):
            made = f"served as a download ({item.format})"
        elif item.status != "ready" and not _is_photo(key):
            made = "not served: " + "; ".join(item.problems or [])
        elif item.status == "ready":
            widths = sorted({int(d[1]) for d in item.derivatives or []})
            formats = sorted({d[3].split("/")[1] for d in item.derivatives or []})
            made = (f"{int(item.width)}x{int(item.height)} {item.format}; {len(item.derivatives or [])} sizes "
                    f"({', '.join(map(str, widths))} px; {', '.join(formats)})")
        else:
            made = "no sizes: " + "; ".join(item.problems or [])
        click.echo(f"{key}  {obj['Size'] / 1024:,.0f} KB  {made}")
        click.echo("    " + (", ".join(f"{path} ({article})" for article, path in users) if users else "unused"))
    click.echo(f"{shown_count} file(s), {unused_count} unused.", err=True)


def _is_photo(key: str) -> bool:
    from chalicelib.content import images

    return images.is_derivable(key)


@media.command("delete")
@aws_options
@click.argument("key")
@click.option("--force", is_flag=True, help="Delete it even though articles show it (they are listed).")
def media_delete(settings: Any, key: str, force: bool) -> None:
    """Delete a file under media/ (and, for a photo, its sizes). Refused while articles show it,
    unless --force; then those articles are rendered again without it, and listed."""
    from chalicelib import config
    from chalicelib.bucket import ContentBucket
    from chalicelib.publish import renditions

    key = key.lstrip("/")
    if not key.startswith(config.MEDIA_PREFIX):
        raise click.BadParameter(f"{key} is not under {config.MEDIA_PREFIX}", param_hint="KEY")
    users = renditions.showing(key)
    if users and not force:
        click.echo(f"{key} is shown by {len(users)} article(s); not deleted (--force deletes it anyway):", err=True)
        for article, path in users:
            click.echo(f"    {path} ({article})", err=True)
        sys.exit(1)
    _say_where(f"Deleting {key}", settings)
    ContentBucket(settings.bucket).delete(key)
    for article, path in users:
        click.echo(f"{path} ({article}) showed it: it is rendered again without it.")
    click.echo(f"Deleted {key}" + ("; its sizes go with it." if _is_photo(key) else "."))


@main.group()
def comments() -> None:
    """Moderate readers' comments: list, approve, reject, delete.

    Comments wait as pending until an editor approves them; the article's
    count changes with each approval or deletion. Rejected comments are kept
    30 days, then DynamoDB removes them.
    """


def shown(text: str) -> str:
    """Stored text as a terminal may print it: control and formatting characters (C0, C1, bidi
    overrides, zero-width) as escapes, so no stored text can move the cursor or disguise itself."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _comment_line(comment: Any, ref: str) -> str:
    first = shown(" ".join(comment.text.split()))
    return (f"{ref}  {comment.created}  /{comment.slug}/  {shown(comment.name)}"
            + (f" <{shown(comment.email)}>" if comment.email else "")
            + (f"  (reply to {comment.parent})" if comment.parent else "")
            + f"\n    {first[:100]}{'…' if len(first) > 100 else ''}")


@comments.command("list")
@aws_options
@click.option("--approved", "article", metavar="SLUG", help="List an article's approved comments instead.")
@click.option("--rejected", is_flag=True, help="List comments rejected in the last 30 days instead.")
@click.option("--limit", default=100, show_default=True, help="Show at most this many.")
def comments_list(settings: Any, article: str | None, rejected: bool, limit: int) -> None:
    """Pending comments, newest first (the ids to approve, reject or delete)."""
    from chalicelib.publish import moderation as store

    if article:
        found = store.approved_of(article)[:limit]
    else:
        found = store.rejected(limit) if rejected else store.pending(limit)
    for comment in found:  # an approved comment is named with its article; the others by id alone
        click.echo(_comment_line(comment, f"{article}/{comment.id}" if article else comment.id))
    what = f"approved on /{article}/" if article else "rejected" if rejected else "pending"
    click.echo(f"{len(found)} {what}.", err=True)


def _moderate(action: str, ids: tuple[str, ...], settings: Any) -> None:
    from chalicelib.publish import moderation as store

    click.echo(f"Moderating comments in {settings.table} (stage {settings.stage})", err=True)
    failed = 0
    shown_on: set[str] = set()  # articles whose pages changed: the CDN must drop its copies
    for ref in ids:
        try:
            result = getattr(store, action)(ref)
        except store.Refused as refusal:
            failed += 1
            click.echo(f"{refusal.message}", err=True)
            continue
        if action == "approve":
            shown_on.add(result.slug)
            click.echo(f"approved {result.slug}/{result.id}: shown on /{result.slug}/")
        elif action == "reject":
            click.echo(f"rejected {result.id} (on /{result.slug}/)")
        else:
            shown_on.update(c.slug for c in result if c.status == "approved")
            click.echo(f"deleted {ref}" + (f" and {len(result) - 1} replies" if len(result) > 1 else ""))
    if shown_on:
        _ask_for_invalidation(shown_on, settings)
    if failed:
        sys.exit(1)


def _ask_for_invalidation(slugs: set[str], settings: Any) -> None:
    """Ask ingest (which knows the stage's distribution) to drop these articles' pages from the CDN."""
    from chalicelib.publish import edge

    failed = edge.ask_to_refresh_comments(slugs)
    if failed:
        click.echo(failed, err=True)


@comments.command("approve")
@click.argument("ids", nargs=-1, required=True)
@aws_options
def comments_approve(ids: tuple[str, ...], settings: Any) -> None:
    """Show pending comments (by id) on their articles and count them."""
    _moderate("approve", ids, settings)


@comments.command("reject")
@click.argument("ids", nargs=-1, required=True)
@aws_options
def comments_reject(ids: tuple[str, ...], settings: Any) -> None:
    """Refuse pending comments (by id); they are kept 30 days, never shown."""
    _moderate("reject", ids, settings)


@comments.command("delete")
@click.argument("refs", nargs=-1, required=True)
@aws_options
def comments_delete(refs: tuple[str, ...], settings: Any) -> None:
    """Delete comments for good: pending or rejected by id, approved by SLUG/ID (with their replies)."""
    _moderate("delete", refs, settings)


@comments.command("index")
@aws_options
def comments_index(settings: Any) -> None:
    """List every approved comment in the desk's Approved tab: once, for comments approved before the
    desk listed them (safe to repeat)."""
    from chalicelib.publish import moderation as store

    click.echo(f"Listing approved comments in {settings.table} (stage {settings.stage})", err=True)
    click.echo(f"{store.index_approved()} approved comments listed in the desk's Approved tab.")


@main.command("import-wordpress")
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--media-from", callback=lambda ctx, param, value: _media_source(value),
              help="Where the old site's uploads are: a copy of its wp-content/uploads folder, or its "
                   "address (https://old.example.com) to download them from. Found files, with their "
                   "size variants, are copied to media/.")
@click.option("--dry-run", is_flag=True, help="Convert and report, upload nothing.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Also write the converted files here (a folder that mirrors the bucket).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the migration report here as JSON.")
@aws_options
@click.option("--wait/--no-wait", default=True, show_default=True, help="Wait until each file is live or refused.")
@click.option("--timeout", default=600.0, show_default=True,
              help="Give up waiting once nothing has moved for this many seconds.")
def import_wordpress(export: Path, media_from: Any, dry_run: bool, out: Path | None,
                     report_path: Path | None, settings: Any, wait: bool, timeout: float) -> None:
    """Move a WordPress site here from its export (WXR 1.0-1.2, Tools > Export > All content).

    Posts, pages, authors, categories (with parents), tags, excerpts, featured
    and inline images, statuses (drafts, private and password-protected posts
    stay unpublished; scheduled posts appear at their date), old permalinks
    (they redirect) and comments (approved ones shown and counted, pending ones
    waiting for `newsroom comments`). Running it again changes nothing.
    """
    from chalicelib.imports.wordpress import ExportError, convert

    try:
        migration = convert(export, media_from)
    except ExportError as error:
        click.echo(f"Import refused, nothing uploaded: {error}", err=True)
        sys.exit(2)
    if out:
        from chalicelib import outside_paths

        for key, data in migration.uploads().items():
            target = outside_paths.inside(out, key)  # keys come from the export: data, never a place of their own
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    failed = _print_migration(migration)
    # The very checks the real run makes before it uploads anything, so a dry run predicts it.
    if not _refuse_if_problems(migration.files, "would be uploaded" if dry_run else "was uploaded"):
        _write_report(report_path, migration, uploaded=False)
        sys.exit(1)
    if dry_run:
        _write_report(report_path, migration, uploaded=False)
        click.echo(f"Dry run: {len(migration.uploads())} files would be uploaded; nothing was.")
        return
    statuses = _send(migration.uploads(), settings, wait, timeout, keep_existing=True)
    migration.settle(refused={k: s.detail for k, s in statuses.items() if s.state == "refused"},
                     waiting={k for k, s in statuses.items() if s.state == "waiting"},
                     kept={k for k, s in statuses.items() if s.state == "kept"})
    if migration.comments and not wait:
        click.echo("Comments not imported: they need their articles live; run again without --no-wait.", err=True)
    elif migration.comments:
        failed += _import_comments(migration.comments)
    _write_report(report_path, migration, uploaded=True)
    if failed or any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)


def _media_source(value: str | None) -> Any:
    """``--media-from``: a folder (a copy of wp-content/uploads) or the old site's address."""
    if not value:
        return None
    from chalicelib.imports.wordpress import MediaSource

    if value.startswith(("http://", "https://")):
        return MediaSource(value)
    if not Path(value).is_dir():
        raise click.BadParameter(f"{value} is neither a folder nor an http(s):// address", param_hint="--media-from")
    return MediaSource(Path(value))


def _write_report(path: Path | None, migration: Any, uploaded: bool) -> None:
    """The migration report as JSON: what became of every item (after the upload, what the site made of it)."""
    if path is None:
        return
    import json

    from chalicelib.imports.report import report_of

    path.write_text(json.dumps(report_of(migration, uploaded), indent=2, ensure_ascii=False) + "\n")


def _import_comments(found: list[Any]) -> int:
    """Write the export's comments once their articles are live; returns how many failed."""
    from collections import Counter

    from chalicelib.publish import moderation as comments

    outcomes: Counter[str] = Counter()
    with click.progressbar(found, label="Importing comments", file=sys.stderr) as bar:
        for comment in bar:
            try:
                outcome = comments.import_comment(comment.slug, comment.id, comment.parent, comment.name,
                                                  comment.email, comment.text, comment.created, comment.approved,
                                                  reply_to=comment.reply_to, level=comment.level)
            except comments.Refused as refusal:
                outcome = "failed"
                click.echo(refusal.message, err=True)
            if outcome == "imported":
                outcome = "imported approved" if comment.approved else "imported pending"
            outcomes[outcome] += 1
    click.echo("Comments: " + (", ".join(f"{n} {what}" for what, n in sorted(outcomes.items())) or "none"))
    return outcomes["failed"]


def _print_migration(migration: Any) -> int:
    click.echo(f"Migration of '{migration.site_name}':")
    for kind, counts in migration.counts().items():
        plural = "categories" if kind == "category" else kind + "s"
        click.echo(f"  {plural:<12} " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    if migration.blocks:
        click.echo(f"  {'blocks':<12} {migration.blocks['rendered']} rendered, {migration.blocks['reported']} "
                   "reported (see the notes)")
    reasons: dict[tuple[str, str, str], int] = {}
    for outcome in migration.outcomes:
        if outcome.status in ("skipped", "failed", "refused"):
            reasons[(outcome.kind, outcome.status, outcome.reason)] = reasons.get(
                (outcome.kind, outcome.status, outcome.reason), 0) + 1
    for (kind, status, reason), n in sorted(reasons.items()):
        click.echo(f"  {status}: {n} {kind}(s): {reason}")
    for name, notes in migration.notes.items():
        for note in dict.fromkeys(notes):
            click.echo(f"  note: {name}: {note}")
    return sum(1 for o in migration.outcomes if o.status == "failed")


def _refuse_if_problems(files: Mapping[str, bytes], what: str = "was uploaded") -> bool:
    """Check ``files`` (bucket key -> bytes) with ingest's own parser; print every problem. Whether
    all are fine (else nothing may be uploaded)."""
    from chalicelib.imports.uploads import problems_of

    problems = problems_of(files)
    for key, found in sorted(problems.items()):
        for problem in found:
            click.echo(f"{key}: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} file(s) have problems; nothing {what}.", err=True)
    return not problems


def _send(files: Mapping[str, bytes], settings: Any, wait: bool, timeout: float,
          metadata: dict[str, str] | None = None, keep_existing: bool = False) -> dict[str, Any]:
    """Check, upload and follow ``files`` (bucket key -> bytes); what became of each uploaded file
    (with --no-wait, only those ``keep_existing`` kept: state "kept"). Exits non-zero, uploading
    nothing, if any file has problems."""
    if not _refuse_if_problems(files):
        sys.exit(1)
    from chalicelib import config
    from chalicelib.aws import s3_client
    from chalicelib.config import UPLOADED_BY
    from chalicelib.imports.uploads import upload
    from newsroom.publisher import Status, queue_depth, wait_live
    from newsroom.who import uploader

    _say_where("Uploading to", settings)
    metadata = {UPLOADED_BY: uploader(), **(metadata or {})}
    s3 = s3_client()
    skipped = 0
    with click.progressbar(length=len(files), label=f"Uploading to {settings.bucket}", file=sys.stderr,
                           item_show_func=lambda key: key) as bar:
        def step(key: str, sent: bool) -> None:
            nonlocal skipped
            skipped += not sent
            bar.update(1, key)

        done = upload(s3, settings.bucket, files, progress=step, metadata=metadata, keep_existing=keep_existing)
    uploaded = done.sent
    kept = {key: Status(key, "kept", "another version is already there; kept as it is") for key in done.kept}
    click.echo(f"{len(uploaded)} uploaded, {skipped - len(kept)} unchanged (already in the bucket)"
               + (f", {len(kept)} kept (another version is already there: not overwritten)." if kept else "."))
    for status in list(kept.values())[:20]:
        click.echo(f"{status.state:>8}  {status.key}  {status.detail}", err=True)
    if not wait or not uploaded:
        return kept
    followed = sum(1 for key in uploaded if not key.startswith(config.MEDIA_PREFIX))
    counts: dict[str, int] = {}

    def applied(status: Any) -> None:
        counts[status.state] = counts.get(status.state, 0) + 1
        click.echo(f"{status.state:>8}  {status.key}  {status.detail}".rstrip())

    def still_going(done: int, waiting: int) -> None:
        so_far = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        click.echo(f"ingest is working: {done} of {followed} applied ({so_far or 'none yet'}), {waiting} waiting",
                   err=True)

    statuses = wait_live(uploaded, timeout=timeout, progress=applied, heartbeat=still_going,
                         moving=lambda: queue_depth(settings.queue))
    stuck = [s for s in statuses.values() if s.state == "waiting"]
    for status in stuck[:20]:
        click.echo(f"{status.state:>8}  {status.key}  {status.detail}", err=True)
    if stuck:
        depth = queue_depth(settings.queue)
        queue = (f"the ingest queue {settings.queue} holds {depth[0]} messages, {depth[1]} in flight"
                 if depth else f"the ingest queue {settings.queue} could not be read")
        click.echo(f"{len(stuck)} of {followed} files not applied: nothing moved for {timeout:g} s and {queue}. "
                   "Is ingest running (`make run`, or the stack's ingest function)? `newsroom errors` lists refused "
                   "files; run the command again to go on waiting (unchanged files are not uploaded again).", err=True)
    return {**statuses, **kept}


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return out


@main.command()
@click.argument("file")
@aws_options
def history(file: str, settings: Any) -> None:
    """List every version of FILE in the bucket, newest first: when, who, title, what changed."""
    from chalicelib.bucket import ContentBucket
    from chalicelib.publish.history import versions

    key = _key_of(file)
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


@main.command()
@click.argument("file")
@click.option("--version", "version_id", required=True, help="A version id from `newsroom history FILE`.")
@aws_options
def show(file: str, version_id: str, settings: Any) -> None:
    """Print one version of FILE as it was uploaded."""
    from chalicelib.bucket import ContentBucket
    from chalicelib.publish.history import version_bytes

    try:
        sys.stdout.buffer.write(version_bytes(ContentBucket(settings.bucket), _key_of(file), version_id))
    except LookupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)


@main.command()
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

    key = _key_of(file)
    try:
        data = version_bytes(ContentBucket(settings.bucket), key, version_id)
    except LookupError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    statuses = _send({key: data}, settings, wait, timeout, metadata={REVERTED_FROM: version_id})
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)


@main.command()
@upload_options
def submit(paths: tuple[Path, ...], root: Path | None, settings: Any, wait: bool, timeout: float) -> None:
    """(Contributors) Send articles or pages to the editors: uploaded under submissions/, checked and
    given a preview link, never published until an editor runs `newsroom approve`."""
    from chalicelib import config

    files = {config.SUBMISSIONS_PREFIX + _bucket_key(path, root): path.read_bytes() for path in _expand(paths)}
    statuses = _send(files, settings, wait, timeout)
    if any(s.state in ("refused", "waiting") for s in statuses.values()):
        sys.exit(1)


@main.command()
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
    statuses = _send({live: data}, settings, wait, timeout,
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


APPROVED_FROM = "approved-from"  # object metadata on the live version an approval made
SUBMITTED_BY = "submitted-by"


def _key_of(file: str) -> str:
    """A bucket key from what an editor typed: a key (articles/x.md) or a local file's path."""
    from chalicelib import config

    if file.startswith(config.INGESTED_PREFIXES + (config.MEDIA_PREFIX,)) and not Path(file).is_absolute():
        return file
    return _bucket_key(Path(file), None)


def _bucket_key(path: Path, root: Path | None) -> str:
    """The key a file would have in the bucket: its path below the content root."""
    path = path.resolve()
    if root is not None:
        return path.relative_to(root.resolve()).as_posix()
    from chalicelib import config

    for parent in path.parents:
        if parent.name + "/" in config.INGESTED_PREFIXES:
            return path.relative_to(parent.parent).as_posix()
    return f"{config.ARTICLES_PREFIX}{path.name}"


if __name__ == "__main__":
    main()
