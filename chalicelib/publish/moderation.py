"""Comment moderation and import: the writes that publish, hide or remove readers' comments.

Editors moderate with ``newsroom comments list|approve|reject|delete`` and the desk's Comments screen,
whose four places are Pending, Approved, Spam and Trash (``comments-rejected``, as the command calls it):
``move`` takes a comment from where it is to another place in one transaction, so Undo is the move back.
Approving is one transaction: the approved copy is written, the pending one
deleted and the article's ``comment_count`` raised by an atomic ``ADD``, so
the count is exact however many approvals run at once. Deleting an approved
comment (and its replies) lowers the count the same way. A rejected or deleted comment leaves a
mark (``keys.COMMENTS_GONE``) so that no re-import brings it back. The reader's own post (pending,
shown to nobody) is the web function's write (``chalicelib.site.comments.submit``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, clock, keys, retry
from chalicelib.discussion import Refused, render_text, spammer_marks
from chalicelib.models import Comment, Post

__all__ = ["Refused", "approve", "approved_of", "count", "delete", "edit", "empty_trash", "find", "in_trash", "import_comment",
           "index_approved", "listed", "move", "pending", "reject", "rejected", "reply"]

PENDING = keys.COMMENTS_PENDING
REJECTED = keys.COMMENTS_REJECTED
GONE = keys.COMMENTS_GONE
SPAM = keys.COMMENTS_SPAM
APPROVED = keys.COMMENTS_APPROVED  # the list of approved comments, newest first (each names where it lives)
SPAMMERS = keys.COMMENTS_SPAMMERS
# The desk's four places, and the partition of each but Approved (which lives under its article).
PLACES = ("pending", "approved", "spam", "trash")
PARTITIONS = {"pending": PENDING, "spam": SPAM, "trash": REJECTED, "approved": APPROVED}
STATUS = {"pending": "pending", "approved": "approved", "spam": "spam", "trash": "rejected"}
TRANSACTION_ACTIONS = 100  # DynamoDB's limit per transaction
KEEP_REJECTED_DAYS = 30
TRANSACTION_ATTEMPTS = 8  # concurrent approvals of one article's comments collide


def pending(limit: int = 100) -> list[Comment]:
    """Comments waiting for an editor, newest first."""
    return list(Comment.query(PENDING, scan_index_forward=False, limit=limit))


def rejected(limit: int = 100) -> list[Comment]:
    """Comments rejected in the last KEEP_REJECTED_DAYS days, newest first."""
    return list(Comment.query(REJECTED, scan_index_forward=False, limit=limit))


def approved_of(slug: str) -> list[Comment]:
    """Every approved comment of an article, in thread order."""
    return list(Comment.query(keys.comments_pk(slug)))


def approve(comment_id: str) -> Comment:
    """Publish a pending comment and count it, in one transaction.

    :raise Refused: no such pending comment, or its article is gone.
    """
    comment = _pending(comment_id)
    sk = keys.reply_sk(comment.parent, comment.id)
    shown = Comment(keys.comments_pk(comment.slug), sk, **_fields(comment, status="approved"))

    def writes(txn: TransactWrite) -> None:
        txn.save(shown, condition=Comment.pk.does_not_exist())
        txn.save(_listed_approved(shown))
        txn.delete(comment, condition=Comment.pk.exists())
        txn.update(Post(*keys.post(comment.slug)), actions=[Post.comment_count.add(1)],
                   condition=Post.kind.is_in("article", "page"))

    _transact(writes, f"approve {comment_id}", lambda: _explain_failed_approval(comment))
    return shown


def reject(comment_id: str) -> Comment:
    """Drop a pending comment; it stays listed as rejected for KEEP_REJECTED_DAYS days.

    :raise Refused: no such pending comment.
    """
    comment = _pending(comment_id)
    expires = int(time.time()) + KEEP_REJECTED_DAYS * 86400
    kept = Comment(REJECTED, comment.id, **_fields(comment, status="rejected", expires=expires))

    def writes(txn: TransactWrite) -> None:
        txn.delete(comment, condition=Comment.pk.exists())
        txn.save(kept)
        txn.save(_gone(comment, "rejected"))

    _transact(writes, f"reject {comment_id}", lambda: _pending(comment_id))
    return kept


def _gone(comment: Comment, why: str) -> Comment:
    """The mark a rejected or deleted comment leaves, so that no re-import brings it back: its id,
    article and date, none of its content."""
    return Comment(GONE, comment.id, id=comment.id, slug=comment.slug, name="", text="", html="",
                   created=comment.created, status=why)


def moved_since(comment_id: str, seen: str, place: str) -> Refused:
    """The refusal of a change to a comment someone moved since the person saw it."""
    return Refused("changed", 409, "Changed meanwhile", f"{comment_id}: someone moved it from {seen.title()} to "
                   f"{place.title()} since you saw it; nothing was done to it")


def delete(ref: str, seen: str | None = None) -> list[Comment]:
    """Delete a comment for good: a pending or rejected one by its id, or an approved one by
    ``<article slug>/<id>`` with its replies, lowering the count by as many in one transaction.
    Returns what was deleted. ``seen``: the place the person saw it in (only there is it deleted).

    :raise Refused: no comment has that id, or it is no longer where it was seen.
    """
    slug, _, comment_id = ref.rpartition("/")
    if not slug and seen is not None:
        if Comment.get_or_none(PARTITIONS[seen], comment_id, consistent_read=True) is None:
            raise moved_since(comment_id, seen, find(comment_id)[0])
    if not slug:
        for partition in (PARTITIONS[seen],) if seen is not None else (PENDING, REJECTED, SPAM):
            comment = Comment.get_or_none(partition, comment_id)
            if comment is None:
                continue

            def remove(txn: TransactWrite, comment: Comment = comment) -> None:
                txn.delete(comment, condition=Comment.pk.exists())
                txn.save(_gone(comment, "deleted"))

            _transact(remove, f"delete {ref}", lambda: None)
            return [comment]
        raise Refused("no_such_comment", 404, "No such comment", f"{ref}: no pending, spam or trashed comment has this id; "
                      "for an approved one give <article slug>/<id>, as `newsroom comments list --approved` shows")
    everything = approved_of(slug)
    shown = next((c for c in everything if c.id == comment_id), None)
    if shown is None:
        raise Refused("no_such_comment", 404, "No such comment", f"{ref}: /{slug}/ has no approved comment with this id")
    thread = [c for c in everything if c.id == shown.id or (shown.parent is None and c.parent == shown.id)]
    with Comment.batch_write() as marks:  # first, so that a delete cut short still never comes back
        for item in thread:
            marks.save(_gone(item, "deleted"))
    # Replies last, the comment itself in the last transaction; each removes its share of the count,
    # within DynamoDB's 100 actions per transaction.
    ordered = sorted(thread, key=lambda c: c.id == shown.id)
    size = (TRANSACTION_ACTIONS - 1) // 2
    for chunk in (ordered[i:i + size] for i in range(0, len(ordered), size)):
        def writes(txn: TransactWrite, chunk: list[Comment] = chunk) -> None:
            for item in chunk:
                txn.delete(item, condition=Comment.pk.exists())
                txn.delete(Comment(APPROVED, item.id))
            txn.update(Post(*keys.post(slug)), actions=[Post.comment_count.add(-len(chunk))],
                       condition=Post.pk.exists())

        _transact(writes, f"delete {ref}", lambda: None)
    return thread


def import_comment(slug: str, comment_id: str, parent: str | None, name: str, email: str | None, text: str,
                   created: str, approved_already: bool, reply_to: str | None = None,
                   level: int | None = None) -> str:
    """Bring in a comment from another system (the WordPress importer), approved and counted or
    pending as it was there. Its id is the same on every run, so a second run adds nothing, and
    nothing an editor has since moderated comes back. Returns "imported" or "already here".

    :raise Refused: its article is not here.
    """
    sk = keys.reply_sk(parent, comment_id)
    copies = [(PENDING, comment_id), (REJECTED, comment_id), (SPAM, comment_id), (GONE, comment_id),
              (keys.comments_pk(slug), sk)]
    if any(True for _ in Comment.batch_get(copies, attributes_to_get=["pk", "sk"])):
        return "already here"
    fields: dict[str, Any] = dict(id=comment_id, slug=slug, parent=parent, reply_to=reply_to, level=level, name=name, email=email,
                  text=text, html=render_text(text), created=created)
    if not approved_already:
        try:
            Comment(PENDING, comment_id, status="pending", **fields).save(condition=Comment.pk.does_not_exist())
        except PutError:
            return "already here"
        return "imported"
    shown = Comment(keys.comments_pk(slug), sk, status="approved", **fields)

    def writes(txn: TransactWrite) -> None:
        txn.save(shown, condition=Comment.pk.does_not_exist())
        txn.save(_listed_approved(shown))
        txn.update(Post(*keys.post(slug)), actions=[Post.comment_count.add(1)],
                   condition=Post.kind.is_in("article", "page"))

    def explain() -> None:
        if Comment.count(keys.comments_pk(slug), Comment.sk == sk):
            raise Refused("already_here", 409, "Already here", "already here")
        raise Refused("article_missing", 404, "Article missing", f"comment {comment_id}: the article /{slug}/ is not here")

    try:
        _transact(writes, f"import {comment_id}", explain)
    except Refused as refusal:
        if refusal.code == "already_here":
            return "already here"
        raise
    return "imported"


# --- the desk's four places --------------------------------------------------------------------

@dataclass
class Moved:
    """What ``move`` did: the comment as it is now, where it was, and the article whose page changed
    (``None`` when neither place shows it)."""

    comment: Comment
    came_from: str
    shown_on: str | None


def _listed_approved(shown: Comment) -> Comment:
    """The Approved list's entry of an approved comment: its id (which sorts by time), article and thread."""
    return Comment(APPROVED, shown.id, id=shown.id, slug=shown.slug, parent=shown.parent, name="", text="", html="",
                   created=shown.created, status="approved")


