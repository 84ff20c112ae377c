"""The field declarations (chalicelib/fields.py) and what follows from them agree: the file's types, the
items' attributes (and the types written beside them for mypy), the snapshot's categories, the
content format's known fields and the desk's form."""

from __future__ import annotations

import dataclasses

from chalicelib import fields, models, snapshot
from chalicelib.content import content_format
from chalicelib.content.files import Article, Author, Category, Tag
from chalicelib.desk import documents

# The type written beside an attribute for mypy, by how the item keeps it: as PynamoDB types its
# attributes (a nullable one too).
TYPES = {"text": "str", "flag": "bool", "number": "float", "texts": "list[str]", "json": "Any"}
# (model, declaration, which of its fields the model stores, the kind of file whose required fields it never lacks)
MODELS = [(models.Post, fields.ARTICLE, lambda f: True, ""), (models.Listing, fields.ARTICLE, lambda f: f.listed, "article"),
          (models.AuthorItem, fields.AUTHOR, lambda f: True, "author"),
          (models.CategoryItem, fields.CATEGORY, lambda f: True, "category"), (models.TagItem, fields.TAG, lambda f: True, "tag")]


def stored(declared, where):  # type: ignore[no-untyped-def]
    """attribute -> the declared field it stores."""
    return {name: f for f in declared if where(f) for name in fields.item_attributes(f)}


def test_every_declared_field_has_its_attribute_on_the_items_that_store_it():
    for model, declared, where, required_of in MODELS:
        attributes = model.get_attributes()
        for name, declared_field in stored(declared, where).items():
            assert name in attributes, (model.__name__, name)
            made = models.declared((declared_field,), required_of=required_of)[name]
            assert type(attributes[name]).__mro__[1] is type(made) and attributes[name].null == made.null, name


def test_the_types_written_for_mypy_are_those_of_the_declared_storage():
    for model, declared, where, _ in MODELS:
        written = model.__dict__.get("__annotations__", {})
        assert written, model.__name__
        by_attribute = stored(declared, where)
        for name, annotation in written.items():
            assert name in by_attribute, f"{model.__name__}.{name} is typed but not declared"
            assert annotation == TYPES[by_attribute[name].kind.storage], (model.__name__, name, annotation)


def test_the_files_types_have_every_declared_field():
    for kind, declared in ((Article, fields.ARTICLE), (Author, fields.AUTHOR), (Category, fields.CATEGORY),
                           (Tag, fields.TAG)):
        names = {f.name for f in dataclasses.fields(kind)}
        for declared_field in declared:
            assert set(fields.attributes_of(declared_field.kind, declared_field.name)) <= names, declared_field.name


def test_the_snapshots_categories_keep_the_fields_declared_for_it():
    kept = {f.name for f in dataclasses.fields(snapshot.CategoryEntry)}
    assert kept == {"slug"} | {f.name for f in fields.CATEGORY if f.snapshot}


def test_the_content_format_knows_exactly_the_declared_fields():
    assert content_format.ARTICLE_FIELDS == {f.name for f in fields.ARTICLE if f.articles}
    assert content_format.PAGE_FIELDS == {f.name for f in fields.ARTICLE if f.pages}
    assert content_format.AUTHOR_FIELDS == {f.name for f in fields.AUTHOR}
    assert content_format.CATEGORY_FIELDS == {f.name for f in fields.CATEGORY}
    assert content_format.TAG_FIELDS == {f.name for f in fields.TAG}
    assert set(content_format.EDITORS_ONLY_FIELDS) == {"sticky", "aliases", "corrections", "redirect", "live",
                                                       "live_ended"}


def test_the_desk_form_edits_the_labelled_fields_in_their_order():
    assert documents.FIELDS == ("title", "slug", "summary", "categories", "tags", "author", "date", "image",
                                "image_alt", "draft", "sticky", "password", "parent")  # parent: a page's only
    assert [f.name for f in documents.FORM] == [f.name for f in fields.ARTICLE if f.label]
    shown = documents.other_fields({"title": "T", "sticky": True, "aliases": ["/old/"], "comments": False})
    assert shown == [("aliases", "/old/"), ("comments", "false")]  # sticky: a box on the form since the WordPress day


def test_a_form_field_writes_back_what_the_file_had_when_it_is_unchanged():
    """The form shows a field as text; sent back unchanged, the file keeps it as written (a term's
    ``{name, slug}``, a date with its offset), and an emptied field leaves the file."""
    written = {"categories": [{"name": "Oil", "slug": "oil-markets"}], "date": "2024-05-02T10:00:00+02:00",
               "draft": True, "summary": "Old"}
    sent = {name: fields.named(fields.ARTICLE, name).kind.as_text(value) for name, value in written.items()}
    assert sent["categories"] == "Oil"
    composed = documents.compose({**sent, "summary": ""}, "Body", dict(written))
    meta, _ = documents.split(composed)
    assert meta["categories"] == [{"name": "Oil", "slug": "oil-markets"}] and meta["draft"] is True
    assert "summary" not in meta and str(meta["date"]).startswith("2024-05-02")
