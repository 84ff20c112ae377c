"""Every URL WordPress answered still answers, compared URL by URL with WordPress itself (issue 32).

WordPress's answers for an export were recorded from the WordPress peer (``make record-wordpress-urls``:
the export imported with WordPress's own importer, then every URL form asked, redirects followed:
``devstack/parity.py``) and committed under ``tests/data/wordpress-answers/``. Here the same export
is imported with ``newsroom import-wordpress`` and each URL asked of our site the same way:

- where WordPress ends at a post or page (200), ours ends at a page with the same title;
- where WordPress ends at an archive, a feed, a search or the front page, ours ends at the same path;
- where WordPress answers 404, so do we, except the deliberate differences below.

Deliberate differences (docs/editors.md, "URL parity with WordPress"): the WordPress importer gives
an imported site's terms (and posts whose ids are taken) new ids and maps every author to the peer's
admin, so on the peer ``/?cat=<old id>``, some ``/?p=<old id>`` and the export's authors' archives
are 404; on the site the export came from they answered, and ours keep answering them.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from devstack.parity import title_of, urls_of
from newsroom.cli import main
from tests.conftest import _moto_site

PROJECT_DIR = Path(__file__).resolve().parents[2]
EXPORTS = {"themeunittestdata": PROJECT_DIR / "tests" / "data" / "themeunittestdata.wordpress.xml"}
ARCHIVE_PREFIXES = ("/category/", "/tag/", "/author/", "/page/", "/feed/", "/?s=")


def recorded(name: str) -> dict[str, dict]:
    return json.loads((PROJECT_DIR / "tests" / "data" / "wordpress-answers" / f"{name}.json").read_text())["answers"]


def ours(site, path: str) -> dict:  # type: ignore[no-untyped-def]
    """What a reader of our site ends at, following redirects as the recorder did."""
    for _ in range(6):
        response = site.client.http.get(path)
        if response.status_code in (301, 302, 307, 308):
            parts = urlsplit(response.headers["Location"])
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            continue
        body = response.body.decode("utf-8", errors="replace")
        return {"status": response.status_code, "path": path, "title": title_of(body)}
    return {"status": 310, "path": path, "title": ""}


# Where we differ on purpose, and why (docs/editors.md, "URL parity with WordPress").
DELIBERATE = {
    "/page/2/": "our archives page by cursor (Older posts), not by number: /page/N/ redirects to the first page",
    "/?p=1169": "a post with no title is titled 'Untitled' here (the content format requires a title)",
    "/edge-case-no-title/": "the same post with no title",
}


def deliberate(url: str, wordpress: dict) -> bool:
    """A listed difference, or a 404 of the peer's own making (ids and authors the WordPress importer
    renumbered or remapped, which answered on the site the export came from)."""
    return url in DELIBERATE or (wordpress["status"] == 404 and url.startswith(("/?cat=", "/?p=", "/author/"))
                                 and "no-such" not in url and url not in ("/?p=999999", "/?cat=999999"))


def is_archive(path: str) -> bool:
    parts = path.strip("/").split("/")
    return path == "/" or path.startswith(ARCHIVE_PREFIXES) or (parts[0].isdigit() and len(parts[0]) == 4)


@pytest.fixture(scope="module")
def imported():  # type: ignore[no-untyped-def]
    with _moto_site(seed=False) as site:
        result = CliRunner().invoke(main, ["import-wordpress", str(EXPORTS["themeunittestdata"]), "--no-wait"])
        assert result.exit_code == 0, result.output
        for _ in range(5):
            if site.ingest() == {"batchItemFailures": []} and not site.receive():
                break
        yield site


def test_the_recorded_answers_cover_every_url_form_of_the_export():
    answers = recorded("themeunittestdata")
    assert set(answers) == set(urls_of(EXPORTS["themeunittestdata"]))
    assert len(answers) > 500


def test_every_url_wordpress_answers_ends_where_wordpress_ends(imported):
    """URL by URL against WordPress's own answers; the report names every difference."""
    differences = []
    compared = equal = 0
    for url, wordpress in recorded("themeunittestdata").items():
        if deliberate(url, wordpress):
            continue
        compared += 1
        mine = ours(imported, url)
        if wordpress["status"] == 404:
            same = mine["status"] == 404
        elif is_archive(wordpress["path"]):
            same = mine["status"] == 200 and mine["path"].rstrip("/") == wordpress["path"].rstrip("/")
        else:
            same = mine["status"] == 200 and mine["title"] == wordpress["title"]
        equal += same
        if not same:
            differences.append(f"{url}: WordPress {wordpress['status']} {wordpress['path']} «{wordpress['title']}», "
                               f"ours {mine['status']} {mine['path']} «{mine['title']}»")
    print(f"URL parity, themeunittestdata: {compared} compared, {equal} equal, {len(differences)} differ")
    assert differences == [], "\n".join(differences)
