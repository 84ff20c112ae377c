"""The distribution's viewer-request function (infra/viewer-request.js), run as JavaScript in Node.js on
generated requests, written as ``make package`` writes it into the template (devstack/package.py; the
runner: tests/viewer_function.py).

What the origin reads of a query string is modelled as chalice parses one (``parse_qsl``: ``+`` and
escapes decoded, the last value of each name) and ``web.site_of`` then keeps (our names, and WordPress's
as ``web.wordpress_query`` unfolds them): the function must change nothing of it but what it drops.
"""

from __future__ import annotations

import random
import re
import shutil
from typing import Any, Iterator
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import archives
from chalicelib.site import web
from devstack import package
from devstack.stack import load_template
from tests.viewer_function import DOMAIN, ViewerFunction, event, parsed, running

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="runs the CloudFront function in Node.js")

OWN, WORDPRESS, FOLD = list(archives.OWN_QUERY), list(archives.WORDPRESS_QUERY), archives.WORDPRESS_FOLD
TRACKING = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid", "mc_cid",
            "mc_eid", "msclkid", "ref", "x"]
UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"


@pytest.fixture(scope="module")
def packaged() -> dict[str, Any]:
    """infra/template.yaml with what make package writes into its CloudFront resources."""
    return package.finish_edge(load_template())


@pytest.fixture(scope="module")
def pages() -> Iterator[ViewerFunction]:
    """The pages' function, as packaged."""
    with running() as function:
        yield function


@pytest.fixture(scope="module")
def uncached() -> Iterator[ViewerFunction]:
    """The function of the behaviours that are never cached (the desk, forms, previews), as packaged."""
    with running(package.HOST_FUNCTION) as function:
        yield function


def origin_reads(query: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """What the origin reads of a query string sent as ``query``: our names, and WordPress's query."""
    params = dict(parse_qsl("&".join(f"{name}={value}" for name, value in query), keep_blank_values=True))
    return {k: v for k, v in params.items() if k in archives.OWN_QUERY}, web.wordpress_query(params)


# Values as viewers send them: percent-encoded by browsers, hand-written, or broken.
pieces = st.one_of(
    st.text(st.sampled_from(UNRESERVED), min_size=1, max_size=4),
    st.integers(0, 255).map(lambda b: f"%{b:02X}"), st.integers(0, 255).map(lambda b: f"%{b:02x}"),
    st.sampled_from(["+", "%", "%2", "%%41", "%zz", "!", "*", "'", "(", ")", ":", ";", "@", ",", "/", "?", "=",
                     " ", "é", "€", "\U0001f4ab", "%E2%82", "%C3%A9", "%2B", "%26", "%3D", "%25"]),
)
values = st.lists(pieces, max_size=6).map("".join)
# A fold a viewer wrote: a WordPress query as one value, its escapes doubled or not, or anything.
folds = st.one_of(
    st.dictionaries(st.sampled_from(WORDPRESS + TRACKING + OWN), values, max_size=3).map(
        lambda pairs: quote("&".join(f"{n}={v}" for n, v in pairs.items()), safe="")),
    values)
names = st.one_of(st.sampled_from(OWN), st.sampled_from(WORDPRESS), st.sampled_from(TRACKING),
                  st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_0123456789"), min_size=1, max_size=10).filter(
                      lambda name: name != FOLD))
pairs = st.one_of(st.tuples(names, values), st.tuples(st.just(FOLD), folds))
segments = st.lists(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-%"), min_size=1, max_size=8),
                    min_size=0, max_size=4)
uris = segments.map(lambda parts: "/" + "/".join(parts) + ("/" if parts else ""))


