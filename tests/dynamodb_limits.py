"""DynamoDB's documented limits, checked on every request the code makes.

moto accepts writes that DynamoDB refuses (a 500 KB item, 120 actions in one
transaction, the same item twice in one transaction...). ``conftest.py``
calls :func:`install` for the whole suite: each DynamoDB request is
checked here before moto sees it, and one over a limit fails the test with
the limit it broke, as AWS would fail it in production.

The limits, from the DynamoDB Developer Guide ("Quotas in Amazon DynamoDB"
and "Item sizes and formats"):

- an item is at most 400 KB, attribute names included;
- a partition key value at most 2048 bytes, a sort key value 1024;
- TransactWriteItems and TransactGetItems: at most 100 actions and 4 MB, and
  no item twice in one transaction;
- BatchWriteItem: at most 25 requests and 16 MB, no key twice;
- BatchGetItem: at most 100 keys and no key twice;
- an expression string at most 4 KB; an ExpressionAttributeNames
  placeholder at most 255 bytes, an attribute name 64 KB;
- nesting at most 32 levels; at most 300 operators and functions in an
  UpdateExpression; at most 100 operands for IN.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import botocore.client

ITEM_BYTES = 400 * 1024
PARTITION_KEY_BYTES = 2048
SORT_KEY_BYTES = 1024
TRANSACTION_ACTIONS = 100
TRANSACTION_BYTES = 4 * 1024 * 1024
BATCH_WRITE_REQUESTS = 25
BATCH_WRITE_BYTES = 16 * 1024 * 1024
BATCH_GET_KEYS = 100
EXPRESSION_BYTES = 4 * 1024
NAME_BYTES = 255
NESTING = 32
UPDATE_OPERATORS = 300
IN_OPERANDS = 100
KEY_NAMES = ("pk", "sk")  # infra/template.yaml: the table's key schema


# The largest of each seen so far (the worst-case test reports its margins from these).
LARGEST = {"item bytes": 0, "transaction actions": 0, "transaction bytes": 0, "batch write requests": 0}


def _note(measure: str, value: int) -> None:
    LARGEST[measure] = max(LARGEST[measure], value)


class OverLimit(AssertionError):
    """A request DynamoDB itself would refuse."""


def value_size(value: dict[str, Any], depth: int = 1) -> int:
    """Bytes DynamoDB counts for one attribute value (the low-level ``{"S": ...}`` form)."""
    if depth > NESTING:
        raise OverLimit(f"attribute nested deeper than {NESTING} levels")
    [(kind, data)] = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        digits = Decimal(data).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(1 + value_size(v, depth + 1) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v, depth + 1) for k, v in data.items())
    raise OverLimit(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def check_item(item: dict[str, Any], where: str) -> int:
    size = item_size(item)
    _note("item bytes", size)
    if size > ITEM_BYTES:
        raise OverLimit(f"{where}: item of {size} bytes is over DynamoDB's {ITEM_BYTES} ({_key(item)})")
    check_key(item, where)
    return size


def check_key(item: dict[str, Any], where: str) -> None:
    for name, limit in (("pk", PARTITION_KEY_BYTES), ("sk", SORT_KEY_BYTES)):
        if name in item and value_size(item[name]) > limit:
            raise OverLimit(f"{where}: {name} of {value_size(item[name])} bytes is over DynamoDB's {limit}")


def _key(item: dict[str, Any]) -> tuple:
    return tuple(json.dumps(item.get(name), sort_keys=True) for name in KEY_NAMES)


def check_expressions(params: dict[str, Any], where: str) -> None:
    for field in ("KeyConditionExpression", "FilterExpression", "ConditionExpression", "UpdateExpression",
                  "ProjectionExpression"):
        expression = params.get(field)
        if expression is None:
            continue
        if len(expression.encode()) > EXPRESSION_BYTES:
            raise OverLimit(f"{where}: {field} of {len(expression.encode())} bytes is over DynamoDB's "
                            f"{EXPRESSION_BYTES}")
        if field == "UpdateExpression":
            operators = len(re.findall(r"=|\+|-|\bif_not_exists\b|\blist_append\b", expression))
            if operators > UPDATE_OPERATORS:
                raise OverLimit(f"{where}: {operators} operators in an UpdateExpression (DynamoDB: {UPDATE_OPERATORS})")
        for match in re.finditer(r"\bIN\s*\(([^)]*)\)", expression):
            if match.group(1).count(",") + 1 > IN_OPERANDS:
                raise OverLimit(f"{where}: more than {IN_OPERANDS} operands for IN")
    for placeholder, name in (params.get("ExpressionAttributeNames") or {}).items():
        if len(placeholder.encode()) > NAME_BYTES or len(name.encode()) > 64 * 1024:
            raise OverLimit(f"{where}: attribute name {placeholder!r} too long")
    for value in (params.get("ExpressionAttributeValues") or {}).values():
        value_size(value)


def check(operation: str, params: dict[str, Any]) -> None:
    """:raise OverLimit: DynamoDB would refuse ``operation`` with ``params`` (the low-level request)."""
    where = operation
    if operation == "PutItem":
        check_item(params["Item"], where)
    elif operation in ("GetItem", "DeleteItem", "UpdateItem"):
        check_key(params["Key"], where)
    if operation == "TransactWriteItems":
        actions = params["TransactItems"]
        if len(actions) > TRANSACTION_ACTIONS:
            raise OverLimit(f"{where}: {len(actions)} actions in one transaction (DynamoDB: {TRANSACTION_ACTIONS})")
        seen, total = set(), 0
        for action in actions:
            [(kind, body)] = action.items()
            item = body.get("Item") or body["Key"]
            key = (body["TableName"], _key(item))
            if key in seen:
                raise OverLimit(f"{where}: the same item twice in one transaction ({key[1]})")
            seen.add(key)
            total += check_item(item, f"{where} {kind}") if kind == "Put" else item_size(item)
            check_expressions(body, f"{where} {kind}")
        _note("transaction actions", len(actions))
        _note("transaction bytes", total)
        if total > TRANSACTION_BYTES:
            raise OverLimit(f"{where}: {total} bytes in one transaction (DynamoDB: {TRANSACTION_BYTES})")
    elif operation == "TransactGetItems":
        if len(params["TransactItems"]) > TRANSACTION_ACTIONS:
            raise OverLimit(f"{where}: {len(params['TransactItems'])} gets in one transaction")
    elif operation == "BatchWriteItem":
        requests = [(table, r) for table, rs in params["RequestItems"].items() for r in rs]
        if len(requests) > BATCH_WRITE_REQUESTS:
            raise OverLimit(f"{where}: {len(requests)} requests in one batch (DynamoDB: {BATCH_WRITE_REQUESTS})")
        _note("batch write requests", len(requests))
        seen, total = set(), 0
        for table, request in requests:
            item = request["PutRequest"]["Item"] if "PutRequest" in request else request["DeleteRequest"]["Key"]
            key = (table, _key(item))
            if key in seen:
                raise OverLimit(f"{where}: the same key twice in one batch ({key[1]})")
            seen.add(key)
            total += check_item(item, where)
        if total > BATCH_WRITE_BYTES:
            raise OverLimit(f"{where}: {total} bytes in one batch (DynamoDB: {BATCH_WRITE_BYTES})")
    elif operation == "BatchGetItem":
        keys = [(table, _key(k)) for table, spec in params["RequestItems"].items() for k in spec["Keys"]]
        if len(keys) > BATCH_GET_KEYS:
            raise OverLimit(f"{where}: {len(keys)} keys in one batch (DynamoDB: {BATCH_GET_KEYS})")
        if len(set(keys)) != len(keys):
            raise OverLimit(f"{where}: the same key twice in one batch")
    check_expressions(params, where)


SEEN: list[str] = []  # the operations checked so far (a test can look at its own)


def install() -> None:
    """Check every DynamoDB request made through botocore from now on, as serialized for the wire
    (what DynamoDB itself reads). ``tests/conftest.py`` calls it once, so it covers the whole suite,
    module-scoped fixtures included."""
    original = botocore.client.BaseClient._make_request
    if getattr(original, "checks_dynamodb_limits", False):
        return

    def checking(client, operation_model, request_dict, request_context):  # type: ignore[no-untyped-def]
        if client.meta.service_model.service_name == "dynamodb":
            SEEN.append(operation_model.name)
            check(operation_model.name, json.loads(request_dict.get("body") or b"{}"))
        return original(client, operation_model, request_dict, request_context)

    checking.checks_dynamodb_limits = True  # type: ignore[attr-defined]
    botocore.client.BaseClient._make_request = checking
