"""make bench-scale: a breaking-news day at a big newsroom, simulated in front of our real code and template.

Three steps:

1. **What our code does, observed.** A site on moto (the tests' stand-in) is given the day's kinds of
   change to a realistic article (an author, a category and three tags): a new article, a headline
   change and a body update of a recent one, the same of an old one, a correction and a takedown. Each
   goes through the real ingest, and the paths it sends to CloudFront (``chalicelib/publish/edge.py``'s
   ``send``) are recorded, as are the ``Cache-Control`` headers of the real pages (home, archives, an
   article bare, tracked and with a query of ours, search, feeds, a 404). Nothing below copies
   edge.py's rules: the simulation replays what was observed, with the simulated article's names put in.
2. **What our template does, read.** From ``infra/template.yaml`` as ``make package`` writes it (or
   ``--template``), for the prod stage: which query parameters reach the cache key (the page
   behaviour's viewer function, run in Node.js on a probe, and its cache policy), whether cached pages
   forward cookies (which turns CloudFront's request collapsing off), what viewers are told
   (a response headers policy), Origin Shield, the AWS WAF rate rule, the API stage's throttle and the
   web function's reserved concurrency.
3. **The day.** Readers' views arrive second by second (a diurnal curve, a 20x spike for two hours on
   one story), with tracking parameters on some, beside search pages, comment posts, feed pollers, bots,
   the pages' images and assets, and optionally a flood. They spread over edge locations, each behind a
   regional edge cache, optionally behind Origin Shield. Every tier caches by the observed TTLs
   (``s-maxage``, ``stale-while-revalidate``), holds at most its size in objects (least recently used go
   first), and takes time to fill (the origin's Lambda time, a cold start when no instance is free,
   the round trips); requests for an object being filled wait for that fill where the template lets
   CloudFront collapse them, and go upstream themselves where it does not. An invalidation clears its
   paths from every tier after a delay drawn from a long-tailed distribution. Lambda's concurrency is
   the requests in flight, bounded by the stage's throttle and the reserved concurrency.

Prints a table and writes ``bench/results/scale.json`` (``day``, ``spike_hour``, ``flood``). Every parameter
is a flag (``make bench-scale ARGS="--no-shield --seed 7"``); docs/performance.md gives each one's source.
"""

from __future__ import annotations

import argparse
import bisect
import heapq
import json
import math
import random
import re
import shutil
import subprocess
import sys
import time
from collections import OrderedDict, defaultdict, deque
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from common import (
    API_GATEWAY_REQUEST,
    BENCH,
    CLOUDFRONT_FUNCTION,
    CLOUDFRONT_GB,
    CLOUDFRONT_REQUEST,
    DYNAMODB_READ,
    DYNAMODB_WRITE,
    LAMBDA_GB_SECOND,
    LAMBDA_MEMORY_GB,
    LAMBDA_REQUEST,
    ORIGIN_SHIELD_REQUEST,
    PROJECT,
    S3_GET,
    WAF_MONTH,
    WAF_REQUEST,
)

DAY = 86_400
CHANGES = ("new", "recent_headline", "recent_body", "old_headline", "old_body", "correction", "takedown", "live_entry")
# The simulated article's names, as the observed article's are put back in its paths (observe()).
TOKENS = ("{slug}", "{cat}", "{author}", "{tag1}", "{tag2}", "{tag3}")
TRACKING = ("utm_source", "utm_medium", "utm_campaign", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "x")
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"  # AWS's managed origin request policies that forward cookies
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_VIEWER_AND_CLOUDFRONT = "33f36d7e-f396-46d9-90e0-52428a34d990"


# --- 1. what our code does ----------------------------------------------------------------------

def observe() -> dict[str, Any]:
    """Run each kind of change through the real ingest on moto; the paths each sent, with the article's
    names as ``TOKENS``, the pages' Cache-Control, and the queue consumers' concurrency caps."""
    sys.path.insert(0, str(PROJECT))
    import logging

    logging.disable(logging.INFO)
    import app
    from chalicelib import config
    from chalicelib.publish import edge
    from devstack import harness  # the stand-in as the tests build it

    harness.use_fake_credentials()
    config.use(harness.in_process_config())

    sent: list[set[str]] = []
    original = edge.send
    edge.send = lambda paths: sent.append(set(paths))
    try:
        with harness.StandIn().site(seed=False) as site:
            previous = config.use(config.current().replace(distribution_id="SIMULATED"))
            try:
                def article(slug: str, title: str, day: str, body: str = "Words.", extra: str = "") -> None:
                    n = slug[-1]
                    site.put(f"articles/{slug}.md", f"---\ntitle: {title}\ndate: {day}\ncategories: [Cat{n}]\n"
                                                    f"author: writer{n}\ntags: [topica{n}, topicb{n}, topicc{n}]\n"
                                                    f"{extra}---\n{body}\n")
                for n in range(8):  # the site: older articles, and five recent ones in the widget
                    article(f"old{n}", f"Old {n}", f"2020-01-0{n + 1}T09:00:00Z")
                for n in range(6):
                    article(f"recent{n}", f"Recent {n}", f"2026-11-2{n}T09:00:00Z")
                site.ingest()
                observed: dict[str, set[str]] = {}

                def change(kind: str, slug: str, act: Any) -> None:
                    sent.clear()
                    act()
                    site.ingest()
                    paths = set().union(*sent) if sent else set()
                    n = slug[-1]
                    names = (slug, f"cat{n}", f"writer{n}", f"topica{n}", f"topicb{n}", f"topicc{n}")
                    for token, name in zip(TOKENS, names, strict=True):
                        paths = {re.sub(rf"(?<![a-z0-9-]){re.escape(name)}(?![a-z0-9-])", token, p) for p in paths}
                    observed[kind] = paths

                change("new", "fresh9", lambda: article("fresh9", "Fresh", "2026-12-01T09:00:00Z"))
                change("recent_headline", "recent5", lambda: article("recent5", "Recent 5, updated",
                                                                     "2026-11-25T09:00:00Z"))
                change("recent_body", "recent4", lambda: article("recent4", "Recent 4", "2026-11-24T09:00:00Z",
                                                                 "New words."))
                change("old_headline", "old3", lambda: article("old3", "Old 3, renamed", "2020-01-04T09:00:00Z"))
                change("old_body", "old2", lambda: article("old2", "Old 2", "2020-01-03T09:00:00Z", "New words."))
                change("correction", "old1", lambda: article(
                    "old1", "Old 1", "2020-01-02T09:00:00Z", "Right words.",
                    "corrections:\n- {date: 2026-12-01, note: An earlier version was wrong.}\n"))
                change("takedown", "old0", lambda: site.delete("articles/old0.md"))
                article("live9", "Live 9", "2026-11-29T09:00:00Z", "Introduction.", "live: true\n")
                site.put("articles/live9/live/e0.md", "---\ntime: 2026-11-29T09:00:00Z\n---\nFirst.\n")
                site.ingest()
                change("live_entry", "live9", lambda: site.put(
                    "articles/live9/live/e1.md", "---\ntime: 2026-11-29T09:01:00Z\n---\nSecond.\n"))
                live_page = site.get("/live9/").body.decode()
                poll = re.search(r'data-poll="([0-9.]+)"', live_page)
                headers = {kind: site.get(path).headers.get("Cache-Control", "") for kind, path in (
                    ("home", "/"), ("archive", "/category/cat1/"), ("article", "/old1/"),
                    ("tracked", "/old1/?utm_source=newsletter&fbclid=IwAR0x"), ("variant", "/old1/?comment=pending"),
                    ("search", "/search/?q=words"), ("feed", "/feed/"), ("notfound", "/wp-login.php"),
                    ("live_page", "/live9/"), ("live_fragment", "/live9/live/"))}
            finally:
                config.use(previous)
    finally:
        edge.send = original
    return {"paths": {k: sorted(v) for k, v in observed.items()}, "cache_control": headers,
            "live_poll_s": float(poll.group(1)) if poll else 0.0,
            "concurrency": {"ingest": app.INGEST_CONCURRENCY, "images": app.IMAGES_CONCURRENCY,
                            "imports": app.IMPORTS_CONCURRENCY}}