def queries(folded: bool = True) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A viewer's query: known names, WordPress's, trackers, any name, and (``folded``) the fold itself."""
    return st.lists(pairs if folded else st.tuples(names, values), max_size=8)


@settings(max_examples=400, deadline=None)
@given(uri=uris, query=queries(folded=False))
def test_the_origin_reads_what_it_used_to_read_of_a_query_folded_or_not(pages, uri, query):
    """Folded and unfolded again, WordPress's query is the one the origin used to see (the names
    themselves, the last value of each), our names are what they were, and nothing else reaches it."""
    request = pages(uri, query)
    own, wordpress = origin_reads(parsed(request["querystring"]))
    used_to_see = dict(parse_qsl("&".join(f"{n}={v}" for n, v in query), keep_blank_values=True))
    assert wordpress == {k: v for k, v in used_to_see.items() if k in archives.WORDPRESS_QUERY}
    assert own == {k: v for k, v in used_to_see.items() if k in archives.OWN_QUERY}
    assert (own, wordpress) == origin_reads(query)
    assert request["uri"] == uri and request["headers"]["x-forwarded-host"] == {"value": DOMAIN}


@settings(max_examples=400, deadline=None)
@given(uri=uris, query=queries())
def test_only_the_cache_keys_names_pass_once_each_sorted_and_the_origin_reads_the_same(pages, uri, query):
    """With the fold among the viewer's names too (read as the origin reads it: alone, when present)."""
    request = pages(uri, query)
    kept = parsed(request["querystring"])
    assert [name for name, _ in kept] == sorted({name for name, _ in kept})
    assert {name for name, _ in kept} <= set(archives.CACHE_KEY_QUERY)
    assert origin_reads(kept) == origin_reads(query)


@settings(max_examples=300, deadline=None)
@given(uri=uris, query=queries())
def test_a_second_pass_changes_nothing(pages, uri, query):
    once = pages(uri, query)
    twice = pages(once["uri"], parsed(once["querystring"]))
    assert (twice["uri"], twice["querystring"]) == (once["uri"], once["querystring"])


@st.composite
def two_spellings(draw: Any) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """One query of our names and WordPress's (each a value in bytes) spelled two ways: in another order,
    with other escapes (upper or lower case, or none for a letter), after values it overrides, with
    trackers among them."""
    meant = draw(st.dictionaries(st.sampled_from(OWN + WORDPRESS), st.binary(max_size=6), min_size=1, max_size=5))
    rng = random.Random(draw(st.integers(0, 10_000)))

    def spell(value: bytes) -> str:
        return "".join(chr(b) if chr(b) in UNRESERVED and rng.random() < 0.5 else f"%{b:02{rng.choice('xX')}}"
                       for b in value)

    first = [(name, spell(value)) for name, value in sorted(meant.items())]
    other = [(name, spell(value)) for name, value in meant.items()]
    rng.shuffle(other)
    overridden = [(name, spell(rng.randbytes(3))) for name in meant if rng.random() < 0.5]
    second = overridden + other
    for _ in range(rng.randrange(3)):
        second.insert(rng.randrange(len(second) + 1), (rng.choice(TRACKING), spell(rng.randbytes(4))))
    return first, second


@settings(max_examples=300, deadline=None)
@given(spellings=two_spellings())
def test_one_query_spelled_two_ways_is_one_cache_key(pages, spellings):
    first, second = spellings
    assert pages("/", first)["querystring"] == pages("/", second)["querystring"]


@pytest.mark.parametrize("query, forwarded", [
    ("cat=5", "wp=cat%3D5"), ("cat=5&utm_source=x&fbclid=IwAR0", "wp=cat%3D5"), ("cat=1&cat=5", "wp=cat%3D5"),
    ("year=2024&monthnum=07", "wp=monthnum%3D07%26year%3D2024"),
    ("monthnum=07&gclid=y&year=2024", "wp=monthnum%3D07%26year%3D2024"),
    ("s=%c3%a9t%C3%A9", "wp=s%3D%25C3%25A9t%25C3%25A9"), ("s=%41+b", "wp=s%3DA%2Bb"), ("cat=", "wp=cat%3D"),
    ("after=abc&p=7&q=oil", "after=abc&q=oil&wp=p%3D7"),
    ("wp=cat%3D5&p=3", "wp=cat%3D5"),  # the fold says the WordPress query; the names beside it are ignored
    ("wp=cat%3D%C3%A9", ""),  # a fold that is not ASCII once decoded asks nothing, as the origin reads it
    ("utm_source=newsletter", ""),
    ("s=a\ud800", "wp=s%3Da%25EF%25BF%25BD"),  # half a surrogate pair (no viewer sends one) throws nothing
    ("%73=oil&%63at=5&%77p=cat%3D5", ""),  # a name counts as the site spells it (AWS WAF counts ?s= by name)
])
def test_wordpress_names_travel_folded_in_one_parameter(pages, query, forwarded):
    assert pages("/", parsed(query))["querystring"] == forwarded


