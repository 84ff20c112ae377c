"""The moto patches behave as AWS does."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from newsroom import moto_gaps

moto_gaps.install()


@pytest.fixture
def table():
    """A pk/sk table in moto."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                  {"AttributeName": "sk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                       {"AttributeName": "sk", "KeyType": "RANGE"}])
        yield client


def _item(pk: str, value: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": "x"}, "v": {"S": value}}


def test_failed_transaction_changes_nothing(table):
    table.put_item(TableName="t", Item=_item("kept", "before"))
    table.put_item(TableName="t", Item=_item("guard", "present"))
    with pytest.raises(ClientError, match="TransactionCanceled"):
        table.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t", "Item": _item("new", "x")}},
            {"Put": {"TableName": "t", "Item": _item("kept", "after")}},
            {"Delete": {"TableName": "t", "Key": {"pk": {"S": "guard"}, "sk": {"S": "x"}},
                        "ConditionExpression": "attribute_not_exists(pk)"}},
        ])
    items = {i["pk"]["S"]: i["v"]["S"] for i in table.scan(TableName="t")["Items"]}
    assert items == {"kept": "before", "guard": "present"}


def test_successful_transaction_applies_everything(table):
    table.transact_write_items(TransactItems=[
        {"Put": {"TableName": "t", "Item": _item("a", "1")}},
        {"Put": {"TableName": "t", "Item": _item("b", "2")}},
    ])
    assert {i["pk"]["S"] for i in table.scan(TableName="t")["Items"]} == {"a", "b"}


def test_delete_in_versioned_bucket_notifies_the_queue():
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="q")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        s3.create_bucket(Bucket="gap-test")
        s3.put_bucket_versioning(Bucket="gap-test", VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(Bucket="gap-test", NotificationConfiguration={"QueueConfigurations": [
            {"QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}]})
        s3.put_object(Bucket="gap-test", Key="k", Body=b"x")
        sqs.purge_queue(QueueUrl=queue)
        s3.delete_object(Bucket="gap-test", Key="k")
        bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]
        assert len(bodies) == 1 and '"ObjectRemoved:DeleteMarkerCreated"' in bodies[0]
