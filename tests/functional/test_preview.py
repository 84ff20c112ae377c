"""Secret previews of drafts and scheduled articles (issue 18; chalicelib/preview.py)."""

from __future__ import annotations

import json
import re
import time

from click.testing import CliRunner

from chalicelib import preview
from newsroom.cli import main as newsroom
from tests.functional.test_ingest import article


def link_of(site, key: str) -> str | None:  # type: ignore[no-untyped-def]
    """The preview link in the file's status record in the bucket (what any S3 client can read)."""
    try:
        record = site.s3.get_object(Bucket=site.stack.bucket, Key=f"previews/{key}.json")
    except site.s3.exceptions.NoSuchKey:
        return None
    return json.loads(record["Body"].read())["preview"]


def test_a_drafts_preview_shows_it_noindexed_and_uncached_and_nowhere_else(site):
    site.put("articles/secret.md", article(title="Embargoed scoop", draft="true", categories="[Tehran]"))
    site.ingest()
    link = link_of(site, "articles/secret.md")
    assert link and link.startswith("/preview/")
    page = site.get(link)
    body = page.body.decode()
    assert page.status_code == 200 and "Embargoed scoop" in body and "Stocks in Tehran rose" in body
    assert '<meta name="robots" content="noindex, nofollow">' in body and "Preview: readers cannot see" in body
    assert page.headers["Cache-Control"] == "private, no-store" and "ETag" not in page.headers
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the secret does not leak in Referer
    assert "Leave a comment" not in body
    for path in ("/", "/feed/", "/category/tehran/", "/sitemaps/posts-2024-03.xml", "/search/?q=embargoed",
                 "/sitemaps/news.xml", "/secret/"):
        assert "Embargoed scoop" not in site.get(path).body.decode() and "/secret/" not in \
            site.get(path).body.decode().replace("/preview/", ""), path


def test_a_scheduled_article_has_a_preview_until_it_is_live(site):
    site.put("articles/later.md", article(title="Tomorrow's story", date="2999-01-01"))
    site.ingest()
    link = link_of(site, "articles/later.md")
    assert "Tomorrow" in site.get(link).body.decode()


def test_tampered_and_expired_tokens_get_404(site, settings):
    site.put("articles/secret.md", article(title="Embargoed scoop", draft="true"))
    site.ingest()
    link = link_of(site, "articles/secret.md")
    token = link.removeprefix("/preview/").rstrip("/")
    payload, signature = token.split(".")
    tampered = [f"{payload}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}", f"{payload}x.{signature}",
                "nonsense", "a.b", token + "x"]
    for bad in tampered:
        response = site.get(f"/preview/{bad}/")
        assert response.status_code == 404 and response.headers["Cache-Control"] == "no-store", bad
        assert "Embargoed" not in response.body.decode()
    slug, etag = preview.read(token)
    expired = preview.token_for(slug, etag, int(time.time()) - 1)
    assert site.get(f"/preview/{expired}/").status_code == 404
    settings(cursor_secret=b"another stage's secret")
    assert site.get(link).status_code == 404  # signed by this stage only


def test_publishing_replacing_or_deleting_the_file_revokes_the_preview(site):
    site.put("articles/secret.md", article(title="Embargoed scoop", draft="true"))
    site.ingest()
    first = link_of(site, "articles/secret.md")
    site.put("articles/secret.md", article(title="Embargoed scoop, revised", draft="true"))
    site.ingest()
    second = link_of(site, "articles/secret.md")
    assert second != first and site.get(first).status_code == 404  # replaced: the old link is dead
    assert "revised" in site.get(second).body.decode()
    site.put("articles/secret.md", article(title="Embargoed scoop, revised"))  # published
    site.ingest()
    assert site.get(second).status_code == 404 and site.get("/secret/").status_code == 200
    assert link_of(site, "articles/secret.md") is None  # the status record goes with it
    site.put("articles/secret.md", article(title="Back to draft", draft="true"))
    site.ingest()
    third = link_of(site, "articles/secret.md")
    site.delete("articles/secret.md")
    site.ingest()
    assert site.get(third).status_code == 404 and link_of(site, "articles/secret.md") is None


def test_newsroom_publish_prints_the_preview_link(site, tmp_path):
    import threading

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "draft.md").write_text(article(title="Draft", draft="true"))
    stop = threading.Event()

    def ingest_meanwhile() -> None:
        while not stop.is_set():
            site.ingest()
            time.sleep(0.2)

    worker = threading.Thread(target=ingest_meanwhile)
    worker.start()
    try:
        result = CliRunner().invoke(newsroom, ["publish", str(folder / "draft.md"), "--timeout", "30"])
    finally:
        stop.set()
        worker.join()
    assert result.exit_code == 0, result.output
    assert re.search(r"draft\s+articles/draft\.md\s+/draft/ \(a draft: not shown\); preview: /preview/\S+/ \(until ",
                     result.output), result.output


def test_an_ended_preview_link_stays_ended_when_the_same_bytes_are_uploaded_again(site):
    """The token names the upload (its S3 version), not the bytes: taking a draft down ends its link,
    and uploading the very same file again makes a new link, never the old one working again."""
    draft = article(title="Embargoed scoop", draft="true")
    site.put("articles/secret.md", draft)
    site.ingest()
    old = link_of(site, "articles/secret.md")
    assert site.get(old).status_code == 200
    site.delete("articles/secret.md")
    site.ingest()
    assert site.get(old).status_code == 404
    site.put("articles/secret.md", draft)  # the same bytes
    site.ingest()
    new = link_of(site, "articles/secret.md")
    assert new != old and site.get(new).status_code == 200
    assert site.get(old).status_code == 404
