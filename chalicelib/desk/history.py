"""The History screen: every version of a file (who, when, what changed, the body's words), any
version read-only, "Restore this version", and the files that were deleted, each restorable.

The bucket keeps every version (S3 versioning); this reads them with the signed-in person's role
(``session.bucket_as``), as ``newsroom history`` does with theirs (``content.history``, one reader for
both). A restore is an upload like any other: the old bytes written as the newest version, with
``reverted-from`` naming the version, conditional on the file being as the history showed it, so
ingest checks and publishes it and the history keeps everything in between.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalice.app import Response

from chalicelib import clock, config
from chalicelib.bucket import Conflict
from chalicelib.desk import documents, http, session
from chalicelib.desk.documents import Forbidden
from chalicelib.desk.identity import Identity
from chalicelib.publish import history as versions_of

MAX_DELETED_PAGES = 5  # ListObjectVersions pages (1,000 entries each) one Deleted screen reads at most


@dataclass(frozen=True)
class Change:
    """One field that changed from the version before: its old and new values as text."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Shown:
    """A version as the History screen shows it."""

    version: versions_of.Version
    current: bool
    fields: tuple[Change, ...]
    words: tuple[tuple[str, str], ...]  # the body's diff from the version before: ("same"|"added"|"removed", text)


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    """The body's change word by word: runs of ("same" | "added" | "removed", text), whitespace kept."""
    old, new = re.findall(r"\S+|\s+", before), re.findall(r"\S+|\s+", after)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", "".join(old[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("removed", "".join(old[i1:i2])))
        if j2 > j1:
            runs.append(("added", "".join(new[j1:j2])))
    return tuple(runs)


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(getattr(v, "name", v)) for v in value)
    return "" if value is None else str(value)


def shown(found: list[versions_of.Version]) -> list[Shown]:
    """Each version with its changes from the one before it (the list is newest first); the first
    version, and a deletion, have none to show."""
    out = []
    for n, version in enumerate(found):
        before = None if version.deleted else next((v for v in found[n + 1:] if not v.deleted), None)
        fields: tuple[Change, ...] = ()
        words: tuple[tuple[str, str], ...] = ()
        if before is not None:
            fields = tuple(Change(name, _text(before.meta.get(name)), _text(version.meta.get(name)))
                           for name in sorted(set(version.meta) | set(before.meta))
                           if version.meta.get(name) != before.meta.get(name))
            words = word_diff(before.body, version.body) if before.body != version.body else ()
        out.append(Shown(version, n == 0, fields, words))
    return out


@http.guarded
@http.signed_in
@http.needs("editor")
def history(request: Any, who: Identity, token: str) -> Response:
    """Every version of one file, newest first, each with what changed and its own restore."""
    query = request.query_params or {}
    try:
        key = documents.check_key(query.get("key", ""))
    except Forbidden as refusal:
        return http.answer(request, 404, "No such file", str(refusal))
    bucket = session.bucket_as(token)
    found = versions_of.versions(bucket, key)
    if not found:
        return http.answer(request, 404, "No such file", f"{key} has no versions in the bucket.")
    current = "" if found[0].deleted else documents.open_file(key, bucket).version
    title = next((v.title for v in found if v.title), key)
    return http.screen("history.html", who, token, key=key, title=title, versions=shown(found),
                       current=current, restored=query.get("restored", ""))


@http.guarded
@http.signed_in
@http.needs("editor")
def version(request: Any, who: Identity, token: str) -> Response:
    """One version, read-only: its fields and its body as it was uploaded."""
    query = request.query_params or {}
    try:
        key = documents.check_key(query.get("key", ""))
        data = versions_of.version_bytes(session.bucket_as(token), key, query.get("version", ""))
    except (Forbidden, LookupError) as refusal:
        return http.answer(request, 404, "No such version", str(refusal))
    meta, body = documents.split(data)
    fields = [(name, documents._as_text(value)) for name, value in meta.items()]
    return http.screen("version.html", who, token, key=key, version_id=query.get("version", ""), fields=fields,
                       body=body)


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def restore(request: Any, who: Identity, token: str) -> Response:
    """Bring an old version back as the newest, if the file is still as the history showed it."""
    sent = http.form(request)
    try:
        key = documents.check_key(sent.get("key", ""))
    except Forbidden as refusal:
        return http.answer(request, 400, "Not restored", str(refusal))
    bucket = session.bucket_as(token)
    try:
        data = versions_of.version_bytes(bucket, key, sent.get("version", ""))
    except LookupError as refusal:
        return http.answer(request, 404, "Not restored", str(refusal))
    problems = documents.check(key, data)
    if problems:
        return http.answer(request, 400, "Not restored", f"That version of {key} cannot be published now: "
                           + "; ".join(str(p) for p in problems) + ". Nothing was changed.")
    try:
        documents.write(bucket, key, data, sent.get("current", ""), who, {config.REVERTED_FROM: sent.get("version", "")})
    except Conflict:
        return http.answer(request, 409, "Not restored", f"{key} changed after you opened its history. Nothing was "
                           "changed: open the history again to see the newest version.")
    return http.redirect(f"/desk/history?key={quote(key)}&restored={quote(sent.get('version', ''))}")


@http.guarded
@http.signed_in
@http.needs("editor")
def deleted(request: Any, who: Identity, token: str) -> Response:
    """Articles and pages whose newest version is a deletion, newest first, each with its history."""
    bucket = session.bucket_as(token)
    found: list[dict[str, Any]] = []
    for prefix in (config.ARTICLES_PREFIX, config.PAGES_PREFIX):
        for page in bucket.versions(prefix, max_items=1000 * MAX_DELETED_PAGES):
            found += [{"key": marker["Key"], "when": marker["LastModified"].strftime(clock.ITEM_FORMAT)}
                      for marker in page.get("DeleteMarkers", []) if marker.get("IsLatest")]
    found.sort(key=lambda f: f["when"], reverse=True)
    return http.screen("deleted.html", who, token, files=found)
