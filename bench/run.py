"""make bench: speed against the floor, at scale, against a local moto server.

Prints one table per section and writes everything to bench/results/bench.json.
Every timing is a median over repeated runs; the targets are ratios, because
absolute times on a shared machine are noise. docs/performance.md explains
each figure.

Sections:
 1. requests  DynamoDB and S3 requests per page type, cold and warm.
 2. overhead  time to serve each page in process, over the time of the same
              requests made with plain boto3 against the same server.
 3. growth    page, ingest and resync times with SMALL and LARGE articles.
 4. cold      fresh-process import + first page (web) or first file (ingest),
              over the same for a minimal Chalice app that imports boto3.
 5. ingest    articles per second from S3 upload to visible page, through
              S3 -> SQS -> handler, for one article and a bulk upload.
 6. weight    HTML and total bytes per page type, raw and gzipped.
 7. import    a generated WordPress export of BENCH_IMPORT_POSTS (20000) posts converted
              in a fresh process: seconds, posts per second, peak memory (target < 300 MB).

Environment: BENCH_REPEATS (default 25), BENCH_SMALL (100), BENCH_LARGE
(20000), BENCH_BULK (1000), BENCH_CONCURRENCY (5 ingest pollers, as Lambda's
SQS event source starts with), BENCH_SECTIONS (comma list, default all).
"""

from __future__ import annotations

import concurrent.futures
import gzip
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import zipfile
from pathlib import Path
from typing import Any, Callable

from common import BENCH, PROJECT, LocalAws, api_call, freeze_heap, machine, replace_api_call

REPEATS = int(os.environ.get("BENCH_REPEATS", "25"))
SMALL = int(os.environ.get("BENCH_SMALL", "100"))
LARGE = int(os.environ.get("BENCH_LARGE", "20000"))
BULK = int(os.environ.get("BENCH_BULK", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "5"))
ALL_SECTIONS = ["requests", "overhead", "growth", "cold", "ingest", "weight", "import", "photos"]
SECTIONS = [s for s in os.environ.get("BENCH_SECTIONS", ",".join(ALL_SECTIONS)).split(",") if s]
IMPORT_POSTS = int(os.environ.get("BENCH_IMPORT_POSTS", "20000"))

SEED_ARTICLE = "iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats"
# Page type -> (resource path as API Gateway matches it, path parameters, request path, query).
PAGES: dict[str, tuple[str, dict[str, str], str, dict[str, str] | None]] = {
    "home": ("/", {}, "/", None),
    "category": ("/category/{slug}", {"slug": "tehran"}, "/category/tehran/", None),
    "tag": ("/tag/{slug}", {"slug": "oil"}, "/tag/oil/", None),
    "author": ("/author/{slug}", {"slug": "ninfa-along"}, "/author/ninfa-along/", None),
    "article": ("/{slug}", {"slug": SEED_ARTICLE}, f"/{SEED_ARTICLE}/", None),
    "search": ("/search", {}, "/search/", {"q": "oil markets"}),
    "feed": ("/feed", {}, "/feed/", None),
    "sitemap": ("/sitemap.xml", {}, "/sitemap.xml", None),
    "404": ("/{slug}", {"slug": "no-such-story"}, "/no-such-story/", None),
}



def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def timed(action: Callable[[], Any], repeats: int = REPEATS) -> list[float]:
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        out.append(time.perf_counter() - started)
    return out


def article_date(i: int) -> str:
    """Bench article ``i``'s date: 28 a month from January 2010, cycling every 15 years by the hour."""
    return f"20{10 + (i // 336) % 15:02d}-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}T{(i // 5040) % 24:02d}:00:00Z"


