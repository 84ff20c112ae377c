"""The distribution as infra/template.yaml makes it (with what make package writes in: devstack/package.py's
``finish_edge``): one cache key per page, no cookie on a cached page so that CloudFront collapses requests,
what needs cookies or POSTs in behaviours that are never cached, viewers told a short max-age, and the
flood limits (AWS WAF, the stage's throttle, the web function's reserved concurrency)."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from typing import Any

import pytest

from chalicelib import archives
from chalicelib.site import web
from devstack import package
from devstack.stack import load_template
from tests.deploy.conftest import condition

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS's managed cache policy
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS's managed origin request policy


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return package.finish_edge(load_template())


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    return config


def behavior_for(template: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behaviour CloudFront applies to ``path``: the first whose pattern matches, else the default
    (patterns: ``*`` any characters, ``?`` one; the leading slash makes no difference)."""
    config = distribution(template)
    for behavior in config["CacheBehaviors"]:
        if fnmatchcase(path.lstrip("/"), behavior["PathPattern"].lstrip("/")):
            return dict(behavior)
    return dict(config["DefaultCacheBehavior"])


PAGES = ["/", "/some-article/", "/category/oil/", "/tag/opec/", "/author/sara/", "/2024/07/", "/search/",
         "/feed/", "/some-article/comments/feed/", "/sitemap.xml", "/widgets/recent/", "/index.php",
         "/static/style.abc.css", "/desk-reviews-of-the-year/", "/previewing-the-budget/"]


