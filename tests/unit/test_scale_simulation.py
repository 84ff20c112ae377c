"""The breaking-news day's simulation (bench/scale.py, ``make bench-scale``) counts what it claims to:
its counters can fail. Fed a fixed picture of what ingest sends (the bench observes the real one), and
the edge read from our template (the bench reads the packaged one) or described by hand."""

from __future__ import annotations

import copy
import shutil
import statistics
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.site.web import PAGE_CACHE, SHORT_CACHE
from devstack import package
from devstack.stack import load_template

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
scale = pytest.importorskip("scale")

OBSERVED = {"paths": {kind: ["/", "/category/{cat}/", "/{slug}/", "/author/{author}/"]
                      + (["/*"] if kind in ("new", "recent_headline") else []) for kind in scale.CHANGES},
            "cache_control": {"home": PAGE_CACHE, "archive": PAGE_CACHE, "article": PAGE_CACHE, "tracked": PAGE_CACHE,
                              "variant": SHORT_CACHE, "search": SHORT_CACHE, "feed": SHORT_CACHE,
                              "notfound": SHORT_CACHE}}
QUIET = dict(from_h=10.0, hours=2.0, views_per_month=3e6, articles=2_000, new_per_day=0, updates_per_day=0, corrections=0, takedowns=0,
             spike_factor=1.0, spike_hours=0.0, edge_locations=4, regional_caches=2, query_share=0.0,
             search_share=0.0, comments_per_day=0, feed_pollers=0, bot_share=0.0)
# The edge as it was (issue 41): every query parameter in the key, cookies forwarded (no collapsing).
BEFORE = scale.Edge(function_keeps=None, key_names=None, collapsing=False)
AFTER = scale.Edge(viewer_cache_control="public, max-age=30")  # tracking dropped, collapsing on, viewers told less


def test_with_nothing_changing_all_day_each_page_reaches_the_origin_once_or_as_often_as_caches_forget():
    roomy = scale.simulate(scale.Params(**QUIET), OBSERVED)["day"]
    distinct = QUIET["articles"] + 1 + 20  # every article, home, the categories
    assert roomy["origin_requests"] <= distinct  # the shield holds everything: each path once
    assert roomy["offload"] >= 1 - distinct / roomy["views"]
    cramped = scale.simulate(scale.Params(**QUIET, edge_objects=50, regional_objects=100, shield_objects=200),
                             OBSERVED)["day"]
    assert cramped["origin_requests"] > 2 * roomy["origin_requests"]  # the cache-size limit, not the TTL


def test_a_takedown_is_counted_stale_when_its_invalidation_is_dropped():
    day = dict(QUIET, from_h=9.0, hours=9.0, takedowns=1, edge_locations=1, regional_caches=1, zipf_s=2.0)
    kept = scale.simulate(scale.Params(**day), OBSERVED)["day"]
    dropped = scale.simulate(scale.Params(**day, invalidation=False), OBSERVED)["day"]
    assert kept["stale_views"] == 0
    assert dropped["stale_views"] > 0
    assert kept["invalidation_paths"] == 4 and dropped["invalidation_paths"] == 0


def test_tracked_links_keep_a_taken_down_article_where_the_query_is_in_the_key():
    """A shared campaign link's copy is its own cache key: the invalidation of the bare path misses it."""
    day = dict(QUIET, from_h=8.0, hours=12.0, takedowns=3, edge_locations=2, regional_caches=1, zipf_s=1.5,
               query_share=0.3,
               query_random_share=0.0, query_campaigns=2)
    before = scale.simulate(scale.Params(**day), OBSERVED, BEFORE)["day"]
    after = scale.simulate(scale.Params(**day), OBSERVED, AFTER)["day"]
    assert before["stale_views"] > 0 and after["stale_views"] == 0
    assert before["origin_requests"] > after["origin_requests"]
    assert before["takedown_tail_s"] > 2 * 86_400 and after["takedown_tail_s"] <= 60


def test_a_clicks_own_id_in_the_key_makes_every_tracked_view_a_miss():
    day = dict(QUIET, query_share=0.2, query_random_share=1.0)
    before = scale.simulate(scale.Params(**day), OBSERVED, BEFORE)["day"]
    after = scale.simulate(scale.Params(**day), OBSERVED, AFTER)["day"]
    assert before["origin_requests"] >= after["origin_requests"] + 0.2 * 0.7 * before["views"]  # ~every tracked view