def ttl(cache_control: str, name: str) -> int:
    found = re.search(rf"{name}=(\d+)", cache_control)
    return int(found.group(1)) if found else 0


# --- 2. what our template does ---------------------------------------------------------------------

@dataclass(frozen=True)
class Edge:
    """The distribution and the API as the template makes them for prod (``read_edge``). The defaults are
    an ideal edge: every query parameter dropped, collapsing on, no limits."""

    function_keeps: frozenset[str] | None = frozenset()  # names the pages' viewer function keeps (None: every one)
    function_folds: tuple[str, frozenset[str]] | None = None  # the one parameter it folds these names into, if any
    key_names: frozenset[str] | None = None  # names the cache policy keys on (None: every one it gets)
    collapsing: bool = True
    viewer_cache_control: str | None = None  # what viewers are told instead of the origin's, if anything
    shield: bool = True
    waf_limit: int = 0  # requests per address in waf_window_s on uncacheable paths; 0: no web ACL
    waf_window_s: int = 300
    api_rate: float = 10_000.0  # API Gateway's account default in a region, when the stage sets none
    api_burst: float = 5_000.0
    web_reserved: int = 0  # 0: none

    def key(self, path: str, query: tuple[tuple[str, str], ...]) -> str:
        """The cache key of a GET of ``path`` with ``query``: what the function leaves, of it what the policy keys."""
        if not query:
            return path
        if self.function_keeps is not None:
            last = dict(query)  # the function's: the last value of each, sorted
            kept = {name: value for name, value in last.items() if name in self.function_keeps}
            if self.function_folds is not None:
                fold, names = self.function_folds
                folded = "&".join(f"{name}={value}" for name, value in sorted(last.items()) if name in names)
                if folded:
                    kept[fold] = folded
            query = tuple(sorted(kept.items()))
        if self.key_names is not None:
            query = tuple(pair for pair in query if pair[0] in self.key_names)
        return path + "?" + "&".join(f"{n}={v}" for n, v in query) if query else path


def load_template(path: Path | None) -> dict[str, Any]:
    """``path``, or ``infra/template.yaml`` with what make package writes in (where the code can)."""
    import yaml

    if path is not None:
        loaded: dict[str, Any] = yaml.safe_load(path.read_text())
        return loaded
    sys.path.insert(0, str(PROJECT))
    from devstack import stack

    template = stack.load_template()
    try:
        from devstack.package import finish_edge
    except ImportError:  # a tree from before the edge was written in at package time
        return template
    finished: dict[str, Any] = finish_edge(template)
    return finished


def _parameter(template: dict[str, Any], name: str, stage: str = "prod") -> Any:
    return {"Stage": stage}.get(name, template.get("Parameters", {}).get(name, {}).get("Default"))


def _resolve(template: dict[str, Any], node: Any, region: str = "us-east-1") -> Any:
    """``node`` with Ref to parameters and Fn::If of the template's conditions resolved for prod."""
    if isinstance(node, dict) and len(node) == 1:
        [(name, value)] = node.items()
        if name == "Ref":
            return None if value == "AWS::NoValue" else _parameter(template, value)
        if name == "Fn::If":
            return _resolve(template, value[1] if _condition(template, value[0], region) else value[2], region)
    return node


def _condition(template: dict[str, Any], name: str, region: str = "us-east-1") -> bool:
    def value(node: Any) -> Any:
        if isinstance(node, dict) and "Ref" in node:
            return region if node["Ref"] == "AWS::Region" else str(_parameter(template, node["Ref"]))
        if isinstance(node, dict) and "Condition" in node:
            return _condition(template, node["Condition"], region)
        return str(node)

    def truth(node: Any) -> bool:
        [(function, arguments)] = node.items()
        if function == "Fn::Equals":
            return bool(value(arguments[0]) == value(arguments[1]))
        if function == "Fn::Not":
            return not truth(arguments[0])
        if function == "Condition":
            return _condition(template, arguments, region)
        results = [truth(a) if "Condition" not in a else bool(value(a)) for a in arguments]
        return all(results) if function == "Fn::And" else any(results)

    return truth(template["Conditions"][name])


def function_query(code: str) -> tuple[frozenset[str] | None, tuple[str, frozenset[str]] | None]:
    """What the viewer function ``code`` does with a query, found by running it in Node.js on a request that
    carries every name a reader's link may: the names it passes on (None: every one), and the parameter it
    folds names into with those names (WordPress's, in ``wp``), if it does."""
    names = sorted(set(TRACKING) | {"after", "before", "comment", "comments", "p", "page", "q", "s", "cat", "tag"})
    probe = {"context": {"distributionDomainName": "d1.cloudfront.net"},
             "request": {"method": "GET", "uri": "/a/", "headers": {}, "cookies": {},
                         "querystring": {name: {"value": "1"} for name in names}}}
    script = code + f"\nconsole.log(JSON.stringify(handler({json.dumps(probe)})));\n"
    answer = json.loads(subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True).stdout)
    query = answer["querystring"]
    pairs = [(name, "1") for name in query] if isinstance(query, dict) else parse_qsl(query, keep_blank_values=True)
    kept: set[str] = set()
    folds = None
    for name, value in pairs:
        inner = parse_qsl(value)  # a folded query string: names of the probe's, each "1"
        if inner and all(n in names and v == "1" for n, v in inner):
            folds = (name, frozenset(n for n, _ in inner))
        else:
            kept.add(name)
    return (None if kept == set(names) else frozenset(kept)), folds


