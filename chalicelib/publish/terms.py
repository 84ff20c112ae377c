"""Write authors, categories, tags and the site settings from their files.

Each is one item, written with its file's Source in one transaction
(``revisions.commit``); removing the file keeps what bylines and articles
still need (an author's name, a category's name) and forgets the rest.
Articles name authors and categories too: those exist from the first
article that names them, with the name as written, until a file says more.
"""

from __future__ import annotations

from typing import Any, Callable

from pynamodb.exceptions import PutError
from pynamodb.transactions import TransactWrite

from chalicelib import fields, keys, retry
from chalicelib.content.content_format import Article, Author, Category, Settings, Tag
from chalicelib.models import AuthorItem, CategoryItem, SettingsItem, Source, TagItem
from chalicelib.publish import edge, revisions
from chalicelib.publish.revisions import PublishResult


def save_author(author: Author, source: Source | None, etag: str | None = None,
                sequencer: str | None = None, force: bool = False,
                photo_set: dict[str, Any] | None = None) -> PublishResult:
    """Publish an author's name, bio and photo (``photo_set``: its sizes and alt text, from the library).

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    return _save(source, author.key, "author", author.slug, etag, sequencer, force, AuthorItem(
        *keys.author(author.slug), **stored(fields.AUTHOR, author), photo_set=photo_set, source_key=author.key))


def save_category(category: Category, source: Source | None, etag: str | None = None,
                  sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish a category's name, description and menu position.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    return _save(source, category.key, "category", category.slug, etag, sequencer, force, CategoryItem(
        *keys.category(category.slug), **stored(fields.CATEGORY, category), source_key=category.key))


def save_tag(tag: Tag, source: Source | None, etag: str | None = None,
             sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish a tag's name and description: its archive answers even before any article carries it.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    item = TagItem(*keys.tag(tag.slug), **stored(fields.TAG, tag), source_key=tag.key)
    # Its old addresses, one item each in ``tag-aliases``, which the snapshot reads: they redirect here.
    moved = [TagItem(keys.TAG_ALIASES_PK, alias, name=tag.name, moved_to=f"/tag/{tag.slug}/", source_key=tag.key)
             for alias in tag.aliases]
    return _save(source, tag.key, "tag", tag.slug, etag, sequencer, force, item, moved)


def save_settings(settings: Settings, source: Source | None, etag: str | None = None,
                  sequencer: str | None = None, force: bool = False) -> PublishResult:
    """Publish the site settings.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    return _save(source, settings.key, "settings", "site", etag, sequencer, force,
                 SettingsItem(*keys.SITE_SETTINGS, data=settings.to_data(), source_key=settings.key))


def stored(declared: tuple[fields.Field, ...], term: Author | Category | Tag) -> dict[str, Any]:
    """A term's declared fields (chalicelib/fields.py) as its item stores them (empty ones left out)."""
    return {declared_field.attribute: declared_field.kind.to_item(getattr(term, declared_field.name), str)
            for declared_field in declared if declared_field.attribute}


def _save(source: Source | None, key: str, kind: str, slug: str, etag: str | None, sequencer: str | None,
          force: bool, item: Any, also: list[Any] | None = None) -> PublishResult:
    if revisions.is_unchanged(source, etag, force):
        return PublishResult(slug=slug, notes=["unchanged"], unchanged=True)
    dropped = _aliases_of(key, {a.sk for a in also or []}) if kind == "tag" else []

    def writes(txn: TransactWrite) -> None:
        txn.save(item)
        for other in also or []:
            txn.save(other)
        for old in dropped:
            txn.delete(old)

    new_source = revisions.commit(source, key, writes, kind=kind, slug=slug, etag=etag,
                                  sequencer=sequencer, status="published")
    edge.changed([edge.EVERYTHING])  # menus, bylines and settings show on every page
    revisions.finish(lambda: revisions.settle(new_source))
    return PublishResult(slug=slug if kind != "settings" else None)


def remove(source: Source, sequencer: str | None = None) -> PublishResult:
    """Take down what an author, category or settings file published. Safe to repeat.

    :raise ConcurrentChange: another ingest changed this file meanwhile.
    """
    if source.status != "removed":
        source = revisions.commit(source, source.sk, _removal(source), kind=source.kind, slug=source.slug,
                                  status="removed", sequencer=sequencer)
        edge.changed([edge.EVERYTHING])
    removed = source
    revisions.finish(lambda: revisions.forget(removed))
    return PublishResult(slug=source.slug, notes=["removed"])


def _removal(source: Source) -> Callable[[TransactWrite], None]:
    def writes(txn: TransactWrite) -> None:
        if source.kind == "author" and source.slug:
            # Bylines still name the author: keep the name, forget the bio.
            item = AuthorItem.get_or_none(*keys.author(source.slug), consistent_read=True)
            if item is not None and item.source_key == source.sk:
                txn.save(AuthorItem(*keys.author(source.slug), name=item.name))
        elif source.kind == "category" and source.slug:
            category = CategoryItem.get_or_none(*keys.category(source.slug), consistent_read=True)
            if category is not None and category.source_key == source.sk:
                txn.save(CategoryItem(*keys.category(source.slug), name=category.name))
        elif source.kind == "tag" and source.slug:  # articles still list it; its own page needs them now
            txn.delete(TagItem(*keys.tag(source.slug)), condition=TagItem.source_key == source.sk)
            for old in _aliases_of(source.sk):
                txn.delete(old)
        elif source.kind == "settings":
            txn.delete(SettingsItem(*keys.SITE_SETTINGS), condition=SettingsItem.source_key == source.sk)
    return writes


def _aliases_of(key: str, keep: set[str] | frozenset[str] = frozenset()) -> list[TagItem]:
    """The old addresses a tag's file named (``tag-aliases``, one Query) that it names no more."""
    return [old for old in TagItem.query(keys.TAG_ALIASES_PK, filter_condition=TagItem.source_key == key)
            if old.sk not in keep]


def register_named_in(article: Article) -> None:
    """Categories and authors named in an article exist even without their own file; the tags it
    names are listed for the desk's Tags screen (``tags-named``: their archives still answer only
    while an article carries them, or with a file of their own)."""
    for slug, name in zip(article.categories, article.category_names, strict=True):
        _put_if_absent(CategoryItem(*keys.category(slug), name=name))
    for slug, name in zip(article.tags, article.tag_names, strict=True):
        _put_if_absent(TagItem(keys.TAGS_NAMED_PK, slug, name=name))
    if article.author:
        _put_if_absent(AuthorItem(*keys.author(article.author), name=article.author_name))


def _put_if_absent(item: Any) -> None:
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as exc:
        if not retry.condition_failed(exc):
            raise
