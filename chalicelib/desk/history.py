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
from zoneinfo import ZoneInfo

from chalice.app import Response

from chalicelib import clock, config, fields
from chalicelib.bucket import Conflict
from chalicelib.content import corrections
from chalicelib.desk import documents, http, session, zones
from chalicelib.desk.documents import Forbidden
from chalicelib.desk.identity import Identity
from chalicelib.publish import history as versions_of

MAX_DELETED_PAGES = 5  # ListObjectVersions pages (1,000 entries each) one Deleted screen reads at most


@dataclass(frozen=True)
class Change:
    """One field that changed from the version before: its label as the form shows it, and its old
    and new values as text."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Shown:
    """A version as the History screen shows it: in words, times in the editor's zone, no ids."""

    version: versions_of.Version
    current: bool
    fields: tuple[Change, ...]
    words: tuple[tuple[str, str], ...]  # the body's diff from the version before: ("same"|"added"|"removed", text)
    when: str = ""  # "7 Dec, 06:48", in the editor's zone
    who: str = ""  # the person's name (never their address)
    changed: tuple[str, ...] = ()  # the labels of what changed ("Title", "Body")
    note: str = ""  # "restored the version of 7 Dec, 06:47 by NAME", or why it is not a valid file

    @property
    def name(self) -> str:
        """The version in words: "the version of 7 Dec, 06:48 by NAME"."""
        return f"the version of {self.when}" + (f" by {self.who}" if self.who else "")


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


def label(declared: fields.Field) -> str:
    """A field's name as the desk shows it: the form's label, else its name in words."""
    return declared.label or declared.name.replace("_", " ").capitalize()


def value_shown(declared: fields.Field, meta: dict[str, Any], zone: ZoneInfo) -> str:
    """A field's value in a version (``meta``: the file as ingest read it) as an editor reads it:
    names as written, times in ``zone``, corrections dated, a password never."""
    kind = declared.kind
    value = meta.get(declared.name)
    if isinstance(kind, fields.Names):
        value = meta.get(kind.names_as) or value
    elif isinstance(kind, fields.Byline):
        value = meta.get(kind.name_as) or value
    if value in (None, "", (), []):
        return ""
    if isinstance(kind, fields.Secret):
        return "set (not shown)"
    if isinstance(kind, fields.Moment):
        return zones.shown(value, zone)
    if isinstance(kind, fields.Corrections):
        return "; ".join(f"{zones.shown(when, zone)}: {note}" for when, note in value)
    if isinstance(kind, fields.Flag):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(getattr(v, "name", v)) for v in value)
    return str(value)


def person(uploaded_by: str) -> str:
    """The name in an upload's ``uploaded-by`` ("Name <address>"): the history names people, not addresses."""
    return uploaded_by.split(" <", 1)[0].strip()


def shown(found: list[versions_of.Version], zone: ZoneInfo | None = None) -> list[Shown]:
    """Each version with its changes from the one before it (the list is newest first); the first
    version, and a deletion, have none to show."""
    zone = zone or zones.zone_named("UTC")
    by_id = {v.version_id: v for v in found}
    out = []
    for n, version in enumerate(found):
        before = None if version.deleted else next((v for v in found[n + 1:] if not v.deleted), None)
        changes: tuple[Change, ...] = ()
        words: tuple[tuple[str, str], ...] = ()
        if before is not None:
            pairs = ((d, value_shown(d, before.meta, zone), value_shown(d, version.meta, zone)) for d in fields.ARTICLE)
            changes = tuple(Change(label(d), old, new) for d, old, new in pairs if old != new)
            words = word_diff(before.body, version.body) if before.body != version.body else ()
        note = version.note
        if note.startswith("reverted to "):
            source = by_id.get(note.removeprefix("reverted to ").strip())
            note = ("restored " + Shown(source, False, (), (), zones.shown(source.when, zone), person(source.who)).name
                    if source is not None else "restored an earlier version")
        changed = tuple(c.field for c in changes) + (("Body",) if words else ())
        out.append(Shown(version, n == 0, changes, words, zones.shown(version.when, zone), person(version.who),
                         changed, note))
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
    zone = zones.zone_of(request)
    listed = shown(found, zone)
    restored = next((v.name for v in listed if v.version.version_id == query.get("restored", "")), "")
    return http.screen("history.html", who, token, key=key, title=title, versions=listed,
                       current=current, restored=restored)


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
    zone = zones.zone_of(request)
    listed = [(label(fields.named(fields.ARTICLE, name)) if name in _DECLARED else name, _raw_shown(name, value, zone))
              for name, value in meta.items() if name != "password"]
    chosen = next((v for v in shown(versions_of.versions(session.bucket_as(token), key), zone)
                   if v.version.version_id == query.get("version", "")), None)
    return http.screen("version.html", who, token, key=key, name=chosen.name if chosen else "an earlier version",
                       title=str(meta.get("title") or key), fields=listed, body=body)


_DECLARED = frozenset(f.name for f in fields.ARTICLE)


def _raw_shown(name: str, value: Any, zone: ZoneInfo) -> str:
    """A front-matter value as the version screen shows it: times in ``zone``, corrections dated."""
    if name in _DECLARED and isinstance(fields.named(fields.ARTICLE, name).kind, fields.Moment):
        return zones.shown(value, zone)
    if name == "corrections" and isinstance(value, list):
        return "; ".join(f"{zones.shown(e.get('date'), zone)}: {e.get('note', '')}" for e in value if isinstance(e, dict))
    return documents._as_text(value)


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
    if sent.get("confirmed") != "yes":  # first, what it will do, in words, to confirm or cancel
        return _confirm(request, who, token, bucket, key, sent)
    try:
        documents.write(bucket, key, data, sent.get("current", ""), who, {config.REVERTED_FROM: sent.get("version", "")})
    except Conflict:
        return http.answer(request, 409, "Not restored", f"{key} changed after you opened its history. Nothing was "
                           "changed: open the history again to see the newest version.")
    return http.redirect(f"/desk/history?key={quote(key)}&restored={quote(sent.get('version', ''))}")


def _confirm(request: Any, who: Identity, token: str, bucket: Any, key: str, sent: dict[str, str]) -> Response:
    """The restore's confirmation: "The text of 7 Dec, 06:47 becomes the live version; its 1 correction
    stays." (corrections are append-only: ``documents.write`` keeps every published one)."""
    zone = zones.zone_of(request)
    listed = shown(versions_of.versions(bucket, key), zone)
    chosen = next((v for v in listed if v.version.version_id == sent.get("version", "")), None)
    if chosen is None:
        return http.answer(request, 404, "Not restored", f"{key} has no such version. Nothing was changed.")
    try:
        current = bucket.get(key)[0] if sent.get("current") else b""
    except KeyError:
        current = b""
    kept = len(corrections.entries(current))
    what = (f"The text of {chosen.when}" + (f" by {chosen.who}" if chosen.who else "")
            + (" becomes the live version" if key.startswith(config.ARTICLES_PREFIX) else " becomes the current version")
            + (f"; its {kept} correction{'s' if kept != 1 else ''} {'stay' if kept != 1 else 'stays'}." if kept else "."))
    return http.screen("restore.html", who, token, key=key, title=chosen.version.title or key, what=what,
                       chosen=chosen, version=sent.get("version", ""), current=sent.get("current", ""))


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