def test_without_collapsing_requests_arriving_during_a_fill_each_go_upstream():
    day = dict(QUIET, hours=0.5, views_per_month=60e6, articles=50, edge_locations=2, regional_caches=1,
               lambda_ms=400.0)
    collapsed = scale.simulate(scale.Params(**day), OBSERVED, AFTER)["day"]
    apart = scale.simulate(scale.Params(**day), OBSERVED, replace(AFTER, collapsing=False))["day"]
    assert apart["origin_requests"] > collapsed["origin_requests"]


def test_invalidation_delays_follow_the_p50_and_p99_given():
    day = scale.Day(scale.Params(**QUIET, invalidation_p50_s=4.0, invalidation_p99_s=15.0), OBSERVED)
    delays = sorted(day.delay() for _ in range(40_000))
    assert statistics.median(delays) == pytest.approx(4.0, rel=0.05)
    assert delays[int(len(delays) * 0.99)] == pytest.approx(15.0, rel=0.1)


def test_concurrency_is_requests_in_flight_and_new_instances_start_cold():
    day = dict(QUIET, hours=0.5, views_per_month=30e6, edge_objects=10, regional_objects=10, shield_objects=10)
    busy = scale.simulate(scale.Params(**day, cold_start_ms=500.0), OBSERVED)["day"]
    assert busy["cold_starts"] >= busy["peak_origin_in_flight"] >= 2
    slower = scale.simulate(scale.Params(**day, cold_start_ms=500.0, lambda_ms=200.0), OBSERVED)["day"]
    assert slower["peak_origin_in_flight"] > busy["peak_origin_in_flight"]


def test_a_flood_of_junk_query_strings_is_a_flood_of_hits_once_the_edge_drops_them():
    day = dict(QUIET, flood_rps=300.0, flood_seconds=60, flood_search_share=0.0, flood_start_h=10.5)
    before = scale.simulate(scale.Params(**day), OBSERVED, BEFORE)["flood"]
    after = scale.simulate(scale.Params(**day), OBSERVED, AFTER)["flood"]
    assert before["origin_requests"] > 0.9 * before["requests"]
    assert after["origin_requests"] < 0.1 * after["requests"]


