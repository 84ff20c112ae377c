"""The Comments screen, both ways: the tabs Pending, Approved, Spam and Trash (each with its count,
newest first, paged), each comment with its article's title, the commenter and the time; approve,
unapprove, mark spam or not, move to the Trash and restore, delete for good, empty the Trash (after
a confirmation), reply as the site, and edit a comment's text; one at a time or the ones ticked, with
Undo after each move.

The writes are ``publish.moderation``'s (one transaction each, the article's count exact, nothing
trashed or deleted ever re-imported), run with the signed-in editor's role (``session.acting_as``),
then the same edge refresh as ``newsroom comments`` (``edge.ask_to_refresh_comments``) for every
article whose page changed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib import snapshot
from chalicelib.desk import http, session, zones
from chalicelib.desk.identity import Identity
from chalicelib.models import Post
from chalicelib.publish import edge
from chalicelib.publish import moderation as store

PAGE = 20  # comments a tab shows at once, as WordPress's screen does
TABS = {"pending": "Pending", "approved": "Approved", "spam": "Spam", "trash": "Trash"}
# What each button does: the place it moves a comment to ("restore": where it was), or "delete" (for good).
ACTIONS = {"approve": "approved", "unapprove": "pending", "spam": "spam", "notspam": "restore", "trash": "trash",
           "reject": "trash", "restore": "restore", "delete": "delete"}
OFFERED = {"pending": ("approve", "spam", "trash"), "approved": ("unapprove", "spam", "trash"),
           "spam": ("notspam", "delete"), "trash": ("restore", "delete")}
LABELS = {"approve": "Approve", "unapprove": "Unapprove", "spam": "Spam", "notspam": "Not spam", "trash": "Trash",
          "restore": "Restore", "delete": "Delete permanently"}
SAID = {"approved": "approved (shown on their articles)", "pending": "moved to Pending (taken off their articles)",
        "spam": "marked spam", "trash": "moved to the Trash (kept 30 days)", "restore": "restored",
        "delete": "deleted for good"}
UNDO = {"pending": "unapprove", "approved": "approve", "spam": "spam", "trash": "trash"}  # back to a place
ID = re.compile(r"[0-9A-Za-z-]{1,80}")


def _tab_of(query: dict[str, str]) -> str:
    if query.get("show") == "rejected":  # the old address of the Trash
        return "trash"
    tab = query.get("tab", "pending")
    return tab if tab in TABS else "pending"


@http.guarded
@http.signed_in
@http.needs("editor")
def queue(request: Any, who: Identity, token: str) -> Response:
    """One tab of comments, newest first, ``?before=`` an id for the next page."""
    query = request.query_params or {}
    tab = _tab_of(query)
    before = query.get("before", "")
    before = before if ID.fullmatch(before) else ""
    found, more = store.listed(tab, PAGE, before or None)
    titles = _titles({c.slug for c in found})
    counts = {place: store.count(place) for place in TABS}
    undo_ids = [i for i in query.get("ids", "").split(",") if ID.fullmatch(i)][:store.TRANSACTION_ACTIONS]
    undo = query.get("undo", "")
    zone = zones.zone_of(request)
    return http.screen(
        "comments.html", who, token, tabs=TABS, tab=tab, comments=found, titles=titles, counts=counts,
        offered=OFFERED[tab], labels=LABELS, cap=1000, before=before, zone=zone.key,
        when=lambda value: zones.shown(value, zone),
        older=f"/desk/comments?{urlencode({'tab': tab, 'before': more})}" if more else "",
        undo=UNDO.get(undo, "") if undo_ids else "", undo_ids=undo_ids,
        confirm_empty=tab == "trash" and query.get("confirm") == "empty",
        done=query.get("done", ""), failed=query.get("failed", ""))


def _titles(slugs: set[str]) -> dict[str, str]:
    """Each article's title (one BatchGet): the screen names articles, not paths."""
    if not slugs:
        return {}
    posts = Post.batch_get([Post.key_for(slug) for slug in slugs], attributes_to_get=["pk", "sk", "slug", "title"])
    return {post.slug: post.title or post.slug for post in posts if getattr(post, "slug", None)}


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def moderate(request: Any, who: Identity, token: str) -> Response:
    """A button ``one`` = ``action:id``, or ``action`` on each ticked ``id``; ``reply`` and ``edit`` with
    their text; ``empty`` (confirmed) the Trash."""
    sent = http.form_lists(request)
    last = {name: values[-1] for name, values in sent.items()}
    tab = last.get("tab", "pending") if last.get("tab") in TABS else "pending"
    back = f"/desk/comments?tab={tab}"
    one = last.get("one", "")
    if one:
        action, _, chosen = one.partition(":")
        ids = [chosen]
    else:
        action, ids = last.get("action", ""), sent.get("id") or []
    with session.acting_as(token):
        if action == "reply":
            return _reply(last, back)
        if action == "edit":
            return _edit(last, back)
        if action == "empty":
            return _empty(last, back)
        if action not in ACTIONS:
            return http.answer(request, 400, "Nothing done", f"There is no action {action!r} on comments.")
        ids = [i for i in dict.fromkeys(ids) if ID.fullmatch(i)][:store.TRANSACTION_ACTIONS]
        if not ids:
            return http.back(back, failed="Tick the comments first, then choose what to do.")
        return _move(ids, ACTIONS[action], back)


def _move(ids: list[str], to: str, back: str) -> Response:
    done: list[str] = []
    failed: list[str] = []
    refresh: set[str] = set()
    came_from = ""
    for comment_id in ids:
        try:
            if to == "delete":
                removed = store.delete(comment_id)
                refresh.update(c.slug for c in removed if c.status == "approved")
            else:
                moved = store.move(comment_id, to)
                came_from = came_from or moved.came_from
                if moved.shown_on:
                    refresh.add(moved.shown_on)
        except store.Refused as refusal:
            failed.append(refusal.message)
            continue
        done.append(comment_id)
    problem = edge.ask_to_refresh_comments(refresh)
    message = f"{len(done)} {'comment' if len(done) == 1 else 'comments'} {SAID[to]}."
    undo = {"undo": came_from, "ids": ",".join(done)} if done and to != "delete" and came_from else {}
    return http.back(back, message, "; ".join(failed + ([problem] if problem else [])), undo)


def _reply(sent: dict[str, str], back: str) -> Response:
    """The site's reply, approved at once (and its Undo: to the Trash)."""
    site_name = snapshot.current().settings.site_name
    try:
        shown = store.reply(sent.get("reply_to", ""), sent.get("text", ""), site_name)
    except store.Refused as refusal:
        return http.back(back, failed=refusal.message)
    problem = edge.ask_to_refresh_comments([shown.slug])
    return http.back("/desk/comments?tab=approved", f"Your reply is published as {site_name}.", problem,
                 {"undo": "trash", "ids": shown.id})


def _edit(sent: dict[str, str], back: str) -> Response:
    try:
        place, item = store.edit(sent.get("comment", ""), sent.get("text", ""), sent.get("seen", ""))
    except store.Refused as refusal:
        return http.back(back, failed=refusal.message)
    problem = edge.ask_to_refresh_comments([item.slug] if place == "approved" else [])
    return http.back(back, "The comment's text is changed; it says it was edited.", problem)


def _empty(sent: dict[str, str], back: str) -> Response:
    if sent.get("confirmed") != "yes":
        return http.redirect("/desk/comments?tab=trash&confirm=empty")
    gone = store.empty_trash()
    return http.back("/desk/comments?tab=trash", f"The Trash is empty: {gone} {'comment' if gone == 1 else 'comments'} "
                 "deleted for good.")

