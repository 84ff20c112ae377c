"""The breaking-news day's simulation (bench/scale.py, ``make bench-scale``) counts what it claims to:
its counters can fail. Fed a fixed picture of what ingest sends (the bench observes the real one)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from chalicelib.site.web import PAGE_CACHE

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
scale = pytest.importorskip("scale")

OBSERVED = {"paths": {kind: ["/", "/category/{cat}/", "/{slug}/", "/{slug}/comments/feed/"]
                      + (["/*"] if kind in ("new", "recent_headline") else []) for kind in scale.CHANGES},
            "cache_control": {"home": PAGE_CACHE, "archive": PAGE_CACHE, "article": PAGE_CACHE}}
QUIET = dict(views_per_month=3e6, articles=2_000, new_per_day=0, updates_per_day=0, corrections=0, takedowns=0,
             spike_factor=1.0, spike_hours=0.0, edge_locations=4, regional_caches=2)


def test_with_nothing_changing_all_day_each_page_reaches_the_origin_once_or_as_often_as_caches_forget():
    roomy = scale.simulate(scale.Params(**QUIET), OBSERVED)["day"]
    distinct = QUIET["articles"] + 1 + 20  # every article, home, the categories
    assert roomy["origin_requests"] <= distinct  # the shield holds everything: each path once
    assert roomy["offload"] >= 1 - distinct / roomy["views"]
    cramped = scale.simulate(scale.Params(**QUIET, edge_objects=50, regional_objects=100, shield_objects=200),
                             OBSERVED)["day"]
    assert cramped["origin_requests"] > 5 * roomy["origin_requests"]  # the cache-size limit, not the TTL


def test_a_takedown_is_counted_stale_when_its_invalidation_is_dropped():
    day = dict(QUIET, takedowns=1, edge_locations=1, regional_caches=1, zipf_s=2.0)
    kept = scale.simulate(scale.Params(**day), OBSERVED)["day"]
    dropped = scale.simulate(scale.Params(**day, invalidation=False), OBSERVED)["day"]
    assert kept["stale_views"] == 0
    assert dropped["stale_views"] > 0
    assert kept["invalidation_paths"] == 4 and dropped["invalidation_paths"] == 0


def test_the_same_seed_gives_the_same_day():
    day = dict(QUIET, new_per_day=20, updates_per_day=20)
    assert scale.simulate(scale.Params(**day, seed=3), OBSERVED) == scale.simulate(scale.Params(**day, seed=3),
                                                                                    OBSERVED)


def test_every_parameter_is_a_flag():
    params = scale.parse(["--seed", "7", "--no-shield", "--no-invalidation", "--edge-objects", "10"])
    assert (params.seed, params.shield, params.invalidation, params.edge_objects) == (7, False, False, 10)


def test_the_widget_as_its_own_fragment_keeps_pages_cached_and_its_lag_at_the_invalidation_delay():
    """The design proposed in docs/performance.md, simulated: a widget change renews one path (/recent/)
    instead of every page, so pages stay cached and the widget is at most the invalidation delay old."""
    day = dict(QUIET, new_per_day=40)
    flushed = scale.simulate(scale.Params(**day), OBSERVED)["day"]
    fragment = scale.simulate(scale.Params(**day, widget_fragment=True), OBSERVED)["day"]
    assert fragment["origin_requests"] < flushed["origin_requests"]
    assert fragment["widget_lag_max_s"] <= scale.Params().invalidation_delay_s + 1
    assert fragment["stale_views"] == 0


def test_ingest_sending_the_widgets_path_is_simulated_as_the_fragment_design():
    """What ingest sends now (the widget's own path, never /*) makes the day the fragment design's by
    itself: the same origin requests as forcing it on an observation that still flushed /*."""
    built = {**OBSERVED, "paths": {kind: [p for p in paths if p != "/*"]
                                   + (["/widgets/recent/"] if kind in ("new", "recent_headline") else [])
                                   for kind, paths in OBSERVED["paths"].items()}}
    day = dict(QUIET, new_per_day=40)
    as_built = scale.simulate(scale.Params(**day), built)["day"]
    forced = scale.simulate(scale.Params(**day, widget_fragment=True), OBSERVED)["day"]
    assert as_built["origin_requests"] == forced["origin_requests"]
    assert as_built["widget_lag_max_s"] <= scale.Params().invalidation_delay_s + 1
