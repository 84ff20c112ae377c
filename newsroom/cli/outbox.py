"""``newsroom outbox``: the e-mails the local stand-in's SES accepted, one JSON object a line.

Each line: ``to``, ``subject``, ``headers`` (``List-Unsubscribe`` among them) and ``links`` (the text
part's). It reads moto's internal API, so it answers only for the stand-in ``make run`` starts.
"""

from __future__ import annotations

import json
import urllib.error

import click


@click.command()
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", metavar="URL",
              help="The local stand-in's address (`make run` prints it), e.g. http://127.0.0.1:5000.")
@click.option("--to", "recipient", metavar="ADDRESS", help="Only the e-mails to this address.")
def outbox(endpoint_url: str | None, recipient: str | None) -> None:
    """List the e-mails the local stand-in's SES accepted (newsletters, confirmations) as JSON lines."""
    from chalicelib.newsletters import outbox as kept

    if not endpoint_url:
        raise click.UsageError("the outbox is the local stand-in's: give its address, "
                               "`newsroom outbox --endpoint-url http://127.0.0.1:5000` (`make run` prints it)")
    try:
        models = kept.fetch(endpoint_url)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise click.ClickException(f"nothing answered as the local stand-in at {endpoint_url} ({exc}); "
                                   "start it with `make run`") from None
    for message in kept.messages(models):
        if recipient is None or recipient.lower() in (to.lower() for to in message["to"]):
            click.echo(json.dumps(message, ensure_ascii=False))
