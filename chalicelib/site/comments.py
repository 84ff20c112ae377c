"""Reader comments: how they are stored, moderated and shown.

A reader posts the form under an article (``comment_post.submit_comment``); the
rules it must pass first, and their messages, are ``comment_rules``. The
comment is then stored *pending* and shown to nobody.

Editors moderate with ``newsroom comments list|approve|reject|delete``.
Approving is one transaction: the approved copy is written, the pending one
deleted and the article's ``comment_count`` raised by an atomic ``ADD``, so
the count is exact however many approvals run at once. Deleting an approved
comment (and its replies) lowers the count the same way.

Text is plain: it is escaped, blank lines make paragraphs, line breaks stay,
and web addresses become links with ``rel="nofollow ugc"``. It is rendered
once, when posted (markdown-it with only those rules, then nh3), never per
request. Replies go one level deep, to top-level comments.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, config, keys, retry
from chalicelib.models import Comment, Post
from chalicelib.site import paging
from chalicelib.site.comment_rules import Refused as Refused  # the moderation commands catch it here
from chalicelib.site.comment_rules import Submission

log = logging.getLogger("newsroom.comments")
log.setLevel(logging.INFO)  # Chalice sets its app logger ("newsroom") to ERROR unless debug is on

PENDING = keys.COMMENTS_PENDING
REJECTED = keys.COMMENTS_REJECTED
GONE = keys.COMMENTS_GONE
TRANSACTION_ACTIONS = 100  # DynamoDB's limit per transaction
PAGE_SIZE = 50  # comments, replies included, per page
KEEP_REJECTED_DAYS = 30
TRANSACTION_ATTEMPTS = 8  # concurrent approvals of one article's comments collide


@dataclass
class Page:
    """One page of an article's approved comments, threads in order."""

    # {"comment": c, "parent": its id, "replies": [every reply, in order], "nested": [{"comment": reply,
    # "level": 2.., "replies": [...]}]}; "comment" is None on a page that opens inside a thread.
    threads: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


@functools.lru_cache(maxsize=1)
def _plain_text_renderer() -> Any:
    from markdown_it import MarkdownIt

    # "zero" has paragraphs and text only; html=False escapes any markup written.
    return MarkdownIt("zero", {"linkify": True, "breaks": True, "html": False}).enable(["linkify", "newline"])


def render_text(text: str) -> str:
    """Plain text as safe HTML: escaped, paragraphs and line breaks kept, addresses made links."""
    import nh3

    return nh3.clean(_plain_text_renderer().render(text), tags={"p", "br", "a"}, attributes={"a": {"href"}},
                     url_schemes={"http", "https"}, link_rel="nofollow ugc noopener")


# --- posting ------------------------------------------------------------------------

