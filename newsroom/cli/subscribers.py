"""``newsroom subscribers``: bring a newsletter list over (``import FILE``), take ours out (``export``),
and add the subscribers saved before the newsletter index existed to it (``reindex``, an upgrade step).

The same import as the desk's Subscribers screen (``chalicelib.newsletters.importing``), run here
with the developer's credentials: every row imported or reported (row, column, problem), the same
file twice changes nothing, suppressed addresses reported. ``export`` Scans the table (the web
function never does) and writes the CSV the desk's export writes.

``reindex`` also Scans every subscriber: a one-off operator's job after an upgrade, run with an admin's
credentials, never on a request's path (a send reads the index, never the table). Each reader missing
from the index is saved once through ``subscribers.saved``, the conditional transaction every save uses,
so the index and its counters are what a save would make; one already indexed is left alone. Run twice,
the second run writes nothing; stopped half-way (an expired session, Ctrl-C), run it again: it goes on,
the readers done being among the "already indexed".
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import click

from newsroom.aws_errors import EXIT_AWS, CommandFailed, OneLineCommands, explained, is_aws_failure
from newsroom.cli.options import aws_options


@click.group(cls=OneLineCommands, first_steps="import a Mailchimp, Substack or Ghost export with "
             "`newsroom subscribers import FILE --newsletter NAME`, write ours with `newsroom subscribers export`, or "
             "after an upgrade index older ones with `newsroom subscribers reindex`")
def subscribers() -> None:
    """Newsletter subscribers: import another service's CSV export, export ours, index older ones."""


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


@subscribers.command("reindex")
@aws_options
def reindex(settings: Any) -> None:
    """Add subscribers saved before the newsletter index existed to it (an upgrade step; safe to run again)."""
    from chalicelib import retry
    from chalicelib.newsletters import importing
    from chalicelib.newsletters import subscribers as readers

    counts = dict.fromkeys((readers.REINDEXED, readers.INDEXED, readers.RECEIVES_NOTHING, "busy"), 0)
    try:
        for item in importing.every_subscriber():
            try:
                counts[readers.reindex(item)] += 1
            except retry.ConcurrentChange:
                counts["busy"] += 1
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - one line, and how to go on
        done = f"{_readers(counts[readers.REINDEXED])} reindexed before it stopped"
        again = "run `newsroom subscribers reindex` again to go on (the readers done are skipped)"
        if isinstance(exc, KeyboardInterrupt):
            raise CommandFailed(f"stopped: {done}; {again}", 130, "newsroom") from None
        if is_aws_failure(exc):
            told = explained(exc, settings)
            if any(counts.values()):  # it had begun: say how far, and that a new run goes on
                told = f"{told}. {done}; {again}"
            raise CommandFailed(told, EXIT_AWS, "newsroom") from exc
        raise
    busy = counts["busy"]
    click.echo(f"reindexed {_readers(counts[readers.REINDEXED])}, {counts[readers.INDEXED]:,} already indexed"
               + (f"; {_readers(busy)} kept changing as it ran: run it again for them" if busy else ""))


def _readers(count: int) -> str:
    return f"{count:,} reader{'' if count == 1 else 's'}"
