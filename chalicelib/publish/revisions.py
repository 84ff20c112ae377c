"""The revision protocol every change to one file follows (its ``Source`` item).

Every change to what one file publishes is one DynamoDB transaction: the
items it writes and the file's new Source together, conditional on the
Source's ``revision``. So a reader never sees half an update, and of two
ingests of the same key racing, the one that read older state fails with
``ConcurrentChange`` and is retried against the new state.

Follow-up work that keeps *other* items right (links that point here, the
site snapshot) runs after the transaction, is idempotent, and is redone on a
retry until the Source is marked ``settled``. Inside
``one_snapshot_rebuild()`` (a batch of SQS messages, a resync) the snapshot
is rebuilt once at the end, and only then are that batch's Sources settled.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from pynamodb.exceptions import DeleteError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib import aws, clock, keys, retry
from chalicelib.bucket import live_key
from chalicelib.models import Source
from chalicelib.publish import site_snapshot
from chalicelib.retry import ConcurrentChange


@dataclass
class PublishResult:
    """What a change did, in words an editor can read."""

    slug: str | None
    notes: list[str] = field(default_factory=list)
    freed_slug: str | None = None  # a slug this change released; waiting claims can take it
    freed_paths: list[str] = field(default_factory=list)  # redirects (aliases, old slugs) it released, the same
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)  # published, but the editor should know (no alt text...)
    had_warnings: bool = False  # the version it replaced was published with warnings (a report to clear)
    had_preview: bool = True  # the version it replaced may have left a preview record and a schedule


def get_source(key: str) -> Source | None:
    """What the file at ``key`` last published, or None (a consistent read)."""
    return Source.get_or_none(*keys.source(key), consistent_read=True)


def is_stale_event(source: Source | None, sequencer: str | None) -> bool:
    """True if an S3 event is older than the newest one already applied to its key.

    S3 sequencers of one key compare as hex strings once the shorter is
    left-padded with zeros (AWS's documented rule). moto sends none.
    """
    if not sequencer or source is None or not source.sequencer:
        return False
    width = max(len(sequencer), len(source.sequencer))
    return sequencer.rjust(width, "0") < source.sequencer.rjust(width, "0")


def is_unchanged(source: Source | None, etag: str | None, force: bool) -> bool:
    """Whether the file's bytes are those already published and settled (nothing to do). An article's or
    page's Source written before the desk index existed (or before pages had their own partition) is
    not: applying it again indexes it (``newsroom resync`` after the upgrade)."""
    return (not force and source is not None and source.status == "published" and source.settled
            and etag is not None and source.etag == etag
            and (source.desk_pk == keys.desk_pk(source.kind) or source.kind not in ("article", "page")))


def commit(source: Source | None, key: str, writes: Callable[[TransactWrite], None], settled: bool = False,
           **fields: Any) -> Source:
    """Run ``writes`` and save the file's new Source in one transaction, conditional on its revision.

    :raise ConcurrentChange: another ingest changed this file (or a condition of ``writes`` failed).
    """
    revision = int(source.revision) if source is not None else 0
    if fields.get("kind") in ("article", "page") and fields.get("status") != "removed":
        fields.update(desk_pk=keys.desk_pk(fields.get("kind")), desk_sk=keys.desk_order(fields.get("date"), key, clock.now_iso()))
    new_source = Source(*keys.source(key), revision=revision + 1, settled=settled, **fields)
    condition = Source.revision == revision if source is not None else Source.pk.does_not_exist()
    try:
        with TransactWrite(connection=aws.dynamodb_connection()) as txn:
            writes(txn)
            if (source is None and fields.get("kind") in ("article", "page") and fields.get("status") == "published"
                    and live_key(key) == key):
                txn.delete(Source(*keys.unpublished(key)))  # published again: no longer listed as unpublished
            txn.save(new_source, condition=condition)
    except TransactWriteError as exc:
        if retry.condition_failed(exc):
            raise ConcurrentChange(key) from exc
        raise
    return new_source


# Work that ends a change (rebuild the snapshot, then settle the Source), held
# back while a batch runs; None when no batch is open.
_deferred: contextvars.ContextVar[list[Callable[[], None]] | None] = contextvars.ContextVar(
    "deferred_finishes", default=None)


@contextlib.contextmanager
def one_snapshot_rebuild() -> Iterator[None]:
    """Rebuild the site snapshot once for every change made inside, at the end, then settle them.

    Each of those steps is idempotent and retried while AWS fails transiently.
    A change whose finish never ran (the rebuild failed for good, the Lambda
    died) stays unsettled, so its retry redoes its follow-up work: nothing is
    lost, only repeated. The caller must treat a failure here as a failure of
    every change made inside.
    """
    pending: list[Callable[[], None]] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    if pending:
        retry.retrying(site_snapshot.rebuild)
        for finish_change in pending:
            retry.retrying(finish_change)


def finish(end: Callable[[], None]) -> None:
    """Rebuild the snapshot and run ``end`` (settle, forget) now, or at the end of the open batch."""
    pending = _deferred.get()
    if pending is None:
        site_snapshot.rebuild()
        end()
    else:
        pending.append(end)


def settle(source: Source) -> None:
    """Mark the follow-up work of ``source``'s revision done (unless a newer revision exists)."""
    try:
        source.update(actions=[Source.settled.set(True)], condition=Source.revision == source.revision)
    except UpdateError as exc:
        if not retry.condition_failed(exc):
            raise


def forget(source: Source) -> None:
    """Forget a removed file once its follow-up work is done (unless it came back meanwhile)."""
    try:
        source.delete(condition=Source.revision == source.revision)
    except DeleteError as exc:  # a newer revision exists: it is not ours to delete
        if not retry.condition_failed(exc):
            raise


def record_invalid(key: str, kind: str, problems: Iterable[str], source: Source | None,
                   sequencer: str | None = None, etag: str | None = None) -> None:
    """Remember that a file failed validation (what readers see is unchanged).

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    problems = list(problems)
    if source is None or source.status != "published":
        commit(source, key, lambda txn: None, settled=True, kind=kind, status="invalid", problems=problems,
               sequencer=sequencer, refused_etag=etag)
        return
    # Keep what it published live; just note the problem.
    try:
        source.update(actions=[Source.problems.set(problems), Source.refused_etag.set(etag)],  # type: ignore[arg-type]  # None clears it
                      condition=Source.revision == source.revision)
    except UpdateError as exc:
        if retry.condition_failed(exc):
            raise ConcurrentChange(key) from exc
        raise
