"""The desk's Articles list at 10,000 articles (issue 43): opening it (one read of the desk index's
list projection, grouped into one row per article, with every tab's count), a tab, a month, and a
search over titles and body text through the site's term index. Target: under 1 s each.

Run: ``.venv/bin/python bench/desk_list.py`` (``BENCH_DESK_ARTICLES``: how many, 10,000 by default).

What it times is our code in a Lambda's place: the list's Query answers are DynamoDB's own wire
format (the items ingest writes, 1 MB pages as DynamoDB returns them), replayed through botocore's
parser and PynamoDB exactly as a live answer is, and the search's term Queries likewise; the time
DynamoDB itself takes to send those pages is added from its documented behaviour (``DDB_PAGE_MS``
a page, a conservative figure for a 1 MB Query page in the same region; ``DDB_BATCH_MS`` a BatchGetItem
of 100 keys), since the local stand-in
(moto) scans its whole table for every index page: 71 s for this list at 10,000 articles, which
says nothing about DynamoDB.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ARTICLES = int(os.environ.get("BENCH_DESK_ARTICLES", "10000"))
REPEATS = 5
DDB_PAGE_MS = 60.0
DDB_BATCH_MS = 15.0  # one BatchGetItem of up to 100 small items
PAGE_BYTES = 1024 * 1024


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """The median of ``REPEATS`` runs in ms, and the last run's answer."""
    samples, answer = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1), answer


def wire(item: dict[str, Any]) -> dict[str, Any]:
    """An item in DynamoDB's JSON."""
    out: dict[str, Any] = {}
    for name, value in item.items():
        if isinstance(value, bool):
            out[name] = {"BOOL": value}
        elif isinstance(value, (int, float)):
            out[name] = {"N": str(value)}
        elif isinstance(value, list):
            out[name] = {"L": [{"S": v} for v in value]}
        elif value is not None:
            out[name] = {"S": value}
    return out


def index_items(count: int) -> list[dict[str, Any]]:
    """The desk index's items of ``count`` articles, newest first, as ingest writes them: mostly live,
    some scheduled, drafts of live ones, submissions, refused and unpublished files."""
    items = []
    for i in range(count):
        date = f"20{10 + (i // 336) % 15:02d}-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        key = f"articles/bench-story-{i}.md"
        base = {"kind": "article", "status": "published", "title": f"Bench story {i} on oil markets",
                "slug": f"bench-story-{i}", "date": date, "author": "ninfa-along", "categories": ["tehran"],
                "etag": '"0123456789abcdef0123456789abcdef"'}  # the list's projection (listing._SHOWN), no more
        items.append(wire({**base, "pk": "source", "sk": key, "desk_sk": f"{date}#{key}"}))
        if i % 50 == 0:
            pending = "drafts/" + key if i % 100 else "submissions/" + key
            items.append(wire({**base, "pk": "source", "sk": pending, "desk_sk": f"{date}#{pending}",
                               "saved_by": "Local Editor", "saved_at": date}))
    items.sort(key=lambda item: item["desk_sk"]["S"], reverse=True)
    return items


def pages_of(items: list[dict[str, Any]]) -> list[bytes]:
    """The Query's answers as DynamoDB sends them: pages of at most 1 MB, as bytes on the wire."""
    pages: list[list[dict[str, Any]]] = []
    page: list[dict[str, Any]] = []
    size = 0
    for item in items:
        length = len(json.dumps(item))
        if size + length > PAGE_BYTES and page:
            pages.append(page)
            page, size = [], 0
        page.append(item)
        size += length
    pages.append(page)
    return [json.dumps({"Items": p, "Count": len(p), "ScannedCount": len(p)}).encode() for p in pages]


