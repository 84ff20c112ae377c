"""Corrections are append-only: once a public correction is in an article's file, no later upload of
that article removes it (an edit from an older draft, a restore of an old version, a re-import).

``kept`` is the one rule, applied where a file replaces another (the desk's writes, the importer's):
the new file's corrections, plus every one the current file has that the new one lacks, oldest first.
A file that already carries them all is left byte for byte as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from chalicelib import clock
from chalicelib.content import front_matter
from chalicelib.content.content_format import ContentError


def entries(data: bytes) -> list[dict[str, Any]]:
    """The ``corrections`` entries of a file's front matter ([] if none, or if it cannot be read)."""
    meta = _meta(data)
    found = meta.get("corrections") if meta is not None else None
    return [e for e in found if isinstance(e, dict) and e.get("note")] if isinstance(found, list) else []


def kept(new: bytes, current: bytes | None) -> bytes:
    """``new`` with every correction of ``current`` it lacks added (by date and note), oldest first."""
    if not current:
        return new
    published = entries(current)
    if not published:
        return new
    meta = _meta(new)
    if meta is None:
        return new  # not a readable file: ingest refuses it, and the live one (and its corrections) stays
    own = [e for e in meta.get("corrections") or [] if isinstance(e, dict)]
    seen = {_identity(e) for e in own}
    missing = [e for e in published if _identity(e) not in seen]
    if not missing:
        return new
    meta["corrections"] = sorted(own + missing, key=lambda e: _identity(e)[0])
    text = front_matter.decode("", new)
    _, body = front_matter.split_front_matter("", text)
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{front}---\n\n{body.strip()}\n".encode()


def _meta(data: bytes) -> dict[str, Any] | None:
    try:
        meta, _ = front_matter.split_front_matter("", front_matter.decode("", data))
    except ContentError:
        return None
    return meta if isinstance(meta, dict) else None


def _identity(entry: dict[str, Any]) -> tuple[str, str]:
    when = entry.get("date")
    if isinstance(when, dt.datetime):
        text = clock.iso(when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc))
    elif isinstance(when, dt.date):
        text = when.isoformat()
    else:
        text = str(when or "")
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            text = clock.iso(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc))
        except ValueError:
            pass
    return text, " ".join(str(entry.get("note", "")).split())