def find(comment_id: str) -> tuple[str, Comment]:
    """Where a comment is now (one BatchGet, and one GetItem more for an approved one): its place and item.

    :raise Refused: no place has it.
    """
    wanted = [(PARTITIONS[place], comment_id) for place in PLACES]
    found = {item.pk: item for item in Comment.batch_get(wanted, consistent_read=True)}
    for place in PLACES:
        item = found.get(PARTITIONS[place])
        if item is None:
            continue
        if place != "approved":
            return place, item
        shown = Comment.get_or_none(keys.comments_pk(item.slug), keys.reply_sk(item.parent, item.id), consistent_read=True)
        if shown is not None:
            return place, shown
    raise Refused("no_such_comment", 404, "No such comment", f"{comment_id}: no comment has this id any more "
                  "(deleted for good, or emptied from the Trash)")


def count(place: str, cap: int = 1000) -> int:
    """How many comments a place holds, up to ``cap`` + 1 (one Query, keys only)."""
    return int(Comment.count(PARTITIONS[place], limit=cap + 1))


def listed(place: str, limit: int = 20, before: str | None = None) -> tuple[list[Comment], str | None]:
    """One page of a place, newest first, from ``before`` (an id: the last of the page before);
    and the id the next page starts before, if there is one. Approved ones are read where they live
    (one BatchGet)."""
    condition = Comment.sk < before if before else None
    page = list(Comment.query(PARTITIONS[place], condition, scan_index_forward=False, limit=limit + 1))
    more = page[limit - 1].sk if len(page) > limit else None
    page = page[:limit]
    if place != "approved" or not page:
        return page, more
    wanted = [(keys.comments_pk(e.slug), keys.reply_sk(e.parent, e.id)) for e in page]
    shown = {item.id: item for item in Comment.batch_get(wanted)}
    return [shown[e.id] for e in page if e.id in shown], more