def main() -> None:
    import botocore.session
    from botocore.parsers import create_parser

    from chalicelib.desk import listing
    from chalicelib.desk.identity import Identity
    from chalicelib.models import Post, SearchTerm, Source

    items = index_items(ARTICLES)
    pages = pages_of(items)
    model = botocore.session.get_session().get_service_model("dynamodb").operation_model("Query")
    output_shape = model.output_shape
    assert output_shape is not None, "botocore's DynamoDB Query has an output shape"
    parser = create_parser("json")
    terms = [wire({"pk": "term#market", "sk": f"9990#{i}", "slug": f"bench-story-{i}", "title": "t", "date": "d"})
             for i in range(listing.MAX_TERM_HITS)]
    term_page = json.dumps({"Items": terms, "Count": len(terms)}).encode()

    def parsed(body: bytes) -> list[dict[str, Any]]:
        answer = parser.parse({"status_code": 200, "headers": {}, "body": body}, output_shape)
        return list(answer["Items"])

    calls = {"pages": 0, "batches": 0}

    def read_index(kind: str) -> list[Source]:
        calls["pages"] += len(pages)
        return [Source.from_raw_data(item) for page in pages for item in parsed(page)]

    def term_query(*args: Any, **kwargs: Any) -> list[SearchTerm]:
        calls["pages"] += 1
        return [SearchTerm.from_raw_data(item) for item in parsed(term_page)]

    by_key = {item["sk"]["S"]: item for item in items}
    pending = [item for item in items if not item["sk"]["S"].startswith("articles/")]
    pending_page = json.dumps({"Items": pending, "Count": len(pending)}).encode()

    def in_batches(found: list[dict[str, Any]], model_class: Any) -> list[Any]:
        out = []
        for start in range(0, len(found), 100):
            calls["batches"] += 1
            body = json.dumps({"Items": found[start:start + 100]}).encode()
            out += [model_class.from_raw_data(item) for item in parsed(body)]
        return out

    def post_batch(wanted: list[tuple[str, str]], **kwargs: Any) -> list[Post]:
        return in_batches([wire({"pk": pk, "sk": sk, "source_key": "articles/" + pk.removeprefix("post#") + ".md"})
                           for pk, sk in wanted], Post)

    def source_batch(wanted: list[tuple[str, str]], **kwargs: Any) -> list[Source]:
        return in_batches([by_key[sk] for _, sk in wanted if sk in by_key], Source)

    def filtered_query(*args: Any, **kwargs: Any) -> list[Source]:
        calls["pages"] += len(pages)  # DynamoDB reads the whole partition, and sends the few it keeps
        return [Source.from_raw_data(item) for item in parsed(pending_page)]

    listing.read_index = read_index
    SearchTerm.query = term_query  # type: ignore[assignment, method-assign]
    Post.batch_get = post_batch  # type: ignore[assignment, method-assign]
    Source.batch_get = source_batch  # type: ignore[assignment, method-assign]
    Source.desk.query = filtered_query  # type: ignore[assignment, method-assign]
    who = Identity("sub", "editor@example.com", "Ninfa ALong", "editor", 2**31)
    results = {}
    print(f"{ARTICLES} articles: the desk index is {len(items)} items in {len(pages)} pages of at most 1 MB")
    for name, run in {
        "open the list (All, every tab's count)": lambda: listing.listing(who),
        "the Mine tab": lambda: listing.listing(who, tab="mine"),
        "a month": lambda: listing.listing(who, month="2012-03"),
        "search 'oil markets' (body words: two terms, 500 hits each)": lambda: listing.listing(who, query="oil markets"),
        "search 'markets 5000' (a word and a number)": lambda: listing.listing(who, query="markets 5000"),
    }.items():
        calls.update(pages=0, batches=0)
        ms, found = timed(run)
        waits = (calls["pages"] * DDB_PAGE_MS + calls["batches"] * DDB_BATCH_MS) / REPEATS
        total = ms + waits
        results[name] = {"code_ms": ms, "with_dynamodb_ms": round(total, 1), "rows": len(found.rows),
                         "all": found.counts[""]}
        print(f"{name:62} our code {ms:7.1f} ms, with DynamoDB {total:7.1f} ms; rows {len(found.rows)} of "
              f"{found.counts['']}")
    print(json.dumps({"articles": ARTICLES, "index_items": len(items), "pages": len(pages), "results": results}))


if __name__ == "__main__":
    main()
