"""The imports function's subscriber work: a CSV list an admin uploaded in the desk, and exports.

The desk (``desk/subscribers.py``) writes ``imports/<id>/options.json`` (the newsletters an import
gives, the file's name, who asked) and has the browser upload the file to ``imports/<id>/subscribers.csv``
(a presigned POST: a 50,000-row export is several MB, more than a web request carries); for an
export it writes ``imports/<id>/subscribers-export.json``. S3 tells the imports queue, and this module:

- imports the file (``newsletters.importing``), writing ``status.json`` as it goes and
  ``report.json`` (every row imported or reported, with its reason);
- exports every subscriber to ``imports/<id>/subscribers-export.csv`` (a Scan: this function's,
  never the web function's, which has no Scan);
- after either, counts subscribers by state into ``imports/subscriber-counts.json``, which the
  desk's Subscribers screen shows with its date.

A message may arrive twice: a finished import is not run again, and running one again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from typing import Any

from chalicelib import clock, config
from chalicelib.bucket import ContentBucket

log = logging.getLogger("newsroom.imports")
UPLOAD, EXPORT_REQUEST, EXPORT_FILE = "subscribers.csv", "subscribers-export.json", "subscribers-export.csv"
OPTIONS, STATUS, REPORT = "options.json", "status.json", "report.json"
COUNTS = f"{config.IMPORTS_PREFIX}subscriber-counts.json"
FINISHED = ("imported", "exported", "failed")
EXPIRING = "newsroom-personal=subscribers"  # the bucket's lifecycle deletes these files within a week
MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # 100 MB: a million Mailchimp rows is about 250 MB; split larger lists


def handles(key: str) -> bool:
    """Whether an imports/ key is one this module answers."""
    return key.endswith("/" + UPLOAD) or key.endswith("/" + EXPORT_REQUEST)


def run(bucket: str, key: str) -> dict[str, Any]:
    """Import or export, as ``key`` asks; the final status. AWS failing raises (the message comes back and
    the work is done again, changing nothing twice); anything else is said in the status, once."""
    from chalicelib import retry

    folder = key.rsplit("/", 1)[0] + "/"
    content = ContentBucket(bucket)
    previous = content.read_json(folder + STATUS) or {}
    if previous.get("state") in FINISHED:
        return dict(previous)
    try:
        return _export(content, folder) if key.endswith("/" + EXPORT_REQUEST) else _import(content, folder, key)
    except Exception as exc:
        if retry.is_transient(exc):
            raise
        log.exception("subscribers job failed")
        status = {"state": "failed", "error": "The import stopped because of a fault in the site's own software. "
                  "What was imported stays, and importing the file again finishes it without repeating anything. "
                  "Please report it."}
        _write(content, folder + STATUS, status)
        return status


def _import(content: ContentBucket, folder: str, key: str) -> dict[str, Any]:
    from chalicelib.newsletters import importing

    options = content.read_json(folder + OPTIONS) or {}
    started = time.time()

    def say(state: str, **facts: Any) -> dict[str, Any]:
        status = {"state": state, "kind": "subscribers", "name": options.get("name", ""), "started": started,
                  "seconds": round(time.time() - started, 1), **facts}
        _write(content, folder + STATUS, status)
        return status

    data, _ = content.get(key)
    name, value = EXPIRING.split("=")  # the upload's own tag, in case its form's did not take
    content.s3.put_object_tagging(Bucket=content.name, Key=key, Tagging={"TagSet": [{"Key": name, "Value": value}]})
    if len(data) > MAX_UPLOAD_BYTES:
        return say("failed", error=f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB: split it and import "
                   "each part (importing a part twice changes nothing).")
    say("importing", done=0)
    report = importing.import_file(data, [str(n) for n in options.get("newsletters") or []],
                                   str(options.get("name") or "a CSV file"),
                                   progress=lambda done: say("importing", done=done))
    found = report.as_dict()
    _write(content, folder + REPORT, found)
    _count(content)
    log.info(json.dumps({"event": "subscribers_import", "rows": report.rows, "counts": report.counts}))
    return say("imported", rows=report.rows, counts=found["counts"], source=report.source)


def _export(content: ContentBucket, folder: str) -> dict[str, Any]:
    from chalicelib.newsletters import importing

    items = list(importing.every_subscriber())
    out = io.StringIO()
    csv.writer(out).writerows(importing.exported_rows(items))
    content.s3.put_object(Bucket=content.name, Key=folder + EXPORT_FILE, Body=out.getvalue().encode("utf-8"),
                          ContentType="text/csv; charset=utf-8", Tagging=EXPIRING)
    counts = importing.counts_of(items)
    _write(content, COUNTS, {"counts": counts, "at": clock.now_iso()})
    status = {"state": "exported", "kind": "export", "rows": sum(n for s, n in counts.items() if s != "deleted")}
    _write(content, folder + STATUS, status)
    return status


def _count(content: ContentBucket) -> None:
    from chalicelib.newsletters import importing

    _write(content, COUNTS, {"counts": importing.counts_of(importing.every_subscriber()), "at": clock.now_iso()})


def _write(content: ContentBucket, key: str, data: Any) -> None:
    content.put(key, json.dumps(data, ensure_ascii=False).encode(), content_type="application/json; charset=utf-8")