def move(comment_id: str, to: str, seen: str | None = None) -> Moved:
    """Take a comment from its place to ``to`` in one transaction: approving counts it on its article,
    taking an approved one down uncounts it; the Trash and Spam keep it KEEP_REJECTED_DAYS days (TTL),
    remembering where it was, and leave the mark that keeps a re-import from bringing it back; Spam
    also marks its address and e-mail (hashed), so that later comments from them are held as likely
    spam. ``to`` "restore": back where it was before the Trash or Spam.

    ``seen``: the place the person saw it in; moved elsewhere since, it is left there.

    :raise Refused: no such comment, already there, its article gone, or moved by someone else meanwhile.
    """
    place, item = find(comment_id)
    if seen is not None and place != seen:
        raise moved_since(comment_id, seen, place)
    if to == "restore":
        to = item.was if place in ("spam", "trash") and item.was in ("pending", "approved") else "pending"
    if to not in PLACES:
        raise Refused("no_such_place", 400, "Nothing done", f"There is no place {to!r} for comments.")
    if place == to:
        raise Refused("already_there", 409, "Already there", f"{comment_id}: already in {to.title()}")
    kept = to in ("spam", "trash")
    changes: dict[str, Any] = {
        "status": STATUS[to], "expires": int(time.time()) + KEEP_REJECTED_DAYS * 86400 if kept else None,
        "was": (place if place in ("pending", "approved") else item.was) if kept else None}
    if to == "approved":
        changes["held"] = None
        target = Comment(keys.comments_pk(item.slug), keys.reply_sk(item.parent, item.id), **_fields(item, **changes))
    else:
        target = Comment(PARTITIONS[to], item.id, **_fields(item, **changes))
    post = Post(*keys.post(item.slug))
    marks = spammer_marks(item.client, item.email)

    def writes(txn: TransactWrite) -> None:
        txn.delete(item, condition=Comment.pk.exists())
        txn.save(target, condition=Comment.pk.does_not_exist())
        if place == "approved":
            txn.delete(Comment(APPROVED, item.id))
            txn.update(post, actions=[Post.comment_count.add(-1)], condition=Post.pk.exists())
        if to == "approved":
            txn.save(_listed_approved(target))
            txn.update(post, actions=[Post.comment_count.add(1)], condition=Post.kind.is_in("article", "page"))
        if kept:
            txn.save(_gone(item, STATUS[to]))
        for mark in marks:  # the address and e-mail of a spammer, as keyed hashes
            if to == "spam":
                txn.save(Comment(SPAMMERS, mark, id=item.id, slug=item.slug, name="", text="", html="",
                                 created=item.created, status="spam"))
            elif place == "spam":
                txn.delete(Comment(SPAMMERS, mark))

    def explain() -> None:
        if to == "approved":
            _article_must_be_live(item)
        if find(comment_id)[0] != place:
            raise Refused("changed", 409, "Changed meanwhile", f"{comment_id}: someone moved it meanwhile; it is "
                          "shown where it is now")

    _transact(writes, f"move {comment_id} to {to}", explain)
    return Moved(target, place, item.slug if "approved" in (place, to) else None)


