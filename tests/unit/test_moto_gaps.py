"""The moto patches behave as AWS does."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from devstack import moto_gaps
from tests import attribute_values

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


def _all_pages(table, **kwargs) -> list[list[str]]:
    pages, start = [], None
    while True:
        extra = {"ExclusiveStartKey": start} if start else {}
        response = table.query(TableName="t", **kwargs, **extra)
        pages.append([i["sk"]["S"] for i in response["Items"]])
        start = response.get("LastEvaluatedKey")
        if not start:
            return pages


def test_ordered_query_returns_what_dynamodb_would_as_items_come_and_go(table):
    import random

    rng = random.Random(5)
    keys: set[str] = set()
    for step in range(400):
        sk = f"{rng.randrange(60):02d}#{rng.choice('abc')}"
        if rng.random() < 0.3 and keys:
            gone = rng.choice(sorted(keys))
            table.delete_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": gone}})
            keys.discard(gone)
        else:
            table.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": sk}, "n": {"N": str(step)}})
            keys.add(sk)
        table.put_item(TableName="t", Item={"pk": {"S": "other"}, "sk": {"S": sk}})
        if step % 40:
            continue
        ordered = sorted(keys)
        pivot, low, high = f"{rng.randrange(60):02d}", "10", "30"
        cases = {
            "all": ("pk = :p", {}, ordered),
            "lt": ("pk = :p AND sk < :v", {":v": {"S": pivot}}, [k for k in ordered if k < pivot]),
            "le": ("pk = :p AND sk <= :v", {":v": {"S": pivot + "#b"}}, [k for k in ordered if k <= pivot + "#b"]),
            "gt": ("pk = :p AND sk > :v", {":v": {"S": pivot}}, [k for k in ordered if k > pivot]),
            "ge": ("pk = :p AND sk >= :v", {":v": {"S": pivot + "#b"}}, [k for k in ordered if k >= pivot + "#b"]),
            "eq": ("pk = :p AND sk = :v", {":v": {"S": pivot + "#a"}}, [k for k in ordered if k == pivot + "#a"]),
            "prefix": ("pk = :p AND begins_with(sk, :v)", {":v": {"S": pivot}},
                       [k for k in ordered if k.startswith(pivot)]),
            "between": ("pk = :p AND sk BETWEEN :lo AND :hi", {":lo": {"S": low}, ":hi": {"S": high}},
                        [k for k in ordered if low <= k <= high]),
        }
        for name, (condition, values, expected) in cases.items():
            for forward in (True, False):
                for limit in (None, 1, 7):
                    kwargs = {"KeyConditionExpression": condition, "ScanIndexForward": forward,
                              "ExpressionAttributeValues": {":p": {"S": "p"}, **values}}
                    if limit:
                        kwargs["Limit"] = limit
                    pages = _all_pages(table, **kwargs)
                    want = expected if forward else expected[::-1]
                    assert [k for page in pages for k in page] == want, (name, forward, limit)
                    if limit:
                        assert all(len(page) <= limit for page in pages), (name, forward, limit)


def test_concurrent_counter_updates_and_failing_transactions_lose_nothing(table):
    """Gap 5: DynamoDB applies each ADD atomically, and a cancelled transaction leaves others' writes."""
    import sys
    import threading

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, so races show
    try:
        key = {"pk": {"S": "post"}, "sk": {"S": "x"}}
        table.put_item(TableName="t", Item={**key, "n": {"N": "0"}})

        def add(times: int, failing: bool) -> None:
            for _ in range(times):
                table.update_item(TableName="t", Key=key, UpdateExpression="ADD n :one",
                                  ExpressionAttributeValues={":one": {"N": "1"}})
                if failing:  # touches the counter, then is cancelled by its own condition
                    with pytest.raises(ClientError, match="TransactionCanceled"):
                        table.transact_write_items(TransactItems=[
                            {"Update": {"TableName": "t", "Key": key, "UpdateExpression": "ADD n :one",
                                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                            {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "none"}, "sk": {"S": "x"}},
                                                "ConditionExpression": "attribute_exists(pk)"}}])

        threads = [threading.Thread(target=add, args=(40, n % 2 == 0)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert table.get_item(TableName="t", Key=key)["Item"]["n"] == {"N": "240"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(attribute_values.items, max_size=4))
def test_reads_answer_what_motos_own_serializer_answers(table, items):
    """Gap 6: a read written straight to JSON parses, in botocore, to what moto's own serializer gives."""
    from moto.dynamodb.responses import DynamoResult

    for n, attributes in enumerate(items):
        table.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": f"{n:03d}"}, **attributes})
    reads = [("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p"}}}),
             ("scan", {}), ("get_item", {"Key": {"pk": {"S": "p"}, "sk": {"S": "000"}}}),
             ("batch_get_item", {"RequestItems": {"t": {"Keys": [{"pk": {"S": "p"}, "sk": {"S": "001"}}]}}}),
             ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p"}},
                        "Limit": 2, "ProjectionExpression": "sk, a", "ReturnConsumedCapacity": "TOTAL"})]
    for operation, params in reads:
        params = params if operation == "batch_get_item" else {"TableName": "t", **params}
        fast = getattr(table, operation)(**params)
        patched = DynamoResult.execute_result
        DynamoResult.execute_result = DynamoResult.moto_execute_result
        try:
            own = getattr(table, operation)(**params)
        finally:
            DynamoResult.execute_result = patched
        fast.pop("ResponseMetadata"), own.pop("ResponseMetadata")
        assert fast == own, operation
    for n in range(len(items)):
        table.delete_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": f"{n:03d}"}})


