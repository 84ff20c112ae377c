"""The e-mails the local stand-in's SES accepted, as a reader would look at them (``newsroom outbox``).

moto keeps every message SES accepted and shows its models at ``<endpoint>/moto-api/data.json``
(moto's internal API: the SES backend's ``RawMessage`` items, the MIME text we sent). Each becomes
one dict: to, subject, the headers, and the links in its text part.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import urllib.request
from typing import Any, Iterator

_LINK = re.compile(r"https?://[^\s<>\"')]+")


def fetch(endpoint_url: str, timeout: float = 10) -> dict[str, Any]:
    """moto's models, from its internal API."""
    with urllib.request.urlopen(endpoint_url.rstrip("/") + "/moto-api/data.json", timeout=timeout) as answer:
        data: dict[str, Any] = json.loads(answer.read())
    return data


def messages(models: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Each e-mail SES accepted, oldest first."""
    for kept in models.get("ses", {}).get("RawMessage", []):
        yield read(kept.get("raw_data", ""), kept.get("destinations") or [])


def read(raw: str, destinations: list[str]) -> dict[str, Any]:
    """One MIME message as the outbox lists it."""
    parsed = email.message_from_string(raw, policy=email.policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    text = text_part.get_content() if text_part is not None else ""
    # A long header is folded onto the next line ("Subject:" CRLF " words"): its value is the words,
    # without the folding's leading space, as a mail client shows it.
    return {"to": list(dict.fromkeys(destinations)) or [str(parsed["To"])],
            "subject": str(parsed["Subject"] or "").strip(),
            "headers": {name: str(value).strip() for name, value in parsed.items()},
            "links": list(dict.fromkeys(_LINK.findall(text)))}
