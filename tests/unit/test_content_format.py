"""The content format: what editors may write, and the errors they get."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.content.content_format import (
    MAX_TAGS,
    Article,
    Author,
    Category,
    ContentError,
    Settings,
    normalize_slug,
    parse_file,
)


def parse(key: str, text: str):
    return parse_file(key, text.encode())


def problems(key: str, text: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        parse(key, text)
    return [str(p) for p in info.value.problems]


def test_minimal_markdown_article():
    article = parse("articles/My First Story.md", "---\ntitle: Hello\ndate: 2022-07-12\n---\nBody *text*\n")
    assert isinstance(article, Article)
    assert article.slug == "my-first-story"
    assert article.title == "Hello"
    assert article.date == dt.datetime(2022, 7, 12, tzinfo=dt.timezone.utc)
    assert article.body_format == "markdown"
    assert article.body.strip() == "Body *text*"


def test_full_front_matter():
    article = parse("articles/x.html", """---
title: Iran-Russia alliance grows
date: 2022-07-12T09:30:00+04:30
slug: Iran Russia Alliance
author: Ninfa ALong
categories: [Iranian news, Tehran]
tags: [Russia, Biden]
summary: Short.
image: /media/putin.jpg
draft: false
updated: 2022-07-13
aliases: [/2022/07/12/old-url/, "https://old.example.com/2021/05/older/"]
---
<p>Body</p>
""")
    assert article.body_format == "html"
    assert article.slug == "iran-russia-alliance"
    assert article.date == dt.datetime(2022, 7, 12, 5, 0, tzinfo=dt.timezone.utc)
    assert article.author == "ninfa-along" and article.author_name == "Ninfa ALong"
    assert article.categories == ("iranian-news", "tehran")
    assert article.category_names == ("Iranian news", "Tehran")
    assert article.tags == ("russia", "biden")
    assert article.aliases == ("2022/07/12/old-url", "2021/05/older")
    assert article.updated == dt.datetime(2022, 7, 13, tzinfo=dt.timezone.utc)


def test_alias_to_a_bare_domain_is_refused():
    assert problems("articles/x.md", "---\ntitle: T\ndate: 2022-01-01\naliases: ['https://old.example.com/']\n---\nB\n") == [
        "aliases: 'https://old.example.com/' is not a URL path such as /2022/07/old-slug/"]


def test_title_and_date_are_required():
    assert problems("articles/x.md", "---\nauthor: A\n---\nBody\n") == ["date: is required", "title: is required"]


def test_bad_date_names_field_and_value():
    assert problems("articles/x.md", "---\ntitle: T\ndate: July 12\n---\nBody\n") == [
        "date: is not an ISO 8601 date: 'July 12'; write it as 2022-07-12 or 2022-07-12T09:30:00+04:30"]


def test_unknown_field_is_an_error():
    found = problems("articles/x.md", "---\ntitle: T\ndate: 2022-01-01\ncolour: red\n---\nBody\n")
    assert len(found) == 1 and found[0].startswith("colour: is not a known field; known fields are aliases, author")


def test_every_problem_is_reported_at_once():
    found = problems("articles/x.md", "---\ntitle: T\ndate: nope\ndraft: maybe\ncategories: {a: 1}\n---\n\n")
    assert [p.split(":")[0] for p in found] == ["date", "draft", "categories", "body"]


def test_missing_front_matter():
    assert problems("articles/x.md", "Just text\n") == [
        "front matter: is missing; the file must start with a '---' line, then YAML fields, "
        "then another '---' line (line 1)"]


def test_yaml_syntax_error_gives_line():
    found = problems("articles/x.md", "---\ntitle: T\ndate: 2022-01-01\ntags: [a, b\n---\nBody\n")
    assert found[0].startswith("front matter: is not valid YAML")
    assert "(line 5)" in found[0]


def test_yaml_aliases_and_python_tags_are_refused():
    bomb = "---\na: &a [x, x]\nb: [*a, *a]\ntitle: T\ndate: 2022-01-01\n---\nB\n"
    assert "anchors and aliases" in problems("articles/x.md", bomb)[0]
    assert "a YAML type tag (!!python/object/apply:os.system) is not allowed" in \
        problems("articles/x.md", "---\ntitle: !!python/object/apply:os.system [ls]\n---\nB\n")[0]


def test_not_utf8_is_refused():
    with pytest.raises(ContentError, match="is not UTF-8"):
        parse_file("articles/x.md", b"---\ntitle: caf\xe9\n---\n")


def test_unsupported_extension():
    assert problems("articles/x.txt", "---\ntitle: T\n---\nB\n") == [
        "file: unsupported file type '.txt'; use .md, .markdown, .html or .htm"]


def test_too_many_tags():
    tags = ", ".join(f"t{i}" for i in range(MAX_TAGS + 1))
    assert problems("articles/x.md", f"---\ntitle: T\ndate: 2022-01-01\ntags: [{tags}]\n---\nB\n") == [
        f"tags: has {MAX_TAGS + 1} entries; the limit is {MAX_TAGS}"]


def test_reserved_and_year_slugs_are_refused():
    assert "reserved" in problems("articles/category.md", "---\ntitle: T\ndate: 2022-01-01\n---\nB\n")[0]
    assert "looks like a year" in problems("articles/2022.md", "---\ntitle: T\ndate: 2022-01-01\n---\nB\n")[0]


def test_slug_normalisation():
    assert normalize_slug("Café au Lait!") == "cafe-au-lait"
    assert normalize_slug("ＡＢＣ 123") == "abc-123"  # NFKC folds full-width letters
    assert normalize_slug("../../etc/passwd") == "etc-passwd"
    assert normalize_slug("%%%") == ""


def test_static_page_needs_no_date():
    page = parse("pages/privacy-policy.md", "---\ntitle: Privacy Policy\n---\nText\n")
    assert page.kind == "page" and page.date is None and page.slug == "privacy-policy"


def test_page_refuses_article_only_fields():
    assert problems("pages/about.md", "---\ntitle: About\ncategories: [x]\n---\nText\n")[0].startswith(
        "categories: is not a known field")


def test_author_file():
    author = parse("authors/ninfa-along.yaml", "name: Ninfa ALong\nbio: Covers Iran.\n")
    assert author == Author(key="authors/ninfa-along.yaml", slug="ninfa-along", name="Ninfa ALong", bio="Covers Iran.")


def test_category_file():
    category = parse("categories/iran-economy.yaml", "name: Iran economy\nmenu_order: 4\n")
    assert isinstance(category, Category)
    assert (category.slug, category.name, category.menu_order) == ("iran-economy", "Iran economy", 4)
    assert problems("categories/x.yaml", "name: X\nmenu_order: first\n") == [
        "menu_order: must be a whole number, not 'first'"]


def test_settings_file():
    settings = parse("settings/site.yaml", "site_name: Mohakeme\nmenu: [home, {category: Tehran}, "
                     "{title: About, url: /about/}]\nfooter_links: [{page: privacy-policy}]\n")
    assert isinstance(settings, Settings)
    assert [(m.title, m.url) for m in settings.menu] == [("Home", "/"), ("", "/category/tehran/"), ("About", "/about/")]
    assert settings.footer_links[0].page == "privacy-policy"
    assert "must start with / or http(s)://" in problems(
        "settings/site.yaml", "site_name: S\nmenu: [{title: X, url: 'javascript:alert(1)'}]\n")[0]


def test_key_outside_content_prefixes():
    assert problems("media/x.md", "---\n---\n")[0].startswith("file: is not under a content prefix")


def test_a_tag_keeps_a_slug_of_its_own():
    article = parse("articles/a.md", "---\ntitle: A\ndate: 2024-01-01\ntags: [{name: Must Read, slug: mustread}, "
                                     "Must Read, Energy]\n---\n\nBody\n")
    assert article.tags == ("mustread", "must-read", "energy")
    assert article.tag_names == ("Must Read", "Must Read", "Energy")


def test_a_term_entry_must_be_a_name_or_name_and_slug():
    found = problems("articles/a.md", "---\ntitle: A\ndate: 2024-01-01\ntags: [{label: x}]\n---\n\nBody\n")
    assert found == ["tags: entries must be names or {name: ..., slug: ...}, not '{'label': 'x'}'"]


@pytest.mark.parametrize("key", ["categories/comments.yaml", "categories/media.yaml", "authors/author.yaml",
                                 "categories/2024.yaml"])
def test_categories_and_authors_may_take_any_slug(key):
    """They live under /category/ and /author/, so no slug collides with the site's own paths."""
    assert parse(key, "name: Reserved elsewhere\n").slug == key.split("/")[1].removesuffix(".yaml")