def submit(slug: str, submission: Submission, client: str, now: dt.datetime | None = None,
           depth: int = 5) -> Comment:
    """Store a checked submission as pending (1 PutItem; 1 GetItem more for a reply).

    ``submission.parent`` is the sort key of the approved comment replied to (its id for a top
    comment, ``<top id>#<id>`` deeper); replies nest ``depth`` levels deep, top comments included.

    :raise Refused: 400, the comment replied to is not an approved comment of this article, or is
        at the deepest level already (the page offers "Reply" only above it).
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    parent = reply_to = level = None
    if submission.parent:
        replied = approved(slug, submission.parent)
        if replied is None:
            raise Refused("reply_gone", 400, "Your reply was not posted", "The comment you replied to is not there any more.")
        if level_of(replied) >= depth:
            raise Refused("too_deep", 400, "Your reply was not posted",
                          f"Replies go {depth} levels deep here: reply to a comment higher in the thread.")
        parent = replied.parent or replied.id
        reply_to = replied.id if replied.parent else None
        level = level_of(replied) + 1 if replied.parent else None
    comment_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
    comment = Comment(PENDING, comment_id, id=comment_id, slug=slug, parent=parent, reply_to=reply_to, level=level,
                      name=submission.name,
                      email=submission.email, text=submission.text, html=render_text(submission.text),
                      created=now.strftime("%Y-%m-%dT%H:%M:%SZ"), client=client, status="pending")
    comment.save(condition=Comment.pk.does_not_exist())
    return comment


def tell_moderators(comment: Comment, title: str, url: str) -> bool:
    """Tell the editors that ``comment`` awaits moderation: one SNS Publish to the moderation topic
    (emailed to the stack's ModerationEmail). Returns whether a message went out.

    Best effort: the comment is stored already and ``newsroom comments list``
    shows it either way, so a failure is logged, never shown to the reader.
    """
    topic = config.current().moderation_topic
    if not topic:
        return False
    sender = comment.name + (f" <{comment.email}>" if comment.email else "")
    message = "\n".join([
        f"A comment on \u201c{title}\u201d awaits moderation:", url, "", f"From: {sender}", "", comment.text, "",
        f"Approve: newsroom comments approve {comment.id}", f"Reject:  newsroom comments reject {comment.id}",
        "Pending: newsroom comments list",
    ])
    # SNS subjects are ASCII, one line, under 100 characters.
    subject = f"Comment awaiting moderation on /{comment.slug}/".encode("ascii", "replace").decode()[:99]
    try:
        aws.sns_client().publish(TopicArn=topic, Subject=subject, Message=message)
    except Exception:  # noqa: BLE001 - botocore's errors and the network's; the comment is safe
        log.warning("could not tell moderators of comment %s", comment.id, exc_info=True)
        return False
    return True


# --- reading ------------------------------------------------------------------------

def approved(slug: str, sort_key: str) -> Comment | None:
    """An approved comment of ``slug`` by its sort key: its id, or ``<top id>#<id>`` (1 GetItem)."""
    return Comment.get_or_none(keys.comments_pk(slug), sort_key)


def level_of(comment: Comment) -> int:
    """How deep ``comment`` is in its thread: 1 for a top comment."""
    return int(comment.level) if comment.level else (2 if comment.parent else 1)


def page(slug: str, cursor: str | None = None, depth: int = 5) -> Page:
    """Up to PAGE_SIZE approved comments, oldest thread first, each followed by its replies
    (1 Query). A page ends where a thread ends, unless one thread is longer than a page."""
    listing = keys.comments_pk(slug)
    after = paging.decode(listing, cursor) if cursor else None
    condition = Comment.sk > after if after else None
    fetched = list(Comment.query(listing, condition, limit=PAGE_SIZE + 1))
    items = fetched[:PAGE_SIZE]
    result = Page()
    if len(fetched) > PAGE_SIZE:
        roots = [i for i, c in enumerate(items) if c.parent is None]
        if fetched[PAGE_SIZE].parent is not None and roots and roots[-1] > 0:
            items = items[:roots[-1]]  # the last thread goes on past this page: it starts the next one
        result.next_cursor = paging.encode(listing, items[-1].sk)
    for comment in items:
        last = result.threads[-1] if result.threads else None
        if comment.parent is None:
            result.threads.append({"comment": comment, "parent": comment.id, "replies": []})
        elif last is not None and last["parent"] == comment.parent:
            last["replies"].append(comment)
        else:  # a page that opens inside a thread
            result.threads.append({"comment": None, "parent": comment.parent, "replies": [comment]})
    for thread in result.threads:
        thread["nested"] = nest(thread["replies"], depth)
    return result


def nest(replies: list[Comment], depth: int) -> list[dict[str, Any]]:
    """A thread's replies as a tree, as WordPress shows them: each under the reply it answers, at most
    ``depth`` levels with the top comment (deeper ones join the deepest level); a reply whose comment
    is not on this page goes to the top of the thread. Siblings keep their order in ``replies``."""
    by_id = {reply.id: reply for reply in replies}

    def chain(reply: Comment) -> list[str]:  # the replies above this one, nearest first
        above: list[str] = []
        while reply.reply_to in by_id and reply.reply_to not in above and reply.reply_to != reply.id:
            above.append(reply.reply_to)
            reply = by_id[reply.reply_to]
        return above

    nodes: dict[str, dict[str, Any]] = {reply.id: {"comment": reply, "replies": []} for reply in replies}
    top: list[dict[str, Any]] = []
    for reply in replies:
        above = chain(reply)
        shown_level = min(len(above) + 2, max(depth, 2))
        node = nodes[reply.id]
        node["level"] = shown_level
        parent_at = shown_level - 2  # how many replies up its shown parent is; 0: the top comment
        (nodes[above[len(above) - parent_at]]["replies"] if parent_at else top).append(node)
    return top


def newest(slug: str, limit: int = 50) -> list[Comment]:
    """The newest approved comments of an article, for its comments feed (1 Query)."""
    comments = list(Comment.query(keys.comments_pk(slug)))  # replies sort inside threads, so sort by time here
    return sorted(comments, key=lambda c: c.created, reverse=True)[:limit]


# --- moderation (newsroom comments) -------------------------------------------------

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
