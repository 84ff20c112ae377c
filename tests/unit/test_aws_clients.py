"""One botocore session and one DynamoDB client per process: each costs ~100 ms on a cold Lambda."""

from __future__ import annotations

import inspect

from chalicelib import aws, models


def test_every_model_and_transactions_share_one_dynamodb_client():
    item_types = [m for _, m in inspect.getmembers(models, inspect.isclass)
                  if issubclass(m, models._TableItem) and m is not models._TableItem]
    assert len(item_types) >= 10
    clients = {id(m._get_connection().connection.client) for m in item_types}
    assert clients == {id(aws.dynamodb_connection().client)}


def test_s3_and_dynamodb_clients_come_from_one_session():
    session = aws.botocore_session()
    assert aws.dynamodb_connection().session is session
    assert aws.s3_client().meta.service_model.service_name == "s3"
    assert aws.s3_client() is aws.s3_client()
