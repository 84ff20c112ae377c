"""Generated WordPress exports (WXR 1.2), written as a stream: any number of posts in bounded memory.

Each post has a block-editor body (paragraphs, a heading, an image, a quote, an embed), two
categories of twenty, three tags of a hundred, an author of five, and a couple of comments, so a
large export exercises what a real one does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Generated News</title><link>https://big.example.org</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://big.example.org</wp:base_site_url><wp:base_blog_url>https://big.example.org</wp:base_blog_url>
"""
PARAGRAPH = ("<!-- wp:paragraph -->\n<p>Paragraph {n} of story {i}: the council said \"it's settled\" -- "
             "though the vote was close... Reporters asked again.</p>\n<!-- /wp:paragraph -->\n")


def post(i: int, comments: int = 2) -> str:
    date = dt.datetime(2015, 1, 1) + dt.timedelta(hours=7 * i)
    gmt = date.strftime("%Y-%m-%d %H:%M:%S")
    body = "".join(PARAGRAPH.format(n=n, i=i) for n in range(4)) + (
        f'<!-- wp:heading -->\n<h2 class="wp-block-heading">Section {i}</h2>\n<!-- /wp:heading -->\n'
        f'<!-- wp:image {{"align":"wide"}} -->\n<figure class="wp-block-image alignwide"><img src="https://cdn.example'
        f'.org/{i}.jpg" alt="Photo {i}"/></figure>\n<!-- /wp:image -->\n'
        '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n<p>A quote.</p>\n'
        '<!-- /wp:paragraph --><cite>A source</cite></blockquote>\n<!-- /wp:quote -->\n'
        f'<!-- wp:embed {{"url":"https://www.youtube.com/watch?v=vid{i:08d}","providerNameSlug":"youtube"}} -->\n'
        f'<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\nhttps://www.youtube.com/watch?v=vid'
        f'{i:08d}\n</div></figure>\n<!-- /wp:embed -->')
    said = "".join(
        f"<wp:comment><wp:comment_id>{i * 10 + c}</wp:comment_id><wp:comment_author><![CDATA[Reader {c}]]>"
        f"</wp:comment_author><wp:comment_date_gmt>{gmt}</wp:comment_date_gmt><wp:comment_content><![CDATA[Comment "
        f"{c} on {i}.]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment"
        f"</wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>" for c in range(comments))
    return (f"<item><title>Story number {i}</title><link>https://big.example.org/{date:%Y/%m/%d}/story-{i}/</link>"
            f"<dc:creator><![CDATA[writer{i % 5}]]></dc:creator><content:encoded><![CDATA[{body}]]></content:encoded>"
            f"<excerpt:encoded><![CDATA[]]></excerpt:encoded><wp:post_id>{i + 1}</wp:post_id>"
            f"<wp:post_date_gmt>{gmt}</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>"
            f"<wp:post_name>story-{i}</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            f'<category domain="category" nicename="section-{i % 20}"><![CDATA[Section {i % 20}]]></category>'
            f'<category domain="category" nicename="region-{i % 7}"><![CDATA[Region {i % 7}]]></category>'
            + "".join(f'<category domain="post_tag" nicename="topic-{(i * 3 + t) % 100}"><![CDATA[Topic '
                      f'{(i * 3 + t) % 100}]]></category>' for t in range(3))
            + f"{said}</item>\n")


def page(page_id: int, name: str, title: str, parent: int = 0) -> str:
    """A published page (``parent``: its parent page's id; 0 for none), with a nested WordPress address."""
    return (f"<item><title>{title}</title><link>https://big.example.org/{name}/</link>"
            f"<dc:creator><![CDATA[writer0]]></dc:creator><content:encoded><![CDATA[<!-- wp:paragraph -->\n<p>About "
            f"{title}.</p>\n<!-- /wp:paragraph -->]]></content:encoded><excerpt:encoded><![CDATA[]]></excerpt:encoded>"
            f"<wp:post_id>{page_id}</wp:post_id><wp:post_date_gmt>2015-01-01 00:00:00</wp:post_date_gmt>"
            f"<wp:comment_status>closed</wp:comment_status><wp:post_name>{name}</wp:post_name><wp:status>publish"
            f"</wp:status><wp:post_parent>{parent}</wp:post_parent><wp:post_type>page</wp:post_type></item>\n")


def write_export(path: Path, posts: int, comments: int = 2, pages: tuple[str, ...] = ()) -> Path:
    """An export of ``posts`` posts at ``path``, written piece by piece, then ``pages`` (each an item
    of ``page``)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD)
        for w in range(5):
            out.write(f"<wp:author><wp:author_login><![CDATA[writer{w}]]></wp:author_login><wp:author_display_name>"
                      f"<![CDATA[Writer {w}]]></wp:author_display_name></wp:author>\n")
        for c in range(20):
            out.write(f"<wp:category><wp:category_nicename>section-{c}</wp:category_nicename><wp:cat_name><![CDATA["
                      f"Section {c}]]></wp:cat_name></wp:category>\n")
        for c in range(7):
            out.write(f"<wp:category><wp:category_nicename>region-{c}</wp:category_nicename><wp:cat_name><![CDATA["
                      f"Region {c}]]></wp:cat_name></wp:category>\n")
        for i in range(posts):
            out.write(post(i, comments))
        out.writelines(pages)
        out.write("</channel></rss>\n")
    return path
