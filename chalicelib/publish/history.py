"""A file's history in the content bucket, and going back to any of it (``newsroom history``,
``show``, ``revert``, and the desk's History screen).

The bucket keeps every version of every file (S3 versioning, infra/template.yaml),
deletions included (as delete markers). ``versions`` lists them newest first with
what an editor asks of each: when, who uploaded it (object metadata that
``newsroom publish`` sets; else the S3 owner), its title, and what changed from
the version before (front-matter fields, and whether the body did). ``revert``
uploads an old version's bytes as the newest, so it goes through ingest like any
upload: checked, published, reported, and itself one more version in the history.
A deleted file is restored the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib import clock
from chalicelib.bucket import ContentBucket
from chalicelib.config import REVERTED_FROM, UPLOADED_BY  # the metadata every upload carries
from chalicelib.content.content_format import ContentError, check_file


@dataclass(frozen=True)
class Version:
    """One version of a file as the history shows it."""

    version_id: str
    when: str  # ISO 8601 UTC
    deleted: bool = False
    who: str = ""
    title: str = ""
    changed: tuple[str, ...] = ()  # front-matter fields changed from the version before; "body" too
    note: str = ""  # e.g. "reverted to 3Lg..." or "not a valid file: ..."
    meta: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    body: str = field(default="", repr=False, compare=False)


def versions(bucket: ContentBucket, key: str) -> list[Version]:
    """Every version of ``key``, newest first (one ListObjectVersions page per 1,000, one GetObject each)."""
    # (time, is the latest, -place in its newest-first list, id, deleted): boto3 gives versions and
    # deletions as two lists, so within one second the latest flag and each list's order decide.
    listed: list[tuple[Any, bool, int, str, bool]] = []
    for page in bucket.versions(key):
        for kind, deleted in (("Versions", False), ("DeleteMarkers", True)):
            entries = [e for e in page.get(kind, []) if e["Key"] == key]
            listed += [(e["LastModified"], bool(e.get("IsLatest")), -n, e["VersionId"], deleted)
                       for n, e in enumerate(entries)]
    listed.sort(key=lambda v: v[:3])  # oldest first
    history: list[Version] = []
    before: Version | None = None
    for moment, _, _, version_id, deleted in listed:
        when = moment.strftime(clock.ITEM_FORMAT)
        if deleted:
            history.append(Version(version_id, when, deleted=True, note="deleted"))
            before = None
            continue
        data, metadata = bucket.version(key, version_id)
        meta, body, note = _read(key, data)
        if metadata.get(REVERTED_FROM):
            note = f"reverted to {metadata[REVERTED_FROM]}"
        changed: tuple[str, ...] = ()
        if before is not None:
            fields = sorted(k for k in set(meta) | set(before.meta) if meta.get(k) != before.meta.get(k))
            changed = tuple(fields + (["body"] if body != before.body else []))
        current = Version(version_id, when, who=metadata.get(UPLOADED_BY, ""), title=str(meta.get("title", "")),
                          changed=changed, note=note, meta=meta, body=body)
        history.append(current)
        before = current
    return list(reversed(history))


def _read(key: str, data: bytes) -> tuple[dict[str, Any], str, str]:
    try:
        parsed = check_file(key, data)
    except ContentError as error:
        return {}, data.decode("utf-8", "replace"), "not a valid file: " + "; ".join(map(str, error.problems))[:200]
    meta = {k: v for k, v in vars(parsed).items() if k not in ("key", "body", "body_format")}
    return meta, getattr(parsed, "body", ""), ""


def version_bytes(bucket: ContentBucket, key: str, version_id: str) -> bytes:
    """The bytes of one version. :raise LookupError: no such version of this file (or a deletion)."""
    return bucket.version(key, version_id)[0]
