"""The migration report: what became of every item of a WordPress export. One shape for
``newsroom import-wordpress --report`` and the desk's import (``imports/<id>/report.json``)."""

from __future__ import annotations

from typing import Any

from chalicelib.imports.wordpress import Migration


def report_of(migration: Migration, uploaded: bool) -> dict[str, Any]:
    """The report as JSON data (after an upload, with what the site made of each file)."""
    return {"site": migration.site_name, "uploaded": uploaded, "counts": migration.counts(),
            "blocks": dict(migration.blocks), "items": [vars(o) for o in migration.outcomes],
            "notes": migration.notes}
