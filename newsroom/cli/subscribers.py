"""``newsroom subscribers``: bring a newsletter list over (``import FILE``) and take ours out (``export``).

The same import as the desk's Subscribers screen (``chalicelib.newsletters.importing``), run here
with the developer's credentials: every row imported or reported (row, column, problem), the same
file twice changes nothing, suppressed addresses reported. ``export`` Scans the table (the web
function never does) and writes the CSV the desk's export writes.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from newsroom.aws_errors import OneLineCommands
from newsroom.cli.options import aws_options


@click.group(cls=OneLineCommands, first_steps="import a Mailchimp, Substack or Ghost export with "
             "`newsroom subscribers import FILE --newsletter NAME`, or write ours with `newsroom subscribers export`")
def subscribers() -> None:
    """Newsletter subscribers: import another service's CSV export, export ours."""


@subscribers.command("import")
@aws_options
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--newsletter", "newsletters", multiple=True, required=True, metavar="NAME",
              help="A newsletter the imported subscribers get (repeat for more); one the site's settings name.")
@click.option("--report", "report_to", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every row's outcome as JSON here.")
def import_list(settings: Any, file: Path, newsletters: tuple[str, ...], report_to: Path | None) -> None:
    """Import FILE (a Mailchimp, Substack or Ghost CSV export, or Mailchimp's zip); no confirmation e-mail is sent."""
    from chalicelib.newsletters import importing

    report = importing.import_file(file.read_bytes(), list(newsletters), file.name).as_dict()
    for problem in report["reported"]:
        click.echo(f"{problem.get('file') or file.name}: row {problem['row']}"
                   f"{', ' + problem['column'] if problem['column'] else ''}: {problem['problem']}", err=True)
    if report_to is not None:
        report_to.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    counts = ", ".join(f"{n} {outcome}" for outcome, n in report["counts"].items()) or "nothing"
    click.echo(f"{file.name}: {report['rows']} rows from {report['source'] or 'no known service'}: {counts}.")


@subscribers.command("export")
@aws_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the CSV here (default: stdout).")
def export_list(settings: Any, out: Path | None) -> None:
    """Every subscriber with state, newsletters and consent dates, as CSV."""
    from chalicelib.newsletters import importing

    rows = importing.exported_rows(importing.every_subscriber())
    if out is None:
        csv.writer(sys.stdout).writerows(rows)
    else:
        with out.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    click.echo(f"{len(rows) - 1} subscribers exported.", err=True)
