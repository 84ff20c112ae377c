"""The admin's "Import from WordPress" screen: upload an export, a dry run first, then the real
thing, with its progress (converted, uploaded, live, refused with reasons, blocks reported), the
same report as ``newsroom import-wordpress --report``, and the readers' comments once the
articles are live.

The desk writes the import's options and signs a presigned POST for the export (under
``imports/<id>/``, XML, at most ``MAX_EXPORT_BYTES``, minutes); the imports function does the work
(``imports/run.py``); this screen reads what it writes, and the files' records, as the admin.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from chalice.app import Response

from chalicelib import config, keys
from chalicelib.desk import http, session
from chalicelib.desk.identity import Identity
from chalicelib.imports import run
from chalicelib.imports.report import settled
from chalicelib.models import Source

MAX_EXPORT_BYTES = 1024 * 1024 * 1024  # 1 GB: a 20,000-post export is a few hundred MB
EXPIRES = 600
COMMENTS_PER_REQUEST = 200
MAX_COUNTED = 20000  # files whose records one progress answer reads (200 BatchGetItem calls)


def _id_of(text: str) -> str:
    return text if text.isalnum() and 8 <= len(text) <= 40 else ""


@http.guarded
@http.signed_in
@http.needs("admin")
def screen(request: Any, who: Identity, token: str) -> Response:
    import_id = _id_of((request.query_params or {}).get("id", ""))
    from chalicelib.desk import media

    return http.screen("import.html", who, token, headers=media.upload_headers(), import_id=import_id,
                       import_script=http.static_url("import.js"))


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def start(request: Any, who: Identity, token: str) -> Response:
    """Options written, and a presigned POST for the export; or, ``again``, a dry run's export run for real."""
    from chalicelib.imports.fetch import FetchRefused, check_address

    sent = http.body(request)
    media_from = str(sent.get("media_from") or "").strip()
    if media_from:
        try:
            check_address(media_from)
        except FetchRefused as refused:
            return http.json_answer({"problems": [{"field": "media_from", "message": str(refused)}]}, 400)
    content = session.bucket_as(token)
    bucket = content.name
    import_id = time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(6)
    folder = run.folder_of(import_id)
    options = {"dry_run": bool(sent.get("dry_run")), "media_from": media_from, "by": f"{who.name} <{who.email}>",
               "name": str(sent.get("name", ""))[:200]}
    again = _id_of(str(sent.get("again", "")))
    if again:
        previous = run.folder_of(again)
        options = {**json.loads(content.get(previous + run.OPTIONS)[0]), "dry_run": False, "by": options["by"]}
        content.put(folder + run.OPTIONS, json.dumps(options).encode(), content_type="application/json")
        content.copy(previous + run.EXPORT, folder + run.EXPORT)
        return http.json_answer({"id": import_id})
    try:
        size = int(sent.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    if not 0 < size <= MAX_EXPORT_BYTES or not str(sent.get("name", "")).lower().endswith(".xml"):
        return http.json_answer({"problems": [{"field": "export", "message": "choose the .xml file WordPress's "
                                               "Tools > Export > All content gave you (at most 1 GB)"}]}, 400)
    content.put(folder + run.OPTIONS, json.dumps(options).encode(), content_type="application/json")
    post = content.s3.generate_presigned_post(
        Bucket=bucket, Key=folder + run.EXPORT, Fields={"Content-Type": "text/xml"},
        Conditions=[{"bucket": bucket}, {"key": folder + run.EXPORT}, ["starts-with", "$key", config.IMPORTS_PREFIX],
                    {"Content-Type": "text/xml"}, ["content-length-range", 1, MAX_EXPORT_BYTES]],
        ExpiresIn=EXPIRES)
    return http.json_answer({"id": import_id, "url": post["url"], "fields": post["fields"]})


def live_counts(content_keys: list[str]) -> dict[str, Any]:
    """How many of the import's files ingest has applied: live (published), refused (with why), waiting."""
    live = waiting = 0
    refused: dict[str, str] = {}
    wanted = content_keys[:MAX_COUNTED]
    found: dict[str, Source] = {}
    for batch in (wanted[i:i + 100] for i in range(0, len(wanted), 100)):
        found.update({s.sk: s for s in Source.batch_get([keys.source(k) for k in batch])})
    for key in wanted:
        source = found.get(key)
        if source is not None and source.status == "invalid":
            refused[key] = "; ".join(source.problems or [])
        elif source is not None and source.settled and source.status == "published":
            live += 1
        else:
            waiting += 1
    return {"live": live, "refused": refused, "waiting": waiting + max(0, len(content_keys) - len(wanted))}


@http.guarded
@http.signed_in
@http.needs("admin")
def progress(request: Any, who: Identity, token: str) -> Response:
    """Where an import is: the function's status, what the site made of its files, and the report."""
    import_id = _id_of((request.query_params or {}).get("id", ""))
    if not import_id:
        return http.json_answer({"error": "No such import."}, 404)
    content = session.bucket_as(token)
    folder = run.folder_of(import_id)
    status = content.read_json(folder + run.STATUS) or {"state": "waiting", "message": "The export is waiting for the "
                                                                                "imports function."}
    answer: dict[str, Any] = {"id": import_id, **status}
    report = content.read_json(folder + run.REPORT)
    if report is not None:
        answer["counts"], answer["blocks"] = report.get("counts", {}), report.get("blocks", {})
        answer["subscribers"] = report.get("subscribers")  # where the site's newsletter readers are
    if status.get("state") == "uploaded":
        content_keys = content.read_json(folder + run.KEYS) or []
        answer.update(live_counts(content_keys))
        answer["finished"] = answer["waiting"] == 0
    else:
        answer["finished"] = status.get("state") in run.FINISHED
    return http.json_answer(answer)


@http.guarded
@http.signed_in
@http.needs("admin")
def report(request: Any, who: Identity, token: str) -> Response:
    """The migration report as ``newsroom import-wordpress --report`` writes it, with what the site
    made of each file (refused ones say why, those not applied yet say so)."""
    import_id = _id_of((request.query_params or {}).get("id", ""))
    content = session.bucket_as(token)
    folder = run.folder_of(import_id)
    found = content.read_json(folder + run.REPORT) if import_id else None
    if found is None:
        return http.json_answer({"error": "No report yet."}, 404)
    if found.get("uploaded"):
        found = settled(found, live_counts(content.read_json(folder + run.KEYS) or [])["refused"])
    return http.respond(json.dumps(found, indent=2, ensure_ascii=False) + "\n", 200, "application/json",
                        {"Content-Disposition": f'attachment; filename="wordpress-import-{import_id}.json"'})


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def comments(request: Any, who: Identity, token: str) -> Response:
    """Import the next comments of an import whose articles are live, as the admin; {"done", "total"}."""
    from chalicelib.publish import moderation as store

    sent = http.body(request)
    import_id = _id_of(str(sent.get("id", "")))
    content = session.bucket_as(token)
    found = content.read_json(run.folder_of(import_id) + run.COMMENTS) if import_id else None
    if not isinstance(found, list):
        return http.json_answer({"error": "This import has no comments to bring over."}, 404)
    first = max(0, int(sent.get("start") or 0))
    failed: list[str] = []
    with session.acting_as(token):
        for comment in found[first:first + COMMENTS_PER_REQUEST]:
            try:
                store.import_comment(comment["slug"], comment["id"], comment["parent"], comment["name"],
                                     comment["email"], comment["text"], comment["created"], comment["approved"],
                                     reply_to=comment.get("reply_to"), level=comment.get("level"))
            except store.Refused as refusal:
                failed.append(refusal.message)
    done = min(len(found), first + COMMENTS_PER_REQUEST)
    return http.json_answer({"done": done, "total": len(found), "failed": failed})
