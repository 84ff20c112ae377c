"""Reader comments: what a submission must be, how it is stored, moderated and shown.

A reader posts the form under an article (``pages.submit_comment``). Before
anything is stored the request must come from the site's own pages (Origin
or Referer, and a signed form token: CSRF protection with no cookie), leave
the honeypot empty, find comments open, pass the field checks, and find its
client under the rate limit (a counter item per client and window, removed
by DynamoDB's TTL). The comment is then stored *pending* and shown to nobody.

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
import hashlib
import hmac
import logging
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, config, keys, paging
from chalicelib.models import Comment, Post, RateLimit

log = logging.getLogger("newsroom.comments")
log.setLevel(logging.INFO)  # Chalice sets its app logger ("newsroom") to ERROR unless debug is on

PENDING = keys.COMMENTS_PENDING
REJECTED = keys.COMMENTS_REJECTED
MAX_FORM_BYTES = 20_000
MAX_NAME_CHARS = 80
MAX_EMAIL_CHARS = 254
MAX_TEXT_CHARS = 5_000
MAX_LINKS = 5  # more is what spam looks like
RATE_LIMIT = 5  # comments per client per window
RATE_WINDOW_SECONDS = 600
TOKEN_MAX_AGE_SECONDS = 3 * 86400  # pages are cached (and served stale) for up to a day
PAGE_SIZE = 50  # comments, replies included, per page
KEEP_REJECTED_DAYS = 30
HONEYPOT = "website"  # a field people do not see (hidden by CSS); bots fill it in
TRANSACTION_ATTEMPTS = 8

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


class Refused(Exception):
    """A submission or moderation request that cannot be done, with what to tell the person."""

    def __init__(self, status: int, heading: str, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status, self.heading, self.message, self.problems = status, heading, message, problems or []


@dataclass(frozen=True)
class Submission:
    """The form's fields, checked."""

    name: str
    text: str
    email: str | None = None
    parent: str | None = None


@dataclass
class Page:
    """One page of an article's approved comments, threads in order."""

    threads: list[dict[str, Any]] = field(default_factory=list)  # {"comment": c, "replies": [...]}
    next_cursor: str | None = None


# --- the form -----------------------------------------------------------------------

