"""Every body we can find goes through the desk's body editor and comes back as the same file.

The bodies: what our WordPress import writes for the theme unit test data and the WordPress
importer's 29 valid exports, each of the 50 Gutenberg block fixtures both as uploaded (an HTML body
with its ``<!-- wp:`` comments) and as imported, the sample content in ``content/``, and generated
Markdown and HTML documents. Each is mounted in the editor under Node.js (jsdom; one process for a
batch, ``desk-editor/test/roundtrip.mjs``) and read back:

- unchanged: the same text, byte for byte;
- with one word of one paragraph replaced, as a person types it: the site's renderer
  (``markup.render_body``) gives the original's HTML with only that word different.

Skipped, saying why, where Node.js or the editor's packages are missing (``make test`` installs
them from ``desk-editor/package-lock.json``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.content.front_matter import split_front_matter
from chalicelib.content.markup import render_body
from chalicelib.imports.wordpress import convert
from tests.functional.test_block_fixtures import wxr
from tests.functional.test_wordpress_corpus import REFUSED

ROOT = Path(__file__).resolve().parents[2]
EDITOR = ROOT / "desk-editor"
DATA = ROOT / "tests" / "data"
REPLACEMENT = "Zyzzyva"  # what the script types over one word (desk-editor/test/roundtrip.mjs)

pytestmark = [
    pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed: the body editor's "
                       "round trip runs under Node (sudo apt-get install nodejs npm)"),
    pytest.mark.skipif(not (EDITOR / "node_modules" / "prosemirror-model").is_dir(), reason="the body editor's "
                       "packages are not installed: run make test, or npm ci in desk-editor/"),
]


def through_editor(bodies: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Each body ({id, format, body}) mounted in the editor and read back, unchanged and edited."""
    done = subprocess.run(["node", "test/roundtrip.mjs"], cwd=EDITOR, input=json.dumps(bodies),
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return {result["id"]: result for result in json.loads(done.stdout)}


def imported_bodies(export: Path, prefix: str) -> list[dict[str, str]]:
    """The bodies our WordPress import writes for ``export``, as the files it uploads."""
    migration = convert(export)
    out = []
    for key, data in sorted(migration.files.items()):
        if key.startswith(("articles/", "pages/")) and key.endswith((".html", ".md")):
            _, body = split_front_matter(key, data.decode("utf-8"))
            out.append({"id": f"{prefix}:{key}", "format": "html" if key.endswith(".html") else "markdown",
                        "body": body})
    return out


def corpus_bodies(tmp: Path) -> list[dict[str, str]]:
    """Every body of the corpora, the sample content and the block fixtures."""
    bodies = imported_bodies(DATA / "themeunittestdata.wordpress.xml", "themeunittestdata")
    for export in sorted((DATA / "wordpress-importer").glob("*.xml")):
        if export.name not in REFUSED:
            bodies += imported_bodies(export, export.stem)
    for fixture in sorted((DATA / "gutenberg-blocks").glob("*.html")):
        text = fixture.read_text(encoding="utf-8")
        bodies.append({"id": f"gutenberg:{fixture.name}", "format": "html", "body": text})
        export = tmp / f"{fixture.stem}.xml"
        export.write_text(wxr(text), encoding="utf-8")
        bodies += imported_bodies(export, f"gutenberg-imported:{fixture.stem}")
    for path in sorted((ROOT / "content").glob("*/*.md")):
        _, body = split_front_matter(path.name, path.read_text(encoding="utf-8"))
        bodies.append({"id": f"content:{path.relative_to(ROOT)}", "format": "markdown", "body": body})
    return bodies


def check_round_trip(bodies: list[dict[str, str]], exact: set[str] | None = None) -> Counter[str]:
    """Assert each body's round trips; count what was checked (and note in ``exact`` the ids whose
    file differs by the word alone)."""
    results = through_editor(bodies)
    counts: Counter[str] = Counter()
    for body in bodies:
        result = results[body["id"]]
        assert "error" not in result, (body["id"], result.get("error"))
        assert result["unchanged"] == body["body"], f"{body['id']}: opened and saved unchanged, the file changed"
        counts["bodies"] += 1
        if result["edited"] is None:
            continue
        counts["edited"] += 1
        before = render_body(body["body"], body["format"]).html
        after = render_body(result["edited"], body["format"]).html
        assert after.count(REPLACEMENT) == before.count(REPLACEMENT) + 1, (body["id"], result["word"], result["edited"])
        assert after.replace(REPLACEMENT, result["word"]) == before, (
            f"{body['id']}: changing {result['word']!r} changed more than that word in the page",
            body["body"], result["edited"])
        if result["edited"].replace(REPLACEMENT, result["word"], 1) == body["body"]:
            counts["only the word changed in the file"] += 1
            if exact is not None:
                exact.add(body["id"])
        for kind, number in result["nodes"].items():
            counts[f"blocks: {kind}"] += number
    return counts


def test_every_body_of_the_corpora_comes_back_the_same(tmp_path: Path) -> None:
    bodies = corpus_bodies(tmp_path)
    assert len(bodies) > 200
    exact: set[str] = set()
    counts = check_round_trip(bodies, exact)
    print("body editor round trip:", dict(sorted(counts.items())))
    assert counts["bodies"] == len(bodies)
    assert counts["edited"] > 150
    # WordPress's posts as imported, and the sample content: one word changed is one word changed in the file
    assert counts["only the word changed in the file"] == counts["edited"]


# ---- generated documents ----

GENERATED: Counter[str] = Counter()  # what the generated documents held, over all examples (printed with -s)

WORD = st.sampled_from(["news", "Tehran", "minister", "drones", "said", "on", "Tuesday", "the", "price", "of",
                        "oil", "rose", "3%", "a", "“quoted”", "it's", "x*y", "_under_", "#5", "1.", "[note]",
                        "<tag>", "&amp;", "AT&T", "back\\slash", "`tick`", "-", "+", "|", "~~"])
TEXT = st.lists(WORD, min_size=1, max_size=12).map(" ".join)


@st.composite
def inline_markdown(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        text = draw(TEXT)
        kind = draw(st.sampled_from(["plain", "plain", "strong", "em", "code", "link", "strike", "underscore"]))
        parts.append({"plain": text, "strong": f"**{text}**", "em": f"*{text}*", "code": f"`{text}`",
                      "link": f"[{text}](https://example.org/{len(text)})", "strike": f"~~{text}~~",
                      "underscore": f"__{text}__"}[kind])
    return draw(st.sampled_from([" ", "\n"])).join(parts)


@st.composite
def markdown_block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["p", "p", "h", "setext", "ul", "ol", "quote", "fence", "indent", "hr", "table",
                                 "figure", "embed", "html", "ref"]))
    text = draw(inline_markdown())
    one_line = text.replace("\n", " ")
    if kind == "h":
        return "#" * draw(st.integers(1, 6)) + " " + one_line
    if kind == "setext":
        return one_line + "\n" + draw(st.sampled_from(["===", "---"]))
    if kind in ("ul", "ol"):
        items = draw(st.lists(inline_markdown(), min_size=1, max_size=4))
        marker = draw(st.sampled_from(["-", "*", "+"])) if kind == "ul" else None
        sep = draw(st.sampled_from(["\n", "\n\n"]))
        return sep.join((f"{marker} " if marker else f"{i + 1}. ") + item.replace("\n", "\n   ")
                        for i, item in enumerate(items))
    if kind == "quote":
        return "\n".join("> " + line for line in text.split("\n"))
    if kind == "fence":
        return "```" + draw(st.sampled_from(["", "python"])) + "\n" + text + "\n```"
    if kind == "indent":
        return "    " + one_line
    if kind == "hr":
        return draw(st.sampled_from(["---", "***", "___", "- - -"]))
    if kind == "table":
        cells = draw(st.lists(TEXT, min_size=2, max_size=2))
        return f"| a | b |\n|:---|---:|\n| {cells[0].replace('|', '/')} | {cells[1].replace('|', '/')} |"
    if kind == "figure":
        return f"![{draw(TEXT)}](/media/p.jpg)\n{one_line}\nCredit: {draw(TEXT)}"
    if kind == "embed":
        return draw(st.sampled_from(["https://www.youtube.com/watch?v=abc", "https://vimeo.com/123",
                                     "https://bsky.app/profile/a.bsky.social/post/3k"]))
    if kind == "html":
        return f"<div class=\"wp-block-group\">\n<p>{one_line}</p>\n</div>"
    if kind == "ref":
        return f"See [the report][r{len(text)}].\n\n[r{len(text)}]: https://example.org/report"
    return text


