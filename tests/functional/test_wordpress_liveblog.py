"""A WordPress live blog of Automattic's Liveblog plugin imported (issue 46): its entries, which the plugin
keeps as comments of type ``liveblog`` (edits and deletions as later entries naming the one they replace,
``liveblog_replaces``; key events by ``liveblog_key_entry``), become one file each under the article."""

from __future__ import annotations

from click.testing import CliRunner

from devstack.wxr import HEAD
from newsroom.cli import main
from tests.functional.test_live_blog import anchors
from tests.functional.test_pages import text


def entry(wp_id: int, when: str, content: str, **meta: str) -> str:
    metas = "".join(f"<wp:commentmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value><![CDATA[{v}]]></wp:meta_value>"
                    "</wp:commentmeta>" for k, v in meta.items())
    return (f"<wp:comment><wp:comment_id>{wp_id}</wp:comment_id><wp:comment_author><![CDATA[Ana Reporter]]>"
            f"</wp:comment_author><wp:comment_date_gmt>{when}</wp:comment_date_gmt><wp:comment_content><![CDATA["
            f"{content}]]></wp:comment_content><wp:comment_approved>liveblog</wp:comment_approved>"
            f"<wp:comment_type>liveblog</wp:comment_type><wp:comment_parent>0</wp:comment_parent>{metas}</wp:comment>")


def export(state: str) -> str:
    comments = "".join([
        entry(11, "2024-05-01 09:00:00", "<p>Polls are open.</p>"),
        entry(12, "2024-05-01 09:10:00", "<p>Turnout is hihg.</p>"),
        entry(13, "2024-05-01 09:20:00", "<p>First results: <strong>the mayor leads</strong>.</p>",
              liveblog_key_entry="true"),
        entry(14, "2024-05-01 09:25:00", "<p>Turnout is high.</p>", liveblog_replaces="12"),
        entry(15, "2024-05-01 09:30:00", "<p>A rumour.</p>"),
        entry(16, "2024-05-01 09:31:00", "", liveblog_replaces="15"),
        "<wp:comment><wp:comment_id>17</wp:comment_id><wp:comment_author>Reader</wp:comment_author>"
        "<wp:comment_date_gmt>2024-05-01 09:40:00</wp:comment_date_gmt><wp:comment_content>Nice coverage"
        "</wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type>"
        "<wp:comment_parent>0</wp:comment_parent></wp:comment>",
    ])
    return (HEAD + "<item><title>Election day live</title><link>https://old.example.org/election-day-live/</link>"
            "<dc:creator><![CDATA[writer0]]></dc:creator><content:encoded><![CDATA[<p>Follow the vote.</p>]]>"
            "</content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>7</wp:post_id>"
            "<wp:post_date_gmt>2024-05-01 08:00:00</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>"
            "<wp:post_name>election-day-live</wp:post_name><wp:status>publish</wp:status>"
            "<wp:post_type>post</wp:post_type><wp:postmeta><wp:meta_key>liveblog</wp:meta_key>"
            f"<wp:meta_value><![CDATA[{state}]]></wp:meta_value></wp:postmeta>{comments}</item></channel></rss>\n")


def test_a_liveblog_plugin_post_imports_as_a_live_blog_with_its_edits_deletions_and_key_events(site, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(export("archive"))
    result = CliRunner().invoke(main, ["import-wordpress", str(path), "--no-wait"])
    assert result.exit_code == 0, result.output
    assert site.ingest() == {"batchItemFailures": []}
    page = site.get("/election-day-live/")
    html = page.body.decode()
    assert anchors(html) == ["entry-wp-13", "entry-wp-12", "entry-wp-11"]  # 15 was deleted in WordPress
    assert "Turnout is high." in html and "hihg" not in html and "A rumour" not in html
    assert "<strong>the mayor leads</strong>" in html and "By Ana Reporter" in html
    events = html[html.index('class="key-events"'):html.index("data-live-announce")]
    assert "First results: the mayor leads." in events
    assert "This live blog has ended" in text(page)  # archived in WordPress
    listed = site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="articles/election-day-live/live/")
    assert sorted(o["Key"] for o in listed["Contents"]) == [
        f"articles/election-day-live/live/wp-{n}.html" for n in (11, 12, 13, 15)]


def test_an_enabled_liveblog_is_still_live(site, tmp_path):
    path = tmp_path / "export.xml"
    path.write_text(export("enable"))
    assert CliRunner().invoke(main, ["import-wordpress", str(path), "--no-wait"]).exit_code == 0
    site.ingest()
    page = site.get("/election-day-live/")
    assert "Live updates" in text(page) and "/static/live." in page.body.decode()
