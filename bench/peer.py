"""make bench-peer: our site and WordPress on the same content, measured side by side in one run.

1. Starts the WordPress peer (``../shared/peers/wordpress/setup.sh``: WordPress 6.1, nginx, php-fpm,
   MariaDB on 127.0.0.1:8080, the seed site and 1,000 filler posts).
2. Exports its content with WordPress's own exporter (``export_wp``) and imports that export into our
   site through ``newsroom``'s importer, S3, SQS and ingest, against the local stand-in (a moto server
   in a process of its own, so that CPU accounting separates it): the same posts, titles, dates,
   categories and sizes, generated once, by WordPress.
3. Measures both, alternating A/B and repeating, per page type (home, category, category page 2,
   article, search, feed, 404): server time (WordPress: the whole response at nginx on loopback; us:
   the web handler invoked in-process as Lambda invokes it; and our floor, the same DynamoDB and S3
   requests replayed), CPU per page from the processes' own accounting, database round trips, bytes
   raw and gzipped, throughput on one core at concurrency 1, 2 and 4, and Lighthouse (mobile).
4. Prints one table with both sides and the ratios, writes bench/results/peer.json, and computes
   the cost of a million page views a month from the measured figures (docs/performance.md).
5. Runs ``stop.sh`` at the end, whatever happens.

Environment: PEER_ROUNDS (default 15 A/B rounds per page), PEER_CPU_REQUESTS (60 per round), PEER_CPU_ROUNDS
(5 interleaved rounds per page, medians), PEER_THROUGHPUT
(200 requests per concurrency level and side), PEER_LIGHTHOUSE (1 = on), WP_PEER_DIR.
"""

from __future__ import annotations

import gzip
import http.client
import json
import multiprocessing
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable

from common import (
    BENCH,
    CHROME_FLAGS,
    CLOUDFRONT_GB,
    CLOUDFRONT_REQUEST,
    DYNAMODB_READ,
    LAMBDA_GB_SECOND,
    LAMBDA_MEMORY_GB,
    LAMBDA_REQUEST,
    LIGHTHOUSE_CATEGORIES,
    PROJECT,
    LocalAws,
    api_call,
    free_port,
    freeze_heap,
    machine,
    replace_api_call,
)

ROUNDS = int(os.environ.get("PEER_ROUNDS", "15"))
CPU_REQUESTS = int(os.environ.get("PEER_CPU_REQUESTS", "60"))
CPU_ROUNDS = int(os.environ.get("PEER_CPU_ROUNDS", "5"))
THROUGHPUT = int(os.environ.get("PEER_THROUGHPUT", "200"))
LIGHTHOUSE = os.environ.get("PEER_LIGHTHOUSE", "1") == "1"
WP_HOST, WP_PORT = "127.0.0.1", 8080
RUN = Path(os.environ.get("WP_PEER_RUN", "/tmp/wp-peer"))
ARTICLE = "iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats"
# page type -> (WordPress path, our path); our category page 2 is read from page 1's "older" link.
PAGES: dict[str, tuple[str, str]] = {
    "home": ("/", "/"),
    "category": ("/category/iranian-news/", "/category/iranian-news/"),
    "category-2": ("/category/iranian-news/page/2/", ""),
    "article": (f"/{ARTICLE}/", f"/{ARTICLE}/"),
    "search": ("/?s=Tehran", "/search/?q=Tehran"),
    "feed": ("/feed/", "/feed/"),
    "404": ("/no-such-page/", "/no-such-page/"),
}
EXPORT_PHP = """<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1:8080';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_SOFTWARE'] = 'nginx';
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/export.php';
ob_start();
export_wp(['content' => 'all']);
file_put_contents($argv[1], ob_get_clean());
"""
CACHE_HIT = 0.95  # docs/deploy.md: pages a day at the edge, invalidated on change
# The smallest EC2 instances (on demand, Linux, 730 h) by vCPUs, for WordPress's server.
SERVERS = [("t4g.small, 2 vCPU burstable (20 % baseline)", 2, 0.2, 12.26), ("t4g.medium, 2 vCPU burstable", 2, 0.2, 24.53),
           ("c7g.medium, 1 vCPU", 1, 1.0, 26.28), ("c7g.large, 2 vCPU", 2, 1.0, 52.56)]
