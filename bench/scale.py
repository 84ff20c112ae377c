"""make bench-scale: a breaking-news day at a big newsroom, simulated in front of our real invalidation code.

Two steps:

1. **What our code does, observed.** A site on moto (the tests' stand-in) is given the day's kinds of
   change: a new article, a headline change and a body update of a recent article, the same of an old
   one, a correction and a takedown. Each goes through the real ingest, and the paths it sends to
   CloudFront (``chalicelib/publish/edge.py``'s ``send``) are recorded, as are the ``Cache-Control``
   headers of the real home, archive and article pages. Nothing below copies edge.py's rules: the
   simulation replays what was observed, with the simulated article's slug and category put in.
2. **The day.** Views arrive second by second (a diurnal curve, a 20x spike for two hours on one
   story), spread over edge locations, each behind a regional edge cache, optionally behind Origin
   Shield; every tier caches by the observed TTLs (``s-maxage``, ``stale-while-revalidate``), collapses
   requests, and holds at most its size in objects (least recently used go first). An invalidation
   clears its paths from every tier after a delay. Whatever reaches the origin costs what
   ``make bench`` measured per page type.

Prints a table and writes ``bench/results/scale.json`` (``day`` and ``spike_hour``). Every parameter is a
flag (``make bench-scale ARGS="--no-shield --seed 7"``); docs/performance.md lists them with sources.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import re
import sys
import time
from collections import OrderedDict, defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from common import (
    BENCH,
    CLOUDFRONT_GB,
    CLOUDFRONT_REQUEST,
    DYNAMODB_READ,
    LAMBDA_GB_SECOND,
    LAMBDA_MEMORY_GB,
    LAMBDA_REQUEST,
    PROJECT,
)

DAY = 86_400
CHANGES = ("new", "recent_headline", "recent_body", "old_headline", "old_body", "correction", "takedown")


# --- 1. what our code does ----------------------------------------------------------------------

def observe() -> dict[str, Any]:
    """Run each kind of change through the real ingest on moto; the paths each sent, with the article's
    slug as ``{slug}`` and its category as ``{cat}``, and the pages' Cache-Control."""
    sys.path.insert(0, str(PROJECT))
    import logging

    logging.disable(logging.INFO)
    from chalicelib import config
    from chalicelib.publish import edge
    from tests.conftest import _moto_site

    sent: list[set[str]] = []
    original = edge.send
    edge.send = lambda paths: sent.append(set(paths))  # type: ignore[assignment,return-value]
    try:
        with _moto_site(seed=False) as site:
            previous = config.use(config.current().replace(distribution_id="SIMULATED"))
            try:
                def article(slug: str, title: str, day: str, body: str = "Words.", extra: str = "") -> None:
                    site.put(f"articles/{slug}.md", f"---\ntitle: {title}\ndate: {day}\ncategories: [Cat{slug[-1]}]\n"
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
                    cat = f"cat{slug[-1]}"
                    observed[kind] = {p.replace(slug, "{slug}").replace(cat, "{cat}") for p in paths}

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
                headers = {kind: site.get(path).headers.get("Cache-Control", "")
                           for kind, path in (("home", "/"), ("archive", "/category/cat1/"), ("article", "/old1/"))}
            finally:
                config.use(previous)
    finally:
        edge.send = original  # type: ignore[assignment]
    return {"paths": {k: sorted(v) for k, v in observed.items()}, "cache_control": headers}


def ttl(cache_control: str, name: str) -> int:
    found = re.search(rf"{name}=(\d+)", cache_control)
    return int(found.group(1)) if found else 0


# --- 2. the day -----------------------------------------------------------------------------------

@dataclass
class Params:
    """The day's parameters (docs/performance.md gives each one's source)."""

    seed: int = 1
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
    spike_start_h: float = 14.0
    spike_hours: float = 2.0
    spike_factor: float = 20.0
    spike_story_share: float = 0.6  # of views during the spike, on the breaking story
    spike_update_every_s: int = 120
    edge_locations: int = 60
    regional_caches: int = 13
    shield: bool = True
    invalidation: bool = True
    invalidation_delay_s: int = 30  # AWS: typically within 60 s, documented "seconds to a couple of minutes"
    edge_objects: int = 20_000  # objects an edge location keeps for this distribution (LRU beyond)
    regional_objects: int = 100_000
    shield_objects: int = 1_000_000
    widget_flush: bool = True  # the design as it is: a widget change invalidates /* (see --no-widget-flush)
    widget_fragment: bool = False  # force the fragment design (on by itself when ingest is seen sending its path)
    fragment_kb: float = 0.6  # the widget alone, gzip
    article_ttl_s: int = 0  # 0: the observed s-maxage; else article pages' s-maxage in the design under test
    lambda_ms: float = 39.5  # make bench: median serve time of a page at the origin
    rcu_listing: float = 1.5  # a listing page's Query: ~12 KB, eventually consistent
    rcu_article: float = 1.0
    snapshot_rcu: float = 2.5  # the site snapshot, re-read by each warm Lambda every 10 s
    page_kb: float = 4.1  # gzip, make bench-peer
    stale_after_s: int = 60


@dataclass
class Tally:
    views: int = 0
    origin: int = 0
    stale: int = 0
    widget_lag_sum: float = 0.0
    widget_lag_max: float = 0.0
    widget_views: int = 0
    invalidation_paths: int = 0
    origin_by_second: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    home_rcu_by_second: dict[int, float] = field(default_factory=lambda: defaultdict(float))
    rcu: float = 0.0


class Tier:
    """One cache: path -> (fetched at, version, widget version), least recently used first."""

    def __init__(self, size: int, upstream: Tier | None) -> None:
        self.size, self.upstream, self.items = size, upstream, OrderedDict[str, tuple[float, int, int]]()

    def clear(self, paths: set[str] | None) -> None:
        if paths is None:
            self.items.clear()
        else:
            for path in paths:
                self.items.pop(path, None)


FRAGMENT = "/widgets/recent/"  # the recent-posts widget's own path (chalicelib/archives.py RECENT_PATH)


class Day:
    def __init__(self, p: Params, observed: dict[str, Any]) -> None:
        if any(FRAGMENT in paths for paths in observed["paths"].values()):
            p = replace(p, widget_fragment=True)  # the design as built: pages fetch the widget from its path
        self.p, self.rng = p, random.Random(p.seed)
        self.paths = observed["paths"]
        cc = observed["cache_control"]
        self.ttl = {kind: ttl(cc[kind], "s-maxage") for kind in cc}
        if p.article_ttl_s:
            self.ttl["article"] = p.article_ttl_s
        self.swr = {kind: ttl(cc[kind], "stale-while-revalidate") for kind in cc}
        self.ttl["fragment"], self.swr["fragment"] = self.ttl["article"], self.swr["article"]
        self.shield = Tier(p.shield_objects, None) if p.shield else None
        self.regional = [Tier(p.regional_objects, self.shield) for _ in range(p.regional_caches)]
        self.edges = [Tier(p.edge_objects, self.regional[i % p.regional_caches]) for i in range(p.edge_locations)]
        self.edge_weights = list(_cumulative([1 / (i + 1) for i in range(p.edge_locations)]))
        self.version: dict[str, int] = defaultdict(int)
        self.critical: dict[str, tuple[int, float]] = {}  # path -> (version, when): takedowns and corrections
        self.widget_version = 0
        self.widget_changes: list[float] = []
        self.by_recency = [f"a{n}" for n in range(p.articles)]  # newest first
        self.category = {slug: n % p.categories for n, slug in enumerate(self.by_recency)}
        self.zipf = list(_cumulative([1 / (r + 1) ** p.zipf_s for r in range(p.articles + p.new_per_day + 10)]))
        self.pending: list[tuple[float, set[str] | None]] = []  # invalidations: (takes effect at, paths)
        self.day, self.spike = Tally(), Tally()

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
        while t < start + p.spike_hours * 3600:
            t += p.spike_update_every_s
            events.append((t, "headline" if self.rng.random() < 0.5 else "body", "breaking"))
        for _ in range(p.corrections):
            events.append((self.rng.uniform(8 * 3600, 20 * 3600), "correction", ""))
        for _ in range(p.takedowns):
            events.append((self.rng.uniform(9 * 3600, 18 * 3600), "takedown", ""))
        return sorted(events)

    def apply(self, t: float, kind: str, slug: str) -> None:
        if kind == "new":
            self.by_recency.insert(0, slug)
            self.category[slug] = self.rng.randrange(self.p.categories)
            observed = "new"
        else:
            if not slug:  # an update lands mostly on recent articles
                slug = self.by_recency[min(int(self.rng.expovariate(1 / 30)), len(self.by_recency) - 1)]
            recent = slug in self.by_recency[:5]
            observed = {"headline": "recent_headline" if recent else "old_headline",
                        "body": "recent_body" if recent else "old_body"}.get(kind, kind)
            if kind == "takedown" and slug in self.by_recency:
                self.by_recency.remove(slug)
        paths = {x.replace("{slug}", slug).replace("{cat}", f"cat{self.category.get(slug, 0)}")
                 for x in self.paths[observed]}
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
        elif everything and not self.p.widget_flush:
            paths = paths - {"/*"}  # the design under test: the widget refreshes by expiry, not by a flush
            everything = False
        if self.p.invalidation:
            self.pending.append((t + self.p.invalidation_delay_s, None if everything else paths - {"/*"}))
            for tally in self.tallies(t):
                tally.invalidation_paths += 1 if everything else len(paths)

    # the readers ----------------------------------------------------------------------------------
    def tallies(self, t: float) -> list[Tally]:
        start = self.p.spike_start_h * 3600
        return [self.day, self.spike] if start <= t < start + 3600 else [self.day]

    def rate(self, t: float) -> float:
        base = self.p.views_per_month / 30 / DAY * (1 + 0.4 * math.sin((t / DAY - 0.3) * 2 * math.pi))
        start = self.p.spike_start_h * 3600
        return base * (self.p.spike_factor if start <= t < start + self.p.spike_hours * 3600 else 1)

    def path_of_view(self, t: float) -> tuple[str, str]:
        start, r = self.p.spike_start_h * 3600, self.rng.random()
        if start <= t < start + self.p.spike_hours * 3600:
            if r < self.p.spike_story_share:
                return "/breaking/", "article"
            r = self.rng.random()
        if r < self.p.home_share:
            return "/", "home"
        if r < self.p.home_share + self.p.archive_share:
            return f"/category/cat{self.rng.randrange(self.p.categories)}/", "archive"
        rank = bisect.bisect_left(self.zipf, self.rng.random() * self.zipf[-1])
        return f"/{self.by_recency[min(rank, len(self.by_recency) - 1)]}/", "article"

    def fetch(self, tier: Tier | None, path: str, kind: str, t: float) -> tuple[int, int]:
        """The (version, widget version) ``tier`` answers ``path`` with at ``t``, going upstream on a miss."""
        if tier is None:  # the origin
            for tally in self.tallies(t):
                tally.origin += 1
                tally.origin_by_second[int(t)] += 1
                rcu = self.p.rcu_article if kind in ("article", "fragment") else self.p.rcu_listing
                tally.rcu += rcu
                if kind == "home":
                    tally.home_rcu_by_second[int(t)] += rcu
            return self.version[path], self.widget_version
        held = tier.items.get(path)
        if held is not None:
            fetched, version, widget = held
            age = t - fetched
            if age < self.ttl[kind]:
                tier.items.move_to_end(path)
                return version, widget
            if age < self.ttl[kind] + self.swr[kind]:  # served stale, refreshed behind it (collapsed)
                fresh = self.fetch(tier.upstream, path, kind, t)
                tier.items[path] = (t, *fresh)
                tier.items.move_to_end(path)
                return version, widget
        answer = self.fetch(tier.upstream, path, kind, t)
        tier.items[path] = (t, *answer)
        tier.items.move_to_end(path)
        if len(tier.items) > tier.size:
            tier.items.popitem(last=False)
        return answer

    def view(self, t: float) -> None:
        path, kind = self.path_of_view(t)
        edge = self.edges[bisect.bisect_left(self.edge_weights, self.rng.random() * self.edge_weights[-1])]
        version, widget = self.fetch(edge, path, kind, t)
        if self.p.widget_fragment:  # the page's widget is the fragment's, fetched beside it
            _, widget = self.fetch(edge, FRAGMENT, "fragment", t)
        lag = 0.0
        if widget < self.widget_version:
            lag = t - self.widget_changes[widget]  # the first change it has not seen
        for tally in self.tallies(t):
            tally.views += 1
            tally.widget_views += 1
            tally.widget_lag_sum += lag
            tally.widget_lag_max = max(tally.widget_lag_max, lag)
            critical = self.critical.get(path)
            if critical is not None and version < critical[0] and t - critical[1] > self.p.stale_after_s:
                tally.stale += 1

    def run(self) -> None:
        events = self.schedule()
        e = 0
        for second in range(DAY):
            while e < len(events) and events[e][0] < second + 1:
                self.apply(*events[e])
                e += 1
            while self.pending and self.pending[0][0] <= second:
                _, paths = self.pending.pop(0)
                for tier in [*self.edges, *self.regional, *([self.shield] if self.shield else [])]:
                    tier.clear(paths)
            arrivals = _poisson(self.rng, self.rate(second))
            for _ in range(arrivals):
                self.view(second + self.rng.random())

    def report(self, tally: Tally, hours: float) -> dict[str, Any]:
        p = self.p
        views = max(tally.views, 1)
        peak_rps = max(tally.origin_by_second.values(), default=0)
        lambda_cost = tally.origin * (LAMBDA_REQUEST + p.lambda_ms / 1000 * LAMBDA_MEMORY_GB * LAMBDA_GB_SECOND)
        concurrency = peak_rps * p.lambda_ms / 1000
        snapshot_rcu = math.ceil(max(concurrency, 1)) * p.snapshot_rcu / 10
        dynamodb_cost = (tally.rcu + snapshot_rcu * hours * 3600) * DYNAMODB_READ
        requests, kb = (2, p.page_kb + p.fragment_kb) if p.widget_fragment else (1, p.page_kb)
        cloudfront_cost = tally.views * (requests * CLOUDFRONT_REQUEST + kb / 1e6 * CLOUDFRONT_GB)
        invalidation_cost = max(0, tally.invalidation_paths * 30 - 1000) / 30 * 0.005 * hours / 24
        return {
            "views": tally.views, "origin_requests": tally.origin, "offload": round(1 - tally.origin / views, 5),
            "peak_origin_rps": peak_rps, "peak_lambda_concurrency": round(concurrency, 2),
            "peak_partition_rcu": round(max(max(tally.home_rcu_by_second.values(), default=0), snapshot_rcu), 2),
            "invalidation_paths": tally.invalidation_paths,
            "cost_per_million_views": {
                "cloudfront": round(cloudfront_cost / views * 1e6, 4), "lambda": round(lambda_cost / views * 1e6, 4),
                "dynamodb": round(dynamodb_cost / views * 1e6, 4),
                "invalidations": round(invalidation_cost / views * 1e6, 4),
                "total": round((cloudfront_cost + lambda_cost + dynamodb_cost + invalidation_cost) / views * 1e6, 4)},
            "stale_views": tally.stale,
            "widget_lag_max_s": round(tally.widget_lag_max, 1),
            "widget_lag_mean_s": round(tally.widget_lag_sum / max(tally.widget_views, 1), 2),
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


def simulate(p: Params, observed: dict[str, Any]) -> dict[str, Any]:
    day = Day(p, observed)
    day.run()
    return {"day": day.report(day.day, 24), "spike_hour": day.report(day.spike, 1)}


def parse(argv: list[str]) -> Params:
    parser = argparse.ArgumentParser(prog="make bench-scale ARGS=...", description=__doc__.split("\n")[0])
    for name, default in asdict(Params()).items():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=default)
        else:
            parser.add_argument(flag, dest=name, type=type(default), default=default)
    return Params(**vars(parser.parse_args(argv)))


ROWS = ("views", "origin_requests", "offload", "peak_origin_rps", "peak_lambda_concurrency", "peak_partition_rcu",
        "invalidation_paths", "stale_views", "widget_lag_max_s", "widget_lag_mean_s")


def main(argv: list[str]) -> None:
    started = time.monotonic()
    params = parse(argv)
    print("observing what ingest sends to CloudFront for each kind of change (moto)...", flush=True)
    observed = observe()
    for kind in CHANGES:
        print(f"  {kind:16} {', '.join(observed['paths'].get(kind, [])) or '(nothing)'}")
    print(f"  Cache-Control: {observed['cache_control']}")
    if any(FRAGMENT in paths for paths in observed["paths"].values()):
        params = replace(params, widget_fragment=True)  # what ingest sends says pages fetch the widget's path
    print(f"simulating the day (seed {params.seed}, shield {'on' if params.shield else 'off'}, invalidation "
          f"{'on' if params.invalidation else 'off'}, widget flush {'on' if params.widget_flush else 'off'}, "
          f"widget fragment {'on' if params.widget_fragment else 'off'})...",
          flush=True)
    result = simulate(params, observed)
    print(f"\n{'':26}{'day':>16}{'spike hour':>16}")
    for row in ROWS:
        print(f"{row:26}{result['day'][row]!s:>16}{result['spike_hour'][row]!s:>16}")
    for part in ("cloudfront", "lambda", "dynamodb", "invalidations", "total"):
        print(f"{'$ per 1M views, ' + part:26}{result['day']['cost_per_million_views'][part]!s:>16}"
              f"{result['spike_hour']['cost_per_million_views'][part]!s:>16}")
    out = {**result, "params": asdict(params), "observed": observed, "seconds": round(time.monotonic() - started)}
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "scale.json").write_text(json.dumps(out, indent=1) + "\n")
    print(f"\nwritten bench/results/scale.json in {out['seconds']} s")


if __name__ == "__main__":
    main(sys.argv[1:])
