"""models.read and models.read_range (the readers' pages' reads, through the DynamoDB client itself)
give the items PynamoDB's own get and query give, for any partition, sort key test, limit and order."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import aws, models
from chalicelib.models import Listing, Post

_keys = st.text(alphabet="0123456789:-TZ#ab", min_size=1, max_size=6)
_TESTS = {"<": lambda a: a.__lt__, "<=": lambda a: a.__le__, ">": lambda a: a.__gt__, ">=": lambda a: a.__ge__}


def _pynamodb(pk: str, test: str, sk: str, limit: int, newest_first: bool) -> list[Listing]:
    condition = _TESTS[test](Listing.sk)(sk)
    return list(Listing.query(pk, condition, scan_index_forward=not newest_first, limit=limit))


def test_read_range_reads_what_pynamodb_queries(site: Any) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(stored=st.lists(_keys, max_size=12, unique=True), other=st.lists(_keys, max_size=3, unique=True),
           test=st.sampled_from(models.SORT_KEY_TESTS), sk=_keys, limit=st.integers(1, 14), newest_first=st.booleans())
    def same(stored: list[str], other: list[str], test: str, sk: str, limit: int, newest_first: bool) -> None:
        for item in Listing.query("list#generated"):
            item.delete()
        for key in stored:
            Listing(pk="list#generated", sk=key, slug=f"s{key}", title=f"Title {key}", date="2024-01-01T00:00:00Z",
                    categories=["news", "x"]).save()
        for key in other:  # another partition is never read
            Listing(pk="list#other", sk=key, slug="o", title="o", date="2024-01-01T00:00:00Z").save()
        ours = models.read_range(Listing, "list#generated", test, sk, limit, newest_first=newest_first)
        theirs = _pynamodb("list#generated", test, sk, limit, newest_first)
        assert [i.attribute_values for i in ours] == [i.attribute_values for i in theirs]
        assert all(type(i) is Listing for i in ours)

    same()


def test_read_range_reads_on_where_dynamodb_stops_short_of_the_limit(site: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """DynamoDB reads at most 1 MB a Query and then says where it stopped: the read goes on from there
    until it has its items or the partition ends."""
    for n in range(7):
        Listing(pk="list#home", sk=f"2024-01-0{n + 1}", slug=f"a{n}", title=f"A{n}", date="2024-01-01T00:00:00Z").save()
    client = aws.dynamodb_connection().client
    real_query = client.query
    asked: list[dict[str, Any]] = []

    def two_at_most(**request: Any) -> Any:  # as if every two items made a megabyte
        asked.append(request)
        answer = real_query(**{**request, "Limit": min(request["Limit"], 2)})
        if answer["Items"] and len(answer["Items"]) == 2:
            last = answer["Items"][-1]
            answer["LastEvaluatedKey"] = {"pk": last["pk"], "sk": last["sk"]}
        return answer

    monkeypatch.setattr(client, "query", two_at_most)
    five = models.read_range(Listing, "list#home", "<=", "9999", 5)
    assert [i.slug for i in five] == ["a6", "a5", "a4", "a3", "a2"]
    assert [r["Limit"] for r in asked] == [5, 3, 1]
    asked.clear()
    every = models.read_range(Listing, "list#home", ">", "2024", 50, newest_first=False)
    assert [i.slug for i in every] == [f"a{n}" for n in range(7)]
    assert len(asked) == 4  # 2 + 2 + 2 + 1, the last without a place to go on from


def test_read_gets_what_pynamodb_gets(site: Any) -> None:
    Post(pk="post#a", sk="post", kind="article", slug="a", title="A", categories=["news"], tags=[["t", "T"]],
         image_size=[640, 480], comment_count=3).save()
    ours, theirs = models.read(Post, "post#a", "post"), Post.get("post#a", "post")
    assert ours is not None and type(ours) is Post
    assert ours.attribute_values == theirs.attribute_values
    assert models.read(Post, "post#none", "post") is None


def test_a_sort_key_test_dynamodb_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="sort key test"):
        models.read_range(Listing, "list#home", "=", "x", 1)
