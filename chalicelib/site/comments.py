"""Reader comments as the web function stores and shows them.

A reader posts the form under an article (``comment_post.submit_comment``); the
rules it must pass first, and their messages, are ``comment_rules``. The
comment is then stored *pending* and shown to nobody: the web function's one write.

Moderating them (approve, reject, delete) and importing them are writes of the publishing side
(``chalicelib.publish.moderation``): editors moderate with ``newsroom comments`` and the desk.

Text is plain, rendered once when posted (``chalicelib.discussion.render_text``), never per
request. Replies nest as deep as the settings' ``comment_depth``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from chalicelib import aws, clock, config, keys
from chalicelib.discussion import Refused, render_text, spammer_marks
from chalicelib.models import Comment
from chalicelib.site import paging
from chalicelib.site.comment_rules import Submission

log = logging.getLogger("newsroom.comments")
log.setLevel(logging.INFO)  # Chalice sets its app logger ("newsroom") to ERROR unless debug is on

PENDING = keys.COMMENTS_PENDING
PAGE_SIZE = 50  # comments, replies included, per page


@dataclass
class Page:
    """One page of an article's approved comments, threads in order."""

    # {"comment": c, "parent": its id, "replies": [every reply, in order], "nested": [{"comment": reply,
    # "level": 2.., "replies": [...]}]}; "comment" is None on a page that opens inside a thread.
    threads: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None


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
                      created=now.strftime(clock.ITEM_FORMAT), client=client, status="pending",
                      held="spam" if marked_spammer(client, submission.email) else None)
    comment.save(condition=Comment.pk.does_not_exist())
    return comment


def marked_spammer(client: str, email: str | None) -> bool:
    """Whether a comment from this address or e-mail was marked spam in the desk (1 BatchGetItem of
    keyed hashes): such a comment is still held for moderation, shown as likely spam, and no editor is
    e-mailed about it."""
    wanted = [(keys.COMMENTS_SPAMMERS, mark) for mark in spammer_marks(client, email)]
    return bool(wanted) and any(True for _ in Comment.batch_get(wanted, attributes_to_get=["pk"]))


def tell_moderators(comment: Comment, title: str, url: str) -> bool:
    """Tell the editors that ``comment`` awaits moderation: one SNS Publish to the moderation topic
    (emailed to the stack's ModerationEmail). Returns whether a message went out.

    Best effort: the comment is stored already and ``newsroom comments list``
    shows it either way, so a failure is logged, never shown to the reader.
    """
    topic = config.current().moderation_topic
    if not topic or comment.held:
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
