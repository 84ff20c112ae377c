"""Nothing active is served from the site's origin (issue 30): every file under media/ is a photo (its
sizes), a download served with headers that keep it from running as part of the site, or refused with
a report. None is silently ignored."""

from __future__ import annotations

import json

import pytest

from chalicelib.content import media_types
from chalicelib.models import MediaItem
from tests.conftest import moto_site

PDF_WITH_SCRIPT = b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n"
HOSTILE = {
    "media/x/notice.html": b"<!doctype html><script>alert(document.cookie)</script>",
    "media/x/drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "media/x/handler.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "media/x/photo.jpg": b"<html><body><script>alert(1)</script></body></html>",
    "media/x/page.xhtml": b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>",
}


@pytest.fixture(scope="module")
def site():  # type: ignore[no-untyped-def]
    with moto_site(seed=False) as site:
        for key, data in HOSTILE.items():
            site.put(key, data)
        site.put("media/x/report.pdf", PDF_WITH_SCRIPT)
        site.put("media/x/plan.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>')
        assert site.ingest() == {"batchItemFailures": []}
        yield site


@pytest.mark.parametrize("key", sorted(HOSTILE))
def test_active_content_is_refused_with_a_report_and_never_served(site, key):
    report = json.loads(site.report(key))
    # A name that says photo goes to the images function, which says it is no image; any other is not served.
    assert report["status"] in ("not served: readers cannot open it", "no sizes made: articles cannot show it")
    assert site.get("/" + key).status_code == 404
    item = MediaItem.get_or_none("media", key)
    assert item is not None and item.status == "invalid"


def test_a_pdf_is_a_download_that_can_run_nothing_in_the_sites_origin(site):
    response = site.client.http.get("/media/x/report.pdf", headers={"Accept": "application/pdf"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert MediaItem.get("media", "media/x/report.pdf").status == "ready"  # recorded, not ignored


def test_a_plain_svg_drawing_is_served_sandboxed(site):
    response = site.client.http.get("/media/x/plan.svg", headers={"Accept": "image/svg+xml"})
    assert response.status_code == 200 and response.headers["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.parametrize("key, head", [("media/a.exe", b"MZ"), ("media/a.pdf", b"<html>"), ("media/a.mp4", b"\x00" * 12),
                                       ("media/a.js", b"alert(1)"), ("media/a", b"x")])
def test_types_and_bytes_that_do_not_match_are_refused(key, head):
    with pytest.raises(media_types.MediaRefused):
        media_types.classify(key, head)