def index_approved() -> int:
    """List every approved comment in the Approved list (``comments-approved``), for comments approved
    before the list existed: one Query of the files' records, then one of each article's or page's
    comments, written in batches. Safe to repeat; returns how many are listed."""
    from chalicelib.models import Source

    listed = 0
    for source in Source.query(keys.SOURCE_PK, filter_condition=Source.kind.is_in("article", "page")):
        if not source.slug:
            continue
        with Comment.batch_write() as batch:
            for shown in Comment.query(keys.comments_pk(source.slug)):
                batch.save(_listed_approved(shown))
                listed += 1
    return listed


def in_trash(limit: int = 1000) -> list[str]:
    """The ids of the comments in the Trash now (up to ``limit``): what Empty Trash's confirmation shows."""
    return [item.sk for item in Comment.query(REJECTED, limit=limit, attributes_to_get=["pk", "sk"])]


def empty_trash(seen: list[str]) -> tuple[int, int]:
    """Delete for good the comments ``seen`` in the Trash (each leaves its mark against re-imports),
    each only if it is still there: one that arrived since stays, and so does one moved out meanwhile.
    Returns (how many went, how many of those seen were no longer in the Trash)."""
    gone = moved = 0
    for comment_id in dict.fromkeys(seen):
        item = Comment.get_or_none(REJECTED, comment_id)
        if item is None:
            moved += 1
            continue

        def remove(txn: TransactWrite, item: Comment = item) -> None:
            txn.delete(item, condition=Comment.pk.exists())
            txn.save(_gone(item, "deleted"))

        try:
            _transact(remove, f"delete {comment_id}", lambda: None)
        except Refused:
            moved += 1
            continue
        gone += 1
    return gone, moved


