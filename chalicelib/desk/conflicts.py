"""What the editor's conflict panel shows when a save finds the file changed since it was opened.

The bucket refused the write (``bucket.Conflict``: nothing was overwritten). The panel says who
saved the other version and when (its ``uploaded-by`` and S3's LastModified), which fields differ,
in the form's words, and the body word by word (``history.word_diff``, the History screen's own
diff), so the editor can keep theirs, keep the other, or copy between them: never raw YAML.
"""

from __future__ import annotations

from typing import Any

from chalicelib import clock, config
from chalicelib.bucket import Conflict, ContentBucket
from chalicelib.desk import documents
from chalicelib.desk.documents import Draft
from chalicelib.desk.history import word_diff


def described(conflict: Conflict, draft: Draft, bucket: ContentBucket) -> dict[str, Any]:
    """The 409 answer's ``conflict``: both versions as files (``theirs``, ``mine``, as before), and
    ``by``, ``at``, ``fields`` (label, theirs, mine: those that differ), ``diff`` (theirs to mine:
    "removed" is only in theirs, "added" only in mine), ``theirs_fields`` and ``theirs_body``."""
    theirs = conflict.theirs or b""
    by, at = "", ""
    found = bucket.fetch(conflict.key) if conflict.etag else None
    if found is not None and found.etag == conflict.etag:
        by = str(found.metadata.get(config.UPLOADED_BY, "")).split(" <", 1)[0]
        at = clock.iso(found.modified) if found.modified else ""
    meta, body = documents.split(theirs)
    their_fields = {f.name: f.kind.as_text(meta.get(f.name)) for f in documents.FORM if meta.get(f.name) is not None}
    changed = [{"field": f.name, "label": f.label, "theirs": their_fields.get(f.name, ""),
                "mine": draft.fields.get(f.name, "")} for f in documents.FORM
               if f.widget != "hidden" and their_fields.get(f.name, "").strip() != draft.fields.get(f.name, "").strip()]
    return {"key": conflict.key, "version": conflict.etag or "", "opened": conflict.opened,
            "theirs": theirs.decode("utf-8", errors="replace"),
            "mine": documents.compose(draft.fields, draft.body).decode(),
            "by": by, "at": at, "gone": conflict.etag is None, "fields": changed,
            "diff": [list(run) for run in word_diff(body.strip(), draft.body.strip())],
            "theirs_fields": their_fields, "theirs_body": body}
