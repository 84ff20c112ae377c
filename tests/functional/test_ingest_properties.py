"""Property tests: any key is fetched exactly; any file is published or reported, never crashes."""

from __future__ import annotations

import itertools
import unicodedata

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.content.content_format import RESERVED_SLUGS, normalize_slug
from chalicelib.publish import ingest
from tests.functional.test_pages import text

_counter = itertools.count()
KEY_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(list(" +%&=?#~'()[]!$@,;-_.")),
                       st.sampled_from(list("aéøßЖ中😀🚀")),
                       st.characters(codec="utf-8", categories=["L", "N", "Zs", "So", "Pd"])),
    min_size=1, max_size=40,
).map(lambda s: s.replace("/", "-"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=KEY_TEXT, form=st.sampled_from(["NFC", "NFD"]))
def test_any_key_is_fetched_exactly_and_published(site, name, form):
    n = next(_counter)
    stem = unicodedata.normalize(form, f"k{n} {name}").strip()
    key = f"articles/{stem}.md"
    title = f"Title {n}"
    site.put(key, f"---\ntitle: {title}\ndate: 2024-01-01\n---\n\nBody {n}.\n")
    messages = site.receive()
    assert len(messages) == 1
    assert site.invoke(messages) == {"batchItemFailures": []}
    slug = normalize_slug(stem)
    assert slug and slug not in RESERVED_SLUGS
    page = site.get(f"/{slug}/")
    assert page.status_code == 200, (key, slug)
    assert f"Body {n}." in text(page)
    site.delete(key)
    site.ingest()
    assert site.get(f"/{slug}/").status_code == 404


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=50), st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=8), inner, max_size=3), max_leaves=8)
FIELDS = st.sampled_from(["title", "date", "slug", "author", "categories", "tags", "summary", "image",
                          "draft", "updated", "aliases", "unknown", "comments"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=st.dictionaries(FIELDS, VALUES, max_size=8), body=st.text(max_size=300),
       raw=st.one_of(st.none(), st.text(max_size=200)))
def test_any_front_matter_and_body_is_published_or_reported(site, front, body, raw):
    n = next(_counter)
    key = f"articles/prop-{n}.md"
    if raw is None:
        try:
            meta = yaml.safe_dump(front, allow_unicode=True)
        except yaml.YAMLError:
            meta = "title: x\n"
        content = f"---\n{meta}---\n{body}"
    else:
        content = raw
    site.put(key, content)
    outcome = ingest.apply_key(site.stack.bucket, key)  # raises only on a bug: that fails the test
    assert outcome.outcome in {"published", "invalid"}
    if outcome.outcome == "invalid":
        assert outcome.problems and site.report(key) is not None
        assert not any("fault in the site's own software" in p for p in outcome.problems), outcome.problems
    else:
        assert site.get(f"/{outcome.slug}/").status_code in (200, 404)  # 404: draft or scheduled
    site.receive()  # drop the notification; the direct apply above stood in for it