@contextlib.contextmanager
def moto_server() -> Iterator[int]:
    """moto's threaded server (what ``make run`` starts) on a free port, for the block; its port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def test_the_server_keeps_connections_open_and_in_step():
    """Gap 7: the stand-in's server keeps a connection open across requests, as AWS does, and every
    request on it gets its own answer: DynamoDB, S3 with bodies both ways, an error, an SQS message,
    a request whose body the application never reads, and a chunked one (which still closes)."""
    import http.client
    import os
    import urllib.parse

    import urllib3.connection

    with moto_server() as port:
        options = {"region_name": "us-east-1", "endpoint_url": f"http://127.0.0.1:{port}",
                   "aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        dynamodb, s3, sqs = (boto3.client(name, **options) for name in ("dynamodb", "s3", "sqs"))
        dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        s3.create_bucket(Bucket="keep-alive")
        queue = sqs.create_queue(QueueName="q")["QueueUrl"]
        opened = []
        original = urllib3.connection.HTTPConnection._new_conn
        urllib3.connection.HTTPConnection._new_conn = lambda self: opened.append(1) or original(self)
        try:
            for n in range(20):
                body = os.urandom(3000 + n)
                dynamodb.put_item(TableName="t", Item={"pk": {"S": str(n)}, "b": {"B": body}})
                assert dynamodb.get_item(TableName="t", Key={"pk": {"S": str(n)}})["Item"]["b"]["B"] == body
                s3.put_object(Bucket="keep-alive", Key=f"k{n}", Body=body)
                assert s3.get_object(Bucket="keep-alive", Key=f"k{n}")["Body"].read() == body
                with pytest.raises(ClientError, match="NoSuchKey"):
                    s3.get_object(Bucket="keep-alive", Key="missing")
                sqs.send_message(QueueUrl=queue, MessageBody=f"m{n}")
        finally:
            urllib3.connection.HTTPConnection._new_conn = original
        assert len(opened) == 0, "each client reuses the connection it opened while creating the resources"
        raw = http.client.HTTPConnection("127.0.0.1", port)
        raw.request("POST", "/no-such-api", body=b"x" * 5000, headers={"Content-Type": "text/plain"})
        raw.getresponse().read()  # whatever moto answers: the body it ignored must not reach the next request
        signed = {key: urllib.parse.urlsplit(s3.generate_presigned_url(method, Params={"Bucket": "keep-alive", "Key": key}))
                  for method, key in (("get_object", "k3"), ("put_object", "chunked"))}
        raw.request("GET", f"{signed['k3'].path}?{signed['k3'].query}")
        answer = raw.getresponse()
        assert answer.status == 200 and len(answer.read()) == 3003
        raw.putrequest("PUT", f"{signed['chunked'].path}?{signed['chunked'].query}")
        raw.putheader("Transfer-Encoding", "chunked")
        raw.endheaders()
        raw.send(b"5\r\nhello\r\n0\r\n\r\n")
        answer = raw.getresponse()
        answer.read()
        assert answer.status == 200 and answer.getheader("Connection") == "close"
        assert s3.get_object(Bucket="keep-alive", Key="chunked")["Body"].read() == b"hello"
        raw.close()


def test_the_stand_in_keeps_no_copy_of_what_it_answered(table):
    """moto gap 8: a Query's copies of the items it returns, and deleted SQS messages, are not kept
    for moto's dashboard (the stand-in grew ~17 KB a page); S3's objects still are, for moto's reset."""
    from moto.core.model_instances import model_data

    def listed(service: str) -> int:
        return sum(len(model.instances_tracked) for model in model_data[service].values())

    for n in range(5):
        table.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"S": str(n)}, "v": {"S": "x" * 100}})
    table.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
    before = listed("dynamodb")
    for _ in range(50):
        answer = table.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}})
        assert len(answer["Items"]) == 5
    assert listed("dynamodb") == before
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue = sqs.create_queue(QueueName="q")["QueueUrl"]
    sent_before = listed("sqs")
    for n in range(20):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{n}")
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 10 and listed("sqs") == sent_before
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="kept")
    s3.put_object(Bucket="kept", Key="k", Body=b"x")
    assert s3.get_object(Bucket="kept", Key="k")["Body"].read() == b"x"
    assert listed("s3") > 0


