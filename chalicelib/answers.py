"""DynamoDB's answers decoded in one pass over the JSON, not by walking botocore's model.

botocore parses a JSON-protocol answer by walking the operation's output shape: for every
attribute of every item it visits the ``AttributeValue`` structure's ten members, asking the
value for each (``dict.get``) and dispatching on its type. That walk was a quarter of a listing
page's CPU (``make bench-peer``'s profile), and it does nothing for most values: a DynamoDB
attribute on the wire is already the dict botocore returns (``{"S": "..."}``, ``{"N": "1"}``),
except for binary values, which are base64 on the wire and bytes once parsed.

So this parser keeps botocore's for everything (the envelope, errors, metadata, every other
service) and takes over only at an ``AttributeValue`` or a map of them: one recursive function
that copies what needs no change and decodes ``B`` and ``BS``. Anything it does not recognise
(an empty value, two members, a member this version of botocore does not know) goes to
botocore's own code, which raises or reports as it always has. tests/unit/test_answers.py checks
that both parse every kind of value, nested, to the same result.
"""

from __future__ import annotations

from typing import Any

from botocore.parsers import JSONParser, ResponseParserFactory

_AS_IS = frozenset(("S", "N", "BOOL", "NULL", "SS", "NS"))


class _Unusual(Exception):
    """A value botocore's own parser should see (it raises or reports on it as it always has)."""


def _value(value: Any, blob: Any) -> dict[str, Any]:
    """One attribute value as botocore parses it (``blob``: its base64 decoder)."""
    if type(value) is not dict or len(value) != 1:
        raise _Unusual
    (tag, inner), = value.items()
    if tag in _AS_IS and inner is not None:
        return value
    if tag == "M" and type(inner) is dict:
        return {"M": {name: _value(member, blob) for name, member in inner.items()}}
    if tag == "L" and type(inner) is list:
        return {"L": [_value(member, blob) for member in inner]}
    if tag == "B" and inner is not None:
        return {"B": blob(inner)}
    if tag == "BS" and type(inner) is list:
        return {"BS": [blob(member) for member in inner]}
    raise _Unusual


# botocore-stubs declare botocore's public interface only: the handlers and the parser's blob decoder
# below are its internals (stable since 2015), hence the ``attr-defined`` and ``misc`` ignores.
class DynamoDBParser(JSONParser):
    """botocore's JSON parser, with attribute values decoded in one pass (see the module)."""

    def _handle_structure(self, shape: Any, value: Any) -> Any:
        if shape.name == "AttributeValue":
            try:
                return _value(value, self._blob_parser)  # type: ignore[attr-defined]
            except _Unusual:
                pass
        return super()._handle_structure(shape, value)  # type: ignore[misc]

    def _handle_map(self, shape: Any, value: Any) -> Any:
        if shape.value.name == "AttributeValue" and type(value) is dict:
            try:
                return {name: _value(member, self._blob_parser) for name, member in value.items()}  # type: ignore[attr-defined]
            except _Unusual:
                pass
        return super()._handle_map(shape, value)  # type: ignore[misc]


class ParserFactory(ResponseParserFactory):
    """botocore's parser factory, handing out ``DynamoDBParser`` for the JSON protocol (whose only
    ``AttributeValue`` shapes are DynamoDB's; every other shape is parsed as before)."""

    def create_parser(self, protocol_name: str) -> Any:
        if protocol_name == "json":
            return DynamoDBParser(**self._defaults)  # type: ignore[attr-defined]
        return super().create_parser(protocol_name)
