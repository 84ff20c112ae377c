"""The distribution's viewer-request function (infra/viewer-request.js) run in Node.js, as ``make package``
writes it into the template (devstack/package.py), for the tests that ask what CloudFront forwards
(``through``: the origin's answer to it; the fixture ``edge`` in tests/functional/conftest.py runs it).

CloudFront hands a function the query string as an object, each name with its ``value`` (the first) and,
when the name is repeated, every value in ``multiValue``; names and values as the viewer spelled them. The
function may return the query as a string (runtime 2.0). ``event`` builds that shape from a query string
split as a query string is (at ``&``, then at the first ``=``); ``forwarded`` says what reaches the origin.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from typing import Any, Iterator

from devstack import package, stack

DOMAIN = "d111111abcdef8.cloudfront.net"

# One Node.js process per function: reads an event a line, writes what the function returned a line.
RUNNER = """
const readline = require('readline');
const lines = readline.createInterface({input: process.stdin});
lines.on('line', (line) => { process.stdout.write(JSON.stringify(handler(JSON.parse(line))) + '\\n'); });
"""


class ViewerFunction:
    """A viewer function's code running in Node.js."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.process = subprocess.Popen(["node", "-e", code + RUNNER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def __call__(self, uri: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        """What the function returns for a GET of ``uri`` with ``query`` (name, value pairs in order)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(event(uri, query)) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def event(uri: str, query: list[tuple[str, str]]) -> dict[str, Any]:
    """The event CloudFront hands a viewer-request function for a GET of ``uri`` with ``query``."""
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
    """A query string (as the function wrote it, or as a viewer sent it) as (name, value) pairs."""
    return [(part.partition("=")[0], part.partition("=")[2]) for part in querystring.split("&") if part]


def forwarded(function: ViewerFunction, url: str) -> tuple[str, dict[str, Any] | None]:
    """Where CloudFront asks the origin for a viewer's ``url`` (a path and query string as sent), and None;
    or, where the function answers itself (a 301), "" and its answer."""
    path, _, query = url.partition("?")
    answer = function(path, parsed(query))
    if "statusCode" in answer:
        return "", answer
    return answer["uri"] + ("?" + answer["querystring"] if answer["querystring"] else ""), None


def through(site: Any, function: ViewerFunction, url: str) -> Any:
    """The origin's answer (``site.get``, a test site of tests/conftest.py) to what ``function`` forwards for
    a reader's ``url``, as CloudFront would ask it on a miss."""
    target, answer = forwarded(function, url)
    assert answer is None, f"the function answers {url} itself: {answer}"
    return site.get(target)


@contextlib.contextmanager
def running(name: str = package.PAGE_FUNCTION) -> Iterator[ViewerFunction]:
    """The packaged template's viewer function ``name`` (the pages', unless told), running."""
    code = package.finish_edge(stack.load_template())["Resources"][name]["Properties"]["FunctionCode"]
    function = ViewerFunction(code)
    try:
        yield function
    finally:
        function.close()