def read_edge(template: dict[str, Any]) -> Edge:
    """What the template's prod stage does at the edge and in front of the web function."""
    resources = template["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    pages = config["DefaultCacheBehavior"]
    policy = resources[pages["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    query = key["QueryStringsConfig"]
    key_names = {"all": None, "none": frozenset(), "whitelist": frozenset(query.get("QueryStrings", []))}.get(
        query["QueryStringBehavior"])
    cookies = key["CookiesConfig"]["CookieBehavior"] != "none"
    forwarded = pages.get("OriginRequestPolicyId")
    if isinstance(forwarded, dict):
        cookies |= resources[forwarded["Ref"]]["Properties"]["OriginRequestPolicyConfig"]["CookiesConfig"][
            "CookieBehavior"] != "none"
    elif forwarded in (ALL_VIEWER, ALL_VIEWER_EXCEPT_HOST, ALL_VIEWER_AND_CLOUDFRONT):
        cookies = True
    [function] = [f for f in pages.get("FunctionAssociations", []) if f["EventType"] == "viewer-request"] or [None]
    keeps, folds = function_query(resources[function["FunctionARN"]["Fn::GetAtt"][0]]["Properties"][
        "FunctionCode"]) if function is not None else (None, None)
    viewer = None
    if "ResponseHeadersPolicyId" in pages:
        headers = resources[pages["ResponseHeadersPolicyId"]["Ref"]]["Properties"]["ResponseHeadersPolicyConfig"]
        viewer = next((h["Value"] for h in headers.get("CustomHeadersConfig", {}).get("Items", [])
                       if h["Header"].lower() == "cache-control" and h["Override"]), None)
    shield = any(o["Id"] == "api" and _resolve(template, o.get("OriginShield")) for o in config["Origins"])
    edge = Edge(function_keeps=keeps, function_folds=folds, key_names=key_names, collapsing=not cookies,
                viewer_cache_control=viewer, shield=shield)
    acl = resources.get("WebAcl")
    if acl is not None and _condition(template, acl["Condition"]):
        for rule in acl["Properties"]["Rules"]:
            rate = rule.get("Statement", {}).get("RateBasedStatement")
            if rate:
                edge = replace(edge, waf_limit=int(_resolve(template, rate["Limit"])),
                               waf_window_s=int(rate.get("EvaluationWindowSec", 300)))
    api = resources.get("RestAPI", {}).get("Properties", {}).get("MethodSettings", [])
    for setting in api:
        edge = replace(edge, api_rate=float(_resolve(template, setting["ThrottlingRateLimit"])),
                       api_burst=float(_resolve(template, setting["ThrottlingBurstLimit"])))
    reserved = _resolve(template, resources.get("APIHandler", {}).get("Properties", {}).get(
        "ReservedConcurrentExecutions"))
    return replace(edge, web_reserved=int(reserved or 0))


def measured_cold_start_ms(default: float) -> float:
    """The web function's cold start as make bench measured it (the deployment package), if it has."""
    try:
        return float(json.loads((BENCH / "results" / "bench.json").read_text())["cold_start"]["package"]["web_ms"])
    except (OSError, KeyError, ValueError, TypeError):
        return default


# --- 3. the day -----------------------------------------------------------------------------------

@dataclass
class Params:
    """The day's parameters (docs/performance.md gives each one's source)."""

    seed: int = 1
    from_h: float = 0.0  # the part of the day simulated: from this hour...
    hours: float = 24.0  # ... for this long
    views_per_month: float = 100e6
    articles: int = 20_000
    new_per_day: int = 300
    updates_per_day: int = 600
    headline_share: float = 0.3  # of the updates
    corrections: int = 5
    takedowns: int = 1
    zipf_s: float = 1.1  # views by recency rank
    home_share: float = 0.15
    archive_share: float = 0.10
    categories: int = 20
    authors: int = 60
    tags: int = 2_000
    spike_start_h: float = 14.0
    spike_hours: float = 2.0
    spike_factor: float = 20.0
    spike_story_share: float = 0.6  # of views during the spike, on the breaking story
    spike_update_every_s: int = 120
    edge_locations: int = 60
    regional_caches: int = 13
    shield: bool = True
    invalidation: bool = True
    invalidation_p50_s: float = 4.0  # a log-normal delay through these two points
    invalidation_p99_s: float = 15.0
    edge_objects: int = 20_000  # objects an edge location keeps for this distribution (LRU beyond)
    regional_objects: int = 100_000
    shield_objects: int = 1_000_000
    widget_fragment: bool = False  # force the fragment design (on by itself when ingest is seen sending its path)
    fragment_kb: float = 0.6  # the widget alone, gzip
    query_share: float = 0.13  # of article views, arriving with tracking parameters
    query_random_share: float = 0.6  # of those, a value unique to the click (fbclid, gclid); else a campaign's
    query_campaigns: int = 30  # shared utm values that day
    search_share: float = 0.015  # of views, search result pages: 2 % of visits search, 1.5 times, in ~2 views
    search_terms: int = 5_000  # distinct words searched for (Zipf); a share of searches is new words
    search_unique_share: float = 0.15  # searches never seen before (Google: 15 % of each day's)
    comments_per_day: int = 2_000  # comment POSTs, each followed by the article's "awaiting moderation" view
    feed_pollers: int = 20_000  # feed readers and aggregators, each polling every feed_poll_s
    feed_poll_s: int = 900
    bot_share: float = 0.3  # bot requests, beside readers' views
    bot_scan_share: float = 0.3  # of bots: 404 scans (/wp-login.php, /.env...), the rest crawl articles
    scan_paths: int = 3_000
    images_per_view: float = 3.0  # images a page shows (its own is simulated through the tiers)
    image_kb: float = 60.0
    asset_share: float = 0.35  # views that load the stylesheet and the script (no browser copy yet)
    asset_kb: float = 6.0
    lambda_ms: float = 39.5  # make bench: median serve time of a page at the origin
    cold_start_ms: float = 0.0  # 0: make bench's measured web cold start (bench/results/bench.json), else 480
    lambda_idle_s: int = 600  # an idle Lambda instance is reclaimed after this
    account_concurrency: int = 1_000
    origin_rtt_ms: float = 30.0  # CloudFront to API Gateway and back, beside Lambda's time
    tier_rtt_ms: float = 10.0  # one cache tier asking the next
    rcu_listing: float = 1.5  # a listing page's Query: ~12 KB, eventually consistent
    rcu_article: float = 1.0
    rcu_search: float = 3.0  # a search: a Query per word, and the hits
    snapshot_rcu: float = 2.5  # the site snapshot, re-read by each warm Lambda every 10 s
    page_kb: float = 4.1  # gzip, make bench-peer
    stale_after_s: int = 60
    flood_rps: float = 0.0  # a flood of junk query strings and search words; 0: none
    flood_seconds: int = 600
    flood_start_h: float = 14.5  # during the spike, when the origin is busiest
    flood_search_share: float = 0.5  # of the flood, search with random words; the rest junk query strings
    flood_addresses: int = 500  # the botnet's addresses
    waf_delay_s: float = 30.0  # AWS WAF: "usually, this delay is below 30 seconds"
    live_blog: bool = False  # the spike story is a live blog: an entry every live_entry_every_s, readers polling
    live_entry_every_s: int = 60
    live_poll_s: float = 0.0  # 0: what our page tells its script (observed: data-poll)
    live_read_s: float = 240.0  # how long a reader keeps the live blog open (exponential, this mean)
    live_ingest_p50_s: float = 1.0  # an entry's upload until the origin serves it: S3's notification, SQS, ingest
    live_ingest_p99_s: float = 5.0
    live_poller_sample: float = 0.02  # readers whose polls are simulated one by one (each counts 1/sample)


@dataclass
class Tally:
    views: int = 0
    requests: int = 0  # a flood's
    blocked: int = 0  # of a flood's, by AWS WAF
    origin: int = 0  # readers' views that reached the origin
    stale: int = 0
    origin_all: int = 0  # every request that reached the origin (bots, feeds, comments, images' S3 not counted)
    shield_requests: int = 0
    cloudfront_requests: float = 0.0
    function_invocations: float = 0.0
    cloudfront_kb: float = 0.0
    s3_gets: int = 0
    lambda_seconds: float = 0.0
    cold_starts: int = 0
    api_throttled: int = 0
    lambda_throttled: int = 0
    rcu: float = 0.0
    wcu: float = 0.0
    widget_lag_sum: float = 0.0
    widget_lag_max: float = 0.0
    widget_views: int = 0
    invalidation_paths: int = 0
    polls: float = 0.0  # live blog pollers' requests (each sampled one counts 1/sample)
    poll_origin: int = 0  # of those, the ones that reached the origin (fills: not scaled)
    peak_in_flight: int = 0
    origin_by_second: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    origin_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    home_rcu_by_second: dict[int, float] = field(default_factory=lambda: defaultdict(float))


class Tier:
    """One cache: key -> [ready at, version, widget version], least recently used first."""

    def __init__(self, size: int, upstream: Tier | None, shield: bool = False) -> None:
        self.size, self.upstream, self.is_shield = size, upstream, shield
        self.items: OrderedDict[str, list[Any]] = OrderedDict()

    def clear(self, paths: set[str] | None) -> None:
        if paths is None:
            self.items.clear()
            return
        for path in paths:
            self.items.pop(path, None)


FRAGMENT = "/widgets/recent/"  # the recent-posts widget's own path (chalicelib/archives.py RECENT_PATH)


class Day:
    def __init__(self, p: Params, observed: dict[str, Any], edge: Edge | None = None) -> None:
        edge = edge or Edge()
        if any(FRAGMENT in paths for paths in observed["paths"].values()):
            p = replace(p, widget_fragment=True)  # the design as built: pages fetch the widget from its path
        if not p.cold_start_ms:
            p = replace(p, cold_start_ms=measured_cold_start_ms(480.0))
        if not p.live_poll_s:  # as our page tells its script
            p = replace(p, live_poll_s=observed.get("live_poll_s") or 5.0)
        self.p, self.edge, self.rng = p, edge, random.Random(p.seed)
        self.live_rng = random.Random(p.seed + 1)  # the live blog's draws, so the rest of the day is the same
        self.paths = observed["paths"]
        cc = observed["cache_control"]
        self.ttl = {kind: ttl(cc[kind], "s-maxage") for kind in cc}
        self.swr = {kind: ttl(cc[kind], "stale-while-revalidate") for kind in cc}
        self.ttl["fragment"], self.swr["fragment"] = self.ttl["article"], self.swr["article"]
        self.ttl["image"], self.swr["image"] = 31_536_000, 0
        for kind in ("live_page", "live_fragment"):  # an older observation has none: an article's
            self.ttl.setdefault(kind, self.ttl["article"])
            self.swr.setdefault(kind, self.swr["article"])
        self.live_posted: list[float] = []  # posted time of each entry applied at the origin, in that order
        self.live_lags: list[float] = []  # posted until a reader's open page had it
        self.pollers: list[tuple[float, int]] = []  # (next poll, reader)
        self.readers: dict[int, list[Any]] = {}  # reader -> [leaves at, entries seen, edge location, arrived]
        self.live_readers = 0  # readers sampled so far
        self.live_end = p.spike_start_h * 3600 + p.spike_hours * 3600
        self.caps = observed.get("concurrency", {"ingest": 10, "images": 20, "imports": 2})
        shield = Tier(p.shield_objects, None, shield=True) if p.shield and edge.shield else None
        self.shield = shield
        self.regional = [Tier(p.regional_objects, shield) for _ in range(p.regional_caches)]
        self.edges = [Tier(p.edge_objects, self.regional[i % p.regional_caches]) for i in range(p.edge_locations)]
        # Photos' sizes come from S3 through their own behaviour (no Origin Shield): their own objects.
        image_regional = [Tier(p.regional_objects, None) for _ in range(p.regional_caches)]
        self.image_edges = [Tier(p.edge_objects, image_regional[i % p.regional_caches])
                            for i in range(p.edge_locations)]
        self.edge_weights = list(_cumulative([1 / (i + 1) for i in range(p.edge_locations)]))
        self.version: dict[str, int] = defaultdict(int)
        self.critical: dict[str, tuple[int, float]] = {}  # path -> (version, when): takedowns and corrections
        self.widget_version = 0
        self.widget_changes: list[float] = []
        self.by_recency = [f"a{n}" for n in range(p.articles)]  # newest first
        self.names: dict[str, tuple[str, ...]] = {}
        for slug in self.by_recency:
            self.names[slug] = self._names(slug)
        self.zipf = list(_cumulative([1 / (r + 1) ** p.zipf_s for r in range(p.articles + p.new_per_day + 10)]))
        self.search_zipf = list(_cumulative([1 / (r + 1) for r in range(p.search_terms)]))
        self.pending: list[tuple[float, int, set[str] | None]] = []  # invalidations: (take effect at, n, paths)
        self.delays: list[float] = []
        self.day, self.spike, self.flood = Tally(), Tally(), Tally()
        self.sigma = math.log(p.invalidation_p99_s / p.invalidation_p50_s) / 2.3263 \
            if p.invalidation_p99_s > p.invalidation_p50_s else 0.0
        # Lambda: requests in flight (their end times), instances alive, the stage's token bucket.
        self.in_flight: list[float] = []
        self.instances = 0
        self.recent_peaks: deque[tuple[int, int]] = deque()
        self.second_peak = 0
        self.tokens, self.tokens_at = edge.api_burst, 0.0
        self.ingest_throttled_seconds = 0
        self.web_peak_by_second: dict[int, int] = {}
        self.flood_addresses: dict[int, deque[tuple[int, int]]] = defaultdict(deque)
        self.flood_counts: dict[int, int] = defaultdict(int)  # each address's requests within the window
        self.blocked_from: dict[int, float] = {}
        self.flooding = False  # a flood's requests count in its own tally
        self.daily_views = sum(self.rate(s) for s in range(DAY))

    def _names(self, slug: str) -> tuple[str, ...]:
        """A realistic article's: its slug, category, author and three tags."""
        rng = self.rng
        tags = [f"t{min(int(rng.paretovariate(1.0)) - 1, self.p.tags - 1)}" for _ in range(3)]
        return (slug, f"cat{rng.randrange(self.p.categories)}", f"writer{rng.randrange(self.p.authors)}", *tags)

    # the newsroom ---------------------------------------------------------------------------------
    def schedule(self) -> list[tuple[float, str, str]]:
        p, events = self.p, []
        for n in range(p.new_per_day):
            events.append((self.rng.uniform(7 * 3600, 20 * 3600), "new", f"n{n}"))
        for _ in range(p.updates_per_day):
            kind = "headline" if self.rng.random() < p.headline_share else "body"
            events.append((self.rng.uniform(7 * 3600, 22 * 3600), kind, ""))
        start = p.spike_start_h * 3600
        if p.spike_hours > 0:  # the breaking story goes up a minute before its traffic
            events.append((start - 60, "new", "breaking"))
        t = start
        while not p.live_blog and t < start + p.spike_hours * 3600:
            t += p.spike_update_every_s
            events.append((t, "headline" if self.rng.random() < 0.5 else "body", "breaking"))
        sigma = math.log(p.live_ingest_p99_s / p.live_ingest_p50_s) / 2.3263 if p.live_ingest_p99_s > \
            p.live_ingest_p50_s else 0.0
        while p.live_blog and t + p.live_entry_every_s < start + p.spike_hours * 3600:
            t += p.live_entry_every_s  # posted then; the origin has it once ingest is done
            applied = t + p.live_ingest_p50_s * math.exp(sigma * self.live_rng.gauss(0, 1))
            events.append((applied, "live_entry", f"breaking@{t:.3f}"))
        for _ in range(p.corrections):
            events.append((self.rng.uniform(8 * 3600, 20 * 3600), "correction", ""))
        for _ in range(p.takedowns):
            events.append((self.rng.uniform(9 * 3600, 18 * 3600), "takedown", ""))
        return sorted(events)

    def delay(self) -> float:
        """How long CloudFront takes to apply one invalidation: log-normal through the p50 and p99 given."""
        return self.p.invalidation_p50_s * math.exp(self.sigma * self.rng.gauss(0, 1))

    def apply(self, t: float, kind: str, slug: str) -> None:
        if kind == "live_entry":
            slug, _, posted = slug.partition("@")
            self.live_posted.append(float(posted))
        if kind == "new":
            self.by_recency.insert(0, slug)
            self.names[slug] = self._names(slug)
            observed = "new"
        else:
            if not slug:  # an update lands mostly on recent articles
                slug = self.by_recency[min(int(self.rng.expovariate(1 / 30)), len(self.by_recency) - 1)]
            recent = slug in self.by_recency[:5]
            observed = {"headline": "recent_headline" if recent else "old_headline",
                        "body": "recent_body" if recent else "old_body"}.get(kind, kind)
            if kind == "live_entry":
                observed = "live_entry"
            # A taken-down article keeps its readers' links (shared, mailed, indexed): views keep coming.
        names = self.names.get(slug) or self._names(slug)
        paths = set()
        for path in self.paths[observed]:
            for token, name in zip(TOKENS, names, strict=True):
                path = path.replace(token, name)
            paths.add(path)
        everything = "/*" in paths
        if everything or FRAGMENT in paths:
            self.widget_version += 1
            self.widget_changes.append(t)
        for path in (paths - {"/*"}) | {f"/{slug}/"}:
            self.version[path] += 1
            if kind in ("takedown", "correction"):
                self.critical[path] = (self.version[path], t)
        if everything and self.p.widget_fragment:
            paths = (paths - {"/*"}) | {FRAGMENT}  # pages keep their text; only the widget's path is renewed
            everything = False
        if self.p.invalidation:
            delay = self.delay()
            self.delays.append(delay)
            heapq.heappush(self.pending, (t + delay, len(self.delays), None if everything else paths - {"/*"}))
            for tally in self.tallies(t):
                tally.invalidation_paths += 1 if everything else len(paths)

    # the readers ----------------------------------------------------------------------------------
    def tallies(self, t: float) -> list[Tally]:
        if self.flooding:
            return [self.flood]
        start = self.p.spike_start_h * 3600
        return [self.day, self.spike] if start <= t < start + 3600 else [self.day]

    def rate(self, t: float) -> float:
        base = self.p.views_per_month / 30 / DAY * (1 + 0.4 * math.sin((t / DAY - 0.3) * 2 * math.pi))
        start = self.p.spike_start_h * 3600
        return base * (self.p.spike_factor if start <= t < start + self.p.spike_hours * 3600 else 1)

    def article_rank(self) -> str:
        rank = bisect.bisect_left(self.zipf, self.rng.random() * self.zipf[-1])
        return self.by_recency[min(rank, len(self.by_recency) - 1)]

    def path_of_view(self, t: float) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """A reader's view: (path, kind, query)."""
        p, rng = self.p, self.rng
        start, r = p.spike_start_h * 3600, rng.random()
        if start <= t < start + p.spike_hours * 3600:
            if r < p.spike_story_share:
                return "/breaking/", "live_page" if p.live_blog else "article", self.tracking()
            r = rng.random()
        if r < p.home_share:
            return "/", "home", ()
        if r < p.home_share + p.archive_share:
            return f"/category/cat{rng.randrange(p.categories)}/", "archive", ()
        if r < p.home_share + p.archive_share + p.search_share:
            if rng.random() < p.search_unique_share:
                words = f"w{rng.getrandbits(40)}"
            else:
                words = f"s{bisect.bisect_left(self.search_zipf, rng.random() * self.search_zipf[-1])}"
            return "/search/", "search", (("q", words),)
        return f"/{self.article_rank()}/", "article", self.tracking()

    def tracking(self) -> tuple[tuple[str, str], ...]:
        """The parameters a shared link adds, on query_share of article views: a click's own id or a campaign's."""
        p, rng = self.p, self.rng
        if rng.random() >= p.query_share:
            return ()
        if rng.random() < p.query_random_share:
            return (("fbclid", f"IwAR{rng.getrandbits(48):x}"),)
        campaign = rng.randrange(p.query_campaigns)
        return (("utm_source", "newsletter"), ("utm_medium", "email"), ("utm_campaign", f"c{campaign}"))

    def origin(self, path: str, kind: str, t: float) -> tuple[int, int, float, bool]:
        """The web function answers ``path`` at ``t``: (version, widget version, ready at, answered)."""
        p, edge = self.p, self.edge
        tallies = self.tallies(t)
        for tally in tallies:
            tally.origin_all += 1
            tally.origin_by_second[int(t)] += 1
            tally.origin_by_kind[kind] += 1
        start = t + p.origin_rtt_ms / 2000
        # The stage's throttle: a token bucket of api_burst tokens refilled at api_rate a second.
        if start > self.tokens_at:
            self.tokens = min(edge.api_burst, self.tokens + (start - self.tokens_at) * edge.api_rate)
            self.tokens_at = start
        if self.tokens < 1:
            for tally in tallies:
                tally.api_throttled += 1
            return self.version[path], self.widget_version, start, False
        self.tokens -= 1
        while self.in_flight and self.in_flight[0] <= start:
            heapq.heappop(self.in_flight)
        if len(self.in_flight) >= (edge.web_reserved or p.account_concurrency):  # Lambda's 429
            for tally in tallies:
                tally.lambda_throttled += 1
            return self.version[path], self.widget_version, start, False
        duration = p.lambda_ms / 1000
        cold = len(self.in_flight) >= self.instances
        if cold:
            self.instances += 1
            duration += p.cold_start_ms / 1000
        heapq.heappush(self.in_flight, start + duration)
        in_flight = len(self.in_flight)
        self.second_peak = max(self.second_peak, in_flight)
        rcu = p.rcu_article if kind in ("article", "fragment", "variant", "tracked", "live_page") else \
            2 * p.rcu_article if kind == "live_fragment" else \
            p.rcu_search if kind == "search" else p.rcu_listing if kind in ("home", "archive", "feed") else 0.5
        for tally in tallies:
            tally.lambda_seconds += duration
            tally.cold_starts += cold
            tally.rcu += rcu
            tally.peak_in_flight = max(tally.peak_in_flight, in_flight)
            if kind == "home":
                tally.home_rcu_by_second[int(t)] += rcu
        # A live blog's page and fragment carry the entries applied when they were made (where others carry
        # the recent-posts widget's version).
        shown = len(self.live_posted) if kind in ("live_page", "live_fragment") else self.widget_version
        return self.version[path], shown, start + duration + p.origin_rtt_ms / 2000, True

    def fetch(self, tier: Tier | None, key: str, path: str, kind: str, t: float) -> tuple[int, int, float, bool]:
        """What ``tier`` answers ``key`` with at ``t``: (version, widget version, when it is ready, answered),
        going upstream on a miss."""
        if tier is None:
            if kind == "image":
                for tally in self.tallies(t):
                    tally.s3_gets += 1
                return 0, 0, t + self.p.origin_rtt_ms / 1000, True
            return self.origin(path, kind, t)
        hop = self.p.tier_rtt_ms / 1000
        held = tier.items.get(key)
        if tier.is_shield:
            for tally in self.tallies(t):
                tally.shield_requests += 1
        if held is not None:
            ready, version, widget = held
            if t < ready:  # being filled
                if self.edge.collapsing:
                    return version, widget, ready, True
                answer = self.fetch(tier.upstream, key, path, kind, t + hop)
                return answer[0], answer[1], answer[2] + hop, answer[3]
            age = t - ready
            if age < self.ttl[kind]:
                tier.items.move_to_end(key)
                return version, widget, t, True
            if age < self.ttl[kind] + self.swr[kind]:  # served stale, refreshed behind it
                fresh = self.fetch(tier.upstream, key, path, kind, t + hop)
                if fresh[3]:
                    held[0], held[1], held[2] = fresh[2] + hop, fresh[0], fresh[1]
                tier.items.move_to_end(key)
                return version, widget, t, True
        answer = self.fetch(tier.upstream, key, path, kind, t + hop)
        if answer[3]:
            tier.items[key] = [answer[2] + hop, answer[0], answer[1]]
            tier.items.move_to_end(key)
            if len(tier.items) > tier.size:
                tier.items.popitem(last=False)
        return answer[0], answer[1], answer[2] + hop, answer[3]

    def edge_location(self) -> int:
        return bisect.bisect_left(self.edge_weights, self.rng.random() * self.edge_weights[-1])

    def request(self, path: str, kind: str, t: float, query: tuple[tuple[str, str], ...] = (),
                location: int | None = None) -> tuple[int, int, float, bool]:
        """One GET through CloudFront's page behaviour; its CloudFront costs counted."""
        location = self.edge_location() if location is None else location
        for tally in self.tallies(t):
            tally.cloudfront_requests += 1
            tally.function_invocations += 1
        return self.fetch(self.edges[location], self.edge.key(path, query), path, kind, t)

    def view(self, t: float) -> None:
        p = self.p
        path, kind, query = self.path_of_view(t)
        location = self.edge_location()
        tallies = self.tallies(t)
        before = [tally.origin_all for tally in tallies]
        version, widget, _, _ = self.request(path, kind, t, query, location)
        entries_shown = widget  # on a live page: the entries it shows
        if kind == "live_page":
            widget = self.widget_version  # its widget is the fragment's, below (or as the page was made)
        kb = p.page_kb
        if p.widget_fragment:  # the page's widget is the fragment's, fetched beside it
            _, widget, _, _ = self.request(FRAGMENT, "fragment", t, (), location)
            kb += p.fragment_kb
        if kind == "live_page" and t < self.live_end and self.live_rng.random() < p.live_poller_sample:
            reader = self.live_readers = self.live_readers + 1
            self.readers[reader] = [t + self.live_rng.expovariate(1 / p.live_read_s), entries_shown, location, t]
            heapq.heappush(self.pollers, (t + p.live_poll_s, reader))
        image = path if kind in ("article", "live_page") else f"/{self.by_recency[self.rng.randrange(10)]}/"
        self.fetch(self.image_edges[location], "/sizes" + image, image, "image", t)
        lag = 0.0
        if widget < self.widget_version:
            lag = t - self.widget_changes[widget]  # the first change it has not seen
        assets = 2 * p.asset_share  # the stylesheet and the script, from the edge (a year's copies)
        for tally, origin_before in zip(tallies, before, strict=True):
            tally.views += 1
            tally.origin += tally.origin_all - origin_before
            tally.cloudfront_requests += p.images_per_view + assets
            tally.function_invocations += assets
            tally.cloudfront_kb += kb + p.images_per_view * p.image_kb + p.asset_share * p.asset_kb
            tally.widget_views += 1
            tally.widget_lag_sum += lag
            tally.widget_lag_max = max(tally.widget_lag_max, lag)
            critical = self.critical.get(path)
            if critical is not None and version < critical[0] and t - critical[1] > p.stale_after_s:
                tally.stale += 1

    def poll(self, t: float, reader: int) -> None:
        """A sampled reader's page asks for the live blog's fragment (templates/site/live.js), and shows the
        entries it had not seen: each one's lag is from its posting to this poll."""
        p = self.p
        leaves, seen, location, arrived = self.readers[reader]
        if t >= leaves or t >= self.live_end:
            gone = min(leaves, t)
            for posted in self.live_posted[seen:]:  # posted while open, never shown: at least this late
                if arrived <= posted < gone:
                    self.live_lags.append(gone - posted)
            del self.readers[reader]
            return
        tallies = self.tallies(t)
        before = [tally.origin_all for tally in tallies]
        applied = self.request("/breaking/live/", "live_fragment", t, (), location)[1]
        weight = 1 / p.live_poller_sample
        for tally, origin_before in zip(tallies, before, strict=True):
            tally.polls += weight
            tally.poll_origin += tally.origin_all - origin_before
            tally.cloudfront_requests += weight - 1  # request() counted this one
            tally.function_invocations += weight - 1
            tally.cloudfront_kb += weight * 2.0  # the fragment: ten entries, gzip
        for k in range(seen, applied):  # entries posted while the page was open (not those its copy missed)
            if self.live_posted[k] >= arrived:
                self.live_lags.append(t - self.live_posted[k])
        self.readers[reader][1] = max(seen, applied)
        heapq.heappush(self.pollers, (t + p.live_poll_s, reader))

    def arrivals(self, second: int) -> list[tuple[float, str]]:
        """Every request of one second, in time order: readers' views, comment POSTs, feed pollers, bots and,
        during the flood, its requests."""
        p, rng = self.p, self.rng
        counts = {"view": self.rate(second), "comment": p.comments_per_day * self.rate(second) / self.daily_views,
                  "feed": p.feed_pollers / p.feed_poll_s,
                  "bot": p.views_per_month / 30 / DAY * p.bot_share}  # bots keep no news hours
        flood_start = int(p.flood_start_h * 3600)
        if p.flood_rps and flood_start <= second < flood_start + p.flood_seconds:
            counts["flood"] = p.flood_rps
        return sorted((second + rng.random(), kind) for kind, mean in counts.items()
                      for _ in range(_poisson(rng, mean)))

    def comment(self, t: float) -> None:
        """A comment POST (never cached), then the article's "awaiting moderation" view."""
        slug = self.article_rank()
        for tally in self.tallies(t):
            tally.cloudfront_requests += 1
            tally.function_invocations += 1
            tally.wcu += 3
        self.origin(f"/{slug}/comments/", "comment", t)
        self.request(f"/{slug}/", "variant", t, (("comment", "pending"),))

    def feed(self, t: float) -> None:
        """A feed reader polling the site's feed or a category's."""
        p, rng = self.p, self.rng
        self.request("/feed/" if rng.random() < 0.7 else f"/category/cat{rng.randrange(p.categories)}/feed/",
                     "feed", t)
        for tally in self.tallies(t):
            tally.cloudfront_kb += 10

    def bot(self, t: float) -> None:
        """A crawler fetching any article, or a scanner trying a path nothing answers."""
        p, rng = self.p, self.rng
        if rng.random() < p.bot_scan_share:
            self.request(f"/scan{rng.randrange(p.scan_paths)}.php", "notfound", t)
        else:
            self.request(f"/{self.by_recency[rng.randrange(len(self.by_recency))]}/", "article", t)
        for tally in self.tallies(t):
            tally.cloudfront_kb += p.page_kb

    def flood_request(self, t: float) -> None:
        """One request of the flood: a junk query string on an article, or a search for random words, from one
        of ``flood_addresses`` addresses; AWS WAF's rate rule (if any) counts each address's searches."""
        p, rng, edge = self.p, self.rng, self.edge
        self.flooding = True
        try:
            address = rng.randrange(p.flood_addresses)
            self.flood.requests += 1
            if rng.random() < p.flood_search_share:
                if edge.waf_limit and self._blocked(address, t):
                    self.flood.blocked += 1
                    self.flood.cloudfront_requests += 1
                    return
                self.request("/", "search", t, (("s", f"{rng.getrandbits(48):x}"),))
            else:
                junk = f"{rng.choice(TRACKING)}{rng.getrandbits(8)}"
                self.request(f"/{self.article_rank()}/", "article", t, ((junk, f"{rng.getrandbits(48):x}"),))
        finally:
            self.flooding = False

    def _blocked(self, address: int, t: float) -> bool:
        """AWS WAF's rate rule for one address's request at ``t``: blocked once the address has sent more than
        the limit within the window, ``waf_delay_s`` after it did (detection), while it stays over."""
        counts = self.flood_addresses[address]
        second = int(t)
        if counts and counts[-1][0] == second:
            counts[-1] = (second, counts[-1][1] + 1)
        else:
            counts.append((second, 1))
        self.flood_counts[address] += 1
        while counts and counts[0][0] <= second - self.edge.waf_window_s:
            self.flood_counts[address] -= counts.popleft()[1]
        over = self.flood_counts[address] > self.edge.waf_limit
        if over and address not in self.blocked_from:
            self.blocked_from[address] = t + self.p.waf_delay_s
        elif not over:
            self.blocked_from.pop(address, None)
        return address in self.blocked_from and t >= self.blocked_from[address]

    def run(self) -> None:
        p = self.p
        events = self.schedule()
        handle = {"view": self.view, "comment": self.comment, "feed": self.feed, "bot": self.bot,
                  "flood": self.flood_request}
        e = 0
        for second in range(int(p.from_h * 3600), int(min(DAY, (p.from_h + p.hours) * 3600))):
            while e < len(events) and events[e][0] < second + 1:
                self.apply(*events[e])
                e += 1
            while self.pending and self.pending[0][0] <= second:
                _, _, paths = heapq.heappop(self.pending)
                for tier in [*self.edges, *self.regional, *([self.shield] if self.shield else [])]:
                    tier.clear(paths)
            for t, kind in self.arrivals(second):
                handle[kind](t)
            while self.pollers and self.pollers[0][0] < second + 1:
                self.poll(*heapq.heappop(self.pollers))
            self.end_of_second(second)

    def end_of_second(self, second: int) -> None:
        """Lambda keeps an instance as long as it was busy within lambda_idle_s; whether ingest could have
        had its concurrency this second (the account's, less the web function's use or reservation)."""
        peak, self.second_peak = self.second_peak, len(self.in_flight)
        self.web_peak_by_second[second] = peak
        while self.recent_peaks and self.recent_peaks[-1][1] <= peak:  # a falling queue: its head is the window's max
            self.recent_peaks.pop()
        self.recent_peaks.append((second, peak))
        while self.recent_peaks[0][0] <= second - self.p.lambda_idle_s:
            self.recent_peaks.popleft()
        self.instances = min(self.instances, self.recent_peaks[0][1])
        web = self.edge.web_reserved or peak
        if self.p.account_concurrency - web - self.caps["images"] - self.caps["imports"] < self.caps["ingest"]:
            self.ingest_throttled_seconds += 1

    def takedown_tail_s(self) -> float:
        """How long a taken-down article could stay visible to a reader at the tail: the longest an edge copy
        lives (the invalidation's 99.9th percentile for the copy it names; a copy it cannot name keeps its
        TTL and stale time), then what the reader's browser may keep (its max-age and stale time)."""
        named = self.p.invalidation_p50_s * math.exp(self.sigma * 3.0902)  # the 99.9th percentile
        unnamed = [self.ttl[kind] + self.swr[kind] for kind in ("variant", "search", "feed") if kind in self.ttl]
        if self.edge.key("/a/", (("utm_source", "x"),)) != "/a/":  # a tracked link's own copy
            unnamed.append(self.ttl["tracked"] + self.swr["tracked"])
        viewer = self.edge.viewer_cache_control or self.observed_article_cc
        return round(max([named, *unnamed]) + ttl(viewer, "max-age") + ttl(viewer, "stale-while-revalidate"), 1)

    observed_article_cc = ""

    def report(self, tally: Tally, hours: float) -> dict[str, Any]:
        p = self.p
        views = max(tally.views, 1)
        peak_rps = max(tally.origin_by_second.values(), default=0)
        concurrency = tally.peak_in_flight
        snapshot_rcu = math.ceil(max(concurrency, 1)) * p.snapshot_rcu / 10
        costs = self.costs(tally, hours, snapshot_rcu)
        return {
            "views": tally.views, "origin_requests": tally.origin, "offload": round(1 - tally.origin / views, 5),
            "origin_requests_all": tally.origin_all, "origin_by_kind": dict(sorted(tally.origin_by_kind.items())),
            "peak_origin_rps": peak_rps,
            "peak_lambda_concurrency": concurrency, "peak_origin_in_flight": tally.peak_in_flight,
            "cold_starts": tally.cold_starts, "throttled": tally.api_throttled + tally.lambda_throttled,
            "peak_partition_rcu": round(max(max(tally.home_rcu_by_second.values(), default=0), snapshot_rcu), 2),
            "invalidation_paths": tally.invalidation_paths,
            "cost_per_million_views": {k: round(v / views * 1e6, 4) for k, v in costs.items()},
            "stale_views": tally.stale,
            "takedown_tail_s": self.takedown_tail_s(),
            "widget_lag_max_s": round(tally.widget_lag_max, 1),
            "widget_lag_mean_s": round(tally.widget_lag_sum / max(tally.widget_views, 1), 2),
            **({"polls": round(tally.polls), "poll_origin_requests": tally.poll_origin,
                "offload_with_pollers": round(1 - (tally.origin + tally.poll_origin) / max(tally.views + tally.polls, 1),
                                              5)} if p.live_blog else {}),
        }

    def live_report(self) -> dict[str, Any]:
        """The live blog: how long an entry took to reach readers' open pages, and what its pollers cost."""
        lags = sorted(self.live_lags)

        def at(q: float) -> float:
            return round(lags[min(len(lags) - 1, int(q * len(lags)))], 2) if lags else 0.0

        paths = len(self.paths.get("live_entry", []))
        entries = len(self.live_posted)
        return {"entries": entries, "poll_s": self.p.live_poll_s, "fragment_ttl_s": self.ttl["live_fragment"],
                "page_ttl_s": self.ttl["live_page"], "lags_measured": len(lags),
                "live_update_lag_p50_s": at(0.5), "live_update_lag_p95_s": at(0.95), "live_update_lag_p99_s": at(0.99),
                "live_update_lag_max_s": round(lags[-1], 2) if lags else 0.0,
                "invalidation_paths": entries * paths, "invalidations": entries,
                # CloudFront: the first 1,000 paths a month free, then $0.005 each: a live blog every day of a month
                "invalidation_cost_per_month_usd": round(max(0, entries * paths * 30 - 1000) * 0.005, 2)}

    def costs(self, tally: Tally, hours: float, snapshot_rcu: float = 0.0) -> dict[str, float]:
        """What ``tally``'s requests cost, by service (us-east-1 list prices, bench/common.py)."""
        lambda_cost = tally.lambda_seconds * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND + tally.origin_all * LAMBDA_REQUEST
        invalidation = max(0, tally.invalidation_paths * 30 - 1000) / 30 * 0.005 * hours / 24
        costs = {
            "cloudfront": tally.cloudfront_requests * CLOUDFRONT_REQUEST + tally.cloudfront_kb / 1e6 * CLOUDFRONT_GB,
            "functions": tally.function_invocations * CLOUDFRONT_FUNCTION,
            "origin_shield": tally.shield_requests * ORIGIN_SHIELD_REQUEST,
            "waf": (tally.cloudfront_requests * WAF_REQUEST + WAF_MONTH / 30 * hours / 24) if self.edge.waf_limit else 0.0,
            "api_gateway": (tally.origin_all - tally.api_throttled) * API_GATEWAY_REQUEST,
            "lambda": lambda_cost,
            "dynamodb": (tally.rcu + snapshot_rcu * hours * 3600) * DYNAMODB_READ + tally.wcu * DYNAMODB_WRITE,
            "s3": tally.s3_gets * S3_GET,
            "invalidations": invalidation,
        }
        costs["total"] = sum(costs.values())
        return costs

    def flood_report(self) -> dict[str, Any]:
        f = self.flood
        start = int(self.p.flood_start_h * 3600)
        window = range(start, start + self.p.flood_seconds)
        return {
            "requests": f.requests, "origin_requests": f.origin_all, "blocked": f.blocked,
            "api_throttled": f.api_throttled, "lambda_throttled": f.lambda_throttled,
            "peak_lambda_concurrency": max((self.web_peak_by_second.get(s, 0) for s in window), default=0),
            "cold_starts": f.cold_starts, "ingest_throttled": self.ingest_throttled_seconds > 0,
            "ingest_throttled_seconds": self.ingest_throttled_seconds,
            "cost": {k: round(v, 2) for k, v in self.costs(f, 0.0).items()},
        }


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:  # the normal approximation, fast and close at these rates
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def simulate(p: Params, observed: dict[str, Any], edge: Edge | None = None) -> dict[str, Any]:
    day = Day(p, observed, edge)
    day.observed_article_cc = observed["cache_control"]["article"]
    day.run()
    result = {"day": day.report(day.day, p.hours), "spike_hour": day.report(day.spike, 1)}
    if p.live_blog:
        result["live_blog"] = day.live_report()
    if p.flood_rps:
        result["flood"] = day.flood_report()
    return result


def parse(argv: list[str]) -> tuple[Params, Path | None]:
    parser = argparse.ArgumentParser(prog="make bench-scale ARGS=...", description=__doc__.split("\n")[0])
    for name, default in asdict(Params()).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(flag, dest=name, type=type(default), default=default)
    parser.add_argument("--template", type=Path, default=None,
                        help="a template to read the edge from (default: infra/template.yaml as make package writes it)")
    args = vars(parser.parse_args(argv))
    template = args.pop("template")
    return Params(**args), template


ROWS = ("views", "origin_requests", "offload", "origin_requests_all", "peak_origin_rps", "peak_origin_in_flight",
        "cold_starts", "throttled", "peak_partition_rcu", "invalidation_paths", "stale_views", "takedown_tail_s",
        "widget_lag_max_s", "widget_lag_mean_s")


def main(argv: list[str]) -> None:
    started = time.monotonic()
    params, template_path = parse(argv)
    if shutil.which("node") is None:
        sys.exit("make bench-scale runs the template's CloudFront function in Node.js: install nodejs")
    print("observing what ingest sends to CloudFront for each kind of change (moto)...", flush=True)
    observed = observe()
    for kind in CHANGES:
        print(f"  {kind:16} {', '.join(observed['paths'].get(kind, [])) or '(nothing)'}")
    print(f"  Cache-Control: {observed['cache_control']}")
    edge = read_edge(load_template(template_path))
    print(f"reading the edge from the template: {edge}")
    print(f"simulating the day (seed {params.seed}, invalidation p50 {params.invalidation_p50_s} s / p99 "
          f"{params.invalidation_p99_s} s, query share {params.query_share}, flood {params.flood_rps}/s for "
          f"{params.flood_seconds} s)...", flush=True)
    result = simulate(params, observed, edge)
    print(f"\n{'':26}{'day':>16}{'spike hour':>16}")
    for row in ROWS:
        print(f"{row:26}{result['day'][row]!s:>16}{result['spike_hour'][row]!s:>16}")
    for part in result["day"]["cost_per_million_views"]:
        print(f"{'$ per 1M views, ' + part:26}{result['day']['cost_per_million_views'][part]!s:>16}"
              f"{result['spike_hour']['cost_per_million_views'][part]!s:>16}")
    if "live_blog" in result:
        for row in ("polls", "poll_origin_requests", "offload_with_pollers"):
            print(f"{row:26}{result['day'][row]!s:>16}{result['spike_hour'][row]!s:>16}")
        print(f"\nlive blog: {json.dumps(result['live_blog'])}")
    if "flood" in result:
        print(f"\nflood: {json.dumps(result['flood'])}")
    out = {**result, "params": asdict(params), "edge": json.loads(json.dumps(asdict(edge), default=sorted)),
           "observed": observed, "seconds": round(time.monotonic() - started)}
    (BENCH / "results").mkdir(exist_ok=True)
    name = "scale-live-blog.json" if params.live_blog else "scale.json"
    (BENCH / "results" / name).write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nwritten bench/results/{name} in {out['seconds']} s")


if __name__ == "__main__":
    main(sys.argv[1:])
