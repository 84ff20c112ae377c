"""WordPress exports of a whole site's shapes, generated from a seed: what the parity check needs beyond
the corpus nobody here wrote.

Each export has authors with and without posts, categories and tags with and without posts, posts that
are published, private, drafts and password-protected, pages nested up to three deep
(``/parent/child/grandchild/``), and attachments of posts. ``site_export(random.Random(seed))`` is
deterministic; the tests draw seeds with hypothesis (``st.randoms``), and ``make record-wordpress-urls``
records WordPress's answers for the ones written with ``python -m devstack.site_exports DIR SEED...``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from xml.sax.saxutils import escape

WORDS = ("harbour", "council", "budget", "river", "school", "market", "vote", "storm", "bridge", "festival",
         "court", "rail", "museum", "harvest", "energy", "library", "clinic", "port", "garden", "summit")
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Generated Site {seed}</title><link>https://generated.example.org</link>
<description>Shapes of a real site</description><language>en-US</language><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://generated.example.org</wp:base_site_url>
<wp:base_blog_url>https://generated.example.org</wp:base_blog_url>
"""


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def site_export(rng: random.Random, seed: int | str = "") -> str:
    """One export: a few dozen items of every shape the parity check compares."""
    used: set[str] = set()

    def slug(words: int = 2) -> str:
        while True:
            made = "-".join(rng.choice(WORDS) for _ in range(words))
            made = made if made not in used else f"{made}-{len(used)}"
            if made not in used:
                used.add(made)
                return made

    authors = [f"writer{n}" for n in range(rng.randint(2, 4))]
    categories = [slug(1) + "-desk" for _ in range(rng.randint(2, 5))]
    tags = [slug(1) + "-topic" for _ in range(rng.randint(2, 6))]
    out = [HEAD.format(seed=seed)]
    for n, login in enumerate(authors, 1):
        out.append(f"<wp:author><wp:author_id>{n}</wp:author_id><wp:author_login>{_cdata(login)}</wp:author_login>"
                   f"<wp:author_display_name>{_cdata(login.title())}</wp:author_display_name></wp:author>\n")
    for n, name in enumerate(categories, 2):
        out.append(f"<wp:category><wp:term_id>{n}</wp:term_id><wp:category_nicename>{_cdata(name)}"
                   f"</wp:category_nicename><wp:category_parent></wp:category_parent><wp:cat_name>"
                   f"{_cdata(name.replace('-', ' ').title())}</wp:cat_name></wp:category>\n")
    for n, name in enumerate(tags, 50):
        out.append(f"<wp:tag><wp:term_id>{n}</wp:term_id><wp:tag_slug>{_cdata(name)}</wp:tag_slug><wp:tag_name>"
                   f"{_cdata(name.replace('-', ' ').title())}</wp:tag_name></wp:tag>\n")
    post_id = 100
    # Only the first author and some terms get posts: the rest stay empty, as on a real site.
    writing = authors[: max(1, len(authors) - 1)]
    filed = categories[: max(1, len(categories) - 1)]
    tagged = tags[: max(1, len(tags) - 2)]
    for n in range(rng.randint(4, 10)):
        post_id += 1
        status, password = rng.choice([("publish", "")] * 5 + [("private", ""), ("draft", ""),
                                                                ("publish", "open sesame")])
        day = f"20{rng.randint(15, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 0{rng.randint(0, 9)}:00:00"
        name = slug(rng.randint(2, 3))
        paragraphs = "".join(f"<!-- wp:paragraph -->\n<p>The {rng.choice(WORDS)} {rng.choice(WORDS)} story {n}, "
                             f"part {k}: &#8220;quoted&#8221; -- and more.</p>\n<!-- /wp:paragraph -->\n"
                             for k in range(rng.randint(1, 4)))
        terms = (f'<category domain="category" nicename="{c}">{_cdata(c.replace("-", " ").title())}</category>'
                 for c in rng.sample(filed, rng.randint(1, len(filed))))
        labels = (f'<category domain="post_tag" nicename="{t}">{_cdata(t.replace("-", " ").title())}</category>'
                  for t in rng.sample(tagged, rng.randint(0, len(tagged))))
        out.append(f"<item><title>{escape(name.replace('-', ' ').title())}</title>"
                   f"<link>https://generated.example.org/{name}/</link><dc:creator>{_cdata(rng.choice(writing))}"
                   f"</dc:creator><content:encoded>{_cdata(paragraphs)}</content:encoded><excerpt:encoded>"
                   f"{_cdata('')}</excerpt:encoded><wp:post_id>{post_id}</wp:post_id><wp:post_date>{day}</wp:post_date>"
                   f"<wp:post_date_gmt>{day}</wp:post_date_gmt><wp:comment_status>open</wp:comment_status>"
                   f"<wp:post_name>{_cdata(name)}</wp:post_name><wp:status>{status}</wp:status>"
                   f"<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type>"
                   f"<wp:post_password>{_cdata(password)}</wp:post_password>{''.join(terms)}{''.join(labels)}"
                   "</item>\n")
        if rng.random() < 0.4:  # a photo of this post, in the media library
            post_id += 1
            photo = slug(1) + "-photo"
            out.append(f"<item><title>{photo}</title><link>https://generated.example.org/{name}/{photo}/</link>"
                       f"<dc:creator>{_cdata(writing[0])}</dc:creator><content:encoded>{_cdata('')}</content:encoded>"
                       f"<wp:post_id>{post_id}</wp:post_id><wp:post_date>{day}</wp:post_date><wp:post_date_gmt>{day}"
                       f"</wp:post_date_gmt><wp:post_name>{_cdata(photo)}</wp:post_name><wp:status>inherit"
                       f"</wp:status><wp:post_parent>{post_id - 1}</wp:post_parent><wp:post_type>attachment"
                       f"</wp:post_type><wp:attachment_url>https://generated.example.org/wp-content/uploads/"
                       f"{photo}.jpg</wp:attachment_url></item>\n")
    parents = ["0"]
    for n in range(rng.randint(2, 6)):
        post_id += 1
        parent = rng.choice(parents[-3:])  # nested at most three deep
        name = slug(1)
        out.append(f"<item><title>{escape(name.title())} Page</title><link>https://generated.example.org/?page_id="
                   f"{post_id}</link><dc:creator>{_cdata(writing[0])}</dc:creator><content:encoded>"
                   f"{_cdata(f'<p>About the {name} page {n}.</p>')}</content:encoded><wp:post_id>{post_id}</wp:post_id>"
                   f"<wp:post_date>2020-01-0{n + 1} 09:00:00</wp:post_date><wp:post_date_gmt>2020-01-0{n + 1} "
                   f"09:00:00</wp:post_date_gmt><wp:post_name>{_cdata(name)}</wp:post_name><wp:status>publish"
                   f"</wp:status><wp:post_parent>{parent}</wp:post_parent><wp:menu_order>{n}</wp:menu_order>"
                   f"<wp:post_type>page</wp:post_type><wp:post_password>{_cdata('')}</wp:post_password></item>\n")
        if len(parents) < 4:
            parents.append(str(post_id))
    out.append("</channel></rss>\n")
    return "".join(out)


def write(directory: Path, seeds: list[int]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for seed in seeds:
        path = directory / f"site-{seed}.xml"
        path.write_text(site_export(random.Random(seed), seed), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit("usage: python -m devstack.site_exports DIRECTORY SEED [SEED...]")
    for made in write(Path(sys.argv[1]), [int(s) for s in sys.argv[2:]]):
        print(made)
