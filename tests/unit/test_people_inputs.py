"""What the People and Profile screens accept from a form (issue 45), for any text: an address they
invite has one @ and no spaces; a profile's photo is a path under /media/ that cannot climb out of it
or name another site."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.desk import people, profile

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
PATHS = st.lists(st.sampled_from(["/", "media", "..", ".", "2026", "me", "jpg", ".jpg", "//", "\\", ":", "http",
                                  "evil.example", "%2e", "x y", "-", "_", "\n"]), max_size=10).map("".join)


@given(TEXT)
def test_an_invited_address_has_one_at_and_no_spaces(text):
    if people.EMAIL.match(text):
        assert text.count("@") == 1 and not any(c.isspace() for c in text)


@given(st.one_of(PATHS, TEXT))
def test_a_profile_photo_is_a_path_under_media_and_nothing_else(photo):
    problems = profile._problems("A name", "", photo)
    if photo and "photo" not in problems:
        assert photo.startswith("/media/") and ".." not in photo and "//" not in photo
        assert ":" not in photo and "\\" not in photo and not any(c.isspace() for c in photo)


def test_the_usual_addresses_and_photos_are_accepted():
    assert people.EMAIL.match("sam.reporter+desk@news.example.co.uk")
    assert profile._problems("Sam", "", "/media/2026/12/sam-portrait.jpg") == {}
    assert "photo" in profile._problems("Sam", "", "/media/../settings/site.yaml")
    assert "photo" in profile._problems("Sam", "", "https://evil.example/media/x.jpg")
