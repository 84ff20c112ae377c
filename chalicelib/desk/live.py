"""The Live blogs screens: start one (**New live blog**), post updates from a short form at the top (a box
labelled **Update**, **Post update**; Enter posts), see the entries as readers will, Pin, edit, correct,
delete, and **End live blog** (it stays as an archive).

Everything is a file in the bucket, written with the signed-in person's own role, as the editor's saves:
an update is a new file ``articles/<article>/live/<time>-<random>.md`` written only if no file has that
name (S3's ``If-None-Match``), so two editors posting at once write two files and neither loses theirs;
a change to an entry, or ending the blog, is written only if the file is still at the version the
editor saw (``If-Match``), else nothing is written and the screen says so. A refused update keeps its
text in the box. Ingest then publishes the file like any other (``publish.live``).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from urllib.parse import quote

import yaml
from chalice.app import Response

from chalicelib import clock, keys, models
from chalicelib.bucket import Conflict
from chalicelib.content import content_format
from chalicelib.content.content_format import ContentError
from chalicelib.desk import documents, http, session
from chalicelib.desk.identity import Identity
from chalicelib.live_blog import FIRST_SCREEN
from chalicelib.models import LiveEntryItem, Post, Source
from chalicelib.site import views

MAX_UPDATE_CHARS = 20_000
LISTED = 100  # the newest articles the list looks among for live blogs
SCREEN = "/desk/live"


def _entry_key(article_key: str, when: dt.datetime) -> str:
    """A new entry's file: its time to the millisecond (entries of one second keep the order they were
    posted in), then a random part, so no two editors ever pick the same name."""
    return keys.live_entry_key(article_key, f"{when:%Y%m%dT%H%M%S}{when.microsecond // 1000:03d}Z-"
                                            f"{secrets.token_hex(3)}.md")


def _article_key(sent: str) -> str:
    """The live blog's file, checked as the desk checks every key. :raise Forbidden: not an article's."""
    key = documents.check_key(sent)
    if content_format.kind_of_key(key) != "article":
        raise documents.Forbidden(f"{key} is not an article's file.")
    return key


def _entry_key_sent(key: str, sent: str) -> str | None:
    """The entry file an action names, if it is a path that is data and one of this live blog's entries."""
    from chalicelib import outside_paths

    try:
        outside_paths.relative(sent)
    except outside_paths.PathRefused:
        return None
    parts = keys.live_entry_parts(sent)
    return sent if parts is not None and parts[0] == keys.live_folder(key) and \
        re.fullmatch(keys.LIVE_ENTRY_ID + r"\.(md|markdown|html|htm)", parts[1]) else None


