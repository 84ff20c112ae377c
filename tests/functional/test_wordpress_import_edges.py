"""WordPress imports that must be refused, dry runs, and uploads copied into media/."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from newsroom.cli import main
from tests.functional.test_wordpress_import import CORPUS

# --- hostile and broken exports -----------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><title>&lol3;</title><wp:wxr_version xmlns:wp="http://wordpress.org/export/1.2/">1.2</wp:wxr_version>
</channel></rss>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&secret;</title></channel></rss>"""
MALFORMED = """<?xml version="1.0"?>
<rss><channel><title>Broken</title><item><title>Unclosed</item></channel></rss>"""
NOT_WXR = """<?xml version="1.0"?><rss><channel><title>A plain RSS feed</title></channel></rss>"""


@pytest.mark.parametrize("text, message", [
    (BILLION_LAUGHS, "refused: the file declares a DTD or entities"),
    (EXTERNAL_ENTITY, "refused: the file declares a DTD or entities"),
    (MALFORMED, "not well-formed XML at line 2"),
    (NOT_WXR, "not a WordPress export (WXR)"),
], ids=["billion-laughs", "external-entity", "malformed", "not-wxr"])
def test_hostile_or_broken_exports_are_refused_and_nothing_is_uploaded(site, tmp_path, text, message):
    export = tmp_path / "export.xml"
    export.write_text(text)
    result = CliRunner().invoke(main, ["import-wordpress", str(export)])
    assert result.exit_code == 2
    assert f"Import refused, nothing uploaded: {export}: {message}" in result.output
    assert "passwd" not in result.output and "lollol" not in result.output
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket).get("KeyCount") == 0


