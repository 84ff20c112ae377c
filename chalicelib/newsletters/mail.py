"""The e-mails newsletters send, composed as MIME and sent through SES (v2) as they are.

Every e-mail is HTML with a plain-text part, from ``config.mail_from``, and carries the headers
Gmail and Yahoo require of bulk senders (RFC 8058): ``List-Unsubscribe`` with our https address
(its signed token the only authority) and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``, so
a mail client can unsubscribe the reader with one POST and no page in between; the body carries a
visible unsubscribe link too. No tracking pixel and no rewritten links: what we send is what the
reader's client shows (a reader's opens and clicks are theirs).

SES v2's ``SendEmail`` with ``Content.Raw`` takes the message whole, headers included (the simple
form's custom headers are newer than moto's stand-in), so what the stand-in keeps is what AWS sends.
"""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

import jinja2

from chalicelib import aws, config

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
ONE_CLICK = "List-Unsubscribe=One-Click"  # RFC 8058's one body, and the header that says we take it
SEND_TAG = "send"  # the message tag naming the send (SES events carry it: mail.tags)
READER_TAG = "reader"  # the message tag naming the reader (address hash): whose copy a Send event marks
THROTTLED = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})
RATE_READ_EVERY_SECONDS = 300.0
_rate: list[float] = []  # [rate, when read (monotonic)]


def render(template: str, **values: Any) -> str:
    """An e-mail template (``templates/newsletters/email/``) rendered; HTML ones autoescaped."""
    return _environment().get_template(f"newsletters/email/{template}").render(**values)


def compose(to: str, subject: str, site_name: str, text: str, html: str, unsubscribe_url: str) -> EmailMessage:
    """One e-mail to one reader, with both unsubscribe headers."""
    message = EmailMessage()
    message["From"] = formataddr((site_name, config.current().mail_from))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = ONE_CLICK
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, send_id: str | None = None, reader: str | None = None) -> str:
    """Hand ``message`` to SES, with the stage's configuration set (its events reach
    chalicelib/newsletters/events.py) and, for a newsletter, the send's id as the ``send`` tag and the
    reader's address hash as the ``reader`` tag, which SES repeats in every event about the message
    (hex: within the characters a tag may hold, docs.aws.amazon.com/ses/latest/dg/event-publishing-send-email.html);
    its message id."""
    settings = config.current()
    tags = [{"Name": name, "Value": value} for name, value in ((SEND_TAG, send_id), (READER_TAG, reader)) if value]
    answer = aws.sesv2_client().send_email(
        FromEmailAddress=settings.mail_from, Destination={"ToAddresses": [str(message["To"])]},
        Content={"Raw": {"Data": message.as_bytes()}}, ConfigurationSetName=settings.mail_configuration_set,
        EmailTags=tags)
    return str(answer["MessageId"])


def is_throttled(exc: BaseException) -> bool:
    """Whether SES refused a send for going faster than the account's rate (SES v2 answers
    ``TooManyRequestsException``; its v1 API and some SDK paths ``Throttling``)."""
    return getattr(exc, "response", {}).get("Error", {}).get("Code") in THROTTLED


def max_send_rate() -> float:
    """The account's sending rate, e-mails a second (SES v2 ``GetAccount``: ``SendQuota.MaxSendRate``),
    read at most every ``RATE_READ_EVERY_SECONDS``: AWS raises it as a sender's reputation grows."""
    now = time.monotonic()
    if _rate and now - _rate[1] < RATE_READ_EVERY_SECONDS:
        return _rate[0]
    quota = aws.sesv2_client().get_account().get("SendQuota") or {}
    rate = float(quota.get("MaxSendRate") or 1.0)
    _rate[:] = [rate, now]
    return rate


_environments: dict[Path, jinja2.Environment] = {}


def _environment() -> jinja2.Environment:
    made = _environments.get(TEMPLATES_DIR)
    if made is None:
        made = _environments[TEMPLATES_DIR] = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return made
