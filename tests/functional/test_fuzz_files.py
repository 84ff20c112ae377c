"""Fuzzing: any file under any content prefix ends as published or reported, and nothing raises.

Hypothesis builds files of every kind (article front matter and bodies,
author, category and settings YAML) by mutating valid ones and by putting
together hostile pieces: impossible and out-of-range dates, numbers with
thousands of digits, nesting thousands deep, lone surrogates, anchors, odd
tags, control characters, byte-order marks. The parser must answer with a
file or a report an editor can act on, never a fault of ours; through
ingest, every file is published or reported, and the report is UTF-8 JSON.

``make test`` runs a modest number of examples, the same ones every run; ``make fuzz`` runs FUZZ_FACTOR
times as many, new each run (tests/conftest.py's profiles). NEWSROOM_FUZZ_EXAMPLES and
NEWSROOM_FUZZ_INGEST_EXAMPLES set the counts themselves, for a longer run of these two alone.
"""

from __future__ import annotations

import itertools
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.content.content_format import ContentError, check_file
from chalicelib.publish import ingest

PARSER_EXAMPLES = int(os.environ.get("NEWSROOM_FUZZ_EXAMPLES", "300"))
INGEST_EXAMPLES = int(os.environ.get("NEWSROOM_FUZZ_INGEST_EXAMPLES", "25"))
OURS = "fault in the site's own software"

VALID = {
    "articles/story.md": "---\ntitle: Story\ndate: 2024-03-01T09:30:00+04:30\nauthor: Sara Ahmadi\n"
                         "categories: [Tehran, Oil]\ntags: [Energy, {name: Must Read, slug: mustread}]\n"
                         "summary: A summary.\naliases: [/2024/03/story/]\ncomments: false\n---\n\n"
                         "# Head\n\nSome *text* and a [link](/other/).\n",
    "articles/page.html": "---\ntitle: HTML\ndate: 2024-03-02\n---\n<p>Hello <b>there</b></p>\n",
    "pages/about.md": "---\ntitle: About us\n---\n\nWho we are.\n",
    "authors/sara.yaml": "name: Sara Ahmadi\nbio: Covers energy.\n",
    "categories/oil.yaml": "name: Oil\ndescription: Oil news\nmenu_order: 2\nparent: tehran\n",
    "settings/site.yaml": "site_name: News\ntagline: Daily\nrecent_posts: 5\npage_size: 10\nlanguage: en\n"
                          "menu: [home, {category: oil}, {page: about}, {title: Ext, url: 'https://x.example'}]\n"
                          "footer_links: [{page: about}]\ncomments_close_after_days: 30\n",
}
HOSTILE = st.sampled_from([
    "2022-02-30", "2022-13-01", "2023-02-29", "0000-01-01", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
    "1" + "0" * 5000, "-1e999999", "0x" + "f" * 400, "1." + "5" * 5000, ".inf", ".nan",
    "[" * 3000 + "]" * 3000, "{a: " * 500 + "1" + "}" * 500, '"\\ud83d"', '"\\udfff x"', "'\\ud83d'",
    "&a [1, 2]", "*a", "!!python/object/apply:os.system [ls]", "!!binary AAAA", "!!set {a, b}",
    "\x00", "\x1b[31m", "\ufeff", "\r\n", "~", "null", "''", '""', "- - - -", "? complex key", "|\n  block",
    "<script>alert(1)</script>", "javascript:alert(1)", "x" * 70_000, "é" * 300, "😀" * 200,
])
TEXT = st.one_of(HOSTILE, st.text(max_size=60), st.integers().map(str), st.dates().map(str))


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A valid file with a hostile value in a field, bytes spliced in, or lines dropped or repeated."""
    key = draw(st.sampled_from(sorted(VALID)))
    lines = VALID[key].split("\n")
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["value", "splice", "drop", "repeat", "field"]))
        at = draw(st.integers(0, len(lines) - 1))
        if how == "value" and ":" in lines[at]:
            lines[at] = lines[at].split(":", 1)[0] + ": " + draw(TEXT)
        elif how == "field":
            name = draw(st.sampled_from(["title", "date", "updated", "slug", "tags", "categories", "menu",
                                         "page_size", "name", "parent", "menu_order", "image", "draft"]))
            lines.insert(at, f"{name}: {draw(TEXT)}")
        elif how == "splice":
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + draw(TEXT) + lines[at][column:]
        elif how == "drop" and len(lines) > 1:
            del lines[at]
        else:
            lines.insert(at, lines[at])
    return key, "\n".join(lines)


FILES = st.one_of(mutated(), st.tuples(st.sampled_from(sorted(VALID)), st.text(max_size=400)))


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a file may hold anything, even invalid UTF-8


@settings(max_examples=PARSER_EXAMPLES, deadline=None)
@given(file=FILES)
def test_the_parser_answers_any_file_with_content_or_a_report_the_editor_can_act_on(file):
    key, text = file
    try:
        check_file(key, _encoded(text))
    except ContentError as error:
        assert error.problems
        for problem in error.problems:
            assert OURS not in problem.message, (key, text[:300], problem)
            str(problem).encode("utf-8")  # always printable and storable


_counter = itertools.count()


@settings(max_examples=INGEST_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=FILES)
def test_ingest_publishes_or_reports_any_file(site, file):
    key, text = file
    n = next(_counter)
    stem, _, suffix = key.rpartition(".")
    key = f"{stem}-{n}.{suffix}" if not key.startswith("settings/") else key
    site.s3.put_object(Bucket=site.stack.bucket, Key=key, Body=_encoded(text))
    outcome = ingest.apply_key(site.stack.bucket, key)  # raises only if AWS fails: that fails the test
    assert outcome.outcome in {"published", "unchanged", "invalid"}, outcome
    if outcome.outcome == "invalid":
        report = json.loads(site.report(key).encode("utf-8"))
        assert report["problems"] and OURS not in json.dumps(report), report
    site.receive()  # drop the notification; the direct apply above stood in for it
