"""The desk's Articles list at 10,000 articles (issue 43): opening it (one read of the desk index's
list projection, grouped into one row per article, with every tab's count), a tab, a filter, and a
search over titles and body text through the site's term index. Target: under 1 s each.

Run: ``.venv/bin/python bench/desk_list.py`` (``BENCH_DESK_ARTICLES``: how many, 10,000 by default).
The articles are made as ``make bench``'s growth section makes them (``Bench.grow_synthetic``: each a
full ingested article's items), in the local AWS stand-in running in this process, so every
request crosses HTTP and botocore as in a Lambda; DynamoDB itself answers faster than moto does.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from typing import Any, Callable

from run import Bench

ARTICLES = int(os.environ.get("BENCH_DESK_ARTICLES", "10000"))
REPEATS = 5


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """The median of ``REPEATS`` runs in ms, and the last run's answer."""
    samples, answer = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1), answer


def main() -> None:
    from chalicelib.desk import listing
    from chalicelib.desk.identity import Identity

    bench = Bench()
    print(f"making {ARTICLES} articles...", flush=True)
    bench.grow_synthetic(ARTICLES)
    who = Identity("sub", "editor@example.com", "Ninfa ALong", "editor", 2**31)
    results = {}
    for name, run in {
        "open the list (All, with every tab's count)": lambda: listing.listing(who),
        "Mine": lambda: listing.listing(who, tab="mine"),
        "a month": lambda: listing.listing(who, month="2012-03"),
        "search 'markets tehran' (body words, in every article)": lambda: listing.listing(who, query="markets tehran"),
        "search 'bench story 5000' (a title)": lambda: listing.listing(who, query="bench story 5000"),
    }.items():
        ms, found = timed(run)
        results[name] = {"median_ms": ms, "rows": len(found.rows), "all": found.counts[""]}
        print(f"{name:60} {ms:8.1f} ms  rows {len(found.rows):3}  of {found.counts['']}", flush=True)
    print(json.dumps({"articles": ARTICLES, "results": results}))


if __name__ == "__main__":
    main()
