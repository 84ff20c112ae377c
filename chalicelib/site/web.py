"""HTTP concerns shared by every response: links, validators, caching, security.

- **Links.** ``Site`` knows where the site is reached: the settings' ``base_url``
  when set (custom domain, API Gateway stage URL), else from what no caller can
  choose (``site_of`` says what, in which order). Templates
  build every internal link as ``{{ base }}/path/``; stored article HTML is
  rewritten the same way (``prefix_links``).
- **Validators.** A page's ETag is a hash of the data it shows and of the
  code that renders it, computed *before* rendering, so a matching
  ``If-None-Match`` answers 304 without touching a template.
- **Caching.** ``Cache-Control`` is written for the CDN: pages a day
  (``s-maxage``), because every change invalidates the paths it altered
  (``chalicelib/publish/edge.py``). No invalidation reaches a browser or a
  shared proxy, so the distribution tells them less: its response headers
  policy for pages replaces the header with ``VIEWER_CACHE`` (``devstack/
  package.py`` writes it into the template). A page asked with a query
  string (a paged archive, older comments, search) is never named by an
  invalidation, so the edge keeps it under a minute (``SHORT_CACHE``).
- **Query strings.** A page sees only the parameters the site answers
  (``archives.QUERY_PARAMETERS``), as the edge forwards only those: a
  tracked link (``?utm_source=...``) is the same page as the bare one. The
  edge forwards WordPress's old names folded into one parameter
  (``?wp=cat%3D5``); ``wordpress_query`` unfolds it, so a page reads
  ``?cat=5`` whichever way it came.
- **Every response** (``middleware``, registered in ``app.py``): the security
  headers, 404s, redirects, HEAD and OPTIONS included; HEAD is GET without the
  body; a request that went around the CDN is refused where there is one.
  API Gateway's own errors get the same headers from the packaged template
  (``devstack/package.py`` adds its GatewayResponses from ``SECURITY_HEADERS``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from chalice.app import Response

from chalicelib import archives, config

View = Callable[..., Response]

TEMPLATES_DIR = config.PROJECT_DIR / "templates"  # the project root, where Chalice packages templates/
STYLESHEET = TEMPLATES_DIR / "site" / "style.css"
RECENT_SCRIPT = TEMPLATES_DIR / "site" / "recent.js"
LIVE_SCRIPT = TEMPLATES_DIR / "site" / "live.js"  # a live blog's page: new updates announced (site/live.py)

# Pages stay a day at the edge: every change that alters a page invalidates it there (chalicelib/publish/edge.py).
PAGE_CACHE = "public, max-age=60, s-maxage=86400, stale-while-revalidate=86400, stale-if-error=86400"
# What browsers and shared proxies are told of pages instead (the distribution's response headers policy for
# pages, infra/template.yaml, overrides Cache-Control with it). No invalidation reaches a browser, so a reader
# may keep a copy this long after the edge dropped it: 30 s, and the other 30 s of the minute a takedown
# allows are the edge's (an invalidation's tail, or SHORT_CACHE's life).
VIEWER_CACHE = "public, max-age=30"
# Search results, error pages, feeds, sitemaps and any page asked with a query string: no invalidation names
# them (publish/edge.py: ``expires_by_itself``), so the edge keeps them 20 s and serves them stale at most
# 10 s more while it refetches, never stale on the origin's errors: with a browser's VIEWER_CACHE, no copy
# of a taken-down article outlives it by more than a minute, even while the origin fails.
SHORT_CACHE = "public, max-age=0, s-maxage=20, stale-while-revalidate=10"
FEED_CACHE = SHORT_CACHE
ASSET_CACHE = "public, max-age=31536000, immutable"
NO_STORE = "no-store"
PRIVATE_NO_STORE = "private, no-store"  # previews: never kept by the CDN or any shared cache
PRIVATE_PREFIX = "/desk"  # the editors' desk: every answer under it is private and unindexed, whoever made it
PRIVATE_HEADERS = {"Cache-Control": PRIVATE_NO_STORE, "X-Robots-Tag": "noindex, nofollow"}

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",  # files of ours (static/recent.js, static/live.js), never inline
    "style-src 'self'",
    "img-src 'self' https: data:",
    "media-src 'self' https:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "upgrade-insecure-requests",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the templates and stylesheet: part of every ETag and the stylesheet's URL."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(TEMPLATES_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def recent_script() -> bytes:
    """The script that brings a cached page's recent-posts widget up to date (``archives.RECENT_PATH``)."""
    return RECENT_SCRIPT.read_bytes()


@functools.lru_cache(maxsize=1)
def live_script() -> bytes:
    """The script that announces a live blog's new updates (``site.live``)."""
    return LIVE_SCRIPT.read_bytes()


@functools.lru_cache(maxsize=1)
def stylesheet() -> bytes:
    """The site's stylesheet, served once per version with a year-long cache."""
    return STYLESHEET.read_bytes()


