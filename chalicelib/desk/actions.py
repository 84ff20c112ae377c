"""The editor's actions on a file, as a table of commands (``COMMANDS``), the way the queues'
messages are a table of handlers (``chalicelib/messages.py``): each action names the role it needs
and the function that does it.

Every command starts from the same ``Target``: the file asked for, its live key, and whether the
live file exists (read once for the whole action, ``_live_exists``). The four that save the editor's text
(draft, submit, publish, schedule) differ only in how they settle the fields and where the file
goes; ``_save`` writes it, conditional on the version the person opened. Approve and unpublish act
on files already in the bucket. Nothing here writes the table: ingest does the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib import config, keys
from chalicelib.bucket import ContentBucket, live_key, submission_key
from chalicelib.clock import now_iso
from chalicelib.content.files import ContentError, Problem
from chalicelib.desk import documents, session, zones
from chalicelib.desk.documents import Draft, Forbidden
from chalicelib.desk.identity import Identity
from chalicelib.models import Source

Answer = dict[str, Any]  # what the editor's page gets back (JSON)


@dataclass(frozen=True)
class Target:
    """The file an action is on: its key, its live key, and whether the live file exists."""

    bucket: ContentBucket
    key: str
    live: str
    live_exists: bool


@dataclass(frozen=True)
class Command:
    """One action: the role it needs, and what it does."""

    role: str
    run: Callable[[Identity, Target, Draft], Answer]


def run(who: Identity, token: str, action: str, draft: Draft) -> Answer:
    """Do ``action`` on ``draft``'s file as ``who`` (with their own S3 client).

    :raise Forbidden: no such action, or not for ``who``'s role. :raise ContentError: the file
    would not pass ingest's check. :raise Conflict: a key changed since they opened it."""
    command = COMMANDS.get(action)
    if command is None:
        raise Forbidden(f"There is no action {action!r}.")
    if not who.may(command.role):
        raise Forbidden(f"A {who.role} may not {action}: ask an editor.")
    bucket = session.bucket_as(token, who)
    key = documents.check_key(draft.key) if draft.key else documents.new_key(draft.fields)
    live = live_key(key)
    if not who.may("editor"):  # what they opened, and the submission they write to: their own
        for touched in dict.fromkeys([*([key] if draft.key else []), _submission(bucket, key, live)]):
            documents.check_own_work(bucket, touched, who)
    target = Target(bucket, key, live, _live_exists(who, token, bucket, live))
    if not draft.key and target.live_exists:  # a new article whose file name another has
        raise ContentError(live, [Problem("slug", f"{live} already exists: choose another slug")])
    return command.run(who, target, draft)


def _live_exists(who: Identity, token: str, bucket: ContentBucket, live: str) -> bool:
    """Whether the live file ``live`` is in the bucket. An editor's role reads live files, so S3 says
    (one HEAD: even a file uploaded a moment ago). A contributor's may read no live file nor list the
    bucket, so S3 would answer 403 to their HEAD whatever is there: they ask the table instead, with
    their own role (its ``FollowIngest`` reads ``source`` items), what ingest last saw at the key. A
    contributor's save only asks whether a new article's file name is taken (their work goes to
    ``submissions/``), and an editor approving it writes the live file conditional on the version
    they saw, so a file ingest has not yet seen is never overwritten unseen."""
    if who.may("editor"):
        return bucket.exists(live)
    with session.acting_as(token):
        source = Source.get_or_none(*keys.source(live), consistent_read=True)
    return source is not None and source.status != "removed"


# --- the actions that save the editor's text ------------------------------------------------------

def _opened(target: Target, draft: Draft) -> documents.Opened | None:
    """The file as the person opened it: the key's current text, or an unpublished article's last
    text (its fields the form does not edit stay); None for a new article."""
    opened = documents.open_file(target.key, target.bucket) if draft.version else None
    if opened is None and draft.key and target.key == target.live and not target.live_exists:
        opened = documents.open_last_version(target.key, target.bucket)
    return opened


