"""A comment an editor rejected or deleted never comes back, whatever is imported again (issue 15),
and a thread of any length can be deleted within DynamoDB's transaction limit."""

from __future__ import annotations

from chalicelib.models import Comment
from chalicelib.publish import moderation as comments
from tests.functional.test_ingest import article

SLUG = "markets"


def _import(comment_id: str, approved: bool = True, parent: str | None = None) -> str:
    return comments.import_comment(SLUG, comment_id, parent, "Reader", None, f"Comment {comment_id}",
                                   "2024-01-02T10:00:00Z", approved_already=approved)


def _shown(site) -> str:  # type: ignore[no-untyped-def]
    return site.get(f"/{SLUG}/").body.decode()


def test_a_deleted_approved_comment_stays_deleted_when_the_export_is_imported_again(site):
    site.put(f"articles/{SLUG}.md", article())
    site.ingest()
    assert _import("wp-1") == "imported" and "Comment wp-1" in _shown(site)
    comments.delete(f"{SLUG}/wp-1")
    assert "Comment wp-1" not in _shown(site)
    assert _import("wp-1") == "already here"  # the second run of the import
    assert "Comment wp-1" not in _shown(site) and "0 comments" in _shown(site)
    mark = Comment.get(comments.GONE, "wp-1")
    assert (mark.status, mark.text, mark.name) == ("deleted", "", "")  # nothing of what was said is kept


def test_rejected_and_deleted_pending_comments_stay_gone_even_after_the_rejected_copy_expires(site):
    site.put(f"articles/{SLUG}.md", article())
    site.ingest()
    assert _import("wp-2", approved=False) == "imported" and _import("wp-3", approved=False) == "imported"
    comments.reject("wp-2")
    comments.delete("wp-3")
    Comment.get(comments.REJECTED, "wp-2").delete()  # what DynamoDB's TTL does after KEEP_REJECTED_DAYS
    assert _import("wp-2", approved=False) == "already here"
    assert _import("wp-3", approved=False) == "already here"
    assert comments.PENDING not in {c.pk for c in Comment.scan()}


def test_a_thread_longer_than_one_transaction_is_deleted_whole_and_counted(site):
    site.put(f"articles/{SLUG}.md", article())
    site.ingest()
    assert _import("top") == "imported"
    for n in range(120):  # more replies than one DynamoDB transaction can delete
        assert _import(f"reply-{n:03d}", parent="top") == "imported"
    assert "121 comments" in _shown(site)
    assert len(comments.delete(f"{SLUG}/top")) == 121
    page = _shown(site)
    assert "0 comments" in page and "reply-0" not in page
