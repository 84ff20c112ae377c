"""IAM's string conditions, judged as IAM judges them, for the tests that hold a request against the
template's policies (``test_roles``: the managed policies with moto's evaluator, which ignores these;
``test_desk_calls``: every call a person's credentials make). One evaluator, so an operator is taught once.

A request's condition keys come in as ``context``: each key's values (``dynamodb:LeadingKeys``: every
partition key the request touches; ``s3:prefix``: a listing's prefix). The rules
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html):

- ``ForAllValues:StringLike`` / ``StringEquals``: every value of the request's matches one of the
  statement's (a request with none holds);
- ``ForAllValues:StringNotLike``: no value of the request's matches any of the statement's;
- a single-valued ``StringLike`` / ``StringEquals``: the key is present and each value matches.

Anything else (another operator, a key outside ``judged``) is not judged here: the statement grants
nothing (a false failure, never a pass), unless the caller judges those keys itself (``others_hold``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

JUDGED = frozenset({"dynamodb:LeadingKeys", "s3:prefix"})


def listed(value: Any) -> list[Any]:
    """A policy's value as a list (IAM allows a lone string where a list may stand)."""
    return value if isinstance(value, list) else [value]


def conditions_hold(condition: dict[str, Any], context: dict[str, list[str]], judged: frozenset[str] = JUDGED,
                    others_hold: bool = False) -> bool:
    """Whether a statement's ``Condition`` holds for a request with ``context``'s condition keys; a key
    outside ``judged`` makes it fail, or, with ``others_hold``, is left to the caller's own evaluator."""
    for operator, tests in condition.items():
        quantifier, _, kind = operator.rpartition(":")
        for key, patterns in tests.items():
            if key not in judged:
                if others_hold:
                    continue
                return False
            values = context.get(key) or []
            if kind == "StringNotLike" and quantifier == "ForAllValues":
                if any(fnmatchcase(v, p) for v in values for p in listed(patterns)):
                    return False
                continue
            if kind not in ("StringEquals", "StringLike") or quantifier not in ("", "ForAllValues"):
                return False  # not judged here: grants nothing
            matched = [any(fnmatchcase(v, p) if kind == "StringLike" else v == p for p in listed(patterns))
                       for v in values]
            if not all(matched) or (quantifier == "" and not values):
                return False
    return True