@pytest.mark.parametrize("path", PAGES)
def test_cached_pages_are_keyed_only_on_the_sites_query_parameters_and_forward_no_cookie(template, path):
    resources = template["Resources"]
    behavior = behavior_for(template, path)
    assert behavior["CachePolicyId"] == {"Ref": "PageCachePolicy"}
    key = resources["PageCachePolicy"]["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "whitelist",
                                         "QueryStrings": list(archives.CACHE_KEY_QUERY)}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"} and key["HeadersConfig"] == {"HeaderBehavior": "none"}
    # What reaches the origin beyond the key: the site's own address, which the function sets; no cookie.
    assert behavior["OriginRequestPolicyId"] == {"Ref": "PageOriginRequestPolicy"}
    forwarded = resources["PageOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert forwarded["CookiesConfig"] == {"CookieBehavior": "none"}
    assert forwarded["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["X-Forwarded-Host"]}
    assert forwarded["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    [function] = behavior["FunctionAssociations"]
    assert function == {"EventType": "viewer-request",
                        "FunctionARN": {"Fn::GetAtt": [package.PAGE_FUNCTION, "FunctionARN"]}}
    assert set(behavior["AllowedMethods"]) <= {"GET", "HEAD", "OPTIONS"}  # a POST here never reaches Lambda


# CloudFront's default quota, which a fresh account has ("Quotas", CloudFront Developer Guide: "General quotas on
# policies", "Query strings per cache policy": 10; raised only on request). A deploy past it stops at the policy
# with TooManyQueryStringsInCachePolicy and rolls back.
QUERY_STRINGS_PER_CACHE_POLICY = 10


def test_every_cache_policy_lists_no_more_query_strings_than_cloudfronts_default_quota(template):
    """The stack deploys on an account as AWS opens it: WordPress's old names travel folded into one
    (archives.WORDPRESS_FOLD), so the pages' key lists our names and that one."""
    policies = {name: resource["Properties"]["CachePolicyConfig"] for name, resource in template["Resources"].items()
                if resource.get("Type") == "AWS::CloudFront::CachePolicy"}
    assert "PageCachePolicy" in policies
    for name, policy in policies.items():
        listed = policy["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"].get("QueryStrings", [])
        assert len(listed) <= QUERY_STRINGS_PER_CACHE_POLICY, (name, listed)


def test_the_page_function_keeps_the_names_the_cache_policy_lists(template):
    """The function keeps our names and folds WordPress's into the one the policy lists beside them."""
    code = template["Resources"][package.PAGE_FUNCTION]["Properties"]["FunctionCode"]
    [query] = re.findall(r"^var QUERY = (.*);$", code, re.MULTILINE)
    kept = json.loads(query)
    listed = template["Resources"]["PageCachePolicy"]["Properties"]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStrings"]
    assert sorted([*kept["own"], kept["fold"]]) == listed
    assert set(kept["wordpress"]) == set(archives.WORDPRESS_QUERY) and not set(kept["wordpress"]) & set(listed)
    assert set(kept["own"]) | set(kept["wordpress"]) == set(archives.QUERY_PARAMETERS)


# Every POST the site answers, as its forms send it: to the desk, a comment, a protected post's password.
POSTS = ["/desk/sign-in", "/desk/save", "/desk/preview", "/desk/comments", "/desk/import/start",
         "/some-article/comments/", "/some-article/password/", "/subscribe/", "/newsletter/unsubscribe",
         "/newsletter/manage/", "/desk/subscribers/import", "/desk/subscribers/find"]


@pytest.mark.parametrize("path", [*POSTS, "/desk", "/desk/articles", "/preview/abc123", "/newsletter/manage/data/",
                                  "/desk/subscribers"])
def test_what_needs_cookies_or_a_post_has_a_behaviour_that_is_never_cached(template, path):
    behavior = behavior_for(template, path)
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST  # cookies, Origin, CloudFront-Viewer-Address
    assert "POST" in behavior["AllowedMethods"]
    [function] = behavior["FunctionAssociations"]
    assert function["FunctionARN"] == {"Fn::GetAtt": [package.HOST_FUNCTION, "FunctionARN"]}


def test_every_post_route_of_the_app_is_in_a_behaviour_that_takes_posts(template):
    """The app's POST routes, with the forms' own paths for the article's: none falls to the pages'."""
    from app import app

    for route, methods in app.routes.items():
        if "POST" in methods:
            paths = [route] if "{" not in route else ["/some-article/comments/", "/some-article/password/"]
            for path in paths:
                assert "POST" in behavior_for(template, path)["AllowedMethods"], path


def test_viewers_are_told_a_short_max_age_while_the_edge_keeps_the_origins_day(template):
    """CloudFront caches by the origin's Cache-Control (a day, invalidated on change); the response headers
    policy overrides what viewers get: at most 60 s, no s-maxage, no stale-while-revalidate."""
    behavior = behavior_for(template, "/some-article/")
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": "PageHeadersPolicy"}
    [header] = template["Resources"]["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "CustomHeadersConfig"]["Items"]
    assert header == {"Header": "Cache-Control", "Value": web.VIEWER_CACHE, "Override": True}
    viewer = dict(re.findall(r"([a-z-]+)(?:=(\d+))?", web.VIEWER_CACHE))
    assert 0 < int(viewer["max-age"]) <= 60
    assert not {"s-maxage", "stale-while-revalidate", "stale-if-error"} & set(viewer)
    assert "s-maxage=86400" in web.PAGE_CACHE  # what the edge keeps
    assert "ResponseHeadersPolicyId" not in behavior_for(template, "/static/style.abc.css")  # a year, as it says


def test_aws_waf_is_on_for_prod_and_made_only_where_aws_waf_keeps_cloudfronts(template):
    assert condition(template, "WafOn", {"Stage": "prod"}) is True
    assert condition(template, "WafOn", {"Stage": "dev"}) is False
    assert condition(template, "WafOn", {"Stage": "prod", "EnableCdn": "false"}) is False
    assert condition(template, "CreateWebAcl", {"Stage": "prod"}) is True
    assert condition(template, "CreateWebAcl", {"Stage": "prod", "AWS::Region": "eu-west-1"}) is False
    given = {"Stage": "prod", "AWS::Region": "eu-west-1", "WebAclArn": "arn:aws:wafv2:us-east-1:1:global/webacl/x/1"}
    assert condition(template, "HasWebAclArn", given) is True
    assert condition(template, "WafNotAttached", {"Stage": "prod", "AWS::Region": "eu-west-1"}) is True
    assert condition(template, "WafNotAttached", {"Stage": "prod"}) is False
    assert distribution(template)["WebACLId"] == {"Fn::If": ["HasWebAclArn", {"Ref": "WebAclArn"}, {"Fn::If": [
        "CreateWebAcl", {"Fn::GetAtt": ["WebAcl", "Arn"]}, {"Ref": "AWS::NoValue"}]}]}
    acl = template["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}


def _matches(statement: dict[str, Any], path: str, query: str) -> bool:
    """Whether an AWS WAF statement of the kinds the rule uses matches a request."""
    [(kind, body)] = statement.items()
    if kind == "OrStatement":
        return any(_matches(s, path, query) for s in body["Statements"])
    if kind == "RegexMatchStatement":
        return re.search(body["RegexString"], query) is not None
    assert kind == "ByteMatchStatement" and body["FieldToMatch"] == {"UriPath": {}}
    text = path.lower() if body["TextTransformations"][0]["Type"] == "LOWERCASE" else path
    position = {"STARTS_WITH": str.startswith, "ENDS_WITH": str.endswith, "CONTAINS": str.__contains__}
    return position[body["PositionalConstraint"]](text, body["SearchString"])


@pytest.mark.parametrize(("path", "query", "limited"), [
    ("/search/", "q=oil", True), ("/", "s=oil", True), ("/category/x/", "after=abc&s=z", True),
    ("/some-article/comments/", "", True), ("/some-article/password/", "", True), ("/desk/sign-in", "", True),
    ("/subscribe/", "", True), ("/Subscribe", "", True), ("/newsletter/unsubscribe/", "t=x", True),
    ("/newsletter/manage/", "t=x", True), ("/newsletters-archive/", "", False),
    ("/", "", False), ("/some-article/", "utm_source=x&fbclid=y", False), ("/category/oil/", "after=abc", False),
    ("/desk/save", "", False), ("/feed/", "", False), ("/sizes/a/b.webp", "", False),
    # The function folds WordPress's names into wp after AWS WAF has looked (AWS WAF's headers reach
    # CloudFront Functions: "Customize at the edge with functions"); a viewer writing wp is counted.
    ("/", "wp=s%3Doil", True), ("/", "utm_source=x&wp=p%3D3", True), ("/", "p=3&cat=5", False),
    # A live blog's older updates (each made-up position is one origin request: attack pass 3, finding 12);
    # never its open pages' polls.
    ("/storm/", "since=2026-12-07T09%3A00%3A00Z%23a1", True), ("/storm/", "comment=pending&since=x", True),
    ("/storm/live/", "", False), ("/storm/", "", False),
])
def test_the_rate_rule_counts_per_address_only_what_the_edge_cannot_cache(template, path, query, limited):
    [rule] = [r for r in template["Resources"]["WebAcl"]["Properties"]["Rules"] if "Name" in r]
    rate = rule["Statement"]["RateBasedStatement"]
    assert rule["Action"] == {"Block": {}} and rate["AggregateKeyType"] == "IP"
    assert rate["Limit"] == {"Ref": "WafRateLimit"} and rate["EvaluationWindowSec"] == 300
    assert _matches(rate["ScopeDownStatement"], path, query) is limited
