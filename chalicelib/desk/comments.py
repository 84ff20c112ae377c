"""The Comments screen: the moderation queue (newest first, with the article and the commenter),
approve, reject and delete, one at a time or the ones ticked together.

The same rules as ``newsroom comments`` (``publish.moderation``: one transaction each, the article's
count exact, a rejected or deleted comment never re-imported), run with the signed-in editor's
role (``session.acting_as``), then the same edge refresh (``edge.ask_to_refresh_comments``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice.app import Response

from chalicelib.desk import http, session
from chalicelib.desk.identity import Identity
from chalicelib.publish import edge
from chalicelib.publish import moderation as store

ACTIONS = ("approve", "reject", "delete")
SHOWN = 100  # comments one screen lists


@http.guarded
@http.signed_in
@http.needs("editor")
def queue(request: Any, who: Identity, token: str) -> Response:
    """Pending comments newest first (or, ``?show=rejected``, those rejected in the last 30 days)."""
    query = request.query_params or {}
    rejected = query.get("show") == "rejected"
    found = store.rejected(SHOWN) if rejected else store.pending(SHOWN)
    return http.screen("comments.html", who, token, comments=found, rejected=rejected,
                       done=query.get("done", ""), failed=query.get("failed", ""))


@http.guarded
@http.signed_in
@http.needs("editor")
@http.writes
def moderate(request: Any, who: Identity, token: str) -> Response:
    """One comment (a button ``one`` = ``action:id``) or the ticked ones (``action`` and each ``id``)."""
    sent = http.form_lists(request)
    one = (sent.get("one") or [""])[-1]
    if one:
        action, _, chosen = one.partition(":")
        ids = [chosen]
    else:
        action, ids = (sent.get("action") or [""])[-1], sent.get("id") or []
    ids = [i for i in dict.fromkeys(ids) if i][:store.TRANSACTION_ACTIONS]
    if action not in ACTIONS:
        return http.answer(request, 400, "Nothing done", f"There is no action {action!r} on comments.")
    if not ids:
        return http.redirect("/desk/comments?failed=" + _quote("Tick the comments first, then choose what to do."))
    done, failed, refresh = 0, [], set()
    with session.acting_as(token):
        for comment_id in ids:
            try:
                result = getattr(store, action)(comment_id)
            except store.Refused as refusal:
                failed.append(refusal.message)
                continue
            done += 1
            if action == "approve":
                refresh.add(result.slug)
        problem = edge.ask_to_refresh_comments(refresh)
    said = {"approve": "approved (shown on their articles)", "reject": "rejected", "delete": "deleted"}[action]
    message = f"{done} {'comment' if done == 1 else 'comments'} {said}."
    trouble = "; ".join(failed + ([problem] if problem else []))
    return http.redirect(f"/desk/comments?done={_quote(message)}" + (f"&failed={_quote(trouble)}" if trouble else ""))


def _quote(text: str) -> str:
    return quote(text[:500])
