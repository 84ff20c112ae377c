"""chalicelib/answers.py: DynamoDB's answers parse, in our parser, to exactly what botocore's own gives."""

from __future__ import annotations

import base64
import json
from typing import Any

import botocore.session
import pytest
from botocore.parsers import JSONParser
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import aws
from chalicelib.answers import DynamoDBParser
from tests import attribute_values

_MODEL = botocore.session.get_session().get_service_model("dynamodb")


def _wire(value: Any) -> Any:
    """An attribute value as DynamoDB sends it: binary as base64 text."""
    (tag, inner), = value.items()
    if tag == "B":
        return {"B": base64.b64encode(inner).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if tag == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [_wire(v) for v in inner]}
    return value


def _answer(body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    return {"status_code": status, "headers": {"x-amzn-requestid": "r1", "content-type": "application/x-amz-json-1.0"},
            "body": json.dumps(body).encode(), "context": {}}


def _both(operation: str, body: dict[str, Any], status: int = 200) -> tuple[Any, Any]:
    shape = _MODEL.operation_model(operation).output_shape
    results = []
    for parser in (JSONParser(), DynamoDBParser()):
        try:
            results.append(parser.parse(_answer(body, status), shape))
        except Exception as exc:  # what botocore raises on nonsense, ours must raise too
            results.append(("raised", type(exc).__name__, str(exc)))
    return results[0], results[1]


@settings(max_examples=150, deadline=None)
@given(items=st.lists(attribute_values.items, max_size=4), key=attribute_values.items)
def test_every_read_parses_as_botocores_own(items, key):
    wire = [{k: _wire(v) for k, v in item.items()} for item in items]
    last = {k: _wire(v) for k, v in key.items()}
    answers = {
        "GetItem": {"Item": wire[0]} if wire else {},
        "Query": {"Items": wire, "Count": len(wire), "ScannedCount": len(wire), "LastEvaluatedKey": last,
                  "ConsumedCapacity": {"TableName": "t", "CapacityUnits": 1.5}},
        "Scan": {"Items": wire, "Count": len(wire), "ScannedCount": len(wire)},
        "BatchGetItem": {"Responses": {"t": wire}, "UnprocessedKeys": {"t": {"Keys": [last]}} if last else {}},
        "TransactGetItems": {"Responses": [{"Item": item} for item in wire]},
        "UpdateItem": {"Attributes": wire[0]} if wire else {},
    }
    for operation, body in answers.items():
        theirs, ours = _both(operation, body)
        assert ours == theirs, operation
    binary = [item for item in items if any("B" in v or "BS" in v for v in item.values())]
    if binary:  # the values really are decoded, not passed through
        parsed = _both("Query", {"Items": [{k: _wire(v) for k, v in binary[0].items()}]})[1]
        assert parsed["Items"][0] == binary[0]


@pytest.mark.parametrize("value", [
    {}, {"S": "a", "N": "1"}, {"S": None}, {"X": "new member"}, {"M": None}, {"L": [None]}, {"B": None},
    {"L": [{"S": "a", "N": "1"}]}, {"M": {"a": {}}}, {"SS": None}, "text", None, {"NULL": True, "__type": "x"},
])
def test_unusual_values_go_to_botocores_parser(value):
    """What DynamoDB never sends is left to botocore, which raises or reports on it as it always did."""
    for operation, body in (("GetItem", {"Item": {"a": value}}), ("Query", {"Items": [{"a": value}]}),
                            ("Query", {"Items": [], "LastEvaluatedKey": {"a": value}})):
        theirs, ours = _both(operation, body)
        assert ours == theirs, (operation, value)


def test_errors_parse_as_botocores_own():
    body = {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message": "nope",
            "Item": {"a": {"B": base64.b64encode(b"x").decode()}}}
    theirs, ours = _both("PutItem", body, status=400)
    assert ours == theirs
    assert ours["Error"]["Code"] == "ConditionalCheckFailedException"


def test_the_functions_clients_use_it():
    """The web function's DynamoDB client (PynamoDB's, through chalicelib.aws) parses with it."""
    factory = aws.dynamodb_connection().client._endpoint._response_parser_factory
    assert type(factory.create_parser("json")) is DynamoDBParser
    assert type(factory.create_parser("rest-xml")).__name__ == "RestXMLParser"  # S3's is botocore's own
