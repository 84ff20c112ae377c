"""An archive of a term that exists but holds no posts answers as WordPress's does: 200, "nothing
found" (``WP::handle_404`` does not 404 a matched term, nor an author of the site)."""

from __future__ import annotations

import pytest

from tests.conftest import moto_site
from tests.functional.test_ingest import article
from tests.functional.test_pages import text


@pytest.fixture(scope="module")
def quiet():  # type: ignore[no-untyped-def]
    """A site whose category, tag and author exist but hold no posts yet, and one tag that held one."""
    with moto_site(seed=False) as site:
        site.put("categories/quiet.yaml", "name: Quiet\ndescription: Nothing yet.\n")
        site.put("tags/waiting.yaml", "name: Waiting room\n")
        site.put("authors/nobody.yaml", "name: No Body\nbio: Writes soon.\n")
        site.put("articles/once.md", article(title="Once", date="2024-01-05", tags="[once-only]"))
        assert site.ingest() == {"batchItemFailures": []}
        yield site


@pytest.mark.parametrize("path, heading", [("/category/quiet/", "Quiet"), ("/tag/waiting/", "Tag: Waiting room"),
                                           ("/author/nobody/", "Author: No Body")])
def test_a_term_without_posts_answers_200_with_nothing_found(quiet, path, heading):
    """WordPress's WP::handle_404 does not 404 a term that exists, nor an author of the site: its
    archive answers 200 and says nothing was found."""
    response = quiet.get(path)
    assert response.status_code == 200, path
    page = text(response)
    assert heading in page and "Nothing has been published here yet." in page
    assert quiet.get(path + "feed/").status_code == 200  # and its feed, empty


def test_a_tag_that_does_not_exist_is_still_a_404(quiet):
    assert quiet.get("/tag/never-was/").status_code == 404
    assert quiet.get("/tag/never-was/feed/").status_code == 404
    assert quiet.get("/tag/once-only/").status_code == 200  # carried by an article, with no file of its own


def test_a_tag_whose_file_and_last_article_are_gone_is_a_404_again(quiet):
    quiet.delete("tags/waiting.yaml")
    assert quiet.ingest() == {"batchItemFailures": []}
    assert quiet.get("/tag/waiting/").status_code == 404