def test_the_origin_reads_a_request_with_the_fold_by_the_fold_alone():
    assert web.wordpress_query({"wp": "cat=5&utm_source=x", "p": "3", "q": "oil"}) == {"cat": "5"}
    assert web.wordpress_query({"p": "3", "q": "oil", "utm_source": "x"}) == {"p": "3"}
    assert web.wordpress_query({"wp": "cat=é", "p": "3"}) == {}


@settings(max_examples=100, deadline=None)
@given(uri=uris, query=queries())
def test_a_tracked_link_has_the_bare_pages_cache_key(pages, packaged, uri, query):
    """What CloudFront keys on: the path and, of what the function left, the names the cache policy lists.
    Tracking parameters added to a link change neither, so the tracked link is the bare page's hit."""
    listed = packaged["Resources"]["PageCachePolicy"]["Properties"]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStrings"]

    def key(pairs: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
        request = pages(uri, pairs)
        return request["uri"], [pair for pair in parsed(request["querystring"]) if pair[0] in listed]

    tracked = query + [("utm_source", "newsletter"), ("fbclid", "IwAR0abc"), ("gclid", "Cj0K"), ("mc_cid", "9f1")]
    assert key(tracked) == key(query)
    assert key([("utm_source", "x"), ("fbclid", "y")]) == (uri, [])


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.text(st.sampled_from("abc%2F-"), min_size=1, max_size=5), min_size=1, max_size=4),
       doubled=st.integers(min_value=0, max_value=3), query=queries())
def test_an_old_link_with_doubled_slashes_redirects_to_the_one_path_with_the_kept_query(pages, parts, doubled, query):
    """The redirect names the kept parameters as readers' links do (WordPress's unfolded); followed, it is
    the request the one path would have made."""
    uri = "/" + "/".join(parts) + "/"
    slashes = uri.replace("/", "/" * (2 + doubled), 1)  # //greek/x/, ///greek/x/...
    answer = pages(slashes, query)
    assert answer["statusCode"] == 301
    location = answer["headers"]["location"]["value"]
    path, _, kept = location.partition("?")
    assert path == uri and FOLD not in {name for name, _ in parsed(kept)}
    assert pages(path, parsed(kept))["querystring"] == pages(uri, query)["querystring"]


def test_the_theme_exports_doubled_slash_link_redirects_without_encoding_twice(pages):
    answer = pages("//greek/%CE%B5-2/", [("p", "x%20y"), ("utm_source", "a")])
    assert answer["headers"]["location"]["value"] == "/greek/%CE%B5-2/?p=x%20y"


@settings(max_examples=100, deadline=None)
@given(uri=uris, query=queries())
def test_the_uncached_behaviours_pass_every_query_parameter(uncached, uri, query):
    """The desk reads its own parameters (key, version, q...): its behaviour's function leaves them."""
    request = uncached(uri, query)
    assert request["querystring"] == event(uri, query)["request"]["querystring"]
    assert request["headers"]["x-forwarded-host"] == {"value": DOMAIN}


def test_the_function_stays_within_what_cloudfront_functions_run(packaged):
    """ECMAScript 5.1 only (docs: "JavaScript runtime 2.0 features for CloudFront Functions" is compliant
    with it), and within CloudFront's 10 KB a function."""
    for name in (package.PAGE_FUNCTION, package.HOST_FUNCTION):
        code = packaged["Resources"][name]["Properties"]["FunctionCode"]
        assert len(code.encode()) < 10_240
        code = re.sub(r"//[^\n]*", "", code)  # comments may name anything
        for later in (r"\blet\b", r"\bconst\b", "=>", "`", r"\bclass\b", r"\.\.\.", r"\basync\b", r"\bawait\b"):
            assert not re.search(later, code), (name, later)