def test_revoking_a_refresh_token_ends_that_session_alone_as_cognito_does():
    """Gap 9: RevokeToken ends the refresh token and the access tokens issued with it; the person's
    other session goes on, and a token of another app client is refused."""
    from devstack.desk import create_desk_pool

    with mock_aws():
        pool = create_desk_pool(boto3.Session(region_name="us-east-1"))
        cognito = boto3.client("cognito-idp", region_name="us-east-1")
        _, email, password = pool.accounts[1]

        def sign_in() -> dict:
            return cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                         AuthParameters={"USERNAME": email, "PASSWORD": password})["AuthenticationResult"]

        first, second = sign_in(), sign_in()
        other = cognito.create_user_pool_client(UserPoolId=pool.user_pool_id, ClientName="other")["UserPoolClient"]
        with pytest.raises(ClientError, match="NotAuthorized"):
            cognito.revoke_token(Token=first["RefreshToken"], ClientId=other["ClientId"])
        cognito.revoke_token(Token=first["RefreshToken"], ClientId=pool.client_id)
        with pytest.raises(ClientError, match="NotAuthorized"):
            cognito.get_user(AccessToken=first["AccessToken"])
        with pytest.raises(ClientError, match="revoked"):
            cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})
        assert cognito.get_user(AccessToken=second["AccessToken"])["Username"]
        refreshed = cognito.initiate_auth(ClientId=pool.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                          AuthParameters={"REFRESH_TOKEN": second["RefreshToken"]})
        assert refreshed["AuthenticationResult"]["IdToken"]
        cognito.revoke_token(Token="never-issued", ClientId=pool.client_id)  # 200, nothing revoked


def test_ses_v2_reports_the_sandboxs_rate_in_process_and_from_the_server():
    """Gap 11: SES v2's GetAccount answers moto's quota (1 a second, 200 a day, as SES's sandbox), in
    the tests' moto and through the server ``make run`` starts."""
    with mock_aws():
        quota = boto3.client("sesv2", region_name="us-east-1").get_account()["SendQuota"]
        assert (quota["MaxSendRate"], quota["Max24HourSend"]) == (1.0, 200.0)
    with moto_server() as port:
        client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{port}",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        assert client.get_account()["SendQuota"]["MaxSendRate"] == 1.0


def test_an_e_mail_sent_with_a_configuration_set_publishes_what_ses_would_to_its_topic():
    """Gap 12: a delivery, or a bounce and a complaint for SES's mailbox simulator, with the e-mail's tags."""
    import json

    with mock_aws():
        sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
        ses, sesv2 = boto3.client("ses", region_name="us-east-1"), boto3.client("sesv2", region_name="us-east-1")
        topic = sns.create_topic(Name="events")["TopicArn"]
        queue = sqs.create_queue(QueueName="events")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        sesv2.create_email_identity(EmailIdentity="example.com")
        sesv2.create_configuration_set(ConfigurationSetName="set")
        ses.create_configuration_set_event_destination(ConfigurationSetName="set", EventDestination={
            "Name": "sns", "Enabled": True, "MatchingEventTypes": ["delivery", "bounce"],
            "SNSDestination": {"TopicARN": topic}})
        for to, configuration_set in (("reader@example.org", "set"), ("bounce@simulator.amazonses.com", "set"),
                                      ("complaint@simulator.amazonses.com", "set"), ("other@example.org", None)):
            sesv2.send_email(FromEmailAddress="news@example.com", Destination={"ToAddresses": [to]},
                             Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
                             EmailTags=[{"Name": "send", "Value": "s1"}],
                             **({"ConfigurationSetName": configuration_set} if configuration_set else {}))
        got = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]
        assert sorted((e["eventType"], e["mail"]["destination"][0]) for e in got) == [
            ("Bounce", "bounce@simulator.amazonses.com"), ("Delivery", "reader@example.org")]  # complaints not wanted
        assert all(e["mail"]["tags"] == {"send": ["s1"]} for e in got)
        bounce = next(e for e in got if e["eventType"] == "Bounce")["bounce"]
        assert bounce["bounceType"] == "Permanent" and bounce["bouncedRecipients"] == [
            {"emailAddress": "bounce@simulator.amazonses.com"}]