def _draft(who: Identity, target: Target, draft: Draft) -> Answer:
    """Save without publishing: a new article as a draft (previewable, never listed), a live one's
    change under ``drafts/``, a contributor's work in their submissions (marked draft: not yet sent
    for review)."""
    opened = _opened(target, draft)
    live_is_draft = target.key == target.live and opened is not None and opened.meta.get("draft") is True
    fields = _dated(draft)
    editor = who.may("editor")
    if not editor or (target.key == target.live and (not target.live_exists or live_is_draft)):
        fields["draft"] = "true"
    if not editor:
        to = _submission(target.bucket, target.key, target.live)
    elif target.live_exists and target.key == target.live and not live_is_draft:
        to = config.DRAFTS_PREFIX + target.live
    else:
        to = target.key
    return _save(who, target, draft, "draft", opened, fields, to, unchanged_is_nothing=True,
                 metadata=_based_on(target, draft, to))


def _submit(who: Identity, target: Target, draft: Draft) -> Answer:
    """For review: under ``submissions/``."""
    fields = _dated(draft)
    fields["draft"] = ""  # no longer a draft (a field left out of the form is kept as the file had it)
    to = _submission(target.bucket, target.key, target.live)
    return _save(who, target, draft, "submit", _opened(target, draft), fields, to, unchanged_is_nothing=False,
                 metadata=_based_on(target, draft, to))


def _submission(bucket: ContentBucket, key: str, live: str) -> str:
    """Where a save for review goes: the submission opened (``key``), else the person's own submission of
    ``live`` in their folder (``bucket.owner``: ``submissions/<owner>/articles/x.md``)."""
    if key.startswith(config.SUBMISSIONS_PREFIX):  # a contributor's is their own (check_own_work)
        return key
    return submission_key(bucket.owner, live)


def _based_on(target: Target, draft: Draft, to: str) -> dict[str, str] | None:
    """A draft or submission of changes to a live article: the live version its author saw, so that
    approving or publishing it is conditional on that version (``documents.versions_seen``)."""
    seen = draft.seen(target.live)
    return {config.BASED_ON: seen} if seen and to.startswith(config.PENDING_PREFIXES) else None


def _publish(who: Identity, target: Target, draft: Draft) -> Answer:
    """Live at the date given: a future "Publish at" schedules (never live early); only an explicit
    "Publish now instead" (``draft.now``) makes the date now. A correction note goes with a change to
    an opened file. Publishing an unchanged live file writes nothing; publishing a draft copies it live."""
    fields = dict(draft.fields)
    fields["draft"] = ""  # no longer a draft (a field left out of the form is kept as the file had it)
    fields["date"] = documents.publish_date(fields.get("date", ""), draft.now, now_iso())
    return _save(who, target, draft, "publish", _opened(target, draft), fields, target.live,
                 unchanged_is_nothing=target.live == target.key, correction=True)


def _schedule(who: Identity, target: Target, draft: Draft) -> Answer:
    """Live at the date given, which must be in the future.

    :raise ContentError: no date, or one not in the future."""
    fields = dict(draft.fields)
    fields["draft"] = ""  # no longer a draft (a field left out of the form is kept as the file had it)
    if not documents.is_future(fields.get("date", ""), now_iso()):
        raise ContentError(target.key, [Problem("date", "give a date and time in the future to schedule")])
    return _save(who, target, draft, "schedule", _opened(target, draft), fields, target.live,
                 unchanged_is_nothing=False)


def _dated(draft: Draft) -> dict[str, str]:
    """The fields sent, with a new article's date: publishing keeps it, or makes it the moment of
    publishing."""
    fields = dict(draft.fields)
    if not fields.get("date"):
        fields["date"] = now_iso()
    return fields