def test_aws_waf_blocks_a_flooding_address_and_the_reservation_keeps_ingests_room():
    day = dict(QUIET, flood_rps=2_000.0, flood_seconds=120, flood_search_share=1.0, flood_addresses=20,
               flood_start_h=10.5, account_concurrency=100)
    open_door = scale.simulate(scale.Params(**day), OBSERVED, BEFORE)["flood"]
    guarded = scale.simulate(scale.Params(**day), OBSERVED, replace(AFTER, waf_limit=300, web_reserved=50,
                                                                    api_rate=500.0, api_burst=500.0))["flood"]
    assert open_door["blocked"] == 0 and open_door["ingest_throttled"] is True
    assert guarded["blocked"] > 0.3 * guarded["requests"]
    assert guarded["ingest_throttled"] is False and guarded["peak_lambda_concurrency"] <= 50
    assert guarded["cost"]["total"] < open_door["cost"]["total"] + guarded["cost"]["waf"]


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the template's CloudFront function in Node.js")
def test_the_edge_is_read_from_the_template_as_make_package_writes_it():
    template = package.finish_edge(load_template())
    edge = scale.read_edge(template)
    assert "utm_source" not in edge.key("/a/", (("utm_source", "x"), ("after", "c"))) and edge.collapsing
    assert edge.key("/a/", (("utm_source", "x"), ("fbclid", "y"))) == "/a/"
    # WordPress's names are folded into one the policy lists: each search its own key, trackers none.
    assert edge.function_folds == ("wp", frozenset({"p", "s", "cat", "tag"}))
    assert edge.key("/", (("s", "oil"), ("utm_source", "x"))) == edge.key("/", (("s", "oil"),)) == "/?wp=s=oil"
    assert edge.key("/", (("s", "gas"),)) != edge.key("/", (("s", "oil"),))
    assert edge.viewer_cache_control == "public, max-age=30" and edge.shield
    assert (edge.waf_limit, edge.api_rate, edge.api_burst, edge.web_reserved) == (300, 1000.0, 2000.0, 300)
    # The edge as it was: the query string in the key, cookies forwarded, the function keeping everything.
    before = copy.deepcopy(template)
    resources = before["Resources"]
    resources["PageCachePolicy"]["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"][
        "QueryStringsConfig"] = {"QueryStringBehavior": "all"}
    pages = resources["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    pages["OriginRequestPolicyId"] = scale.ALL_VIEWER_EXCEPT_HOST
    pages["FunctionAssociations"][0]["FunctionARN"] = {"Fn::GetAtt": [package.HOST_FUNCTION, "FunctionARN"]}
    old = scale.read_edge(before)
    assert old.key("/a/", (("utm_source", "x"),)) == "/a/?utm_source=x" and not old.collapsing


def test_the_same_seed_gives_the_same_day():
    day = dict(QUIET, new_per_day=20, updates_per_day=20, query_share=0.1)
    assert scale.simulate(scale.Params(**day, seed=3), OBSERVED) == scale.simulate(scale.Params(**day, seed=3),
                                                                                    OBSERVED)


def test_every_parameter_is_a_flag():
    params, template = scale.parse(["--seed", "7", "--no-shield", "--no-invalidation", "--edge-objects", "10",
                                    "--query-share", "0.13", "--invalidation-p99-s", "15", "--flood-rps", "5000",
                                    "--template", "other.yaml"])
    assert (params.seed, params.shield, params.invalidation, params.edge_objects) == (7, False, False, 10)
    assert (params.query_share, params.invalidation_p99_s, params.flood_rps) == (0.13, 15.0, 5000.0)
    assert template == Path("other.yaml")


def test_the_widget_as_its_own_fragment_keeps_pages_cached_and_its_lag_at_the_invalidation_delay():
    """A widget change renews one path (/widgets/recent/) instead of every page, so pages stay cached and
    the widget is at most the invalidation delay old."""
    day = dict(QUIET, from_h=7.0, hours=13.0, new_per_day=40, invalidation_p50_s=20.0, invalidation_p99_s=20.0)
    flushed = scale.simulate(scale.Params(**day), OBSERVED)["day"]
    fragment = scale.simulate(scale.Params(**day, widget_fragment=True), OBSERVED)["day"]
    assert fragment["origin_requests"] < flushed["origin_requests"]
    assert fragment["widget_lag_max_s"] <= 20 + 1
    assert fragment["stale_views"] == 0


def test_ingest_sending_the_widgets_path_is_simulated_as_the_fragment_design():
    built = {**OBSERVED, "paths": {kind: [p for p in paths if p != "/*"]
                                   + (["/widgets/recent/"] if kind in ("new", "recent_headline") else [])
                                   for kind, paths in OBSERVED["paths"].items()}}
    day = dict(QUIET, from_h=7.0, hours=13.0, new_per_day=40)
    as_built = scale.simulate(scale.Params(**day), built)["day"]
    forced = scale.simulate(scale.Params(**day, widget_fragment=True), OBSERVED)["day"]
    assert as_built["origin_requests"] == forced["origin_requests"]


LIVE = dict(QUIET, from_h=13.5, hours=3.0, spike_start_h=14.0, spike_hours=1.0, spike_factor=5.0, live_blog=True,
            live_poller_sample=0.2)


def live_observed(fragment_cache: str) -> dict:  # type: ignore[type-arg]
    from chalicelib.site.live import FRAGMENT_CACHE  # noqa: F401 - what the real fragment says (observed by the bench)

    observed = copy.deepcopy(OBSERVED)
    observed["paths"]["live_entry"] = ["/{slug}/", "/{slug}/live/"]
    observed["cache_control"].update(live_page=SHORT_CACHE, live_fragment=fragment_cache)
    observed["live_poll_s"] = 5.0
    return observed


def test_a_live_blogs_updates_reach_open_pages_by_the_poll_and_the_fragments_ttl_and_pollers_are_counted():
    from chalicelib.site.live import FRAGMENT_CACHE

    result = scale.simulate(scale.Params(**LIVE), live_observed(FRAGMENT_CACHE))
    live, day = result["live_blog"], result["day"]
    assert live["entries"] == 59 and live["invalidation_paths"] == 2 * 59
    assert live["lags_measured"] > 100
    # ingest (p99 5 s), the fragment's age in each of the three tiers (3 s each), a poll's wait (5 s)
    assert 0.5 < live["live_update_lag_p50_s"] <= live["live_update_lag_p95_s"] <= 10
    assert live["live_update_lag_max_s"] <= 5 + 3 * 3 + 5 + 1
    assert day["polls"] > 10 * day["views"] / 10 and day["poll_origin_requests"] > 0
    assert day["offload_with_pollers"] > day["offload"]  # pollers are nearly all hits
    # A fragment kept like a page (a day) and never invalidated: open pages wait for the reader to reload.
    slow = scale.simulate(scale.Params(**LIVE, invalidation=False), live_observed(PAGE_CACHE))["live_blog"]
    assert slow["live_update_lag_p95_s"] > 60
    # Polling less often makes updates later: the lag follows the poll.
    lazy = scale.simulate(scale.Params(**LIVE, live_poll_s=30.0), live_observed(FRAGMENT_CACHE))["live_blog"]
    assert lazy["live_update_lag_p95_s"] > live["live_update_lag_p95_s"] + 10
