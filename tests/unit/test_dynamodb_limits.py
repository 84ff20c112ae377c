"""The suite's DynamoDB limit checker refuses what DynamoDB refuses (tests/dynamodb_limits.py)."""

from __future__ import annotations

import pytest

from tests import dynamodb_limits as limits

TABLE = "newsroom-dev-content"


def put(pk: str, sk: str = "A", **extra: dict) -> dict:
    return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}, "sk": {"S": sk}, **extra}}}


def test_item_sizes_count_names_and_values_as_dynamodb_does():
    assert limits.item_size({"pk": {"S": "abc"}}) == 5
    assert limits.item_size({"n": {"N": "123.45"}}) == 1 + 4
    assert limits.item_size({"l": {"L": [{"S": "ab"}, {"BOOL": True}]}}) == 1 + 3 + 3 + 2


@pytest.mark.parametrize("operation, params, message", [
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "x"}, "body": {"S": "x" * 410_000}}}, "over DynamoDB's 409600"),
    ("PutItem", {"TableName": TABLE, "Item": {"pk": {"S": "x" * 2049}, "sk": {"S": "a"}}}, "pk of 2049 bytes"),
    ("TransactWriteItems", {"TransactItems": [put(f"p{i}") for i in range(101)]}, "101 actions"),
    ("TransactWriteItems", {"TransactItems": [put("p"), put("p")]}, "the same item twice"),
    ("TransactWriteItems", {"TransactItems": [put(f"p{i}", body={"S": "x" * 300_000}) for i in range(15)]},
     "bytes in one transaction"),
    ("BatchWriteItem", {"RequestItems": {TABLE: [{"PutRequest": {"Item": {"pk": {"S": f"p{i}"}}}}
                                                 for i in range(26)]}}, "26 requests"),
    ("BatchGetItem", {"RequestItems": {TABLE: {"Keys": [{"pk": {"S": f"p{i}"}} for i in range(101)]}}}, "101 keys"),
    ("BatchGetItem", {"RequestItems": {TABLE: {"Keys": [{"pk": {"S": "p"}}, {"pk": {"S": "p"}}]}}}, "twice"),
    ("Query", {"TableName": TABLE, "KeyConditionExpression": "pk = :p AND " + " AND ".join(["x = :p"] * 800)},
     "KeyConditionExpression of"),
])
def test_requests_dynamodb_refuses_are_refused(operation, params, message):
    with pytest.raises(limits.OverLimit, match=message):
        limits.check(operation, params)


def test_requests_at_the_limits_pass_the_checker_and_are_stored(site):
    """Exactly what DynamoDB allows goes through the checker (the suite's every request does) and is stored."""
    import boto3

    dynamodb = boto3.client("dynamodb")
    assert site.stack.table == TABLE
    before = len(limits.SEEN)
    dynamodb.transact_write_items(TransactItems=[put(f"t{i}") for i in range(100)])
    dynamodb.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}, "sk": {"S": "A"}}}}
                                                    for i in range(25)]})
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "x"}, "sk": {"S": "A"}, "body": {"S": "x" * 400_000}})
    assert limits.SEEN[before:] == ["TransactWriteItems", "BatchWriteItem", "PutItem"]
    got = dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": [{"pk": {"S": f"t{i}"}, "sk": {"S": "A"}}
                                                                 for i in range(100)]}})
    assert len(got["Responses"][TABLE]) == 100 and not got.get("UnprocessedKeys")
    stored = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "b24"}, "sk": {"S": "A"}})
    assert stored["Item"]["pk"] == {"S": "b24"}
    big = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "x"}, "sk": {"S": "A"}})
    assert len(big["Item"]["body"]["S"]) == 400_000


def test_the_whole_suite_runs_through_the_checker(site):
    before = len(limits.SEEN)
    site.get("/")
    assert len(limits.SEEN) > before
