"""The site as a whole: ``resync`` it with the bucket, list the ``errors`` ingest reported.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from newsroom.cli.options import aws_options, say_where


@click.command()
@aws_options
@click.option("--quick", is_flag=True, help="Skip files whose ETag is unchanged instead of rewriting them.")
def resync(settings: Any, quick: bool) -> None:
    """Make the site match the bucket exactly: add, repair, remove, report."""
    from chalicelib.publish.resync import bucket_keys
    from chalicelib.publish.resync import resync as run_resync

    say_where("Resyncing", settings)
    total = sum(1 for _ in bucket_keys(settings.bucket))
    with click.progressbar(length=total, label=f"Resyncing {settings.bucket}",
                           item_show_func=lambda key: key, file=sys.stderr) as bar:
        counts = run_resync(settings.bucket, force=not quick, progress=lambda key, outcome: bar.update(1, key))
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "bucket is empty")
    if counts.get("invalid"):
        click.echo("Invalid files have reports under reports/ in the bucket.", err=True)


@click.command()
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
