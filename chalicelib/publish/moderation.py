"""Comment moderation and import: the writes that publish, hide or remove readers' comments.

Editors moderate with ``newsroom comments list|approve|reject|delete`` and the desk's Comments screen.
Approving is one transaction: the approved copy is written, the pending one
deleted and the article's ``comment_count`` raised by an atomic ``ADD``, so
the count is exact however many approvals run at once. Deleting an approved
comment (and its replies) lowers the count the same way. A rejected or deleted comment leaves a
mark (``keys.COMMENTS_GONE``) so that no re-import brings it back. The reader's own post (pending,
shown to nobody) is the web function's write (``chalicelib.site.comments.submit``).
"""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, keys, retry
from chalicelib.discussion import Refused, render_text
from chalicelib.models import Comment, Post

__all__ = ["Refused", "approve", "approved_of", "delete", "import_comment", "pending", "reject", "rejected"]

PENDING = keys.COMMENTS_PENDING
REJECTED = keys.COMMENTS_REJECTED
GONE = keys.COMMENTS_GONE
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


def delete(ref: str) -> list[Comment]:
    """Delete a comment for good: a pending or rejected one by its id, or an approved one by
    ``<article slug>/<id>`` with its replies, lowering the count by as many in one transaction.
    Returns what was deleted.

    :raise Refused: no comment has that id.
    """
    slug, _, comment_id = ref.rpartition("/")
    if not slug:
        for partition in (PENDING, REJECTED):
            comment = Comment.get_or_none(partition, comment_id)
            if comment is None:
                continue

            def remove(txn: TransactWrite, comment: Comment = comment) -> None:
                txn.delete(comment, condition=Comment.pk.exists())
                txn.save(_gone(comment, "deleted"))

            _transact(remove, f"delete {ref}", lambda: None)
            return [comment]
        raise Refused("no_such_comment", 404, "No such comment", f"{ref}: no pending or rejected comment has this id; for an "
                      "approved one give <article slug>/<id>, as `newsroom comments list --approved` shows")
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
    size = TRANSACTION_ACTIONS - 1
    for chunk in (ordered[i:i + size] for i in range(0, len(ordered), size)):
        def writes(txn: TransactWrite, chunk: list[Comment] = chunk) -> None:
            for item in chunk:
                txn.delete(item, condition=Comment.pk.exists())
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
    copies = [(PENDING, comment_id), (REJECTED, comment_id), (GONE, comment_id), (keys.comments_pk(slug), sk)]
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


def _pending(comment_id: str) -> Comment:
    comment = Comment.get_or_none(PENDING, comment_id)
    if comment is None:
        raise Refused("not_pending", 404, "Not pending", f"{comment_id}: no pending comment has this id "
                      "(already approved, rejected or deleted? see `newsroom comments list --all`)")
    return comment


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
