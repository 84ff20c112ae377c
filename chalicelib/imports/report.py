"""The migration report: what became of every item of a WordPress export. One shape for
``newsroom import-wordpress --report`` and the desk's import (``imports/<id>/report.json``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.imports.wordpress import Migration


def report_of(migration: Migration, uploaded: bool) -> dict[str, Any]:
    """The report as JSON data (after an upload, with what the site made of each file)."""
    return {"site": migration.site_name, "uploaded": uploaded, "counts": migration.counts(),
            "blocks": dict(migration.blocks), "items": [vars(o) for o in migration.outcomes],
            "notes": migration.notes}


def settled(report: dict[str, Any], refused: dict[str, str]) -> dict[str, Any]:
    """A report read back (JSON), with what the site refused since (key -> why), counted again as
    ``Migration.settle`` and ``Migration.counts`` do for the command."""
    items = [{**item, "status": "refused", "reason": refused[item["key"]]} if item.get("key") in refused else item
             for item in report.get("items", [])]
    counts: dict[str, Counter[str]] = {}
    for item in items:
        counts.setdefault(item["kind"], Counter())[item["status"]] += 1
    return {**report, "items": items, "counts": {kind: dict(c) for kind, c in sorted(counts.items())}}

