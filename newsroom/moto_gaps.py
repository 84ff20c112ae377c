"""Fill two gaps in moto so that local runs and tests behave as AWS does.

1. moto 5.2 sends no notification when an object in a *versioned* bucket is
   deleted (AWS sends ``s3:ObjectRemoved:DeleteMarkerCreated``). The content
   bucket is versioned, so without this an editor's ``aws s3 rm`` would never
   unpublish anything locally. The patch sends that notification through
   moto's own notification code, with moto's own event shape; deletes moto
   already notifies (unversioned buckets, deletes of one version) are left
   alone.
2. moto's ``TransactWriteItems`` deep-copies the whole table once per item in
   the transaction, to roll back on failure: a publish gets slower with every
   article on the site, which real DynamoDB does not. The patch keeps moto's
   code but snapshots only the items the transaction touches, and restores
   those on failure, as DynamoDB's all-or-nothing semantics require.
3. moto's ``Query`` on a table's own key sorts *every* item of the table to
   find one partition. The patch hands it only the queried partition (moto
   then filters and sorts as before), so a Query costs what the partition
   holds, as in DynamoDB, not what the whole site holds.
"""

from __future__ import annotations

import threading
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
    _install_item_level_rollback()
    _install_partition_query()
    _installed = True


def _install_partition_query() -> None:
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all_items = Table.all_items
    state = threading.local()

    def all_items(self: Any) -> Any:
        partition = getattr(state, "partition", None)
        if partition is None or partition[0] is not self:
            return original_all_items(self)
        items = self.items.get(partition[1])
        if items is None:
            return []
        return list(items.values()) if self.range_key_attr else [items]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        state.partition = (self, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            state.partition = None

    Table.all_items = all_items
    Table.query = query


def _install_item_level_rollback() -> None:
    import copy

    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    original = DynamoDBBackend.transact_write_items

    class _TablesAreNotCopied:
        """Stands in for the ``copy`` module inside moto's transaction code."""

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched = []
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or {
                name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr)
                if name and name in op.get("Item", {})}
            current = self.get_item(table.name, key)
            touched.append((table.name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
        dynamodb_models.copy = _TablesAreNotCopied  # type: ignore[assignment]
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, attributes in touched:
                if attributes is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise
        finally:
            dynamodb_models.copy = copy  # type: ignore[assignment]

    DynamoDBBackend.transact_write_items = transact_write_items
