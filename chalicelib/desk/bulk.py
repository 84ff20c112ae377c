"""Bulk actions in Articles (issue 45): unpublish, change category, add a tag, or delete the ticked
articles, after a confirmation that names how many, with progress.

The list's form sends each ticked row as ``key|version`` (the version of its file the list showed,
``Row.etag``), so each write is conditional on what the editor saw: an article someone changed
since is left as it is and named in the result. ``bulk`` answers a confirmation page ("Unpublish 3
articles?", the titles listed); confirming runs the actions, one request for all (without
JavaScript), or one request an article (``bulk.js``, which shows the progress), each an ordinary
write with the editor's own role, as the editor's save is: ingest publishes, and the edge follows.

- Unpublish: the live file is deleted (its versions kept); the list shows it as Unpublished.
- Change category: the file's ``categories`` become the one chosen (one the site has).
- Add a tag: the tag is added to the file's ``tags`` (a new tag is created, as in the editor).
- Change author: the file's ``author`` becomes the one chosen (one the site has), as WordPress's Bulk Edit
  sets a post's author.
- Delete: the article's files go, its draft and submission too; it leaves the site, and Deleted
  lists every version, to restore.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalice.app import Response

from chalicelib import config
from chalicelib.bucket import Conflict, ContentBucket, live_key
from chalicelib.content.content_format import ContentError, normalize_slug
from chalicelib.desk import documents, http, pickers, session
from chalicelib.desk.documents import Forbidden
from chalicelib.desk.identity import Identity

ACTIONS = {"unpublish": "Unpublish", "category": "Change category", "tag": "Add a tag", "author": "Change author",
           "delete": "Delete"}
MAX_ITEMS = 200  # ticked rows one request may carry (the list's pages are 50)
MAX_OTHERS = 12  # a row's other files: its draft, and each person's submission of it (their own folders)


@dataclass(frozen=True)
class Ticked:
    """One ticked row: its file and the version the list showed, and the versions of the article's
    other files (draft, submission) the list showed; one the list did not show is not to be touched."""

    key: str
    version: str
    others: tuple[tuple[str, str], ...] = ()

    @property
    def value(self) -> str:
        """As the list's box sent it (the confirmation sends it again)."""
        return "|".join([self.key, self.version, *(f"{key}={etag}" for key, etag in self.others)])

    def seen(self, key: str) -> str:
        """The version of ``key`` the list showed; "" for none (then it must not be there)."""
        return self.version if key == self.key else dict(self.others).get(key, "")


def ticked(values: list[str]) -> list[Ticked]:
    """The ticked rows the form sent (``key|version|other=version...``), each key checked as the
    editor's are. :raise Forbidden: a key the desk may not touch."""
    rows = []
    for value in values[:MAX_ITEMS]:
        key, version, *others = value.split("|")
        seen = tuple((documents.check_key(k), v) for k, _, v in (o.partition("=") for o in others[:MAX_OTHERS]))
        rows.append(Ticked(documents.check_key(key), version, seen))
    return rows


def what(action: str, count: int, value: str) -> str:
    """The action in words, with how many: "Unpublish 3 articles"."""
    articles = f"{count} article{'s' if count != 1 else ''}"
    return {"unpublish": f"Unpublish {articles}", "delete": f"Delete {articles}",
            "category": f"Move {articles} to the category {value}",
            "tag": f"Add the tag {value} to {articles}",
            "author": f"Change the author of {articles} to {value}"}.get(action, action)