@dataclass(frozen=True)
class Site:
    """Where this request reached the site, and what it asked for."""

    origin: str  # "https://news.example.com"
    base: str  # path prefix of every internal link: "" or "/api"
    raw_path: str  # the path as requested, without the base
    query: dict[str, str]
    headers: dict[str, str]

    def url(self, path: str) -> str:
        """Absolute URL of a site path (for canonical links, feeds, sitemaps)."""
        return self.origin + self.base + path

    def link(self, path: str, **query: str | None) -> str:
        """Relative link to a site path, with a query string if any."""
        params = {k: v for k, v in query.items() if v}
        return self.base + path + ("?" + urlencode(params) if params else "")


def site_of(request: Any) -> Site:
    """Where the site is reached, from settings or from what no caller can choose.

    In order: the configured base URL (the stack sets it to the custom domain);
    on a request carrying the origin secret (so from our CloudFront
    distribution), the ``X-Forwarded-Host`` that the distribution's viewer
    function sets to its own domain; the domain API Gateway says the request
    reached (its request context, plus ``/<stage>`` on an ``execute-api``
    host); and on this machine (``chalice local``, ``make run``), a loopback
    ``Host``. ``Host``, ``X-Forwarded-Host`` and ``X-Forwarded-Proto`` from
    anyone else never reach a link: a cache in front must not be taught
    someone else's links. The scheme is https, or http on loopback only.
    """
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    context = request.context or {}
    raw_path = context.get("path") or "/"
    stage = context.get("stage")
    api_domain = _host_name(context.get("domainName") or "")
    if stage and raw_path.startswith(f"/{stage}/") and api_domain.endswith(".amazonaws.com"):
        raw_path = raw_path[len(stage) + 1:]  # API Gateway's path includes its stage
    forwarded_host = _host_name(headers.get("x-forwarded-host", "").split(",")[0])
    base_url = config.current().base_url
    if base_url:
        parts = urlsplit(base_url)
        origin, base = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
    elif forwarded_host and through_our_cdn(headers):
        origin, base = f"https://{forwarded_host}", ""
    elif api_domain:
        origin = f"https://{api_domain}"
        base = f"/{stage}" if stage and api_domain.endswith(".amazonaws.com") else ""
    else:
        host = _host_name(headers.get("host", ""))
        origin, base = f"http://{host if _loopback(host) else 'localhost'}", ""
    if base and raw_path.startswith(base + "/"):
        raw_path = raw_path[len(base):]
    params = request.query_params or {}
    query = {k: v for k, v in params.items() if isinstance(v, str) and k in archives.OWN_QUERY}
    query = dict(sorted({**query, **wordpress_query(params)}.items()))  # a redirect names them in one order
    return Site(origin=origin, base=base, raw_path=raw_path, query=query, headers=headers)


def wordpress_query(params: Mapping[str, Any]) -> dict[str, str]:
    """The WordPress query a request asks (``{"cat": "5"}``): from ``archives.WORDPRESS_FOLD``, which the
    edge's function folds WordPress's names into (``?wp=cat%3D5``: a query string as one value), or from
    the names themselves (``make run``, an old link asked of the origin directly). A request carrying the
    fold is read by it alone, as the function reads it: WordPress's names beside it are ignored, and a
    fold that is not ASCII (the function escapes every other byte) asks nothing."""
    folded = params.get(archives.WORDPRESS_FOLD)
    if isinstance(folded, str):
        pairs = parse_qsl(folded, keep_blank_values=True) if folded.isascii() else []
    else:
        pairs = [(name, value) for name, value in params.items() if isinstance(value, str)]
    return {name: value for name, value in pairs if name in archives.WORDPRESS_QUERY}


_HOST_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                        r"(?::[0-9]{1,5})?|\[::1\](?::[0-9]{1,5})?")


def _host_name(value: str) -> str:
    """``value`` (a Host-like header) lower-cased if it is a plain host name with an optional port, else ""."""
    value = value.strip().lower()
    return value if len(value) <= 260 and _HOST_NAME.fullmatch(value) else ""


def _loopback(host: str) -> bool:
    return bool(host) and urlsplit(f"//{host}").hostname in config.LOOPBACK_HOSTS


def through_our_cdn(headers: dict[str, str]) -> bool:
    """The request came through our CloudFront distribution: it carries the stack's origin secret
    in ``config.ORIGIN_HEADER`` (``headers`` lower-cased)."""
    sent = headers.get(config.ORIGIN_HEADER) or ""
    secret = config.current().origin_secret
    return bool(secret) and hmac.compare_digest(sent.encode(), secret.encode())


def prefix_links(html: str, base: str) -> str:
    """Point the site-relative links in stored HTML at ``base``."""
    if not base:
        return html
    html = re.sub(r'(\s(?:href|src)=")/(?!/)', lambda m: m.group(1) + base + "/", html)
    return re.sub(r'(\ssrcset=")([^"]*)"', lambda m: m.group(1) + based_srcset(m.group(2), base) + '"', html)


