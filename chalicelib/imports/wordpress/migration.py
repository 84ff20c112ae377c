"""What an export becomes: the files to upload (content files in memory, uploads on disk), one
``Outcome`` per thing in the export, the notes, the old addresses and the comments; and, once
uploaded, what really became of each (``Migration.settle``). The report (``imports.report``) reads it.
"""

from __future__ import annotations

import dataclasses
from collections import ChainMap, Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Outcome:
    """What became of one thing in the export."""

    kind: str  # post, page, author, category, tag, attachment, comment, liveblog (an entry), other
    name: str
    status: str  # imported, unpublished, skipped, failed; after an upload: refused, waiting
    reason: str = ""
    key: str = ""  # the file it became, if any


@dataclass(frozen=True)
class ImportedComment:
    """A WordPress comment, for chalicelib.publish.moderation.import_comment (after its article is live)."""

    slug: str  # the article's new slug
    id: str  # "<date>-<WordPress comment id, hex>": the same on every run
    parent: str | None  # the thread's top comment
    reply_to: str | None  # the reply it answers, below the top (None: it answers the top comment)
    level: int | None  # 1: a top comment, 2: a reply to it, 3...; None: 1 or 2 as ``parent`` says
    name: str
    email: str | None
    text: str  # plain text
    created: str
    approved: bool  # else pending


class _FilesOnDisk(Mapping[str, bytes]):
    """Bucket key -> bytes, read when asked: one upload in memory at a time, however many."""

    def __init__(self, paths: dict[str, Path]):
        self.paths = paths

    def __getitem__(self, key: str) -> bytes:
        return self.paths[key].read_bytes()

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


@dataclass
class Migration:
    """The files an export becomes, and what became of each thing in it."""

    site_name: str
    files: dict[str, bytes] = field(default_factory=dict)  # bucket key -> bytes (content files)
    media: dict[str, Path] = field(default_factory=dict)  # bucket key -> the copied upload on disk
    outcomes: list[Outcome] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # item -> warnings (kept, but changed)
    old_paths: dict[str, str] = field(default_factory=dict)  # old permalink path -> new key
    comments: list[ImportedComment] = field(default_factory=list)
    blocks: Counter[str] = field(default_factory=Counter)  # editor blocks: rendered / reported

    def settle(self, refused: dict[str, str], waiting: set[str], kept: Iterable[str] = ()) -> None:
        """Say what really became of each item once its file was uploaded: refused by the site (with
        why), not yet applied when the import stopped waiting, or kept: another version of the file
        was already there, and an import never overwrites (``uploads.upload``'s ``keep_existing``)."""
        kept_keys = set(kept)
        self.outcomes = [
            dataclasses.replace(o, status="refused", reason=refused[o.key]) if o.key in refused
            else dataclasses.replace(o, status="waiting", reason="uploaded; not applied yet when the import "
                                     "stopped waiting") if o.key in waiting
            else dataclasses.replace(o, status="skipped", reason=_already_there(o.key)) if o.key in kept_keys else o
            for o in self.outcomes]
        shown = {o.key for o in self.outcomes}
        self.outcomes += [Outcome("file", key, "skipped", _already_there(key), key)
                          for key in sorted(kept_keys - shown)]  # a size variant, an upload no attachment names

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for outcome in self.outcomes:
            out.setdefault(outcome.kind, Counter())[outcome.status] += 1
        return {kind: dict(counter) for kind, counter in sorted(out.items())}

    def note(self, name: str, message: str) -> None:
        self.notes.setdefault(name, []).append(message)

    def uploads(self) -> Mapping[str, bytes]:
        """Everything to upload, bucket key -> bytes: the content files, then the media, read from disk
        one at a time."""
        # ChainMap writes only to its first map; the files on disk are only read.
        return ChainMap(self.files, _FilesOnDisk(self.media))  # type: ignore[arg-type]


def _already_there(key: str) -> str:
    """Why an import left ``key`` as it was."""
    return (f"already exists: {key} holds another version, kept as it is (to replace it: import-wordpress "
            f"--dry-run --out DIR, then newsroom publish DIR/{key})")