def apply(bucket: ContentBucket, who: Identity, action: str, row: Ticked, value: str) -> str:
    """Do ``action`` to one article; what was done, in words. :raise Conflict: it changed since the
    list showed it. :raise ContentError: the result would not publish. :raise Forbidden: not allowed."""
    if action == "unpublish" and row.key != live_key(row.key):
        raise Forbidden(f"{row.key} is not published: open it to approve or change it")
    if action in ("unpublish", "delete"):
        files = [row.key] if row.key == live_key(row.key) else []
        if action == "delete":  # its draft and submissions too: each only as the list showed it, else none goes
            live = live_key(row.key)
            shown = [key for key in (row.key, *dict(row.others)) if key.startswith(config.SUBMISSIONS_PREFIX)]
            files += list(dict.fromkeys([config.DRAFTS_PREFIX + live, *shown,
                                         config.SUBMISSIONS_PREFIX + live]))  # that last: the layout before owners
            for key in files:
                theirs = bucket.etag(key)
                if (theirs or "") != row.seen(key):
                    raise Conflict(key, None, theirs, row.seen(key))
        for key in files:
            if row.seen(key) or action == "unpublish":
                bucket.delete(key, if_version=row.seen(key))
        return f"{'Deleted' if action == 'delete' else 'Unpublished'} {row.key}"
    opened = documents.open_file(row.key, bucket)
    if opened.version != row.version:
        raise Conflict(row.key, opened.raw, opened.version, row.version)
    fields = dict(opened.fields)
    if action == "category":
        fields["categories"] = value
    elif action == "author":
        if fields.get("author", "") == value:
            return f"{row.key} has the author {value} already"
        fields["author"] = value
    else:
        names = pickers.names_in(fields.get("tags", ""))
        if normalize_slug(value) in {normalize_slug(n) for n in names}:
            return f"{row.key} has the tag {value} already"
        fields["tags"] = ", ".join([*names, value])
    data = documents.compose(fields, opened.body, opened.meta)
    problems = documents.check(row.key, data)
    if problems:
        raise ContentError(row.key, problems)
    documents.write(bucket, row.key, data, opened.version, who)
    return f"Changed {row.key}"


def bulk(request: Any, who: Identity, token: str) -> Response:
    """(Editors) the confirmation of a bulk action, or, confirmed, the action done to each ticked row."""
    sent, lists = http.form(request), http.form_lists(request)
    action, value = sent.get("action", ""), " ".join(sent.get("value_" + sent.get("action", ""), "").split())
    try:
        rows = ticked(lists.get("item", []))
    except Forbidden as refusal:
        return http.answer(request, 400, "Nothing done", str(refusal))
    if action not in ACTIONS:
        return http.back("/desk/articles", failed="Choose a bulk action, then Apply.")
    if not rows:
        return http.back("/desk/articles", failed="Tick the articles to change, then Apply.")
    if action in ("category", "tag", "author") and not value:
        return http.back("/desk/articles", failed={"category": "Choose the category.", "author": "Choose the author."}.get(
            action, "Give the tag to add."))
    if action in ("category", "author"):
        unknown = pickers.unknown_names(who, {"categories" if action == "category" else "author": value}, set())
        if unknown:
            return http.back("/desk/articles", failed=unknown[0].message.split(":")[0] + ": choose one the site has.")
    titles = {s.sk: s.title or s.sk for s in _sources([r.key for r in rows])}
    if not sent.get("confirmed"):
        return http.screen("bulk.html", who, token, action=action, value=value, rows=rows, titles=titles,
                           heading=what(action, len(rows), value) + "?", bulk_script=http.static_url("bulk.js"),
                           names=ACTIONS)
    bucket = session.bucket_as(token)
    done, failed = [], []
    for row in rows:
        try:
            done.append(apply(bucket, who, action, row, value))
        except Conflict as conflict:
            by = documents.written_by(bucket, conflict.key) if conflict.etag else ""
            failed.append(f"{titles.get(row.key, row.key)} ({conflict.key}) changed since the list was shown"
                          f"{' (by ' + by + ')' if by else ''}: nothing done to it")
        except (ContentError, Forbidden) as error:
            failed.append(f"{row.key}: {error}")
    if sent.get("one"):
        return http.json_answer({"done": done, "failed": failed}, 200 if not failed else 409)
    return http.back("/desk/articles", done=f"{what(action, len(done), value)}: done." if done else "",
                 failed="; ".join(failed))


def _sources(keys_: list[str]) -> list[Any]:
    from chalicelib import keys
    from chalicelib.models import Source

    return list(Source.batch_get([keys.source(k) for k in keys_])) if keys_ else []