def _entry_file(meta: dict[str, Any], text: str) -> bytes:
    return ("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + text.strip() + "\n").encode()


def _go(key: str, done: str = "", failed: str = "") -> Response:
    """The live blog's screen again, saying what was done or what failed."""
    return http.back(f"/desk/live/blog?key={quote(key)}", done, failed)


@http.guarded
@http.signed_in
@http.needs("editor")
def list_blogs(request: Any, who: Identity, token: str) -> Response:
    """The live blogs among the newest articles, and the **New live blog** form."""
    sources = list(Source.desk.query(keys.desk_pk("article"), scan_index_forward=False, limit=LISTED))
    posts = models.get_each({keys.post(s.slug): Post for s in sources if s.slug})
    blogs = [(s, posts[keys.post(s.slug)]) for s in sources
             if s.slug and keys.post(s.slug) in posts and posts[keys.post(s.slug)].live]
    failed = (request.query_params or {}).get("failed", "")
    return http.screen("live_list.html", who, token, blogs=blogs, failed=failed)


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def start(request: Any, who: Identity, token: str) -> Response:
    """**New live blog**: its file (title, now, live), written only if no file has its name."""
    sent = http.form(request)
    title = sent.get("title", "").strip()
    try:
        key = documents.new_key({"title": title})
    except documents.Forbidden as refusal:
        return http.back(SCREEN, failed=str(refusal))
    meta = {"title": title, "date": clock.now_iso(), "author": who.name, "live": True}
    summary = sent.get("summary", "").strip() or f"Live updates: {title}"
    data = _entry_file(meta, summary)
    problems = documents.check(key, data)
    if problems:
        return http.back(SCREEN, failed="; ".join(str(p) for p in problems))
    try:
        documents.write(session.bucket_as(token), key, data, "", who)
    except Conflict:
        return http.back(SCREEN, failed=f"{key} already exists: choose another title.")
    return _go(key, done="Live blog started. Post the first update.")


@http.guarded
@http.signed_in
@http.needs("editor")
def blog(request: Any, who: Identity, token: str) -> Response:
    """One live blog: the form at the top, then its entries as readers see them, each with its actions."""
    try:
        key = _article_key((request.query_params or {}).get("key", ""))
    except documents.Forbidden as refusal:
        return http.answer(request, 400, "No such live blog", str(refusal))
    return _screen(request, who, token, key)


def _screen(request: Any, who: Identity, token: str, key: str, text: str = "", failed: str = "",
            status: int = 200) -> Response:
    """The live blog's screen; ``text``: what the Update box keeps after a refused post."""
    query = request.query_params or {}
    bucket = session.bucket_as(token)
    try:
        raw, version = bucket.get(key)
    except KeyError:
        return http.answer(request, 404, "No such live blog", f"{key} is not in the bucket.")
    meta, _ = documents.split(raw)
    entries = _entries(key)
    editing = query.get("edit", "")
    edited = next((e for e in entries if e[1].source_key == editing), None)
    edit_text = ""
    if edited is not None:
        try:
            entry_raw, _ = bucket.get(edited[1].source_key)
            edit_text = documents.split(entry_raw)[1].strip()
        except KeyError:
            edited = None
    return http.screen("live.html", who, token, status=status, key=key, version=version, title=meta.get("title", key),
                       slug=content_format.normalize_slug(str(meta.get("slug") or key.rsplit("/", 1)[-1].rsplit(".", 1)[0])),
                       ended=meta.get("live_ended"), is_live=meta.get("live") is True, entries=entries,
                       edited=edited, edit_text=edit_text, text=text, failed=failed or query.get("failed", ""),
                       done=query.get("done", ""), live_script=http.static_url("live.js"),
                       max_chars=MAX_UPDATE_CHARS)


def _entries(key: str) -> list[tuple[views.LiveEntryView, LiveEntryItem]]:
    """The newest entries as readers see them (the table's, as ingest published them), with their items."""
    pk = keys.live_entries_pk(keys.live_folder(key))
    found = models.read_range(LiveEntryItem, pk, "<=", keys.LATEST, FIRST_SCREEN * 5)
    return [(views.live_entry(item, "#" + f"entry-{item.entry_id}"), item) for item in found]


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def post(request: Any, who: Identity, token: str) -> Response:
    """**Post update**: a new entry file; on any refusal the screen again, the text still in the box."""
    sent = http.form(request)
    text = sent.get("update", "")
    try:
        key = _article_key(sent.get("key", ""))
    except documents.Forbidden as refusal:
        return http.answer(request, 400, "No such live blog", str(refusal))
    if not text.strip():
        return _screen(request, who, token, key, text=text, failed="Write the update first.", status=400)
    if len(text) > MAX_UPDATE_CHARS:
        return _screen(request, who, token, key, text=text, status=400,
                    failed=f"The update is {len(text):,} characters; the limit is {MAX_UPDATE_CHARS:,}.")
    now = dt.datetime.now(dt.timezone.utc)
    meta: dict[str, Any] = {"time": clock.iso(now), "author": who.name}
    if sent.get("pinned") == "true":
        meta["pinned"] = True
    entry_key, data = _entry_key(key, now), _entry_file(meta, text)
    try:
        content_format.check_file(entry_key, data)
        documents.write(session.bucket_as(token), entry_key, data, "", who)
    except ContentError as error:
        return _screen(request, who, token, key, text=text, status=400,
                       failed="; ".join(str(p) for p in error.problems))
    except Conflict:  # the same name, the same second, the same random part: never in practice; say so
        return _screen(request, who, token, key, text=text, status=409, failed="Not posted: try again.")
    return _go(key, done="Posted. Readers see it within seconds.")


ACTIONS = ("pin", "unpin", "delete", "edit", "end")


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def act(request: Any, who: Identity, token: str) -> Response:
    """Pin, unpin, delete or edit (with its correction note) one entry, or end the live blog: each written
    only if the file is still at the version the editor saw."""
    sent = http.form(request)
    action = sent.get("action", "")
    try:
        key = _article_key(sent.get("key", ""))
    except documents.Forbidden as refusal:
        return http.answer(request, 400, "No such live blog", str(refusal))
    if action not in ACTIONS:
        return http.answer(request, 400, "Nothing done", f"There is no action {action!r} on a live blog.")
    bucket = session.bucket_as(token)
    target = key if action == "end" else _entry_key_sent(key, sent.get("entry", ""))
    if target is None:
        return http.answer(request, 400, "Nothing done", "That is not an entry of this live blog.")
    try:
        raw, current = bucket.get(target)
    except KeyError:
        return _go(key, failed="That update is gone: someone deleted it.")
    seen = sent.get("version", "")
    if seen and seen != current:
        return _go(key, failed="Someone changed this meanwhile: nothing was done. Look again, then retry.")
    meta, text = documents.split(raw)
    if action == "end":
        meta["live_ended"] = clock.now_iso()
    elif action in ("pin", "unpin"):
        meta["pinned"] = action == "pin"
    elif action == "delete":
        meta["deleted"] = True
    else:
        text = sent.get("update", text)
        note = sent.get("correction", "").strip()
        if note:
            meta["correction"] = note
        if not text.strip():
            return _go(key, failed="An update cannot be empty: delete it instead.")
    data = _entry_file(meta, text)
    try:
        content_format.check_file(target, data)
        documents.write(bucket, target, data, current, who)
    except ContentError as error:
        return _go(key, failed="; ".join(str(p) for p in error.problems))
    except Conflict:
        return _go(key, failed="Someone changed this meanwhile: nothing was done. Look again, then retry.")
    said = {"end": "Live blog ended: it stays as an archive.", "pin": "Pinned as a key event.",
            "unpin": "No longer a key event.", "delete": "Deleted: gone from the page and the feed within seconds.",
            "edit": "Saved."}[action]
    return _go(key, done=said)


@http.guarded
@http.signed_in
@http.needs("editor")
def entries(request: Any, who: Identity, token: str) -> Response:
    """The entries part of the screen alone, which the screen's script refreshes as ingest publishes."""
    try:
        key = _article_key((request.query_params or {}).get("key", ""))
    except documents.Forbidden as refusal:
        return http.answer(request, 400, "No such live blog", str(refusal))
    return http.screen("live_entries.html", who, token, key=key, entries=_entries(key))
