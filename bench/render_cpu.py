"""Page CPU of this tree against another revision, in one process: `python bench/render_cpu.py --against REV`.

A change to how pages are built (view models, templates) is measured where it lands: the CPU the
page function spends (its reads from the stand-in, its view, its template, its headers), for home,
category, article, search and feed. Both trees live in one interpreter: REV is exported with
``git archive`` and its package renamed (``chalicelib`` -> ``chalicelib_before``), so the two render
from the same items, in the same process, one request of each in turn (after warm-ups): a slow
moment of this shared machine hits both. The stand-in (moto) runs in a process of its own
(``LocalAws(own_process=True)``), so its CPU is not counted; the snapshot is cached, as on a warm
Lambda. Each figure is the median over rounds; the ratio, the median of the rounds' ratios
(this tree / REV). docs/performance.md gives the method and the latest figures.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from common import PROJECT, LocalAws, machine

SEED_ARTICLE = "iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats"
FILLER = 30  # articles beside the sample content, so archives fill their pages


def export_before(revision: str, into: Path) -> Path:
    """REV's tree in ``into``, its package renamed ``chalicelib_before`` (imports rewritten)."""
    archive = subprocess.run(["git", "archive", revision, "chalicelib", "templates", "content"], cwd=PROJECT,
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    package = into / "chalicelib"
    for path in package.rglob("*.py"):
        path.write_text(re.sub(r"\bchalicelib\b", "chalicelib_before", path.read_text()))
    package.rename(into / "chalicelib_before")
    return into


def requests() -> dict[str, tuple[str, dict[str, str]]]:
    """Page type -> (path, query)."""
    return {"home": ("/", {}), "category": ("/category/tehran/", {}), "article": (f"/{SEED_ARTICLE}/", {}),
            "search": ("/search/", {"q": "oil markets"}), "feed": ("/feed/", {})}


def renderers(package: str) -> dict[str, Callable[[Any], Any]]:
    """The page functions of one tree, by page type."""
    pages = importlib.import_module(f"{package}.site.pages")
    feeds = importlib.import_module(f"{package}.site.feeds")
    return {"home": pages.render_home, "category": lambda r: pages.render_archive(r, "category", "tehran"),
            "article": lambda r: pages.render_post(r, SEED_ARTICLE), "search": pages.render_search,
            "feed": feeds.render_site_feed}


def request_for(path: str, query: dict[str, str]) -> Any:
    """A Chalice request as API Gateway hands one to the web function on this machine."""
    from chalice.app import Request

    return Request({"multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
                    "headers": {"host": "127.0.0.1"}, "pathParameters": {},
                    "requestContext": {"path": path, "httpMethod": "GET", "resourcePath": path},
                    "httpMethod": "GET", "body": None, "isBase64Encoded": False, "stageVariables": None})


def seed(aws: LocalAws) -> None:
    """The sample content and the filler articles, ingested with this tree's code."""
    from chalicelib.publish import ingest
    from devstack.local import Relay, upload_content

    upload_content(aws.s3, aws.stack.bucket, PROJECT / "content")
    for i in range(FILLER):
        aws.s3.put_object(Bucket=aws.stack.bucket, Key=f"articles/filler-{i}.md", Body=(
            f"---\ntitle: Oil markets story {i}\ndate: 2021-0{1 + i % 9}-1{i % 10}T10:00:00Z\ncategories: [Tehran]\n"
            f"tags: [Oil]\nauthor: Ninfa ALong\n---\n\nOil markets in Tehran moved today, story {i}.\n").encode())
    relay = Relay(aws.sqs, aws.stack.queue_url, lambda event, context: ingest.ingest_queue_handler(event["Records"]))
    idle = 0
    while idle < 3:
        idle = 0 if relay.poll_once(wait_seconds=1) else idle + 1


def measure(rounds: int, warmups: int = 5) -> dict[str, Any]:
    """For each page type, ``rounds`` of (this tree, REV) renders, alternating, each side first in every
    other round; CPU seconds each."""
    ours, theirs = renderers("chalicelib"), renderers("chalicelib_before")
    out: dict[str, Any] = {}
    for page, (path, query) in requests().items():
        request = request_for(path, query)
        pairs = []
        for n in range(warmups + rounds):
            pair = {}
            order = ("ours", "theirs") if n % 2 else ("theirs", "ours")  # neither always goes first
            for side in order:
                started = time.process_time()
                response = (ours if side == "ours" else theirs)[page](request)
                pair[side] = time.process_time() - started
                assert response.status_code == 200, (page, response.status_code)
            if n >= warmups:
                pairs.append((pair["ours"], pair["theirs"]))
        out[page] = {"ours_ms": round(statistics.median(p[0] for p in pairs) * 1000, 3),
                     "before_ms": round(statistics.median(p[1] for p in pairs) * 1000, 3),
                     "ratio": round(statistics.median(p[0] / p[1] for p in pairs), 3)}
    return out


def same_pages() -> list[str]:
    """The page types whose body differs between the two trees (the change must keep every page), but
    for the code version in the stylesheet's and the script's addresses (a hash of the templates)."""
    ours, theirs = renderers("chalicelib"), renderers("chalicelib_before")
    versions = [importlib.import_module(f"{package}.site.web").code_version()
                for package in ("chalicelib", "chalicelib_before")]
    differ = []
    for page, (path, query) in requests().items():
        request = request_for(path, query)
        if ours[page](request).body.replace(versions[0], "") != theirs[page](request).body.replace(versions[1], ""):
            differ.append(page)
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the git revision to compare with (e.g. main)")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    aws = LocalAws(own_process=True)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            sys.path.insert(0, str(export_before(args.against, Path(scratch))))
            seed(aws)
            differ = same_pages()
            results = {"against": args.against, "rounds": args.rounds, "pages_that_differ": differ,
                       "pages": measure(args.rounds), "machine": machine(), "at": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                              time.gmtime())}
    finally:
        aws.stop()
    print(json.dumps(results, indent=2))
    out = PROJECT / "bench" / "results" / "render_cpu.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    main()