@st.composite
def markdown_document(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(markdown_block(), min_size=1, max_size=6))
    return "".join(block + draw(st.sampled_from(["\n\n", "\n\n", "\n\n\n", "\n"])) for block in blocks)


@st.composite
def inline_html(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        text = draw(TEXT).replace("&amp;", "&amp;amp;").replace("<tag>", "&lt;tag&gt;").replace("AT&T", "AT&amp;T")
        tag = draw(st.sampled_from(["", "", "strong", "em", "b", "i", "code", "a", "sup", "span", "del"]))
        if tag == "a":
            parts.append(f'<a href="https://example.org/{len(text)}">{text}</a>')
        elif tag:
            parts.append(f"<{tag}>{text}</{tag}>")
        else:
            parts.append(text)
    return draw(st.sampled_from([" ", "\n", "<br />\n"])).join(parts)


@st.composite
def html_block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["p", "p", "h", "ul", "ol", "quote", "pre", "hr", "table", "figure", "embed",
                                 "div", "wp", "text", "comment"]))
    text = draw(inline_html())
    if kind == "h":
        level = draw(st.integers(1, 6))
        return f"<h{level}>{text}</h{level}>"
    if kind in ("ul", "ol"):
        items = draw(st.lists(inline_html(), min_size=1, max_size=4))
        sep = draw(st.sampled_from(["", "\n"]))
        return f"<{kind}>{sep}" + sep.join(f"<li>{item}</li>" for item in items) + f"{sep}</{kind}>"
    if kind == "quote":
        return f"<blockquote><p>{text}</p></blockquote>"
    if kind == "pre":
        return f'<pre class="wp-block-code"><code>{text.replace("<", "&lt;")}</code></pre>'
    if kind == "hr":
        return draw(st.sampled_from(["<hr>", "<hr />", '<hr class="wp-block-separator"/>']))
    if kind == "table":
        return (f'<figure class="wp-block-table"><table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr>'
                f"<td>{text}</td><td>{draw(TEXT)}</td></tr></tbody></table></figure>")
    if kind == "figure":
        return (f'<figure class="wp-block-image"><img src="/media/p.jpg" alt="{draw(TEXT).replace(chr(34), "")}" />'
                f'<figcaption>{text} <small class="credit">{draw(TEXT)}</small></figcaption></figure>')
    if kind == "embed":
        return "<p>https://www.youtube.com/watch?v=abc</p>"
    if kind == "div":
        return f'<div class="wp-block-group"><p>{text}</p></div>'
    if kind == "wp":
        return f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"
    if kind == "comment":
        return draw(st.sampled_from(["<!--more-->", "<!--nextpage-->"]))
    if kind == "text":
        return text
    return f"<p>{text}</p>"