def now_date() -> str:
    """An hour ago: later than every bench article, and not scheduled for later."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))


def article_text(i: int, category: str = "Tehran", tag: str = "Oil", words: str = "", date: str = "") -> bytes:
    return (f"---\ntitle: Bench story {i} on oil markets\ndate: {date or article_date(i)}\ncategories: [{category}]\n"
            f"tags: [{tag}]\nauthor: Ninfa ALong\n---\n\nOil markets in Tehran moved today. {words}\n").encode()


class Recorder:
    """Every AWS request made in this process: (service, operation, params)."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.on = False
        original = api_call()
        recorder = self

        def recording(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if recorder.on and threading.current_thread() is threading.main_thread():
                recorder.calls.append((client.meta.service_model.service_name, operation, params))
            return original(client, operation, params)

        replace_api_call(recording)

    def __enter__(self) -> "Recorder":
        self.calls = []
        self.on = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self.on = False


class Bench(LocalAws):
    """The local stand-in in this process (every AWS request is counted here), the app, the results."""

    def __init__(self) -> None:
        super().__init__(own_process=False)
        self.recorder = Recorder()
        import app

        self.app = app
        self.results: dict[str, Any] = {}
        self.articles = 0

    # --- helpers -------------------------------------------------------------------------

    def event(self, page: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        resource, params, path, query = PAGES[page]
        return {
            "resource": resource, "path": path, "httpMethod": "GET",
            "headers": {"Host": "127.0.0.1:8000", "Accept-Encoding": "gzip", **(headers or {})},
            "multiValueHeaders": {}, "queryStringParameters": query,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            "pathParameters": params or None, "stageVariables": None, "body": None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": resource, "httpMethod": "GET", "path": path,
                               "requestId": "bench", "identity": {"sourceIp": "127.0.0.1"}},
        }

    def serve(self, page: str) -> dict[str, Any]:
        response = self.app.app(self.event(page), None)
        assert response["statusCode"] == (404 if page == "404" else 200), (page, response["statusCode"])
        return response

    def cold(self) -> None:
        from chalicelib.site import store

        store.clear_site_cache()

    def ingest_all(self) -> None:
        """Deliver every pending notification to the ingest handler (one poller)."""
        from devstack.local import Relay

        relay = Relay(self.sqs, self.stack.queue_url, self.app.ingest)
        while relay.poll_once() or self._in_flight():
            pass

    def drain(self) -> None:
        """Drop the notifications of files the bench applied itself (PurgeQueue allows one call a minute)."""
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.stack.queue_url, MaxNumberOfMessages=10,
                                                VisibilityTimeout=30).get("Messages", [])
            if not messages:
                return
            self.sqs.delete_message_batch(QueueUrl=self.stack.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    def _in_flight(self) -> bool:
        attrs: dict[str, str] = self.sqs.get_queue_attributes(QueueUrl=self.stack.queue_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return attrs["ApproximateNumberOfMessages"] != "0" or attrs["ApproximateNumberOfMessagesNotVisible"] != "0"

    def upload(self, count: int, start: int) -> None:
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: self.s3.put_object(Bucket=self.stack.bucket, Key=f"articles/bench-{i}.md",
                                                       Body=article_text(i)), range(start, start + count)))

    def seed(self) -> None:
        from devstack.local import upload_content

        upload_content(self.s3, self.stack.bucket)
        self.ingest_all()
        self.grow_by_ingest(SMALL)
        freeze_heap()

    def grow_by_ingest(self, total: int) -> None:
        if total > self.articles:
            self.upload(total - self.articles, self.articles)
            self.ingest_all()
            self.articles = total

    # --- 1 + 2: requests and overhead ---------------------------------------------------

    def requests_and_overhead(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for page in PAGES:
            self.cold()
            with self.recorder:
                self.serve(page)
            cold_calls = list(self.recorder.calls)
            timing = self.time_page(page)
            calls = timing.pop("calls")
            out[page] = {
                "requests_cold": len(cold_calls), "requests_warm": len(calls),
                "dynamodb_warm": sum(1 for c in calls if c[0] == "dynamodb"),
                "s3_warm": sum(1 for c in calls if c[0] == "s3"),
                "operations_warm": [f"{s}:{o}" for s, o, _ in calls], **timing,
            }
        return out

    def time_page(self, page: str) -> dict[str, Any]:
        """Serve ``page`` warm and replay its requests with plain boto3 (the floor), alternately, so that
        drift in the server's speed hits both alike; medians, their ratio, and the requests."""
        self.serve(page)
        with self.recorder:
            self.serve(page)
        calls = list(self.recorder.calls)

        def replay() -> None:
            for service, operation, params in calls:
                client = self.dynamodb if service == "dynamodb" else self.s3
                client._make_api_call(operation, params)

        serve_times, floor_times = [], []
        for _ in range(REPEATS):
            serve_times += timed(lambda: self.serve(page), 1)
            floor_times += timed(replay, 1)
        return {"serve_ms": median_ms(serve_times), "floor_ms": median_ms(floor_times),
                "overhead": round(statistics.median(serve_times) / statistics.median(floor_times), 3)
                if calls else None, "calls": calls}

    # --- 3: growth ------------------------------------------------------------------------

    def ingest_times(self, position: str = "newest", count: int = 10) -> tuple[list[float], int]:
        """Seconds to ingest one new article (S3 already holds it), each on its own, and the median
        number of AWS requests one made.

        ``position`` fixes where the article lands in its archives, so the work is alike at every size:
        "newest" (dated now: the everyday case; no article follows it) or "backdated" (dated like the
        site's middle article: the most work, as its successors' related posts are recomputed too).
        """
        from chalicelib.publish import ingest

        if position == "newest":
            date = now_date()
        else:
            date = article_date(self.articles // 2)[:10] + "T23:59:59Z"
        times, requests = [], []
        for n in range(count):
            key = f"articles/growth-probe-{position}-{self.articles}-{n}.md"
            self.s3.put_object(Bucket=self.stack.bucket, Key=key, Body=article_text(50000 + n, date=date))
            with self.recorder:
                started = time.perf_counter()
                ingest.apply_key(self.stack.bucket, key)
                times.append(time.perf_counter() - started)
            requests.append(len(self.recorder.calls))
            self.s3.delete_object(Bucket=self.stack.bucket, Key=key)
            ingest.apply_key(self.stack.bucket, key)
        self.drain()
        return times, round(statistics.median(requests))

    def resync_per_article(self) -> float:
        from chalicelib.publish.resync import resync

        started = time.perf_counter()
        counts = resync(self.stack.bucket, force=False)
        return (time.perf_counter() - started) / max(1, sum(counts.values()))

    def growth_point(self) -> dict[str, Any]:
        timings = {page: self.time_page(page) for page in PAGES}
        phase("  pages timed; timing ingest")
        ingest = {position: self.ingest_times(position) for position in ("newest", "backdated")}
        phase("  ingest timed; timing resync")
        resync_ms = round(self.resync_per_article() * 1000, 3)
        phase(f"  resync: {resync_ms} ms per file")
        return {"articles": self.articles,
                "pages_ms": {p: t["serve_ms"] for p, t in timings.items()},
                "floor_ms": {p: t["floor_ms"] for p, t in timings.items()},
                "requests": {p: len(t["calls"]) for p, t in timings.items()},
                "ingest_ms": {p: median_ms(t) for p, (t, _) in ingest.items()},
                "ingest_requests": {p: r for p, (_, r) in ingest.items()},
                "resync_ms_per_file": resync_ms}

    def grow_synthetic(self, total: int) -> None:
        """Reach ``total`` articles by copying one ingested article's items and file (ingesting 10,000
        through moto would take hours); every copy is a full article: post, listings, search terms,
        source, S3 file. The copies go straight into the moto server's backends (it runs in this
        process): setup, not measurement, and 10x faster than 20 HTTP writes per copy."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends
        from moto.s3.models import s3_backends

        template_key = "articles/bench-template.md"
        self.s3.put_object(Bucket=self.stack.bucket, Key=template_key, Body=article_text(99999))
        from chalicelib.publish import ingest

        ingest.apply_key(self.stack.bucket, template_key)
        self.drain()
        items = []
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=self.stack.table):
            for item in page["Items"]:
                text = json.dumps(item)
                if "bench-template" in text or "Bench story 99999" in text:
                    items.append(text)
        template_date = article_date(99999)
        body = article_text(99999)
        table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(self.stack.table)
        bucket = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for i in range(self.articles, total):
            date = article_date(i)
            for text in items:
                table.put_item(json.loads(text.replace("bench-template", f"bench-{i}")
                                          .replace("Bench story 99999", f"Bench story {i}").replace(template_date, date)))
            bucket.put_object(self.stack.bucket, f"articles/bench-{i}.md", body, disable_notification=True)
        # The copies' S3 ETags all equal the template's, so a quick resync sees them unchanged.
        self.s3.delete_object(Bucket=self.stack.bucket, Key=template_key)
        ingest.apply_key(self.stack.bucket, template_key)
        self.drain()
        self.articles = total
        freeze_heap()

    # --- 4: cold start -----------------------------------------------------------------------

    def cold_start(self) -> dict[str, Any]:
        """Fresh processes, twice over: from the source tree (the venv's compiled site-packages), and
        from the deployment package as Lambda runs it (unpacked zip plus the runtime's boto3, no
        site-packages, no bytecode written: /var/task is read-only)."""
        prelude = "import time, sys, json\nstarted = time.perf_counter()\nsys.path[:0] = json.loads(sys.argv[1])\n"
        web = prelude + textwrap.dedent(f"""
            import app
            response = app.app(json.loads({json.dumps(json.dumps(self.event("article")))}), None)
            assert response["statusCode"] == 200
            print(time.perf_counter() - started)
        """)
        ingest = prelude + textwrap.dedent(f"""
            import app
            event = {{"Records": [{{"messageId": "m1", "receiptHandle": "r", "body": json.dumps({{"Records": [
                {{"s3": {{"bucket": {{"name": {self.stack.bucket!r}}}, "object": {{"key": "articles/cold-start.md"}}}}}}]}}),
                "attributes": {{}}, "messageAttributes": {{}}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q", "awsRegion": "us-east-1"}}]}}
            assert app.ingest(event, None) == {{"batchItemFailures": []}}
            print(time.perf_counter() - started)
        """)
        minimal = prelude + textwrap.dedent("""
            import boto3
            from chalice import Chalice
            app = Chalice(app_name="minimal")
            @app.route("/{slug}")
            def page(slug):
                return {"hello": slug}
            response = app({"resource": "/{slug}", "path": "/x/", "httpMethod": "GET", "headers": {},
                            "multiValueHeaders": {}, "queryStringParameters": None,
                            "multiValueQueryStringParameters": None, "isBase64Encoded": False,
                            "pathParameters": {"slug": "x"}, "stageVariables": None, "body": None,
                            "requestContext": {"resourcePath": "/{slug}", "httpMethod": "GET"}}, None)
            assert response["statusCode"] == 200
            print(time.perf_counter() - started)
        """)
        reader = prelude + textwrap.dedent(f"""
            import boto3
            from chalice import Chalice
            app = Chalice(app_name="reader")
            @app.route("/{{slug}}")
            def page(slug):
                item = boto3.client("dynamodb").get_item(TableName={self.stack.table!r},
                                                         Key={{"pk": {{"S": "post#" + slug}}, "sk": {{"S": "post"}}}})
                return {{"title": item["Item"]["title"]["S"]}}
            response = app({{"resource": "/{{slug}}", "path": "/x/", "httpMethod": "GET", "headers": {{}},
                            "multiValueHeaders": {{}}, "queryStringParameters": None,
                            "multiValueQueryStringParameters": None, "isBase64Encoded": False,
                            "pathParameters": {{"slug": {SEED_ARTICLE!r}}}, "stageVariables": None, "body": None,
                            "requestContext": {{"resourcePath": "/{{slug}}", "httpMethod": "GET"}}}}, None)
            assert response["statusCode"] == 200, response
            print(time.perf_counter() - started)
        """)
        versions = iter(range(77777, 99999))

        def run(name: str, code: str, path: list[str], lambda_like: bool) -> tuple[float, int]:
            """One cold start: its seconds, and the minor page faults it took (a count, steady from run
            to run, so a change in it is a change in the work, not noise)."""
            if name == "ingest":  # a new version each time, so every run publishes (not "unchanged"),
                # dated now, as news is: the same work as growth's "newest" ingest
                self.s3.put_object(Bucket=self.stack.bucket, Key="articles/cold-start.md",
                                   Body=article_text(next(versions), date=now_date()))
            flags = ["-I", "-S", "-B"] if lambda_like else []
            # Lambda names the handler it calls in _HANDLER; app.py loads the page modules for the web's only.
            handler = "app.ingest" if name == "ingest" else "app.app"
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
            done = subprocess.run([sys.executable, *flags, "-c", code, json.dumps(path)],
                                  env={**os.environ, "_HANDLER": handler},
                                  capture_output=True, text=True, timeout=120, cwd="/")
            assert done.returncode == 0, done.stderr
            faults = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before
            return float(done.stdout.strip().splitlines()[-1]), faults

        repeats = max(5, REPEATS // 2)
        with tempfile.TemporaryDirectory() as tmp:
            task, runtime, minimal_task = lambda_layout(Path(tmp))
            layouts = {"source": ([str(PROJECT)], [], False),
                       "package": ([str(task), str(runtime)], [str(minimal_task), str(runtime)], True)}
            results: dict[str, Any] = {}
            for layout, (app_path, baseline_path, lambda_like) in layouts.items():
                apps = (("web", web, app_path), ("ingest", ingest, app_path), ("minimal", minimal, baseline_path),
                        ("reader", reader, baseline_path))
                times: dict[str, list[float]] = {name: [] for name, _, _ in apps}
                faults: dict[str, list[int]] = {name: [] for name, _, _ in apps}
                # A first round, not counted, reads every app's files into the page cache: the
                # baselines' boto3 lists the ~450 folders of botocore's data, so without it their
                # first runs, and the ratios, depend on what ran before this section.
                for name, code, path in apps:
                    run(name, code, path, lambda_like)
                # Interleaved, one run of each app per round: drift in the machine's speed during the
                # section reaches every app alike instead of landing in the ratios.
                for _ in range(repeats):
                    for name, code, path in apps:
                        seconds, faulted = run(name, code, path, lambda_like)
                        times[name].append(seconds)
                        faults[name].append(faulted)
                ms = {name: median_ms(samples) for name, samples in times.items()}
                results[layout] = {
                    **{f"{name}_ms": value for name, value in ms.items()},
                    **{f"{name}_page_faults": int(statistics.median(counts)) for name, counts in faults.items()},
                    "web_ratio": round(ms["web"] / ms["minimal"], 3),
                    "ingest_ratio": round(ms["ingest"] / ms["minimal"], 3),
                    "web_over_reader": round(ms["web"] / ms["reader"], 3),
                    "ingest_over_reader": round(ms["ingest"] / ms["reader"], 3),
                    "python": "%d.%d.%d" % sys.version_info[:3],
                }
        self.drain()
        return results

    # --- 5: ingest throughput ---------------------------------------------------------------

    def throughput(self) -> dict[str, Any]:
        from devstack.local import Relay

        relays = [Relay(self.session.client("sqs"), self.stack.queue_url, self.app.ingest)
                  for _ in range(CONCURRENCY)]
        for relay in relays:
            relay.start()
        try:
            singles = []
            for n in range(5):
                key = f"articles/throughput-single-{n}.md"
                started = time.perf_counter()
                self.s3.put_object(Bucket=self.stack.bucket, Key=key, Body=article_text(60000 + n))
                self._wait_visible([f"throughput-single-{n}"])
                singles.append(time.perf_counter() - started)
            slugs = [f"bulk-{i}" for i in range(BULK)]
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda i: self.s3.put_object(Bucket=self.stack.bucket, Key=f"articles/bulk-{i}.md",
                                                           Body=article_text(70000 + i)), range(BULK)))
            self._wait_visible(slugs, timeout=3600)
            bulk = time.perf_counter() - started
        finally:
            for relay in relays:
                relay.stop()
            for relay in relays:
                relay.join(timeout=10)
        self.articles += BULK + 5
        return {"single_upload_to_visible_ms": median_ms(singles),
                "single_articles_per_second": round(1 / statistics.median(singles), 2),
                "bulk_articles": BULK, "bulk_seconds": round(bulk, 1),
                "bulk_articles_per_second": round(BULK / bulk, 2), "pollers": CONCURRENCY}

    def _wait_visible(self, slugs: list[str], timeout: float = 120) -> None:
        from chalicelib.models import Post

        waiting = set(slugs)
        deadline = time.monotonic() + timeout
        while waiting and time.monotonic() < deadline:
            keys = [Post.key_for(s) for s in list(waiting)[:100]]
            for post in Post.batch_get(keys):
                if post.kind == "article":
                    waiting.discard(post.slug)
            if waiting:
                time.sleep(0.02 if len(slugs) < 10 else 0.5)
        if waiting:
            raise SystemExit(f"{len(waiting)} articles not visible after {timeout} s")

    # --- 6: weight ------------------------------------------------------------------------------

    def weight(self) -> dict[str, Any]:
        import re

        out = {}
        for page in PAGES:
            body = self.serve(page)["body"]
            raw = body.encode() if isinstance(body, str) else body
            images = len(re.findall(rb"<img\b", raw))
            css_bytes = len(self.app_css()) if b'rel="stylesheet"' in raw else 0
            out[page] = {"html_bytes": len(raw), "html_gzip_bytes": len(gzip.compress(raw, 6)),
                         "css_bytes": css_bytes, "css_gzip_bytes": len(gzip.compress(self.app_css(), 6)) if css_bytes else 0,
                         "images": images}
            out[page]["total_bytes"] = out[page]["html_bytes"] + out[page]["css_bytes"]
            out[page]["total_gzip_bytes"] = out[page]["html_gzip_bytes"] + out[page]["css_gzip_bytes"]
        return out

    def app_css(self) -> bytes:
        from chalicelib.site import web

        return web.stylesheet()


def lambda_layout(root: Path) -> tuple[Path, Path, Path]:
    """Lambda's view of the deployment package: ``task`` (the built zip, unpacked), ``runtime`` (what
    Lambda's Python runtime adds: boto3 and the botocore it comes with, compiled) and ``minimal``
    (a package holding only Chalice, for the baseline apps)."""
    import boto3
    import botocore
    import dateutil
    import jmespath
    import s3transfer
    import urllib3

    from devstack.package import build

    out = build("dev", root / "build")
    task, runtime, minimal = root / "task", root / "runtime", root / "minimal"
    zipfile.ZipFile(out / "deployment.zip").extractall(task)
    runtime.mkdir()
    for module in (boto3, botocore, s3transfer, jmespath, dateutil, urllib3):
        assert module.__file__ is not None  # a package installed from files
        (runtime / module.__name__).symlink_to(Path(module.__file__).parent)
    import six

    (runtime / "six.py").symlink_to(six.__file__)
    minimal.mkdir()
    (minimal / "chalice").symlink_to(task / "chalice")
    return task, runtime, minimal


def import_scale(posts: int) -> dict[str, Any]:
    """Convert a generated export of ``posts`` posts in a fresh process: time and peak memory (RSS)."""
    from devstack.wxr import write_export

    with tempfile.TemporaryDirectory() as tmp:
        export = write_export(Path(tmp) / "export.xml", posts)
        code = textwrap.dedent(f"""
            import json, re, sys, time
            from pathlib import Path
            sys.path.insert(0, {str(PROJECT)!r})
            started = time.perf_counter()
            from chalicelib.imports.wordpress import convert
            migration = convert(Path({str(export)!r}))
            seconds = time.perf_counter() - started
            print(json.dumps({{"seconds": seconds, "files": len(migration.files), "comments": len(migration.comments),
                              "blocks": dict(migration.blocks),
                              # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
                              "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())
                                             .group(1)) / 1024}}))
        """)
        out = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                        text=True).stdout)
        size = export.stat().st_size
    return {"posts": posts, "export_mb": round(size / 1e6, 1), "seconds": round(out["seconds"], 1),
            "posts_per_second": round(posts / out["seconds"]), "peak_mb": round(out["peak_mb"]),
            "files": out["files"], "comments": out["comments"], "blocks": out["blocks"]}


def overhead(point: dict[str, Any], page: str) -> float:
    """A growth point's page time over its floor: what our code adds, whatever the server's speed."""
    over: float = point["pages_ms"][page] / point["floor_ms"][page]
    return round(over, 3)


def phase(message: str) -> None:
    """Progress on stderr, so a long run shows where its time goes."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def table(title: str, rows: list[list[Any]], header: list[str]) -> None:
    widths = [max(len(str(x)) for x in [h] + [r[i] for r in rows]) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def main() -> int:
    started = time.time()
    bench = Bench()
    results: dict[str, Any] = {
        "machine": machine(),
        "settings": {"repeats": REPEATS, "small": SMALL, "large": LARGE, "bulk": BULK, "pollers": CONCURRENCY},
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    growth: dict[str, Any] = {}
    try:
        phase(f"seeding {SMALL} articles through S3 -> SQS -> ingest")
        bench.seed()
        if "growth" in SECTIONS:  # the small end now, before other sections add articles
            phase(f"growth: measuring at {SMALL} articles")
            growth[str(SMALL)] = bench.growth_point()
        if "requests" in SECTIONS or "overhead" in SECTIONS:
            pages = bench.requests_and_overhead()
            results["pages"] = pages
            table(f"1-2. Requests and overhead per page ({SMALL} articles; overhead target <= 1.3, warm requests: "
                  "article 1, archives <= 2)",
                  [[p, v["requests_cold"], v["requests_warm"], v["dynamodb_warm"], v["s3_warm"], v["serve_ms"],
                    v["floor_ms"], v["overhead"]] for p, v in pages.items()],
                  ["page", "req cold", "req warm", "ddb warm", "s3 warm", "serve ms", "floor ms", "overhead"])
        if "weight" in SECTIONS:
            weight = bench.weight()
            results["weight"] = weight
            table("6. Page weight (bytes; budget: article and home HTML < 15,000)",
                  [[p, v["html_bytes"], v["html_gzip_bytes"], v["total_bytes"], v["total_gzip_bytes"], v["images"]]
                   for p, v in weight.items()],
                  ["page", "html", "html gz", "total", "total gz", "images"])
        if "cold" in SECTIONS:
            cold = bench.cold_start()
            results["cold_start"] = cold
            table("4. Cold start (fresh process: import + first page / first file). Targets, as deployed "
                  "('package': the zip as Lambda runs it, python -I -S -B): web <= 1.0x and ingest <= 2.0x the "
                  "'reader', a minimal Chalice app that also reads one DynamoDB item",
                  [[f"{fn} ({layout})", v[f"{fn}_ms"], v["minimal_ms"], v[f"{fn}_ratio"],
                    v["reader_ms"], v[f"{fn}_over_reader"], v[f"{fn}_page_faults"], v["reader_page_faults"]]
                   for layout, v in cold.items() for fn in ("web", "ingest")],
                  ["function", "ms", "minimal ms", "ratio", "reader ms", "ratio to reader", "page faults",
                   "reader's"])
        if "ingest" in SECTIONS:
            throughput = bench.throughput()
            results["ingest"] = throughput
            table(f"5. Ingest throughput (S3 -> SQS -> handler -> visible; {CONCURRENCY} pollers)",
                  [["one article", throughput["single_upload_to_visible_ms"], throughput["single_articles_per_second"]],
                   [f"{BULK} articles", round(throughput["bulk_seconds"] * 1000), throughput["bulk_articles_per_second"]]],
                  ["upload", "ms to visible", "articles/s"])
        if "import" in SECTIONS:
            phase(f"import: converting a generated export of {IMPORT_POSTS} posts")
            scale = import_scale(IMPORT_POSTS)
            results["import"] = scale
            table("7. WordPress import at scale (export read as a stream; target: peak memory < 300 MB)",
                  [[scale["posts"], scale["export_mb"], scale["seconds"], scale["posts_per_second"], scale["peak_mb"],
                    scale["comments"], scale["blocks"].get("rendered", 0)]],
                  ["posts", "export MB", "seconds", "posts/s", "peak MB", "comments", "blocks"])
        if "photos" in SECTIONS:
            phase("photos: one 4000 x 3000 photo's sizes; an article with five of them in Chromium and Lighthouse")
            import photos

            shots = photos.measure()
            results["photos"] = shots
            page, made = shots["article_with_5_photos"], shots["derive_one_4000x3000"]
            table("8. Photos (targets: image bytes <= 1/5 of the originals; Lighthouse mobile performance 100; "
                  "sizes of one photo well inside the images function's 1,024 MB)",
                  [["phone 360 px", page["phone_360"]["image_bytes"], page["originals_bytes"],
                    page["phone_360"]["ratio_to_originals"], page["lighthouse_performance"], made["seconds"],
                    made["peak_mb"]],
                   ["desktop 1280 px", page["desktop_1280"]["image_bytes"], page["originals_bytes"],
                    page["desktop_1280"]["ratio_to_originals"], "", "", ""]],
                  ["viewport", "image bytes", "originals", "ratio", "lighthouse", "sizes s", "sizes peak MB"])
        if "growth" in SECTIONS:
            phase(f"growth: copying articles up to {LARGE}")
            bench.grow_synthetic(LARGE)
            phase(f"growth: measuring at {LARGE} articles")
            growth[str(LARGE)] = bench.growth_point()
            small, large = growth[str(SMALL)], growth[str(LARGE)]

            def ratio(figure: str, key: str | None = None) -> float:
                before, after = small[figure], large[figure]
                change: float = (after[key] / before[key]) if key else (after / before)
                return round(change, 3)

            growth["ratios"] = {**{p: ratio("pages_ms", p) for p in PAGES},
                                **{f"{p}_floor": ratio("floor_ms", p) for p in PAGES},
                                **{f"ingest_{p}": ratio("ingest_ms", p) for p in small["ingest_ms"]},
                                "resync_per_file": ratio("resync_ms_per_file")}
            results["growth"] = growth
            table(f"3. Growth: {small['articles']} -> {large['articles']} articles (target ratio <= 1.2; resync linear)",
                  [[f"{p} (requests {small['requests'][p]} -> {large['requests'][p]})", small["pages_ms"][p],
                    large["pages_ms"][p], growth["ratios"][p], small["floor_ms"][p], large["floor_ms"][p],
                    growth["ratios"][f"{p}_floor"], f"{overhead(small, p)} -> {overhead(large, p)}"] for p in PAGES]
                  + [[f"ingest, {p} (per article; requests {small['ingest_requests'][p]} -> "
                      f"{large['ingest_requests'][p]})", small["ingest_ms"][p], large["ingest_ms"][p],
                      growth["ratios"][f"ingest_{p}"], "", "", "", ""] for p in small["ingest_ms"]]
                  + [["resync (per file)", small["resync_ms_per_file"], large["resync_ms_per_file"],
                      growth["ratios"]["resync_per_file"], "", "", "", ""]],
                  ["", f"ms @{SMALL}", f"ms @{LARGE}", "ratio", f"floor @{SMALL}", f"floor @{LARGE}", "floor ratio",
                   "overhead (ours)"])
    finally:
        bench.stop()
    results["seconds"] = round(time.time() - started)
    out = BENCH / "results" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    # Each section says when it was measured; a run of some sections (BENCH_SECTIONS) keeps the others'.
    previous = json.loads(out.read_text()) if out.exists() else {}
    earlier = previous.get("measured") or {section: previous.get("date") for section in ALL_SECTIONS}
    when = {section: results.get("date") for section in SECTIONS}
    results = {**previous, **results, "measured": {**earlier, **when}}
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWrote {out.relative_to(PROJECT)} ({results['seconds']} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
