"""The desk's pure pieces: the history's word diff, the settings screen's menu lines, the upload's names."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.desk.admin import menu_lines, parse_menu
from chalicelib.desk.history import word_diff
from chalicelib.desk.media import clean_name

texts = st.text(alphabet=st.sampled_from(list("ab cd\n\téé")), max_size=60)


@given(before=texts, after=texts)
def test_the_word_diff_holds_both_texts_exactly(before, after):
    runs = word_diff(before, after)
    assert "".join(text for kind, text in runs if kind != "added") == before
    assert "".join(text for kind, text in runs if kind != "removed") == after
    assert all(kind in ("same", "added", "removed") for kind, _ in runs)


def test_the_word_diff_marks_words_not_letters():
    assert word_diff("The vote is on Monday.", "The vote is on Tuesday.")[-2:] == (("removed", "Monday."),
                                                                                    ("added", "Tuesday."))


@given(st.lists(st.one_of(
    st.just("home"),
    st.builds(lambda s: {"category": s}, st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
    st.builds(lambda s: {"page": s}, st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
    st.builds(lambda t, u: {"title": t, "url": u}, st.from_regex(r"[A-Z][a-z ]{0,15}[a-z]", fullmatch=True),
              st.from_regex(r"/[a-z]{1,10}/", fullmatch=True))), max_size=8))
def test_a_menu_survives_the_settings_screens_text_box(menu):
    assert parse_menu(menu_lines(menu)) == menu


@given(st.text(max_size=80))
def test_an_uploaded_files_name_becomes_a_safe_key_part(name):
    cleaned = clean_name(name, "image/jpeg")
    assert "/" not in cleaned and ".." not in cleaned.rsplit(".", 1)[0] and cleaned.isascii()
    assert cleaned.rsplit(".", 1)[1] in ("jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "avif")
