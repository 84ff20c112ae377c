"""The Refused screen: every file ingest refused or published with warnings, newest first, in the
report's own words, each problem with its field and line and a link that opens the file in the
editor at that field (``newsroom errors`` lists the same reports: ``bucket.reports``)."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib import clock, config
from chalicelib.bucket import reports
from chalicelib.desk import documents, http, session
from chalicelib.desk.documents import Forbidden
from chalicelib.desk.identity import Identity

SHOWN = 100


def editable(key: str) -> bool:
    """Whether the desk's editor opens this file (articles and pages, live or pending)."""
    try:
        documents.check_key(key)
    except Forbidden:
        return False
    return True


@http.guarded
@http.signed_in
@http.needs("editor")
def refused(request: Any, who: Identity, token: str) -> Response:
    found, total = reports(session.s3_as(token), config.current().bucket, SHOWN)
    rows = [{**report, "file": str(report.get("file", "")), "editable": editable(str(report.get("file", ""))),
             "when": report["modified"].strftime(clock.ITEM_FORMAT)} for report in found]
    return http.screen("refused.html", who, token, reports=rows, total=total)