def based_srcset(srcset: str, base: str) -> str:
    """Each site-relative URL of a ``srcset`` under ``base``."""
    return ", ".join(base + c if c.startswith("/") and not c.startswith("//") else c
                     for c in srcset.split(", ")) if base else srcset


def etag_for(*parts: Any) -> str:
    """A strong validator for a page showing ``parts``, rendered by this version of the code."""
    digest = hashlib.sha256(repr((code_version(), parts)).encode()).hexdigest()[:24]
    return f'"{digest}"'


def shown(items: list[Any]) -> list[dict[str, Any]]:
    """The part of a validator that stands for items a page shows (listing entries): every value each
    holds. They are in their model's order as read (models._instantiate), so they need no sorting;
    an equal item built in another order gives another validator, never another item's."""
    return [item.attribute_values for item in items]


def matches(etag: str, if_none_match: str | None) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return etag in tags


def respond(site: Site, render: Callable[[], str], etag_parts: tuple[Any, ...], status: int = 200,
            content_type: str = "text/html; charset=utf-8", cache: str = PAGE_CACHE,
            extra_headers: dict[str, str] | None = None) -> Response:
    """Answer 304 if the client has this version, else render and send it with validators. A page asked
    with a query string is kept at the edge as ``SHORT_CACHE`` says: invalidations name bare paths only."""
    if site.query and cache == PAGE_CACHE:
        cache = SHORT_CACHE
    etag = etag_for(status, site.base, site.origin, etag_parts)
    headers: dict[str, str | list[str]] = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding",
                                           **(extra_headers or {})}
    if status == 200 and matches(etag, site.headers.get("if-none-match")):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=render(), status_code=status, headers={"Content-Type": content_type, **headers})


def redirect(location: str, permanent: bool = True) -> Response:
    """A redirect to ``location`` (already including the base)."""
    return Response(body="", status_code=301 if permanent else 302,
                    headers={"Location": location, "Cache-Control": PAGE_CACHE if permanent else NO_STORE})


def canonical_redirect(site: Site, canonical_path: str) -> Response | None:
    """301 to the canonical form (trailing slash) when the request used another."""
    if site.raw_path.rstrip("/") == canonical_path.rstrip("/") and site.raw_path != canonical_path:
        return redirect(site.link(canonical_path) + query_string(site.query))
    return None


def query_string(query: dict[str, str]) -> str:
    return "?" + urlencode(query) if query else ""


DIRECT_ACCESS_REFUSED = ("This address is the site's origin, which answers only its CDN. "
                         "Read the site at its public address.\n")


def middleware(allowed_methods: Callable[[str], list[str]]) -> Callable[[Any, Callable[[Any], Response]], Response]:
    """Chalice HTTP middleware for what every response shares (registered in ``app.py``).

    - Where the stack has a distribution (an origin secret), a request without the secret is
      refused with 403, unless the stage allows direct access.
    - ``OPTIONS`` answers 204 with ``Allow`` (the route's methods, from ``allowed_methods(resource_path)``).
    - ``HEAD`` runs the ``GET`` view and drops the body: same status and headers.
    - Every response, these included, carries the security headers.
    """
    def handle(event: Any, get_response: Callable[[Any], Response]) -> Response:
        settings = config.current()
        headers = {k.lower(): v for k, v in (event.headers or {}).items()}
        if settings.origin_secret and not settings.allow_direct_access and not through_our_cdn(headers):
            response = Response(body=DIRECT_ACCESS_REFUSED, status_code=403,
                                headers={"Content-Type": "text/plain; charset=utf-8", "Cache-Control": NO_STORE})
        elif event.method == "OPTIONS":
            allowed = ", ".join(m for m in ("GET", "HEAD", "POST", "OPTIONS")
                                if m in allowed_methods((event.context or {}).get("resourcePath", "")))
            response = Response(body="", status_code=204, headers={"Allow": allowed, "Cache-Control": PAGE_CACHE})
        else:
            response = get_response(event)
            if event.method == "HEAD":
                response.body = ""
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if (event.context or {}).get("resourcePath", "").startswith(PRIVATE_PREFIX):
            for name, value in PRIVATE_HEADERS.items():  # Chalice's own 405 or 415 under /desk too
                response.headers.setdefault(name, value)
        # Chalice's own answers (405 for a method a route does not take, 415 for a content type it
        # does not accept...) say nothing of caching: no cache may keep them.
        response.headers.setdefault("Cache-Control", NO_STORE)
        return response

    return handle


def when_aws_fails(unavailable: Callable[[Exception], Response]) -> Callable[[View], View]:
    """A decorator for routes: AWS failing while one serves answers ``unavailable(exc)`` (the
    site's 503 page, handed in by ``app.py``), never a traceback or Chalice's JSON error."""
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def serve(*args: Any, **kwargs: Any) -> Response:
            try:
                return view(*args, **kwargs)
            except (BotoCoreError, ClientError, PynamoDBException) as exc:
                return unavailable(exc)

        return serve

    return wrap
