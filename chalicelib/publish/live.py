"""Write a live blog's entries: one file each (``articles/<article>/live/<id>.md``), one item each.

An entry follows the revision protocol of every file (``revisions``): its item, its key-event copy
while pinned, and its Source are written in one transaction conditional on the Source's revision, so
two ingests of one entry racing cannot leave an older version over a newer one, and a duplicate, late
or reordered S3 event re-applies the file's present state (ingest reads it from S3). Entries are
separate files and items, so two editors posting at once write two keys and neither can lose the other's.

The item's sort key is the entry's time, then its file's name: the page reads the newest first in one
Query. The Source remembers that sort key (``slug``), so an entry whose time is changed leaves its old
place in the same transaction.

What the edge is told (``edge``): the live blog's fragment of newest entries (``fragment_path``) always,
and its page's first screen (``/<slug>/``) only where the entry is, or was, on it (among the newest
``FIRST_SCREEN``, or a key event, which the first screen lists). Older pages (``?since=``) carry a query,
so they leave the edge within ``web.SHORT_CACHE`` by themselves; the entries' feed is a feed, which
expires within the minute (``edge.expires_by_itself``).
"""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from chalicelib import clock, keys, models
from chalicelib.content.files import LiveEntry
from chalicelib.content.stored import entry_values
from chalicelib.live_blog import FIRST_SCREEN, fragment_path
from chalicelib.models import LiveEntryItem, Source
from chalicelib.publish import edge, revisions
from chalicelib.publish.revisions import PublishResult

ARTICLE_SUFFIXES = (".md", ".markdown", ".html", ".htm")


def save_entry(entry: LiveEntry, html: str, source: Source | None, etag: str | None = None,
               sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish (or update, or take down where ``deleted``) one entry of a live blog.

    :raise ConcurrentChange: another ingest changed this entry meanwhile.
    """
    if revisions.is_unchanged(source, etag, force):
        return PublishResult(slug=None, notes=["unchanged"], unchanged=True)
    pk = keys.live_entries_pk(entry.folder)
    sk = keys.live_entry_sk(clock.iso(entry.time) or "", entry.id)  # a time is required: never ""
    old_sk = source.slug if source is not None and source.status == "published" else None
    before = LiveEntryItem.get_or_none(pk, old_sk, consistent_read=True) if old_sk else None
    item = None
    if not entry.deleted:
        item = LiveEntryItem(pk, sk, entry_id=entry.id, html=html, source_key=entry.key, source_etag=etag,
                             edited=clock.now_iso() if before is not None else None, **entry_values(entry))
    first_screen = _newest(pk)

    def writes(txn: TransactWrite) -> None:
        _replace(txn, before, old_sk, item, sk)

    revisions.commit(source, entry.key, writes, settled=True, kind="entry", slug=sk if item is not None else None,
                     etag=etag, sequencer=sequencer, status="published")
    changed_page = any(s is not None and _on_first_screen(s, first_screen) for s in (old_sk, sk)) or \
        entry.pinned or bool(before is not None and before.pinned)
    _tell_edge(entry.folder, entry.key, changed_page)
    notes = ["deleted: gone from the page and the feed"] if entry.deleted else []
    return PublishResult(slug=None, notes=notes)


def remove(source: Source, sequencer: str | None = None) -> PublishResult:
    """The entry's file was deleted: its entry leaves the page, the fragment and the feed. Safe to repeat.

    :raise ConcurrentChange: another ingest changed this entry meanwhile.
    """
    parts = keys.live_entry_parts(source.sk)
    if parts is None:  # pragma: no cover - only entries' Sources have kind "entry"
        raise ValueError(source.sk)
    folder = parts[0]
    pk = keys.live_entries_pk(folder)
    old_sk = source.slug
    if source.status != "removed":
        before = LiveEntryItem.get_or_none(pk, old_sk, consistent_read=True) if old_sk else None
        first_screen = _newest(pk)
        source = revisions.commit(source, source.sk, lambda txn: _replace(txn, before, old_sk, None, None),
                                  settled=True, kind="entry", slug=None, sequencer=sequencer, status="removed")
        _tell_edge(folder, source.sk, bool(old_sk and _on_first_screen(old_sk, first_screen))
                   or bool(before is not None and before.pinned))
    revisions.forget(source)
    return PublishResult(slug=None, notes=["removed"])


def _replace(txn: TransactWrite, before: LiveEntryItem | None, old_sk: str | None, item: LiveEntryItem | None,
             sk: str | None) -> None:
    """The transaction's writes: the old version's items gone (where it had a place another than the new
    one's), the new one and its key-event copy written (or that copy gone, where it is not pinned)."""
    pk = item.pk if item is not None else before.pk if before is not None else None
    if pk is None:
        return
    key_pk = keys.live_key_events_of(pk)
    if old_sk is not None and (item is None or old_sk != sk):
        if before is not None:
            txn.delete(LiveEntryItem(pk, old_sk))
        txn.delete(LiveEntryItem(key_pk, old_sk))
    if item is None or sk is None:
        return
    txn.save(item)
    if item.pinned:
        txn.save(LiveEntryItem(key_pk, sk, **{k: v for k, v in item.attribute_values.items() if k not in ("pk", "sk")}))
    else:
        txn.delete(LiveEntryItem(key_pk, sk))


def _newest(pk: str) -> list[str]:
    """The sort keys of the newest ``FIRST_SCREEN`` entries (what the first screen shows), newest first."""
    return [found.sk for found in models.read_range(LiveEntryItem, pk, "<=", "~", FIRST_SCREEN)]


def _on_first_screen(sk: str, newest: list[str]) -> bool:
    return len(newest) < FIRST_SCREEN or sk >= newest[-1]


def _tell_edge(folder: str, key: str, page_changed: bool) -> None:
    """Invalidate the live blog's fragment, and its page where its first screen changed."""
    slug = article_slug(folder)
    if slug is None:
        return  # no live blog published there yet: nothing at the edge shows the entry
    edge.changed([fragment_path(slug)] + ([f"/{slug}/"] if page_changed else []), key=key)


def article_slug(folder: str) -> str | None:
    """The slug of the article whose entries live in ``folder``, if it is published (one BatchGetItem)."""
    found = models.get_each({keys.source(folder + suffix): Source for suffix in ARTICLE_SUFFIXES},
                            consistent_read=True)
    for source in found.values():
        if source.status == "published" and source.slug:
            return str(source.slug)
    return None