def reply(comment_id: str, text: str, name: str, now: dt.datetime | None = None) -> Comment:
    """The site's reply to an approved comment, written from the desk: approved at once, counted, and
    marked as the staff's.

    :raise Refused: the comment is not approved (any more), or the text is empty.
    """
    if not text.strip():
        raise Refused("empty", 400, "Nothing written", "Write the reply first.")
    place, replied = find(comment_id)
    if place != "approved":
        raise Refused("not_approved", 409, "Not approved", f"{comment_id}: approve the comment before replying to it")
    now = now or dt.datetime.now(dt.timezone.utc)
    new_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
    parent = replied.parent or replied.id
    level = int(replied.level or (2 if replied.parent else 1)) + 1
    shown = Comment(keys.comments_pk(replied.slug), keys.reply_sk(parent, new_id), id=new_id, slug=replied.slug,
                    parent=parent, reply_to=replied.id if replied.parent else None, level=level if replied.parent else None,
                    name=name, text=text.strip(), html=render_text(text.strip()), created=now.strftime(clock.ITEM_FORMAT),
                    status="approved", staff=True)

    def writes(txn: TransactWrite) -> None:
        txn.save(shown, condition=Comment.pk.does_not_exist())
        txn.save(_listed_approved(shown))
        txn.update(Post(*keys.post(replied.slug)), actions=[Post.comment_count.add(1)],
                   condition=Post.kind.is_in("article", "page"))

    _transact(writes, f"reply to {comment_id}", lambda: _article_must_be_live(shown))
    return shown


def edit(comment_id: str, text: str, seen: str) -> tuple[str, Comment]:
    """Change a comment's text where it is, noting when (the page says it was edited); conditional on
    the text the editor saw. Returns its place and the comment as it is now.

    :raise Refused: empty, no such comment, or its text changed since the editor opened it.
    """
    if not text.strip():
        raise Refused("empty", 400, "Not saved", "A comment cannot be empty: move it to the Trash instead.")
    place, item = find(comment_id)
    if item.text != seen:
        raise Refused("changed", 409, "Changed meanwhile", f"{comment_id}: its text changed since you opened it; "
                      "nothing was saved")
    try:
        item.update(actions=[Comment.text.set(text.strip()), Comment.html.set(render_text(text.strip())),
                             Comment.edited.set(clock.now_iso())],
                    condition=Comment.pk.exists() & (Comment.text == seen))
    except UpdateError as exc:
        if retry.condition_failed(exc):
            raise Refused("changed", 409, "Changed meanwhile", f"{comment_id}: changed or moved since you opened it; "
                          "nothing was saved") from exc
        raise
    return place, item


def _pending(comment_id: str) -> Comment:
    comment = Comment.get_or_none(PENDING, comment_id)
    if comment is None:
        raise Refused("not_pending", 404, "Not pending", f"{comment_id}: no pending comment has this id "
                      "(already approved, rejected or deleted? see `newsroom comments list --all`)")
    return comment


def _article_must_be_live(comment: Comment) -> None:
    post = Post.get_or_none(*keys.post(comment.slug))
    if post is None or post.kind not in ("article", "page"):
        raise Refused("article_gone", 409, "Article gone", f"{comment.id}: the article /{comment.slug}/ is not "
                      "published; move the comment to the Trash instead")


def _explain_failed_approval(comment: Comment) -> None:
    post = Post.get_or_none(*keys.post(comment.slug))
    if post is None or post.kind != "article":
        raise Refused("article_gone", 409, "Article gone", f"{comment.id}: the article /{comment.slug}/ is not "
                      "published; "
                      "reject or delete the comment")
    _pending(comment.id)  # raises if someone else moderated it meanwhile


def _fields(comment: Comment, **changes: Any) -> dict[str, Any]:
    """A comment's attributes (not its key), to store a copy of it elsewhere."""
    return {**{n: getattr(comment, n) for n in Comment.get_attributes() if n not in ("pk", "sk")}, **changes}


def _transact(writes: Any, what: str, explain: Any) -> None:
    """Run a transaction, retrying while AWS fails transiently (a TransactionConflict: concurrent
    approvals of one article's comments); a failed condition is explained by ``explain()``, which
    raises Refused."""
    def attempt() -> None:
        try:
            with TransactWrite(connection=aws.dynamodb_connection()) as txn:
                writes(txn)
        except (TransactWriteError, PutError) as exc:
            if retry.condition_failed(exc):
                explain()
                raise Refused("changed", 409, "Changed meanwhile", f"{what}: changed by someone else; "
                              "try again") from exc
            raise

    retry.retrying(attempt, attempts=TRANSACTION_ATTEMPTS)
