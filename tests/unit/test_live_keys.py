"""A live blog's keys, spelled in one place (chalicelib/keys.py): the entry file an editor, the desk and
the WordPress import write is the one ingest and the desk read back, and every sort key ingest gives an
entry is a ``?since=`` the page accepts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from chalicelib import keys

SLUGS = st.from_regex(r"[a-z0-9][a-z0-9-]{0,40}", fullmatch=True)
IDS = st.from_regex(keys.LIVE_ENTRY_ID, fullmatch=True)


@given(SLUGS, st.sampled_from([".md", ".markdown", ".html"]), IDS, st.sampled_from([".md", ".html"]))
def test_an_entry_key_written_is_read_back_as_its_blogs_entry(slug: str, suffix: str, entry_id: str, kind: str) -> None:
    article = f"articles/{slug}{suffix}"
    key = keys.live_entry_key(article, entry_id + kind)
    assert key == f"articles/{slug}/live/{entry_id}{kind}"
    assert keys.live_entry_parts(key) == (keys.live_folder(article), entry_id + kind)
    assert keys.live_entry_parts(article) is None  # the article's own file is no entry


def test_keys_that_are_no_entrys_are_refused() -> None:
    for key in ("pages/a/live/b.md", "articles/live/b.md", "articles/a/live/", "articles/a/live/b/c.md", "a/live/b.md"):
        assert keys.live_entry_parts(key) is None, key


@given(st.datetimes(min_value=dt.datetime(1970, 1, 1)), IDS)
def test_every_entrys_place_is_a_since_the_page_accepts(when, entry_id: str) -> None:  # type: ignore[no-untyped-def]
    sk = keys.live_entry_sk(when.strftime("%Y-%m-%dT%H:%M:%SZ"), entry_id)
    assert keys.is_live_entry_sk(sk)
    assert not keys.is_live_entry_sk(sk + "/") and not keys.is_live_entry_sk(sk.replace("#", "%23"))
    assert keys.live_key_events_of(keys.live_entries_pk("articles/a")) == keys.live_key_events_pk("articles/a")
