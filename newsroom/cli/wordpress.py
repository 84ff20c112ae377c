"""``newsroom import-wordpress``: a WordPress site moved here from its export, with the same
converter, checks and report as the desk's Import (``chalicelib.imports``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from newsroom.cli.options import aws_options
from newsroom.cli.sending import refuse_if_problems, send


@click.command("import-wordpress")
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
    if not refuse_if_problems(migration.files, "would be uploaded" if dry_run else "was uploaded"):
        _write_report(report_path, migration, uploaded=False)
        sys.exit(1)
    if dry_run:
        _write_report(report_path, migration, uploaded=False)
        click.echo(f"Dry run: {len(migration.uploads())} files would be uploaded; nothing was.")
        return
    statuses = send(migration.uploads(), settings, wait, timeout, keep_existing=True)
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