def _save(who: Identity, target: Target, draft: Draft, action: str, opened: documents.Opened | None,
          fields: dict[str, str], to: str, *, unchanged_is_nothing: bool, correction: bool = False,
          metadata: dict[str, str] | None = None) -> Answer:
    """Write the file composed of ``fields`` and the body at ``to``, if it passes ingest's check and
    ``to`` is still the version the person opened. ``unchanged_is_nothing``: an action that, with
    nothing changed and no correction, writes nothing. ``correction``: the action publishes the
    correction note sent with a change to an opened file. ``metadata``: more object metadata (a draft
    of changes: the live version it was written over)."""
    since = now_iso()
    if (unchanged_is_nothing and opened is not None and opened.version and not draft.correction.strip()
            and not draft.now and _same(opened, draft)):
        return {"key": target.key, "version": opened.version, "state": "unchanged", "message": "Nothing changed."}
    note = draft.correction if correction and opened is not None else ""
    data = documents.compose(fields, draft.body, opened.meta if opened is not None else None, note, now_iso())
    problems = documents.check(to, data)
    if problems:
        raise ContentError(to, problems)
    etag = documents.write(target.bucket, to, data, draft.seen(to), who, metadata)
    return {"key": to, "version": etag, "state": "submitted", "since": since,
            **_saved(action, to, fields, draft.zone)}


def _saved(action: str, to: str, fields: dict[str, str], zone: str) -> Answer:
    """What the desk says of a save, in the editor's zone: a future date is a schedule, said with its time."""
    if action in ("publish", "schedule") and documents.is_future(fields.get("date", ""), now_iso()):
        when = zones.shown(fields["date"], zones.zone_named(zone), weekday=True, with_zone=True)
        return {"scheduled_for": fields["date"],
                "message": f"Scheduled for {when}: it goes live then, not before. Ingest is saving it."}
    if action == "draft":
        return {"message": "Draft saved. It is not on the site."}
    if action == "submit":
        return {"message": "Sent to the editors for review."}
    return {"message": f"Saved to {to}: ingest is publishing it."}


def _same(opened: documents.Opened, draft: Draft) -> bool:
    """Whether the editor changed nothing: the file stays byte for byte as it is."""
    def shown(fields: dict[str, str]) -> dict[str, str]:
        return {k: v.strip() for k, v in fields.items() if v and v.strip()}
    return shown(opened.fields) == shown(draft.fields) and opened.body.strip() == draft.body.strip()


# --- the actions on files already in the bucket ----------------------------------------------------

def _approve(who: Identity, target: Target, draft: Draft) -> Answer:
    """Publish exactly the submission or draft this editor reviewed: the version they opened, over
    the live version they opened (or none), then remove it if it is still that version.

    :raise Forbidden: not a submission or a draft, or not opened. :raise Conflict: either changed
    since they opened it. :raise ContentError: a submission carrying what only an editor may set."""
    key, live = target.key, target.live
    if key == live:
        raise Forbidden("Only a submission or a draft can be approved.")
    if not draft.seen(key):
        raise Forbidden(f"Open {key} in the editor to approve it: the desk approves the version you reviewed.")
    data, written = documents.read_opened(target.bucket, key, draft.seen(key))
    if key.startswith(config.SUBMISSIONS_PREFIX):
        problems = documents.check(key, data, written)
        if problems:
            raise ContentError(key, problems)
    since = now_iso()  # as a publish's: the desk follows the live file until the edge has cleared it
    etag = documents.write(target.bucket, live, data, draft.seen(live), who)
    target.bucket.delete(key, if_version=draft.seen(key))
    return {"key": live, "version": etag, "removed": key, "state": "submitted", "since": since,
            "message": f"Approved: {live} goes live."}


def _unpublish(who: Identity, target: Target, draft: Draft) -> Answer:
    """Delete the live file, if it is still the version the person opened: ingest takes it off."""
    since = now_iso()
    target.bucket.delete(target.live, if_version=draft.seen(target.live))
    return {"key": target.live, "version": "", "state": "unpublishing", "since": since,
            "message": f"Unpublishing {target.live}: ingest takes it off the site, then CloudFront clears its "
            "copies from the edge. Publishing it again brings it back."}


COMMANDS: dict[str, Command] = {  # every action the editor's page can ask (its buttons)
    "draft": Command("contributor", _draft),  # a contributor's goes to their submissions
    "submit": Command("contributor", _submit),
    "publish": Command("editor", _publish),
    "schedule": Command("editor", _schedule),
    "approve": Command("editor", _approve),  # a submission or a draft goes live
    "unpublish": Command("editor", _unpublish),
}