def form_token(slug: str, now: float | None = None) -> str:
    """The token the article's form carries: when it was issued (to the hour, so a page is
    the same all hour and can be cached) and a signature binding that time to this article."""
    issued = int((time.time() if now is None else now) // 3600 * 3600)
    return f"{issued}.{_sign(f'comment-form|{slug}|{issued}')}"


def token_valid(slug: str, token: str, now: float | None = None) -> bool:
    """Whether ``token`` was issued by this site for this article, in the last TOKEN_MAX_AGE_SECONDS."""
    issued, _, signature = (token or "").partition(".")
    if not issued.isdigit() or not hmac.compare_digest(signature, _sign(f"comment-form|{slug}|{issued}")):
        return False
    age = (time.time() if now is None else now) - int(issued)
    return -3600 <= age <= TOKEN_MAX_AGE_SECONDS


def from_own_pages(headers: dict[str, str], origin: str) -> bool:
    """Whether the browser says the form came from this site (Origin, else Referer): OWASP's
    cookie-less CSRF check. Browsers send Origin with every form POST; neither header: refused."""
    sent = headers.get("origin")
    if sent:
        return sent.rstrip("/") == origin
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == origin
    return False


def parse_form(body: bytes | None) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as {field: first value}.

    :raise Refused: too large, or not text.
    """
    if body is not None and len(body) > MAX_FORM_BYTES:
        raise Refused(413, "Comment too long", f"The form sent more than {MAX_FORM_BYTES:,} bytes.")
    try:
        text = (body or b"").decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=20, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, "Comment not understood", "The form could not be read.") from exc
    return {name: values[0] for name, values in fields.items()}


def check_fields(form: dict[str, str]) -> Submission:
    """The submission, or every problem with it.

    :raise Refused: 400, naming each field and what is wrong with it.
    """
    problems = []
    name = " ".join(form.get("name", "").split())
    email = form.get("email", "").strip()
    text = form.get("text", "").replace("\r\n", "\n").strip()
    parent = form.get("parent", "").strip() or None
    if not name:
        problems.append("Name: please give a name (it is shown with your comment).")
    elif len(name) > MAX_NAME_CHARS:
        problems.append(f"Name: at most {MAX_NAME_CHARS} characters, not {len(name)}.")
    if email and (len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email)):
        problems.append("Email: this is not an email address (or leave it empty; it is never shown).")
    if not text:
        problems.append("Comment: please write something.")
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(f"Comment: at most {MAX_TEXT_CHARS:,} characters, not {len(text):,}.")
    elif len(_URL.findall(text)) > MAX_LINKS:
        problems.append(f"Comment: at most {MAX_LINKS} links.")
    if _CONTROL.search(name + email + text):
        problems.append("Comment: contains control characters.")
    if parent is not None and not re.fullmatch(r"[0-9TZ]+-[0-9a-f]{8}", parent):
        problems.append("Reply: the comment replied to is not valid.")
    if problems:
        raise Refused(400, "Your comment was not posted", "Please go back, correct these and post again:",
                      problems)
    return Submission(name=name, text=text, email=email or None, parent=parent)


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

def is_open(post: Any, settings: dict[str, Any], now: dt.datetime | None = None) -> bool:
    """Comments are open on ``post``: not closed by its front matter nor by the site's age limit."""
    if post.kind != "article" or post.comments_open is False:
        return False
    days = int(settings.get("comments_close_after_days") or 0)
    if not days or not post.date:
        return True
    published = dt.datetime.strptime(post.date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
    return (now or dt.datetime.now(dt.timezone.utc)) < published + dt.timedelta(days=days)


def client_of(headers: dict[str, str], source_ip: str | None) -> str:
    """A keyed hash of the poster's address. Only the hash is stored.

    Behind CloudFront, API Gateway sees an edge server's address, so the
    reader's is CloudFront's ``CloudFront-Viewer-Address``; but anyone calling
    API Gateway directly can send that header too, with a new address each
    time. It counts only on requests that carry the secret our distribution
    adds (``config.ORIGIN_HEADER``); any other request is the caller's own.
    """
    address = source_ip
    if through_our_cdn(headers):
        address = (headers.get("cloudfront-viewer-address") or "").rsplit(":", 1)[0] or source_ip
    return _sign(f"client|{address or 'unknown'}")[:20]


def through_our_cdn(headers: dict[str, str]) -> bool:
    """The request came through our CloudFront distribution (it carries the stack's origin secret)."""
    sent = headers.get(config.ORIGIN_HEADER) or ""
    secret = config.current().origin_secret
    return bool(secret) and hmac.compare_digest(sent.encode(), secret.encode())


def take_rate_slot(client: str, now: float | None = None) -> None:
    """Count one comment against ``client``'s window (1 UpdateItem).

    :raise Refused: 429, the client posted RATE_LIMIT comments in this window already.
    """
    now = time.time() if now is None else now
    window = int(now // RATE_WINDOW_SECONDS * RATE_WINDOW_SECONDS)
    counter = RateLimit(keys.rate_limit_pk(client), str(window))
    try:
        counter.update(actions=[RateLimit.hits.add(1), RateLimit.expires.set(window + 2 * RATE_WINDOW_SECONDS)],
                       condition=RateLimit.hits.does_not_exist() | (RateLimit.hits < RATE_LIMIT))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        wait = window + RATE_WINDOW_SECONDS - int(now)
        raise Refused(429, "Too many comments", f"You have posted {RATE_LIMIT} comments in the last "
                      f"{RATE_WINDOW_SECONDS // 60} minutes. Please wait {max(1, wait // 60)} minutes and "
                      "post again.") from exc


def submit(slug: str, submission: Submission, client: str, now: dt.datetime | None = None) -> Comment:
    """Store a checked submission as pending (1 PutItem; 1 GetItem more for a reply).

    :raise Refused: 400, the comment replied to is not an approved top-level comment of this article
        (replies go one level deep; the page offers "Reply" on top-level comments only).
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    parent = None
    if submission.parent:
        replied = approved(slug, submission.parent)
        if replied is None:
            raise Refused(400, "Your reply was not posted", "The comment you replied to is not there any more.")
        parent = replied.id
    comment_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(4)}"
    comment = Comment(PENDING, comment_id, id=comment_id, slug=slug, parent=parent, name=submission.name,
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

def approved(slug: str, comment_id: str) -> Comment | None:
    """A top-level approved comment of ``slug`` (1 GetItem)."""
    try:
        return Comment.get(keys.comments_pk(slug), comment_id)
    except DoesNotExist:
        return None


def page(slug: str, cursor: str | None = None) -> Page:
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
    return result


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
        txn.update(Post(*Post.key_for(comment.slug)), actions=[Post.comment_count.add(1)],
                   condition=Post.kind == "article")

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

    _transact(writes, f"reject {comment_id}", lambda: _pending(comment_id))
    return kept


def delete(ref: str) -> list[Comment]:
    """Delete a comment for good: a pending or rejected one by its id, or an approved one by
    ``<article slug>/<id>`` with its replies, lowering the count by as many in one transaction.
    Returns what was deleted.

    :raise Refused: no comment has that id.
    """
    slug, _, comment_id = ref.rpartition("/")
    if not slug:
        for partition in (PENDING, REJECTED):
            try:
                comment = Comment.get(partition, comment_id)
            except DoesNotExist:
                continue
            comment.delete()
            return [comment]
        raise Refused(404, "No such comment", f"{ref}: no pending or rejected comment has this id; for an "
                      "approved one give <article slug>/<id>, as `newsroom comments list --approved` shows")
    everything = approved_of(slug)
    shown = next((c for c in everything if c.id == comment_id), None)
    if shown is None:
        raise Refused(404, "No such comment", f"{ref}: /{slug}/ has no approved comment with this id")
    thread = [c for c in everything if c.id == shown.id or (shown.parent is None and c.parent == shown.id)]

    def writes(txn: TransactWrite) -> None:
        for item in thread:
            txn.delete(item, condition=Comment.pk.exists())
        txn.update(Post(*Post.key_for(slug)), actions=[Post.comment_count.add(-len(thread))],
                   condition=Post.pk.exists())

    _transact(writes, f"delete {ref}", lambda: None)
    return thread


def import_comment(slug: str, comment_id: str, parent: str | None, name: str, email: str | None, text: str,
                   created: str, approved_already: bool) -> str:
    """Bring in a comment from another system (the WordPress importer), approved and counted or
    pending as it was there. Its id is the same on every run, so a second run adds nothing, and
    nothing an editor has since moderated comes back. Returns "imported" or "already here".

    :raise Refused: its article is not here.
    """
    sk = keys.reply_sk(parent, comment_id)
    copies = [(PENDING, comment_id), (REJECTED, comment_id), (keys.comments_pk(slug), sk)]
    if any(True for _ in Comment.batch_get(copies, attributes_to_get=["pk", "sk"])):
        return "already here"
    fields = dict(id=comment_id, slug=slug, parent=parent, name=name, email=email, text=text,
                  html=render_text(text), created=created)
    if not approved_already:
        try:
            Comment(PENDING, comment_id, status="pending", **fields).save(condition=Comment.pk.does_not_exist())
        except PutError:
            return "already here"
        return "imported"
    shown = Comment(keys.comments_pk(slug), sk, status="approved", **fields)

    def writes(txn: TransactWrite) -> None:
        txn.save(shown, condition=Comment.pk.does_not_exist())
        txn.update(Post(*Post.key_for(slug)), actions=[Post.comment_count.add(1)], condition=Post.kind == "article")

    def explain() -> None:
        if Comment.count(keys.comments_pk(slug), Comment.sk == sk):
            raise Refused(409, "Already here", "already here")
        raise Refused(404, "Article missing", f"comment {comment_id}: the article /{slug}/ is not here")

    try:
        _transact(writes, f"import {comment_id}", explain)
    except Refused as refusal:
        if refusal.heading == "Already here":
            return "already here"
        raise
    return "imported"


def _pending(comment_id: str) -> Comment:
    try:
        return Comment.get(PENDING, comment_id)
    except DoesNotExist:
        raise Refused(404, "Not pending", f"{comment_id}: no pending comment has this id "
                      "(already approved, rejected or deleted? see `newsroom comments list --all`)") from None


def _explain_failed_approval(comment: Comment) -> None:
    try:
        post = Post.get(*Post.key_for(comment.slug))
    except DoesNotExist:
        post = None
    if post is None or post.kind != "article":
        raise Refused(409, "Article gone", f"{comment.id}: the article /{comment.slug}/ is not published; "
                      "reject or delete the comment")
    _pending(comment.id)  # raises if someone else moderated it meanwhile


def _fields(comment: Comment, **changes: Any) -> dict[str, Any]:
    """A comment's attributes (not its key), to store a copy of it elsewhere."""
    return {**{n: getattr(comment, n) for n in Comment.get_attributes() if n not in ("pk", "sk")}, **changes}


def _transact(writes: Any, what: str, explain: Any) -> None:
    """Run a transaction, retrying when it collides with another on the same items
    (TransactionConflict: concurrent approvals of one article's comments); a failed
    condition is explained by ``explain()``, which raises Refused."""
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            with TransactWrite(connection=aws.dynamodb_connection()) as txn:
                writes(txn)
            return
        except (TransactWriteError, PutError) as exc:
            reasons = str(getattr(exc, "cancellation_reasons", "") or exc)
            if "ConditionalCheckFailed" in reasons:
                explain()
                raise Refused(409, "Changed meanwhile", f"{what}: changed by someone else; try again") from exc
            if attempt == TRANSACTION_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * 2 ** attempt * (1 + random.random()))


def _sign(message: str) -> str:
    return hmac.new(config.current().cursor_secret, message.encode(), hashlib.sha256).hexdigest()[:32]