def test_an_article_may_not_take_a_path_the_site_uses():
    assert problems("articles/feed.md", "---\ntitle: A\ndate: 2024-01-01\n---\n\nBody\n") == [
        "file name: 'feed' is reserved for the site's own pages; choose another slug"]


def test_corrections_are_dated_notes_and_anything_else_is_named():
    from chalicelib.content.content_format import ContentError, check_file

    good = check_file("articles/x.md", b"---\ntitle: X\ndate: 2024-03-01\ncorrections:\n"
                      b"  - date: 2024-03-02T10:00:00Z\n    note: The minister resigned on Tuesday, not Monday.\n---\n\nBody\n")
    assert [(when.isoformat(), note) for when, note in good.corrections] == [
        ("2024-03-02T10:00:00+00:00", "The minister resigned on Tuesday, not Monday.")]
    for bad, words in ((b"corrections: wrong", "must be a list"), (b"corrections: [{note: x}]", "must have a date and a note"),
                       (b"corrections: [{date: soon, note: x}]", "the date is not an ISO 8601 date"),
                       (b"corrections: [{date: 2024-03-02, note: ''}]", "the note must be 1 to 1000 characters")):
        try:
            check_file("articles/x.md", b"---\ntitle: X\ndate: 2024-03-01\n" + bad + b"\n---\n\nBody\n")
        except ContentError as error:
            assert any(words in str(p) for p in error.problems), (bad, error.problems)
        else:
            raise AssertionError(bad)