@st.composite
def html_document(draw: st.DrawFn) -> str:
    blocks = draw(st.lists(html_block(), min_size=1, max_size=6))
    return "".join(block + draw(st.sampled_from(["\n\n", "\n", ""])) for block in blocks).strip() + "\n"


# A handful of documents per example (one Node process each): Hypothesis draws each example from a
# bounded buffer, and dozens of documents in one example overrun it, leaving only the simplest ones.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(markdown_document(), min_size=3, max_size=3), st.lists(html_document(), min_size=3, max_size=3))
def test_generated_documents_come_back_the_same(markdown_bodies: list[str], html_bodies: list[str]) -> None:
    """Markdown and HTML documents made of every block the formats have, in any order and spacing."""
    bodies = [{"id": f"markdown:{i}", "format": "markdown", "body": body} for i, body in enumerate(markdown_bodies)]
    bodies += [{"id": f"html:{i}", "format": "html", "body": body} for i, body in enumerate(html_bodies)]
    counts = check_round_trip(bodies)
    GENERATED.update(counts)
    assert counts["bodies"] == 6


def test_generated_documents_held_every_kind_of_block() -> None:
    """The generated documents above reached the editor's kinds of block, not only paragraphs."""
    if not GENERATED:
        pytest.skip("run with test_generated_documents_come_back_the_same")
    print("generated round trip:", dict(sorted(GENERATED.items())))
    for kind in ("heading", "bullet_list", "ordered_list", "blockquote", "code_block", "table", "figure", "opaque"):
        assert GENERATED[f"blocks: {kind}"] > 0, kind
