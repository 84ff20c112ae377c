"""The distribution's viewer-request function (infra/viewer-request.js), run as JavaScript in Node.js on
generated requests, written as ``make package`` writes it into the template (devstack/package.py).

CloudFront hands a function the query string as an object, each name with its ``value`` (the first) and,
when the name is repeated, every value in ``multiValue``; names and values as the viewer spelled them. The
function may return the query as a string (runtime 2.0). ``_event`` builds that shape; a second pass
parses the function's string back into it, as the next request would arrive.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib import archives
from devstack import package, stack

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="runs the CloudFront function in Node.js")

KEPT = list(archives.QUERY_PARAMETERS)
TRACKING = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "gclid", "mc_cid",
            "mc_eid", "msclkid", "ref", "x"]
DOMAIN = "d111111abcdef8.cloudfront.net"

# One Node.js process for the module: reads an event a line, writes what the function returned a line.
RUNNER = """
const readline = require('readline');
const lines = readline.createInterface({input: process.stdin});
lines.on('line', (line) => { process.stdout.write(JSON.stringify(handler(JSON.parse(line))) + '\\n'); });
"""


class Function:
    """The function's code running in Node.js."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.process = subprocess.Popen(["node", "-e", code + RUNNER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def __call__(self, uri: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        """What the function returns for a GET of ``uri`` with ``query`` (name, value pairs in order)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(_event(uri, query)) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def _event(uri: str, query: list[tuple[str, str]]) -> dict[str, Any]:
    querystring: dict[str, Any] = {}
    for name, value in query:
        if name in querystring:
            querystring[name].setdefault("multiValue", [{"value": querystring[name]["value"]}])
            querystring[name]["multiValue"].append({"value": value})
        else:
            querystring[name] = {"value": value}
    return {"version": "1.0", "context": {"distributionDomainName": DOMAIN, "eventType": "viewer-request"},
            "viewer": {"ip": "192.0.2.1"},
            "request": {"method": "GET", "uri": uri, "querystring": querystring, "headers": {}, "cookies": {}}}


def parsed(querystring: str) -> list[tuple[str, str]]:
    """A query string the function wrote, as (name, value) pairs."""
    return [(part.partition("=")[0], part.partition("=")[2]) for part in querystring.split("&")] if querystring else []


@pytest.fixture(scope="module")
def packaged() -> dict[str, Any]:
    """infra/template.yaml with what make package writes into its CloudFront resources."""
    return package.finish_edge(stack.load_template())


@pytest.fixture(scope="module")
def pages(packaged: dict[str, Any]) -> Iterator[Function]:
    """The pages' function, as packaged."""
    function = Function(packaged["Resources"][package.PAGE_FUNCTION]["Properties"]["FunctionCode"])
    yield function
    function.close()


@pytest.fixture(scope="module")
def uncached(packaged: dict[str, Any]) -> Iterator[Function]:
    """The function of the behaviours that are never cached (the desk, forms, previews), as packaged."""
    function = Function(packaged["Resources"][package.HOST_FUNCTION]["Properties"]["FunctionCode"])
    yield function
    function.close()


# What viewers send: known names, trackers and any other name; values percent-encoded as browsers do.
encoded = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12).map(
    lambda text: "".join(c if c.isascii() and (c.isalnum() or c in "-._~") else
                         "".join(f"%{b:02X}" for b in c.encode()) for c in text))
names = st.one_of(st.sampled_from(KEPT), st.sampled_from(TRACKING),
                  st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz_0123456789"), min_size=1, max_size=10))
queries = st.lists(st.tuples(names, encoded), max_size=8)
segments = st.lists(st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-%"), min_size=1, max_size=8),
                    min_size=0, max_size=4)
uris = segments.map(lambda parts: "/" + "/".join(parts) + ("/" if parts else ""))


@settings(max_examples=300, deadline=None)
@given(uri=uris, query=queries)
def test_only_the_sites_query_parameters_pass_sorted_with_the_value_the_site_reads(pages, uri, query):
    request = pages(uri, query)
    kept = parsed(request["querystring"])
    assert [name for name, _ in kept] == sorted({name for name, _ in query if name in KEPT})
    last = dict(query)  # the last value of each name, as the site reads it (Chalice's MultiDict)
    assert kept == [(name, last[name]) for name, _ in kept]
    assert request["uri"] == uri and request["headers"]["x-forwarded-host"] == {"value": DOMAIN}


@settings(max_examples=200, deadline=None)
@given(uri=uris, query=queries)
def test_a_second_pass_changes_nothing(pages, uri, query):
    once = pages(uri, query)
    twice = pages(once["uri"], parsed(once["querystring"]))
    assert (twice["uri"], twice["querystring"]) == (once["uri"], once["querystring"])


@settings(max_examples=100, deadline=None)
@given(uri=uris, query=queries)
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
       doubled=st.integers(min_value=0, max_value=3), query=queries)
def test_an_old_link_with_doubled_slashes_redirects_to_the_one_path_with_the_kept_query(pages, parts, doubled, query):
    uri = "/" + "/".join(parts) + "/"
    slashes = uri.replace("/", "/" * (2 + doubled), 1)  # //greek/x/, ///greek/x/...
    answer = pages(slashes, query)
    kept = pages(uri, query)["querystring"]
    assert answer["statusCode"] == 301
    assert answer["headers"]["location"]["value"] == uri + ("?" + kept if kept else "")


def test_the_theme_exports_doubled_slash_link_redirects_without_encoding_twice(pages):
    answer = pages("//greek/%CE%B5-2/", [("p", "x%20y"), ("utm_source", "a")])
    assert answer["headers"]["location"]["value"] == "/greek/%CE%B5-2/?p=x%20y"


@settings(max_examples=100, deadline=None)
@given(uri=uris, query=queries)
def test_the_uncached_behaviours_pass_every_query_parameter(uncached, uri, query):
    """The desk reads its own parameters (key, version, q...): its behaviour's function leaves them."""
    request = uncached(uri, query)
    assert request["querystring"] == _event(uri, query)["request"]["querystring"]
    assert request["headers"]["x-forwarded-host"] == {"value": DOMAIN}


def test_the_function_stays_within_what_cloudfront_functions_run(packaged):
    """ECMAScript 5.1 only (docs: CloudFront Functions' runtimes), and within CloudFront's 10 KB."""
    for name in (package.PAGE_FUNCTION, package.HOST_FUNCTION):
        code = packaged["Resources"][name]["Properties"]["FunctionCode"]
        assert len(code.encode()) < 10_240
        code = re.sub(r"//[^\n]*", "", code)  # comments may name anything
        for later in (r"\blet\b", r"\bconst\b", "=>", "`", r"\bclass\b", r"\.\.\.", r"\basync\b", r"\bawait\b"):
            assert not re.search(later, code), (name, later)