def test_dry_run_reports_and_uploads_nothing(site, tmp_path):
    result = CliRunner().invoke(main, ["import-wordpress", str(CORPUS), "--dry-run", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "  posts        50 imported, 1 unpublished" in result.output  # a draft; the protected post is kept protected
    assert "  blocks       272 rendered, 12 reported (see the notes)" in result.output  # page breaks are kept
    assert "note: post 1736 (Block category: Widgets): block wp:latest-posts: drawn by WordPress from the whole site" \
        in result.output
    assert re.search(r"Dry run: \d+ files would be uploaded; nothing was\.", result.output)
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket).get("KeyCount") == 0
    assert (tmp_path / "out" / "articles" / "template-sticky.html").exists()


def test_uploads_found_locally_are_copied_to_media_and_shown(site, tmp_path):
    export = tmp_path / "small.xml"
    export.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.1/" xmlns:excerpt="http://wordpress.org/export/1.1/excerpt/">
<channel><title>Old site</title><link>https://old.example.com</link><wp:wxr_version>1.1</wp:wxr_version>
<wp:base_blog_url>https://old.example.com</wp:base_blog_url>
<wp:author><wp:author_login>ed</wp:author_login><wp:author_display_name>Ed Itor</wp:author_display_name></wp:author>
<item><title>Harbour at dawn</title><link>https://old.example.com/2019/05/harbour/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[Boats came in.

[caption id="attachment_9" width="2"]<img src="https://old.example.com/wp-content/uploads/2019/05/boat.png" alt="A boat" width="2" height="1" /> The boat[/caption]

See <a href="https://old.example.com/2019/05/harbour/">this post</a> and [gallery ids="9"].]]></content:encoded>
<excerpt:encoded><![CDATA[<b>Boats</b> at dawn.]]></excerpt:encoded>
<wp:post_id>7</wp:post_id><wp:post_date_gmt>2019-05-02 06:00:00</wp:post_date_gmt><wp:post_name>harbour</wp:post_name>
<wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>
<category domain="category" nicename="local-news"><![CDATA[Local news]]></category>
<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>9</wp:meta_value></wp:postmeta>
</item>
<item><title>boat</title><wp:post_id>9</wp:post_id><wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
<wp:post_parent>7</wp:post_parent><wp:attachment_url>https://old.example.com/wp-content/uploads/2019/05/boat.png</wp:attachment_url>
</item>
</channel></rss>""")
    from devstack.photos import png

    uploads = tmp_path / "uploads" / "2019" / "05"
    uploads.mkdir(parents=True)
    (uploads / "boat.png").write_bytes(png(2, 1))
    result = CliRunner().invoke(main, ["import-wordpress", str(export), "--media-from", str(tmp_path / "uploads"),
                                       "--no-wait"])
    assert result.exit_code == 0, result.output
    assert "  attachments  1 imported" in result.output
    site.ingest()
    body = site.get("/harbour/").body.decode()
    # Shown by its sizes (the images function made them from the copy), never the original.
    assert re.search(r'<picture>.*<img alt="A boat" src="/sizes/2019/05/boat-\w+-2\.png" srcset="[^"]+" sizes="[^"]+" '
                     r'width="2" height="1"', body) and "/media/2019/05/boat.png" not in body
    assert "<figcaption>The boat</figcaption>" in body
    assert 'href="/2019/05/harbour/"' in body  # links to the old site point at its permalinks, which redirect
    assert 'By <a href="/author/ed/" rel="author">Ed Itor</a>' in body and "Boats at dawn." in body
    assert site.get("/2019/05/harbour/").status_code == 301
    assert site.s3.head_object(Bucket=site.stack.bucket, Key="media/2019/05/boat.png")["ContentLength"] > 0


# --- exports of any size ----------------------------------------------------------------------

def test_the_export_is_read_as_a_stream_a_few_items_in_memory_at_a_time(tmp_path):
    from chalicelib.imports.wordpress import read_export
    from devstack.wxr import write_export

    export = write_export(tmp_path / "big.xml", posts=300, comments=1)
    stream = read_export(export)
    channel = next(stream)
    held = []
    for item in stream:
        held.append(sum(1 for child in channel if child.tag == "item"))
        assert item.find("content_encoded") is not None
    # Each item leaves the tree once used; the few still there are the parser's read-ahead (a 16 KiB
    # buffer, items of about 2.5 KB), the same at the end of the file as at its start.
    assert len(held) == 300 and max(held) <= 10 and max(held[-100:]) <= 10
    assert channel.find("title").text == "Generated News"


def test_a_generated_export_converts_whole(tmp_path):
    from chalicelib.imports.wordpress import convert
    from devstack.wxr import write_export

    migration = convert(write_export(tmp_path / "big.xml", posts=1000))
    assert migration.counts()["post"] == {"imported": 1000}
    assert len(migration.comments) == 2000 and migration.blocks == {"rendered": 9000}
    story = migration.files["articles/story-999.html"].decode()
    assert "aliases:\n- /2015/10/19/story-999/\n- /?p=1000\n" in story
    assert '<figure class="wp-block-embed embed-card"><a href="https://www.youtube.com/watch?v=vid00000999">' in story


def test_an_export_cut_short_is_refused_with_its_line_and_nothing_converted(site, tmp_path):
    from devstack.wxr import write_export

    export = write_export(tmp_path / "big.xml", posts=50)
    text = export.read_text()
    export.write_text(text[: len(text) * 2 // 3])
    result = CliRunner().invoke(main, ["import-wordpress", str(export)])
    assert result.exit_code == 2
    assert re.search(r"Import refused, nothing uploaded: .*big\.xml: not well-formed XML at line \d+, column \d+",
                     result.output), result.output
    assert site.s3.list_objects_v2(Bucket=site.stack.bucket).get("KeyCount") == 0


MEDIA_EXPORT = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.2/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel><title>Old site</title><link>https://old.example.com</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>https://old.example.com</wp:base_blog_url>
<item><title>Harbour</title><link>https://old.example.com/harbour/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[<!-- wp:image {"id":9,"sizeSlug":"medium"} -->
<figure class="wp-block-image size-medium"><img src="https://old.example.com/wp-content/uploads/2019/05/boat-300x150.png"
 alt="A boat" class="wp-image-9"/></figure>
<!-- /wp:image -->
<!-- wp:image -->
<figure class="wp-block-image"><img src="https://old.example.com/wp-content/uploads/2019/05/gone.png" alt="Gone"/></figure>
<!-- /wp:image -->]]></content:encoded>
<wp:post_id>7</wp:post_id><wp:post_date_gmt>2019-05-02 06:00:00</wp:post_date_gmt><wp:post_name>harbour</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
</item>
<item><title>boat</title><wp:post_id>9</wp:post_id><wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>
<wp:post_parent>7</wp:post_parent><wp:attachment_url>https://old.example.com/wp-content/uploads/2019/05/boat.png</wp:attachment_url>
<wp:postmeta><wp:meta_key>_wp_attachment_metadata</wp:meta_key><wp:meta_value><![CDATA[a:4:{s:5:"width";i:600;s:6:"height";i:300;s:4:"file";s:15:"2019/05/boat.png";s:5:"sizes";a:2:{s:6:"medium";a:4:{s:4:"file";s:16:"boat-300x150.png";s:5:"width";i:300;s:6:"height";i:150;s:9:"mime-type";s:9:"image/png";}s:9:"thumbnail";a:4:{s:4:"file";s:16:"boat-150x150.png";s:5:"width";i:150;s:6:"height";i:150;s:9:"mime-type";s:9:"image/png";}}}]]></wp:meta_value></wp:postmeta>
</item>
</channel></rss>"""


