"""``newsroom comments``: readers' comments (``list``, ``approve``, ``reject``, ``delete``).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from newsroom.aws_errors import OneLineCommands
from newsroom.cli.options import aws_options


@click.group(cls=OneLineCommands)
def comments() -> None:
    """Moderate readers' comments: list, approve, reject, delete.

    Comments wait as pending until an editor approves them; the article's
    count changes with each approval or deletion. Rejected comments are kept
    30 days, then DynamoDB removes them.
    """


def shown(text: str) -> str:
    """Stored text as a terminal may print it: control and formatting characters (C0, C1, bidi
    overrides, zero-width) as escapes, so no stored text can move the cursor or disguise itself."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _comment_line(comment: Any, ref: str) -> str:
    first = shown(" ".join(comment.text.split()))
    return (f"{ref}  {comment.created}  /{comment.slug}/  {shown(comment.name)}"
            + (f" <{shown(comment.email)}>" if comment.email else "")
            + (f"  (reply to {comment.parent})" if comment.parent else "")
            + f"\n    {first[:100]}{'…' if len(first) > 100 else ''}")


@comments.command("list")
@aws_options
@click.option("--approved", "article", metavar="SLUG", help="List an article's approved comments instead.")
@click.option("--rejected", is_flag=True, help="List comments rejected in the last 30 days instead.")
@click.option("--limit", default=100, show_default=True, help="Show at most this many.")
def comments_list(settings: Any, article: str | None, rejected: bool, limit: int) -> None:
    """Pending comments, newest first (the ids to approve, reject or delete)."""
    from chalicelib.publish import moderation as store

    if article:
        found = store.approved_of(article)[:limit]
    else:
        found = store.rejected(limit) if rejected else store.pending(limit)
    for comment in found:  # an approved comment is named with its article; the others by id alone
        click.echo(_comment_line(comment, f"{article}/{comment.id}" if article else comment.id))
    what = f"approved on /{article}/" if article else "rejected" if rejected else "pending"
    click.echo(f"{len(found)} {what}.", err=True)


def _moderate(action: str, ids: tuple[str, ...], settings: Any) -> None:
    from chalicelib.publish import moderation as store

    click.echo(f"Moderating comments in {settings.table} (stage {settings.stage})", err=True)
    failed = 0
    shown_on: set[str] = set()  # articles whose pages changed: the CDN must drop its copies
    for ref in ids:
        try:
            result = getattr(store, action)(ref)
        except store.Refused as refusal:
            failed += 1
            click.echo(f"{refusal.message}", err=True)
            continue
        if action == "approve":
            shown_on.add(result.slug)
            click.echo(f"approved {result.slug}/{result.id}: shown on /{result.slug}/")
        elif action == "reject":
            click.echo(f"rejected {result.id} (on /{result.slug}/)")
        else:
            shown_on.update(c.slug for c in result if c.status == "approved")
            click.echo(f"deleted {ref}" + (f" and {len(result) - 1} replies" if len(result) > 1 else ""))
    if shown_on:
        _ask_for_invalidation(shown_on, settings)
    if failed:
        sys.exit(1)


def _ask_for_invalidation(slugs: set[str], settings: Any) -> None:
    """Ask ingest (which knows the stage's distribution) to drop these articles' pages from the CDN."""
    from chalicelib.publish import edge

    failed = edge.ask_to_refresh_comments(slugs)
    if failed:
        click.echo(failed, err=True)


@comments.command("approve")
@click.argument("ids", nargs=-1, required=True)
@aws_options
def comments_approve(ids: tuple[str, ...], settings: Any) -> None:
    """Show pending comments (by id) on their articles and count them."""
    _moderate("approve", ids, settings)


@comments.command("reject")
@click.argument("ids", nargs=-1, required=True)
@aws_options
def comments_reject(ids: tuple[str, ...], settings: Any) -> None:
    """Refuse pending comments (by id); they are kept 30 days, never shown."""
    _moderate("reject", ids, settings)


@comments.command("delete")
@click.argument("refs", nargs=-1, required=True)
@aws_options
def comments_delete(refs: tuple[str, ...], settings: Any) -> None:
    """Delete comments for good: pending or rejected by id, approved by SLUG/ID (with their replies)."""
    _moderate("delete", refs, settings)


@comments.command("index")
@aws_options
def comments_index(settings: Any) -> None:
    """List every approved comment in the desk's Approved tab: once, for comments approved before the
    desk listed them (safe to repeat)."""
    from chalicelib.publish import moderation as store

    click.echo(f"Listing approved comments in {settings.table} (stage {settings.stage})", err=True)
    click.echo(f"{store.index_approved()} approved comments listed in the desk's Approved tab.")
