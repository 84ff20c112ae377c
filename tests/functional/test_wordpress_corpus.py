"""Every export in the WordPress importer's own test corpus imports, or is refused saying where.

``tests/data/wordpress-importer/`` is ``../shared/corpora/wordpress-importer/``
(the WordPress importer's phpunit data, GPL-2.0), vendored so CI's fresh clone
has it. Nobody here wrote these files. A valid export is imported with
``newsroom import-wordpress`` as an editor runs it, then ingested; every item
the report says was imported is at its new URL, its old permalink redirects,
nothing unpublished is visible, and a second run changes nothing. A file that
is not well-formed WXR is refused with its line and column, and nothing is
uploaded. ``--dry-run`` predicts the real run's outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from newsroom.cli import main

CORPUS = Path(__file__).resolve().parents[1] / "data" / "wordpress-importer"
EXPORTS = sorted(p.name for p in CORPUS.glob("*.xml"))
# Refused, and what the refusal says: where the XML breaks, or why it is no WordPress export.
REFUSED = {
    # Nested CDATA: "]]>" inside content, which XML forbids and WordPress's exporter never writes.
    "crazy-cdata.xml": "not well-formed XML at line 18, column 72",
    "malformed-simple.xml": "not well-formed XML at line 14, column 1",
    "malformed.xml": "not well-formed XML at line 90, column 3",
    "missing-version-tag.xml": "not a WordPress export (WXR): no <rss><channel> with <wp:wxr_version>",
}


def _ingest_all(site) -> None:  # type: ignore[no-untyped-def]
    for _ in range(5):
        if site.ingest() == {"batchItemFailures": []} and not site.receive():
            return


def _bucket_keys(site) -> list[str]:  # type: ignore[no-untyped-def]
    return [o["Key"] for o in site.s3.list_objects_v2(Bucket=site.stack.bucket).get("Contents", [])]


def _posts(export: Path) -> dict[str, tuple[str | None, str]]:
    """Post and page id -> (the permalink path WordPress served it at, its GMT date), read with the
    standard library."""
    out = {}
    for item in ElementTree.parse(export).getroot().iter("item"):
        fields: dict[str, str] = {}
        for element in item:  # WordPress's own namespace only (the corpus plants look-alikes)
            wp_field = re.fullmatch(r"\{https?://wordpress\.org/export/1\.\d/\}(\w+)", element.tag)
            if wp_field:
                fields.setdefault(wp_field.group(1), element.text or "")
        link = urlsplit(item.findtext("link") or "")
        path = unquote(link.path) if link.path.strip("/") and not link.query else None
        if fields.get("post_id"):
            out[fields["post_id"]] = (path, fields.get("post_date_gmt", ""))
    return out


def _term_ids(export: Path) -> list[tuple[str, str, str]]:
    """(kind, "cat=5" / "author=2", slug) of every category and author with a WordPress id."""
    from chalicelib.content.content_format import normalize_slug

    out = []
    for element in ElementTree.parse(export).getroot().iter():
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
        if local == "category" and fields.get("term_id", "").isdigit() and fields.get("category_nicename"):
            out.append(("category", f"cat={int(fields['term_id'])}", unquote(fields["category_nicename"])))
        if local == "author" and fields.get("author_id", "").isdigit() and fields.get("author_login"):
            out.append(("author", f"author={int(fields['author_id'])}", normalize_slug(fields["author_login"])))
    return out


def report_keys(report: dict) -> set[str]:
    return {o["key"] for o in report["items"] if o["key"]}


def test_the_corpus_is_the_importers_whole_set():
    assert len(EXPORTS) == 33
    assert set(REFUSED) <= set(EXPORTS)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_malformed_export_is_refused_saying_where_and_nothing_is_uploaded(site, name):
    for flags in (["--dry-run"], []):
        result = CliRunner().invoke(main, ["import-wordpress", str(CORPUS / name), *flags])
        assert result.exit_code == 2, result.output
        assert "Import refused, nothing uploaded" in result.output
        assert REFUSED[name] in result.output
    assert _bucket_keys(site) == []


@pytest.mark.parametrize("name", [n for n in EXPORTS if n not in REFUSED])
def test_a_valid_export_imports_whole_and_every_old_url_answers(site, tmp_path, name):
    export = CORPUS / name
    dry = CliRunner().invoke(main, ["import-wordpress", str(export), "--dry-run"])
    assert dry.exit_code == 0, dry.output  # the dry run predicts a clean import...
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["import-wordpress", str(export), "--no-wait", "--report", str(report_path)])
    assert result.exit_code == 0, result.output  # ...and the real run is one
    _ingest_all(site)
    report = json.loads(report_path.read_text())
    for key in {o["key"] for o in report["items"] if o["key"]}:
        assert site.refusal(key) is None, (key, site.report(key))  # the site refused none of its files

    posts = _posts(export)
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    for item in report["items"]:
        if item["kind"] not in ("post", "page") or item["status"] not in ("imported", "unpublished"):
            continue
        slug = Path(item["key"]).stem
        page = site.get(f"/{quote(slug)}/")
        post_id = re.match(r"(?:post|page) (\d+) ", item["name"]).group(1)
        old, date = posts[post_id]
        if item["status"] == "unpublished" or ("scheduled" in item["reason"] and date > now):
            assert page.status_code == 404, (name, item)  # nothing unpublished is visible
            continue
        assert page.status_code == 200, (name, item)  # (a post scheduled for a date now past is live)
        by_id = site.get(f"/?{'p' if item['kind'] == 'post' else 'page_id'}={post_id}")  # WordPress's own form
        assert by_id.status_code == 301 and by_id.headers["Location"].endswith(f"/{quote(slug)}/"), (name, item)
        if old and old.strip("/") != slug:
            moved = site.get(quote(old))
            assert moved.status_code == 301, (name, old)
            assert moved.headers["Location"].endswith(f"/{slug}/")

    for kind, parameter, slug in _term_ids(export):  # WordPress's ?cat=ID and ?author=ID
        key = f"{'categories' if kind == 'category' else 'authors'}/{slug}.yaml"
        if key not in report_keys(report):
            continue
        by_id = site.get(f"/?{parameter}")
        assert by_id.status_code == 301 and by_id.headers["Location"].endswith(f"/{kind}/{quote(slug)}/"), \
            (name, parameter, by_id.status_code)

    again = CliRunner().invoke(main, ["import-wordpress", str(export), "--no-wait"])
    assert again.exit_code == 0, again.output
    assert "0 uploaded" in again.output or "Uploading" not in again.output
    assert site.receive() == []  # nothing changed, nothing sent to ingest


def test_categories_and_authors_may_have_any_slug_wordpress_allowed(site):
    """small-export.xml has an author 'author' and test-serialized-term-meta.xml a category 'category':
    both were refused as reserved, though they live under /author/ and /category/."""
    for name in ("small-export.xml", "test-serialized-term-meta.xml"):
        result = CliRunner().invoke(main, ["import-wordpress", str(CORPUS / name), "--no-wait"])
        assert result.exit_code == 0, result.output
    _ingest_all(site)
    assert site.report("authors/author.yaml") is None
    assert site.report("categories/category.yaml") is None
    assert site.get("/category/category/").status_code in (200, 404)  # an empty category has no archive page
    assert site.get("/author/author/").status_code == 200


def test_the_report_says_what_the_site_made_of_each_item(site, tmp_path, monkeypatch):
    """A post the site refuses (its slug belongs to a file already here) is 'refused' in the report, with why."""
    from newsroom import publisher

    site.put("articles/ours.md", "---\ntitle: Ours\ndate: 2024-01-01\nslug: hello-world\n---\n\nAlready here.\n")
    site.ingest()
    monkeypatch.setattr(publisher.time, "sleep", lambda seconds: site.ingest())
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["import-wordpress", str(CORPUS / "wxr-simple.xml"), "--timeout", "30",
                                       "--report", str(report_path)])
    assert result.exit_code == 1, result.output
    report = json.loads(report_path.read_text())
    post = next(o for o in report["items"] if o["key"] == "articles/hello-world.html")
    assert post["status"] == "refused"
    assert "'hello-world' is already used by articles/ours.md" in post["reason"]
    assert report["uploaded"] is True


def test_a_dry_run_refuses_what_the_real_run_would_refuse(site, monkeypatch):
    """Whatever the converter makes, the dry run checks it exactly as the real run does before uploading."""
    from chalicelib.imports import wordpress

    convert = wordpress.convert

    def with_a_bad_file(*args, **kwargs):  # type: ignore[no-untyped-def]
        migration = convert(*args, **kwargs)
        migration.files["articles/bad.html"] = b"---\ntitle: Bad\ndate: July 12\n---\n\n<p>x</p>\n"
        return migration

    monkeypatch.setattr(wordpress, "convert", with_a_bad_file)
    dry, real = (CliRunner().invoke(main, ["import-wordpress", str(CORPUS / "wxr-simple.xml"), *flags])
                 for flags in (["--dry-run"], ["--no-wait"]))
    for run in (dry, real):
        assert run.exit_code == 1, run.output
        assert "articles/bad.html: date: is not an ISO 8601 date: 'July 12'" in run.output
    assert "1 file(s) have problems; nothing would be uploaded." in dry.output
    assert "1 file(s) have problems; nothing was uploaded." in real.output
    assert _bucket_keys(site) == []
