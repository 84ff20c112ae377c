"""The admin's Subscribers screen (``/desk/subscribers``): counts by state, one subscriber found by
address, an import of another service's CSV export, and an export of our own list.

The web function never Scans (its policy has no ``dynamodb:Scan``): finding one subscriber is a
GetItem by the address's hash; each newsletter's active readers are counted live from the receiving
index's counters (``subscribers.receiving_count``: one Query a newsletter); the counts by state and the
export are the imports function's (``imports/subscribers_job.py``), which Scans. An import's file goes from the browser to S3 by a
presigned POST (``imports/<id>/subscribers.csv``, at most ``MAX_UPLOAD_BYTES``) after this screen
writes its options; the imports function imports it and writes its status and report, which this
screen reads as the admin. A 50,000-row file is a few MB and a few minutes of the imports function,
well beyond a web request's 29 seconds and 6 MB, so it never passes through the web function.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from chalice.app import Response

from chalicelib import config
from chalicelib.desk import http, session
from chalicelib.desk.identity import Identity
from chalicelib.imports import run, subscribers_job
from chalicelib.newsletters import own_data, signup, subscribers
from chalicelib.site import store

EXPIRES = 600  # seconds the presigned upload and download links work
SHOWN_PROBLEMS = 500  # rows of a report listed on the screen (all are in the report's JSON)
STATE_NAMES = {"active": "Active", "pending": "Waiting to confirm", "unsubscribed": "Unsubscribed",
               "bounced": "Bounced", "complained": "Complained", "deleted": "Deleted (suppressed)"}


def _id_of(text: str) -> str:
    return text if text.isalnum() and 8 <= len(text) <= 40 else ""


def _new_id() -> str:
    return time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(6)


@http.guarded
@http.signed_in
@http.needs("admin")
def screen(request: Any, who: Identity, token: str) -> Response:
    """Counts, the search form, the import form and an import's or export's outcome."""
    return _screen(request, who, token, "")


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def find(request: Any, who: Identity, token: str) -> Response:
    """One subscriber found by address: a POST answered with the screen, so the reader's address is in
    no URL (browser history, access logs; attack report finding 16)."""
    return _screen(request, who, token, http.form(request).get("q", ""))


def _screen(request: Any, who: Identity, token: str, sought: str) -> Response:
    from chalicelib.desk import media

    query = request.query_params or {}
    offered = store.site().settings.newsletters
    receiving = [(name, subscribers.receiving_count(name)) for name in offered]  # live: one Query each
    content = session.bucket_as(token)
    counted = content.read_json(subscriber_counts_key()) or {}
    address = sought.strip()[:signup.MAX_EMAIL_CHARS]
    found: dict[str, Any] | None = None
    if address:
        item = own_data.current(subscribers.address_hash(address))
        found = own_data.data_of(item) if item is not None else None
        if found is None and own_data.suppressed(subscribers.address_hash(address)) == "deleted":
            found = {"deleted": True}
    import_id, export_id = _id_of(str(query.get("import", ""))), _id_of(str(query.get("export", "")))
    status = report = None
    if import_id:
        folder = run.folder_of(import_id)
        status = content.read_json(folder + subscribers_job.STATUS) or {"state": "waiting"}
        report = content.read_json(folder + subscribers_job.REPORT)
    export_url = export_status = None
    if export_id:
        folder = run.folder_of(export_id)
        export_status = content.read_json(folder + subscribers_job.STATUS) or {"state": "waiting"}
        if export_status.get("state") == "exported":
            export_url = content.s3.generate_presigned_url("get_object", Params={
                "Bucket": content.name, "Key": folder + subscribers_job.EXPORT_FILE,
                "ResponseContentDisposition": 'attachment; filename="subscribers.csv"'}, ExpiresIn=EXPIRES)
    return http.screen("subscribers.html", who, token, headers=media.upload_headers(),
                       subscribers_script=http.static_url("subscribers.js"), counts=counted.get("counts"),
                       counted_at=counted.get("at"), state_names=STATE_NAMES, address=address, found=found,
                       import_id=import_id, job=status, report=report, shown_problems=SHOWN_PROBLEMS,
                       export_id=export_id, export_status=export_status, export_url=export_url,
                       newsletters=offered, receiving=receiving,
                       max_mb=subscribers_job.MAX_UPLOAD_BYTES // 2**20)


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def start_import(request: Any, who: Identity, token: str) -> Response:
    """The import's options written, and a presigned POST for its CSV file."""
    sent = http.body(request)
    name = str(sent.get("name", ""))[:200]
    offered = store.site().settings.newsletters
    chosen = [n for n in offered if n in (sent.get("newsletters") or [])]
    problems = []
    try:
        size = int(sent.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    if not 0 < size <= subscribers_job.MAX_UPLOAD_BYTES or not name.lower().endswith((".csv", ".txt", ".zip")):
        problems.append({"field": "list", "message": "Choose the .csv file (or Mailchimp's .zip) Mailchimp, Substack "
                         "or Ghost exported "
                         f"(at most {subscribers_job.MAX_UPLOAD_BYTES // 2**20} MB)."})
    if not chosen:
        problems.append({"field": "newsletters", "message": "Tick the newsletters the imported subscribers get."})
    if problems:
        return http.json_answer({"problems": problems}, 400)
    content = session.bucket_as(token)
    import_id = _new_id()
    folder = run.folder_of(import_id)
    options = {"kind": "subscribers", "name": name, "newsletters": chosen, "by": f"{who.name} <{who.email}>"}
    content.put(folder + subscribers_job.OPTIONS, json.dumps(options).encode(), content_type="application/json")
    key = folder + subscribers_job.UPLOAD
    tagging = "<Tagging><TagSet><Tag><Key>{}</Key><Value>{}</Value></Tag></TagSet></Tagging>".format(
        *subscribers_job.EXPIRING.split("="))  # the list expires with our exports (the bucket's lifecycle rule)
    post = content.s3.generate_presigned_post(
        Bucket=content.name, Key=key, Fields={"Content-Type": "text/csv", "tagging": tagging},
        Conditions=[{"bucket": content.name}, {"key": key}, ["starts-with", "$key", config.IMPORTS_PREFIX],
                    {"Content-Type": "text/csv"}, {"tagging": tagging},
                    ["content-length-range", 1, subscribers_job.MAX_UPLOAD_BYTES]],
        ExpiresIn=EXPIRES)
    return http.json_answer({"id": import_id, "url": post["url"], "fields": post["fields"]})


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def start_export(request: Any, who: Identity, token: str) -> Response:
    """Ask the imports function for an export (and fresh counts); the screen shows its link when done."""
    content = session.bucket_as(token)
    export_id = _new_id()
    content.put(run.folder_of(export_id) + subscribers_job.EXPORT_REQUEST,
                json.dumps({"by": f"{who.name} <{who.email}>"}).encode(), content_type="application/json")
    return http.redirect(f"/desk/subscribers?export={export_id}")


@http.guarded
@http.signed_in
@http.needs("admin")
def progress(request: Any, who: Identity, token: str) -> Response:
    """An import's or export's status, for the screen's script to know when to show it again."""
    job_id = _id_of((request.query_params or {}).get("id", ""))
    if not job_id:
        return http.json_answer({"error": "No such import."}, 404)
    status = session.bucket_as(token).read_json(run.folder_of(job_id) + subscribers_job.STATUS) or {"state": "waiting"}
    return http.json_answer({**status, "finished": status.get("state") in subscribers_job.FINISHED})


def subscriber_counts_key() -> str:
    return subscribers_job.COUNTS