def _uploads(root):  # type: ignore[no-untyped-def]
    from devstack.photos import png

    folder = root / "wp-content" / "uploads" / "2019" / "05"
    folder.mkdir(parents=True)
    for name, size in (("boat.png", (600, 300)), ("boat-300x150.png", (300, 150)), ("boat-150x150.png", (150, 150)),
                       ("boat-1024x512.png", (1024, 512))):
        (folder / name).write_bytes(png(*size))
    return root


@pytest.mark.parametrize("where", ["folder", "address"])
def test_uploads_and_their_size_variants_come_from_a_folder_or_the_old_sites_address(site, tmp_path, where):
    import functools
    import http.server
    import threading

    export = tmp_path / "export.xml"
    export.write_text(MEDIA_EXPORT)
    root = _uploads(tmp_path / "old")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = str(root / "wp-content" / "uploads") if where == "folder" else \
            f"http://127.0.0.1:{server.server_port}"
        result = CliRunner().invoke(main, ["import-wordpress", str(export), "--media-from", source, "--no-wait",
                                           "--report", str(tmp_path / "report.json")])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    variants = 3 if where == "folder" else 2  # a folder also shows a variant its metadata does not name
    assert "  attachments  1 imported" in result.output
    import json

    [attachment] = [o for o in json.loads((tmp_path / "report.json").read_text())["items"] if o["kind"] == "attachment"]
    assert attachment["reason"] == f"copied to /media/2019/05/boat.png with {variants} size variants"
    stored = {o["Key"] for o in site.s3.list_objects_v2(Bucket=site.stack.bucket)["Contents"]}
    assert {"media/2019/05/boat.png", "media/2019/05/boat-300x150.png", "media/2019/05/boat-150x150.png"} <= stored
    assert ("media/2019/05/boat-1024x512.png" in stored) == (where == "folder")
    if where == "address":
        assert "could not download http://127.0.0.1:" in result.output and "gone.png" in result.output
    site.ingest()
    body = site.get("/harbour/").body.decode()
    assert '<img class="wp-image-9"' not in body and 'src="/sizes/2019/05/boat-300x150-' in body
    assert "/media/2019/05/boat" not in body
    assert 'src="https://old.example.com/wp-content/uploads/2019/05/gone.png"' in body