def test_an_alias_must_be_an_address_on_this_site():
    from chalicelib.content.content_format import ContentError, check_file

    for alias in ("javascript:alert(1)", "data:text/html,x", "mailto:a@b.c"):
        try:
            check_file("articles/x.md", f"---\ntitle: X\ndate: 2024-03-01\naliases: ['{alias}']\n---\n\nBody\n".encode())
        except ContentError as error:
            assert [str(p) for p in error.problems] == [
                f"aliases: '{alias}' is not an address on this site: an alias is an old URL path such as "
                "/2022/07/old-slug/"]
        else:
            raise AssertionError(alias)


@pytest.mark.parametrize("value, tag", [("!!binary aGVsbG8=", "!!binary"), ("!!set {a}", "!!set"),
                                        ("!!python/object:os.system x", "!!python/object:os.system"),
                                        ("!custom x", "!custom")])
def test_yaml_type_tags_are_refused_naming_the_field(value, tag):
    """A tag made 'title: !!binary aGVsbG8=' publish as b'hello'; each is refused, the field named."""
    from chalicelib.content.content_format import ContentError, check_file

    with pytest.raises(ContentError) as refused:
        check_file("articles/x.md", f"---\ntitle: {value}\ndate: 2024-01-01\n---\n\nBody\n".encode())
    assert [str(p) for p in refused.value.problems] == [
        f"title: a YAML type tag ({tag}) is not allowed: write the value as plain text, a list or fields (line 2)"]


PATHOLOGICAL = {  # shapes that made ingest's work grow faster than the file (issue 30)
    "long numeric entity": lambda n: "&#x" + "0" * n + "41;",
    "a line of one character": lambda n: "a" * n,
    "an address-like run": lambda n: "x" * n + "@",
    "nested divs": lambda n: "<div>" * (n // 5) + "x" + "</div>" * (n // 5),
    "unclosed tags": lambda n: "<b>" * (n // 3),
    "emphasis markers": lambda n: "*" * n,
    "open brackets": lambda n: "[" * n,
}


@pytest.mark.parametrize("size", [10_000, 100_000, 1_000_000])
@pytest.mark.parametrize("shape", sorted(PATHOLOGICAL))
def test_pathological_bodies_are_published_or_refused_with_the_limit_named(shape, size):
    """Each is checked and rendered (or refused, naming the limit) in work that grows with the file:
    the benchmark times them (docs/performance.md); here a 1 MB file of each simply has an answer."""
    from chalicelib.content import markup
    from chalicelib.content.content_format import MAX_HTML_DEPTH, ContentError, check_file

    data = ("---\ntitle: T\ndate: 2024-01-01\n---\n\n" + PATHOLOGICAL[shape](size) + "\n").encode()
    try:
        parsed = check_file("articles/x.md", data)
    except ContentError as error:
        assert any(f"the limit is {MAX_HTML_DEPTH}" in str(p) or "bytes; the limit is" in str(p)
                   or "a Markdown body may have 50,000" in str(p) for p in error.problems), error.problems
        return
    assert markup.render_body(parsed.body, parsed.body_format).html


TOKENS = ["&#x000", "0", "a", "*", "_", "[", "]", "(", "<div>", "</div>", "<b>", "`", "@", "--", "...", "\"",
          "<!--", "-->", "&", "#", "> ", "- ", "\n", " ", "http://", "www.", "<svg", "<!--nextpage-->"]


@given(st.lists(st.tuples(st.sampled_from(TOKENS), st.integers(1, 4000)), min_size=1, max_size=6))
@settings(max_examples=40, deadline=None)
def test_generated_runs_of_hostile_tokens_are_always_published_or_refused(runs):
    """Bodies grown from runs of the tokens that once made the work grow faster than the file: each is
    checked and rendered, or refused with a report, never a crash (bench/pathological.py times them)."""
    from chalicelib.content import markup
    from chalicelib.content.content_format import ContentError, check_file

    body = "".join(token * count for token, count in runs)
    try:
        parsed = check_file("articles/x.md", ("---\ntitle: T\ndate: 2024-01-01\n---\n\n" + body + "\n").encode())
    except ContentError as error:
        assert error.problems
        return
    markup.render_body(parsed.body, parsed.body_format)
