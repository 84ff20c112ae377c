"""The imports function: a WordPress export an admin uploaded in the desk, moved here (and a
newsletter's list of subscribers, or its export: ``subscribers_job``).

The desk uploads the export to ``imports/<id>/export.xml`` (a presigned POST: exports are large)
after writing ``imports/<id>/options.json`` (dry run or not, the old site's address for its photos,
who asked). S3 tells this function's queue; it converts the export exactly as ``newsroom
import-wordpress`` does (``wordpress.convert``), applies the same checks (``uploads.problems_of``:
any problem, and nothing is uploaded), writes the same report (``report.report_of``) to
``imports/<id>/report.json``, and, unless it is a dry run, uploads the files through the normal
path (``uploads.upload_many``), where ingest publishes them as any upload. ``status.json`` says how
far it is at every step; the desk reads it, and counts what is live from the files' records.

Readers' comments need their articles live, so they are kept in ``comments.json`` and imported by
the desk, as the admin, once the articles are (``desk/wordpress_import.py``). A message can arrive twice:
an import that has finished is not run again.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from pathlib import Path
from typing import Any, Iterable

from chalicelib import config, messages
from chalicelib.aws import s3_client
from chalicelib.bucket import ContentBucket

log = logging.getLogger("newsroom.imports")
log.setLevel(logging.INFO)
EXPORT, OPTIONS, STATUS, REPORT, COMMENTS, KEYS = ("export.xml", "options.json", "status.json", "report.json",
                                                    "comments.json", "keys.json")
FINISHED = ("dry run", "uploaded", "refused", "failed")


def imports_queue_handler(sqs_messages: Iterable[dict[str, Any]]) -> messages.BatchAnswer:
    return {"batchItemFailures": messages.dispatch(sqs_messages, HANDLERS, "imports_failed")}


def _apply_change(change: messages.S3Change) -> None:
    from chalicelib.imports import subscribers_job

    if change.removed or not change.key.startswith(config.IMPORTS_PREFIX):
        return
    if change.key.endswith("/" + EXPORT):
        run(change.bucket, change.key)
    elif subscribers_job.handles(change.key):  # a newsletter list, or an export of one
        subscribers_job.run(change.bucket, change.key)


def folder_of(import_id: str) -> str:
    return f"{config.IMPORTS_PREFIX}{import_id}/"


def read_json(bucket: str, key: str, s3: Any = None) -> Any:
    """A JSON file of an import, or None if it is not there (yet); ``s3``: whose client reads it
    (the desk reads with the admin's)."""
    return ContentBucket(bucket, s3).read_json(key)


def _write_json(bucket: str, key: str, data: Any) -> None:
    ContentBucket(bucket).put(key, json.dumps(data, ensure_ascii=False).encode(),
                              content_type="application/json; charset=utf-8")


def run(bucket: str, key: str) -> dict[str, Any]:
    """Convert, check, report and (unless a dry run) upload one export; returns its final status. AWS
    failing on the way raises (the message comes back and the import resumes: uploads skip what is
    there); anything else is said in the status, once, and not retried."""
    from chalicelib import retry

    try:
        return _run(bucket, key)
    except Exception as exc:
        if retry.is_transient(exc):
            raise
        log.exception("import failed")
        folder = key.rsplit("/", 1)[0] + "/"
        status = {"state": "failed", "error": "The import stopped because of a fault in the site's own software; "
                  "what was uploaded stays, and running it again resumes. Please report it."}
        _write_json(bucket, folder + STATUS, status)
        return status


def _run(bucket: str, key: str) -> dict[str, Any]:
    from chalicelib.imports.fetch import FetchRefused
    from chalicelib.imports.report import report_of
    from chalicelib.imports.uploads import problems_of, upload_many
    from chalicelib.imports.wordpress import ExportError, convert, remote_source

    folder = key.rsplit("/", 1)[0] + "/"
    previous = read_json(bucket, folder + STATUS) or {}
    if previous.get("state") in FINISHED:
        return dict(previous)
    options = read_json(bucket, folder + OPTIONS) or {}
    started = time.time()

    def say(state: str, **facts: Any) -> dict[str, Any]:
        status = {"state": state, "dry_run": bool(options.get("dry_run")), "started": started,
                  "seconds": round(time.time() - started, 1), **facts}
        _write_json(bucket, folder + STATUS, status)
        return status

    say("converting")
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / EXPORT
        with export.open("wb") as out:  # streamed: an export may be larger than the function's memory
            for chunk in ContentBucket(bucket).stream(key):
                out.write(chunk)
        media_from = str(options.get("media_from") or "").strip()
        try:
            migration = convert(export, remote_source(media_from) if media_from else None)
        except (ExportError, FetchRefused) as error:
            return say("failed", error=f"Import refused, nothing uploaded: {error}")
        files = migration.uploads()
        problems = problems_of(files)
        _write_json(bucket, folder + REPORT, report_of(migration, uploaded=False))
        converted = sum(n for counts in migration.counts().values() for n in counts.values())
        if problems:
            return say("refused", converted=converted, problems=[
                {"file": k, "problems": [str(p) for p in found]} for k, found in sorted(problems.items())])
        content = sorted(k for k in files if not k.startswith(config.MEDIA_PREFIX))
        if options.get("dry_run"):
            return say("dry run", converted=converted, files=len(files))
        _write_json(bucket, folder + KEYS, content)
        _write_json(bucket, folder + COMMENTS, [vars(c) for c in migration.comments])
        say("uploading", converted=converted, files=len(files), done=0)
        by = {config.UPLOADED_BY: str(options.get("by", "WordPress import"))[:200]}
        done = upload_many(s3_client(), bucket, files, by,
                           lambda count: say("uploading", converted=converted, files=len(files), done=count),
                           keep_existing=True)
        migration.settle(refused={}, waiting=set(), kept=done.kept)
        _write_json(bucket, folder + REPORT, report_of(migration, uploaded=True))
        log.info(json.dumps({"event": "import", "key": key, "files": len(files), "uploaded": len(done.sent),
                             "kept": len(done.kept), "seconds": round(time.time() - started, 1)}))
        return say("uploaded", converted=converted, files=len(files), done=len(files), sent=len(done.sent),
                   kept=len(done.kept), comments=len(migration.comments))


HANDLERS: messages.Handlers = {messages.S3Change: _apply_change}