def test_media_from_must_be_a_folder_or_an_address(tmp_path):
    export = tmp_path / "export.xml"
    export.write_text(MEDIA_EXPORT)
    result = CliRunner().invoke(main, ["import-wordpress", str(export), "--media-from", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "is neither a folder nor an http(s):// address" in result.output


@pytest.mark.parametrize("encoding, words", [
    ("UTF-7", "declares the encoding 'UTF-7', which this importer does not read"),
    ("x-nonsense", "declares the encoding 'x-nonsense', which is not one known here"),
    ("UTF-16", "declares the encoding 'UTF-16', which this importer does not read"),
])
def test_an_export_in_an_encoding_it_cannot_read_is_refused_in_one_line(tmp_path, encoding, words):
    from click.testing import CliRunner

    from newsroom.cli import main

    export = tmp_path / "export.xml"
    export.write_text(f'<?xml version="1.0" encoding="{encoding}"?>\n<rss><channel></channel></rss>\n')
    result = CliRunner().invoke(main, ["import-wordpress", str(export), "--dry-run"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"Import refused, nothing uploaded: {export}: {words}; save the "
                                                  "export as UTF-8" if "not one known" in words else
                                                  f"Import refused, nothing uploaded: {export}: {words} (it must be "
                                                  "ASCII-compatible, as UTF-8 is); save the export as UTF-8"]


def test_blocks_nested_five_hundred_deep_keep_their_words_and_are_reported(tmp_path):
    from chalicelib.imports import blocks
    from chalicelib.imports.wordpress import convert
    from devstack.wxr import HEAD

    deep = "<!-- wp:group --><div>" * 500 + "<p>Still here.</p>" + "</div><!-- /wp:group -->" * 500
    item = (f"<item><title>Deep</title><wp:post_id>7</wp:post_id><wp:post_date_gmt>2024-01-02 10:00:00"
            f"</wp:post_date_gmt><wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
            f"<wp:post_name>deep</wp:post_name><content:encoded><![CDATA[{deep}]]></content:encoded></item>")
    export = tmp_path / "deep.xml"
    export.write_text(HEAD + item + "</channel></rss>\n")
    migration = convert(export)
    [body] = [data.decode() for key, data in migration.files.items() if key.startswith("articles/")]
    assert "Still here." in body
    assert any(f"nested more than {blocks.MAX_BLOCK_DEPTH} deep" in note
               for notes in migration.notes.values() for note in notes)


def test_media_from_an_address_follows_no_redirect_to_another_site(tmp_path):
    """The old site answering 302 to an internal address must not get that answer published as media."""
    import http.server
    import threading

    from chalicelib.imports.wordpress import MediaSource

    class Inside(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # type: ignore[no-untyped-def]
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"secret from the inside")

        def log_message(self, *args):  # type: ignore[no-untyped-def]
            pass

    inside = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Inside)

    class Old(Inside):
        def do_GET(self):  # type: ignore[no-untyped-def]
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{inside.server_port}/latest/meta-data/")
            self.end_headers()

    old = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Old)
    for server in (inside, old):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        source = MediaSource(f"http://127.0.0.1:{old.server_port}", cache=tmp_path / "cache")
        assert source.get("2019/05/boat.png") is None
    finally:
        inside.shutdown()
        old.shutdown()
    assert "a redirect away from" in source.failures["2019/05/boat.png"]
    assert not any((tmp_path / "cache").rglob("*.png"))


def test_media_from_a_folder_reads_no_link_out_of_it(tmp_path):
    from chalicelib.imports.wordpress import MediaSource

    uploads = tmp_path / "uploads" / "2019" / "05"
    uploads.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0")
    (uploads / "passwd.png").symlink_to(secret)
    (uploads / "fine.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    source = MediaSource(str(tmp_path / "uploads"))
    assert source.get("2019/05/passwd.png") is None
    assert "is a link out of the folder" in source.failures["2019/05/passwd.png"]
    assert source.get("2019/05/fine.png") == (uploads / "fine.png").resolve()


def test_a_private_address_is_named_as_such():
    from chalicelib.imports.fetch import FetchRefused, addresses

    for host in ("127.0.0.1", "169.254.169.254"):
        with pytest.raises(FetchRefused) as refused:
            addresses(host, allow_private=False)
        assert str(refused.value) == f"{host} is on a private network ({host})"


def test_an_old_address_two_items_claim_leads_to_the_first_and_the_second_is_told(tmp_path):
    from chalicelib.imports.uploads import problems_of
    from chalicelib.imports.wordpress import convert
    from devstack.wxr import HEAD

    def post(post_id: int, name: str) -> str:
        return (f"<item><title>{name}</title><link>https://big.example.org/old-address/</link>"
                f"<wp:post_id>{post_id}</wp:post_id><wp:post_date_gmt>2024-01-02 10:00:00</wp:post_date_gmt>"
                f"<wp:post_type>post</wp:post_type><wp:status>publish</wp:status><wp:post_name>{name}</wp:post_name>"
                "<content:encoded><![CDATA[<p>Words.</p>]]></content:encoded></item>")

    export = tmp_path / "twice.xml"
    export.write_text(HEAD + post(1, "first") + post(2, "second") + "</channel></rss>\n")
    migration = convert(export)
    assert "aliases:\n- /old-address/\n- /?p=1\n" in migration.files["articles/first.html"].decode()
    assert "aliases:\n- /?p=2\n" in migration.files["articles/second.html"].decode()
    assert migration.notes["post 2 (second)"] == [
        "old address /old-address/ already leads to articles/first.html; left out of its aliases"]
    assert problems_of(migration.files) == {}