PEAK_TO_AVERAGE = 10  # news traffic: the busiest hour carries ~10x the month's average rate
HEADROOM = 2  # run the server at half its measured capacity at peak



def peer_dir() -> Path:
    candidates = [os.environ.get("WP_PEER_DIR", ""), str(PROJECT.parent / "shared" / "peers" / "wordpress"),
                  "/work/shared/peers/wordpress"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "setup.sh").is_file():
            return Path(candidate)
    raise SystemExit("the WordPress peer is not here: set WP_PEER_DIR to the folder holding setup.sh")


def phase(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --- WordPress ---------------------------------------------------------------------------

def wp_get(path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
    """One request to the peer on a new connection (as curl makes it): status, body, seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(WP_HOST, WP_PORT, timeout=60)
    connection.request("GET", path, headers={"Host": f"{WP_HOST}:{WP_PORT}", **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, body, elapsed


def wp_queries(path: str) -> int | None:
    _, body, _ = wp_get(path, {"X-Peer-Debug": "1"})
    found = re.findall(rb"peer: queries=(\d+)", body)
    return int(found[-1]) if found else None


def _pid(name: str) -> int | None:
    try:
        return int((RUN / f"{name}.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def wp_pids() -> dict[str, list[int]]:
    """The peer's processes: nginx and php-fpm masters with their workers, and MariaDB."""
    masters = {name: _pid(name) for name in ("nginx", "php-fpm", "mariadb")}
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    return {name: ([pid] + children.get(pid, [])) if pid else [] for name, pid in masters.items()}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes, from /proc (their own accounting)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- our site ----------------------------------------------------------------------------

class Ours(LocalAws):
    """The local stack (moto server in its own process) with the peer's content, and the web handler
    in this process."""

    def __init__(self) -> None:
        super().__init__(own_process=True)
        import app

        self.app = app
        assert self.process is not None  # own_process: moto runs in a process of its own
        self.moto_process: subprocess.Popen[bytes] = self.process
        self.calls: list[tuple[str, str, dict[str, Any]]] | None = None
        self._record()

    def _record(self) -> None:
        from botocore.client import BaseClient

        original = api_call()
        ours = self

        def recording(client: BaseClient, operation: str, params: dict[str, Any]) -> dict[str, Any]:
            if ours.calls is not None:
                ours.calls.append((client.meta.service_model.service_name, operation, params))
            return original(client, operation, params)

        replace_api_call(recording)

    def load(self, export: Path) -> dict[str, Any]:
        """The peer's export through our importer, S3, SQS and ingest; the site settings as the peer's."""
        from chalicelib.imports.uploads import upload
        from chalicelib.imports.wordpress import convert
        from devstack.local import Relay

        migration = convert(export)
        files = dict(migration.uploads())
        files["settings/site.yaml"] = (f"site_name: {json.dumps(migration.site_name)}\nfooter_links:\n"
                                       "  - page: privacy-policy\n  - page: terms-and-conditions\n").encode()
        upload(self.s3, self.stack.bucket, files)
        relay = Relay(self.sqs, self.stack.queue_url, self.app.ingest)
        idle = 0
        while idle < 3:
            idle = 0 if relay.poll_once(wait_seconds=1) else idle + 1
        return {"files": len(files), "counts": migration.counts()}

    def event(self, path: str) -> dict[str, Any]:
        parts = urllib.parse.urlsplit(path)
        query = dict(urllib.parse.parse_qsl(parts.query)) or None
        segments = [s for s in parts.path.split("/") if s]
        if not segments:
            resource, params = "/", {}
        elif segments[0] in ("category", "tag", "author") and len(segments) == 2:
            resource, params = f"/{segments[0]}/{{slug}}", {"slug": segments[1]}
        elif segments == ["search"]:
            resource, params = "/search", {}
        elif segments == ["feed"]:
            resource, params = "/feed", {}
        else:
            resource, params = "/{slug}", {"slug": segments[0]}
        return {"resource": resource, "path": parts.path, "httpMethod": "GET",
                "headers": {"Host": "127.0.0.1:8000", "Accept-Encoding": "gzip"}, "multiValueHeaders": {},
                "queryStringParameters": query,
                "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
                "pathParameters": params or None, "stageVariables": None, "body": None, "isBase64Encoded": False,
                "requestContext": {"resourcePath": resource, "httpMethod": "GET", "path": parts.path,
                                   "requestId": "bench", "identity": {"sourceIp": "127.0.0.1"}}}

    def get(self, path: str) -> tuple[int, bytes, float]:
        event = self.event(path)
        started = time.perf_counter()
        response = self.app.app(event, None)
        elapsed = time.perf_counter() - started
        body = response.get("body") or ""
        raw = __import__("base64").b64decode(body) if response.get("isBase64Encoded") else body.encode()
        return response["statusCode"], raw, elapsed

    def requests_of(self, path: str) -> list[tuple[str, str, dict[str, Any]]]:
        self.get(path)  # warm
        self.calls = []
        self.get(path)
        calls, self.calls = self.calls, None
        return calls

    def replay(self, calls: list[tuple[str, str, dict[str, Any]]]) -> float:
        started = time.perf_counter()
        for service, operation, params in calls:
            (self.dynamodb if service == "dynamodb" else self.s3)._make_api_call(operation, params)
        return time.perf_counter() - started


# --- throughput --------------------------------------------------------------------------

def _wp_worker(paths: list[str], count: int, out: Any) -> None:
    for i in range(count):
        wp_get(paths[i % len(paths)])
    out.put(count)


def _our_worker(ours: Ours, paths: list[str], count: int, out: Any) -> None:
    from chalicelib import aws

    os.sched_setaffinity(0, {0})
    aws.forget_clients()  # no connection shared with the parent
    for i in range(count):
        ours.get(paths[i % len(paths)])
    out.put(count)


def throughput(run: Callable[[int, Any], Any], concurrency: int, total: int) -> float:
    """Pages per second with ``concurrency`` workers sharing ``total`` requests."""
    context = multiprocessing.get_context("fork")
    out: multiprocessing.queues.Queue[int] = context.Queue()
    each = total // concurrency
    workers = [context.Process(target=run, args=(each, out)) for _ in range(concurrency)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    done = sum(out.get(timeout=600) for _ in workers)
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join(timeout=60)
    return done / elapsed


def pin(pids: list[int], cpus: set[int]) -> dict[int, set[int]]:
    before = {}
    for pid in pids:
        try:
            before[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, cpus)
        except OSError:
            pass
    return before


def unpin(before: dict[int, set[int]]) -> None:
    for pid, cpus in before.items():
        try:
            os.sched_setaffinity(pid, cpus)
        except OSError:
            pass


# --- Lighthouse ----------------------------------------------------------------------------

def lighthouse(url: str) -> dict[str, int] | None:
    binary = BENCH / "node_modules" / ".bin" / "lighthouse"
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    for _ in range(3):
        run = subprocess.run([str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
                              f"--chrome-flags={CHROME_FLAGS}", "--only-categories=" + ",".join(LIGHTHOUSE_CATEGORIES)],
                             env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        if run.returncode == 0:
            report = json.loads(out.read_text())
            out.unlink()
            return {c: round(report["categories"][c]["score"] * 100) for c in LIGHTHOUSE_CATEGORIES}
    return None


def serve_ours_over_http(ours: Ours) -> tuple[subprocess.Popen[bytes], str]:
    """``chalice local`` on the loaded stand-in (as `make run` serves it), for Lighthouse."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "devstack.child", str(Path(sys.executable).with_name("chalice")),
                             "local", "--host", "127.0.0.1", "--port", str(port), "--stage", "dev",
                             "--no-autoreload"], cwd=PROJECT, env={**os.environ, **ours.env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.5)
    return proc, base


# --- the run -------------------------------------------------------------------------------

def main() -> int:
    started = time.time()
    peer = peer_dir()
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {**machine(), "processor": _cpu_model()},
        "settings": {"rounds": ROUNDS, "cpu_requests": CPU_REQUESTS, "cpu_rounds": CPU_ROUNDS, "throughput_requests": THROUGHPUT},
    }
    ours: Ours | None = None
    try:
        phase("starting the WordPress peer (setup.sh)")
        subprocess.run(["bash", str(peer / "setup.sh")], check=True, stdout=subprocess.DEVNULL)
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "peer.xml"
            script = Path(tmp) / "export.php"
            script.write_text(EXPORT_PHP)
            phase("exporting the peer's content with WordPress's exporter")
            subprocess.run(["php", str(script), str(export)], check=True, stdout=subprocess.DEVNULL)
            results["export_bytes"] = export.stat().st_size
            phase("starting our local stack and importing the same export")
            ours = Ours()
            results["import"] = ours.load(export)
            freeze_heap()  # the import's leftovers are not a page's garbage
        ours_paths = {name: path for name, (_, path) in PAGES.items()}
        first = ours.get(ours_paths["category"])[1].decode()
        older = re.search(r'<a class="older" href="([^"]+)"', first)
        ours_paths["category-2"] = older.group(1).replace("&amp;", "&") if older else "/category/iranian-news/"
        for name, (wp_path, _) in PAGES.items():
            wp_status, wp_body, _ = wp_get(wp_path)
            our_status, our_body, _ = ours.get(ours_paths[name])
            assert our_status == (404 if name == "404" else 200), (name, our_status)
            assert wp_status == (404 if name == "404" else 200), (name, wp_status)
        pages = measure_pages(ours, ours_paths)
        results["pages"] = pages
        phase("CPU per page")
        results["cpu"] = measure_cpu(ours, ours_paths)
        phase("profile of our handler (where its CPU goes)")
        results["profile"] = profile_ours(ours, ours_paths)
        phase("throughput on one core")
        results["throughput"] = measure_throughput(ours, ours_paths)
        if LIGHTHOUSE and (BENCH / "node_modules" / ".bin" / "lighthouse").exists():
            phase("Lighthouse (mobile) on both")
            results["lighthouse"] = measure_lighthouse(ours, ours_paths)
        results["cost"] = cost(results)
        report(results)
    finally:
        if ours is not None:
            ours.stop()
        phase("stopping the WordPress peer (stop.sh)")
        subprocess.run(["bash", str(peer / "stop.sh")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results["seconds"] = round(time.time() - started)
    out = BENCH / "results" / "peer.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nWrote {out.relative_to(PROJECT)} ({results['seconds']} s).")
    return 0


def _cpu_model() -> str:
    try:
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        return found.group(1).strip() if found else platform.processor()
    except OSError:
        return platform.processor()


def measure_pages(ours: Ours, ours_paths: dict[str, str]) -> dict[str, Any]:
    phase(f"server time: {ROUNDS} A/B rounds per page type")
    out: dict[str, Any] = {}
    calls = {name: ours.requests_of(path) for name, path in ours_paths.items()}
    for name, (wp_path, _) in PAGES.items():
        for _ in range(3):  # warm both
            wp_get(wp_path)
            ours.get(ours_paths[name])
        wp_times, our_times, floor_times = [], [], []
        for _ in range(ROUNDS):
            wp_times.append(wp_get(wp_path)[2])
            our_times.append(ours.get(ours_paths[name])[2])
            floor_times.append(ours.replay(calls[name]))
        _, wp_body, _ = wp_get(wp_path)
        _, our_body, _ = ours.get(ours_paths[name])
        wp_ms, our_ms, floor_ms = (round(median(t) * 1000, 2) for t in (wp_times, our_times, floor_times))
        out[name] = {
            "wp_path": wp_path, "our_path": ours_paths[name],
            "wp_ms": wp_ms, "our_ms": our_ms, "floor_ms": floor_ms,
            "ratio": round(our_ms / wp_ms, 3), "ratio_without_stand_in": round(max(our_ms - floor_ms, 0) / wp_ms, 3),
            "wp_queries": wp_queries(wp_path), "our_requests": len(calls[name]),
            "wp_bytes": len(wp_body), "our_bytes": len(our_body),
            "wp_gzip": len(gzip.compress(wp_body, 6)), "our_gzip": len(gzip.compress(our_body, 6)),
            "bytes_ratio": round(len(our_body) / len(wp_body), 3),
        }
    return out


def measure_cpu(ours: Ours, ours_paths: dict[str, str]) -> dict[str, Any]:
    """CPU per page on both sides, in CPU_ROUNDS interleaved rounds of CPU_REQUESTS requests each (a
    round of WordPress, then one of ours): each figure is the median over the rounds, and the ratio
    the median of the rounds' ratios, so that a slow moment of this shared machine counts once, on
    both sides alike, rather than deciding the result."""
    out: dict[str, Any] = {}
    moto_pids = [ours.moto_process.pid]  # the stand-in: one process, its threads included
    for name, (wp_path, _) in PAGES.items():
        pids = wp_pids()
        php_db = pids["php-fpm"] + pids["mariadb"]
        web = pids["nginx"]
        wp_get(wp_path), ours.get(ours_paths[name])  # warm both
        rounds: dict[str, list[float]] = {"wp": [], "nginx": [], "ours": [], "moto": [], "ratio": []}
        for _ in range(CPU_ROUNDS):
            before_php, before_web = cpu_seconds(php_db), cpu_seconds(web)
            for _ in range(CPU_REQUESTS):
                wp_get(wp_path)
            wp_cpu = (cpu_seconds(php_db) - before_php) / CPU_REQUESTS
            rounds["nginx"].append((cpu_seconds(web) - before_web) / CPU_REQUESTS)
            before_ours, before_moto = time.process_time(), cpu_seconds(moto_pids)
            for _ in range(CPU_REQUESTS):
                ours.get(ours_paths[name])
            our_cpu = (time.process_time() - before_ours) / CPU_REQUESTS
            rounds["moto"].append((cpu_seconds(moto_pids) - before_moto) / CPU_REQUESTS)
            rounds["wp"].append(wp_cpu)
            rounds["ours"].append(our_cpu)
            if wp_cpu:
                rounds["ratio"].append(our_cpu / wp_cpu)
        median = {key: statistics.median(values) for key, values in rounds.items() if key != "ratio"}
        ratio = statistics.median(rounds["ratio"]) if rounds["ratio"] else None
        out[name] = {"wp_php_mariadb_ms": round(median["wp"] * 1000, 2), "wp_nginx_ms": round(median["nginx"] * 1000, 2),
                     "our_ms": round(median["ours"] * 1000, 2), "stand_in_ms": round(median["moto"] * 1000, 2),
                     "ratio": round(ratio, 3) if ratio is not None else None,
                     "ratio_rounds": [round(r, 3) for r in rounds["ratio"]]}
    return out


def profile_ours(ours: Ours, ours_paths: dict[str, str]) -> dict[str, Any]:
    """Per page type: our CPU by where it goes (cProfile on CPU time, own time per request), the top entries
    grouped by package (botocore, jinja2, pynamodb, ours...), and the top functions."""
    import cProfile
    import pstats

    out: dict[str, Any] = {}
    for name, path in ours_paths.items():
        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for the stand-in
        profiler.enable()
        for _ in range(CPU_REQUESTS):
            ours.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        by_package: dict[str, float] = {}
        functions = []
        for (filename, _line, function), (_, _, own, _, _) in stats.items():
            package = _package_of(filename)
            by_package[package] = by_package.get(package, 0.0) + own
            functions.append((own, f"{package}:{Path(filename).name}:{function}"))
        total = sum(by_package.values()) or 1.0
        out[name] = {
            "ms_per_request": round(total / CPU_REQUESTS * 1000, 2),
            "by_package_percent": {k: round(v / total * 100, 1) for k, v in
                                   sorted(by_package.items(), key=lambda kv: -kv[1])[:8]},
            "top_functions_ms": [[f, round(t / CPU_REQUESTS * 1000, 3)] for t, f in sorted(functions, reverse=True)[:8]],
        }
    return out


def _package_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if str(PROJECT) in filename:
        return Path(filename).relative_to(PROJECT).parts[0]
    if filename.startswith("<"):
        return "builtins"
    return "stdlib"


def measure_throughput(ours: Ours, ours_paths: dict[str, str]) -> dict[str, Any]:
    """Pages per second on one core (CPU 0): WordPress's nginx, php-fpm and MariaDB pinned there, the
    client elsewhere; our worker processes and the stand-in pinned there, likewise."""
    out: dict[str, Any] = {}
    wp_paths = [wp for wp, _ in PAGES.values()]
    our_paths = list(ours_paths.values())
    if (os.cpu_count() or 1) < 2:
        return {"skipped": "needs two CPUs: one for the server, one for the client"}
    os.sched_setaffinity(0, set(range(1, os.cpu_count() or 2)))
    pids = wp_pids()
    for concurrency in (1, 2, 4):
        before = pin(pids["nginx"] + pids["php-fpm"] + pids["mariadb"], {0})
        try:
            wp_rate = throughput(lambda count, q: _wp_worker(wp_paths, count, q), concurrency, THROUGHPUT)
        finally:
            unpin(before)
        before = pin([ours.moto_process.pid], {0})
        try:
            our_rate = throughput(lambda count, q: _our_worker(ours, our_paths, count, q), concurrency, THROUGHPUT)
        finally:
            unpin(before)
        out[str(concurrency)] = {"wp_pages_per_second": round(wp_rate, 1), "our_pages_per_second": round(our_rate, 1),
                                 "ratio": round(our_rate / wp_rate, 2)}
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return out


def measure_lighthouse(ours: Ours, ours_paths: dict[str, str]) -> dict[str, Any]:
    proc, base = serve_ours_over_http(ours)
    out: dict[str, Any] = {}
    try:
        for name, (wp_path, _) in PAGES.items():
            out[name] = {"wp": lighthouse(f"http://{WP_HOST}:{WP_PORT}{wp_path}"), "ours": lighthouse(base + ours_paths[name])}
            phase(f"  {name}: WordPress {out[name]['wp']}, ours {out[name]['ours']}")
    finally:
        import signal

        from devstack.child import stop_group

        stop_group(proc, signal.SIGTERM, 10)
    return out


def cost(results: dict[str, Any]) -> dict[str, Any]:
    """A million page views a month, from the measured figures (the arithmetic: docs/performance.md)."""
    pages = results["pages"]
    views = 1_000_000
    mix = ["home", "category", "article", "article", "article", "article", "search", "feed"]  # mostly articles
    our_ms = statistics.mean(pages[p]["our_ms"] for p in mix)  # with the stand-in's time: DynamoDB's, in prod
    requests = statistics.mean(pages[p]["our_requests"] for p in mix)
    gzip_kb = statistics.mean(pages[p]["our_gzip"] for p in mix) / 1024
    origin = views * (1 - CACHE_HIT)
    lam = origin * (our_ms / 1000) * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND + origin * LAMBDA_REQUEST
    ddb = origin * requests * DYNAMODB_READ  # every read of a page is under 4 KB or one snapshot item
    cdn = views * CLOUDFRONT_REQUEST + views * gzip_kb / 1024 / 1024 * CLOUDFRONT_GB
    ours_total = lam + ddb + cdn
    rates = results.get("throughput", {})
    wp_rate = rates.get("1", {}).get("wp_pages_per_second") if isinstance(rates, dict) else None
    peak = views / (30 * 86400) * PEAK_TO_AVERAGE
    needed = peak * HEADROOM / wp_rate if wp_rate else None  # cores' worth of WordPress at peak
    server = None
    if needed is not None:
        fitting = [(name, price) for name, vcpus, baseline, price in SERVERS if vcpus * baseline >= needed]
        server = fitting[0] if fitting else (SERVERS[-1][0], SERVERS[-1][3])
    return {"views": views, "cache_hit": CACHE_HIT, "our_ms_per_origin_page": round(our_ms, 2),
            "our_requests_per_page": requests, "our_gzip_kb": round(gzip_kb, 1),
            "ours": {"lambda": round(lam, 4), "dynamodb": round(ddb, 4), "cloudfront": round(cdn, 2),
                     "total": round(ours_total, 2)},
            "wordpress": {"peak_pages_per_second": round(peak, 2), "cores_needed": round(needed, 3) if needed else None,
                          "server": server[0] if server else None, "monthly": server[1] if server else None,
                          "cloudfront_in_front": round(cdn, 2)}}


def report(results: dict[str, Any]) -> None:
    pages, cpu = results["pages"], results["cpu"]
    lh = results.get("lighthouse", {})
    print("\nmake bench-peer: WordPress 6.1 (nginx, php-fpm, MariaDB) and us, same content, same run "
          f"({results['date']}, {results['machine']['processor']}, {results['machine']['cpus']} CPUs)")
    header = ["page", "WP ms", "our ms", "floor", "ratio", "w/o stand-in", "WP CPU", "our CPU", "CPU ratio",
              "WP SQL", "our req", "WP bytes", "our bytes", "bytes ratio", "WP gz", "our gz", "LH WP", "LH ours"]
    rows = []
    for name, page in pages.items():
        scores = lh.get(name, {})
        rows.append([name, page["wp_ms"], page["our_ms"], page["floor_ms"], page["ratio"], page["ratio_without_stand_in"],
                     cpu[name]["wp_php_mariadb_ms"], cpu[name]["our_ms"], cpu[name]["ratio"], page["wp_queries"],
                     page["our_requests"], page["wp_bytes"], page["our_bytes"], page["bytes_ratio"], page["wp_gzip"],
                     page["our_gzip"], _scores(scores.get("wp")), _scores(scores.get("ours"))])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    print("\nTargets: server time <= 0.333 of WordPress's; CPU <= 0.1; bytes <= 0.333 raw; Lighthouse 100/100/100/100.")
    if isinstance(results.get("throughput"), dict):
        print("\nThroughput on one core (pages/s, bounded loops over the 7 page types):")
        for concurrency, figures in results["throughput"].items():
            if isinstance(figures, dict):
                print(f"  concurrency {concurrency}: WordPress {figures['wp_pages_per_second']}, "
                      f"ours {figures['our_pages_per_second']} ({figures['ratio']}x)")
    money = results["cost"]
    print(f"\nA million page views a month: ours ${money['ours']['total']} (Lambda ${money['ours']['lambda']}, DynamoDB "
          f"${money['ours']['dynamodb']}, CloudFront ${money['ours']['cloudfront']} at {money['cache_hit']:.0%} hits); "
          f"WordPress: {money['wordpress']['server']} ${money['wordpress']['monthly']} a month "
          f"({money['wordpress']['cores_needed']} cores at peak with headroom).")


def _scores(scores: dict[str, int] | None) -> str:
    """Lighthouse's category scores as one cell: "98/100/100/100", or "-" where none were measured."""
    return "/".join(str(scores[c]) for c in LIGHTHOUSE_CATEGORIES) if scores else "-"


if __name__ == "__main__":
    sys.exit(main())

