"""Every kind of DynamoDB attribute value, nested as items hold them (hypothesis strategies), as boto3
takes and returns them (binary values as bytes)."""

from __future__ import annotations

from hypothesis import strategies as st

scalars = st.one_of(
    st.text(max_size=20).map(lambda t: {"S": t}),
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10**9, max_value=10**9).map(
        lambda d: {"N": str(d)}),
    st.binary(max_size=20).map(lambda b: {"B": b}), st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.sets(st.text(min_size=1, max_size=8), min_size=1, max_size=3).map(lambda s: {"SS": sorted(s)}),
    st.sets(st.binary(min_size=1, max_size=8), min_size=1, max_size=3).map(lambda s: {"BS": sorted(s)}),
    st.sets(st.integers(-1000, 1000), min_size=1, max_size=3).map(lambda s: {"NS": [str(n) for n in sorted(s)]}))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda items: {"L": items}),
    st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3).map(lambda m: {"M": m})), max_leaves=8)
items = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), values, max_size=4)
