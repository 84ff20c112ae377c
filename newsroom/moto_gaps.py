"""Fill a gap in moto's S3 so that local runs and tests behave as AWS does.

moto 5.2 sends no notification when an object in a *versioned* bucket is
deleted (AWS sends ``s3:ObjectRemoved:DeleteMarkerCreated``). The content
bucket is versioned, so without this an editor's ``aws s3 rm`` would never
unpublish anything locally. ``install()`` wraps moto's ``delete_object`` to
send that notification through moto's own notification code, with moto's own
event shape. It is a no-op for deletes moto already notifies (unversioned
buckets, deletes of a specific version).
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Make moto notify delete-marker creation. Safe to call more than once."""
    global _installed
    if _installed:
        return
    from moto.s3 import notifications
    from moto.s3.models import FakeDeleteMarker, S3Backend

    original = S3Backend.delete_object

    def delete_object(self: Any, bucket_name: str, key_name: str, version_id: str | None = None,
                      bypass: bool = False) -> Any:
        result = original(self, bucket_name, key_name, version_id=version_id, bypass=bypass)
        bucket = self.get_bucket(bucket_name)
        if bucket.is_versioned and version_id is None and result[1].get("delete-marker") == "true":
            deleted = bucket.keys.get(key_name)
            while isinstance(deleted, FakeDeleteMarker):  # the object the marker hides
                deleted = deleted.key
            if deleted is not None:
                notifications.send_event(
                    self.account_id,
                    notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
                    bucket, deleted)
        return result

    S3Backend.delete_object = delete_object
    _installed = True
