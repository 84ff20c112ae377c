"""HTTP concerns shared by every response: links, validators, caching, security.

- **Links.** ``Site`` knows where the site is reached: the settings' ``base_url``
  when set (custom domain, API Gateway stage URL, chalice local), else the
  request's Host (plus ``/<stage>`` on an ``execute-api`` host). Templates
  build every internal link as ``{{ base }}/path/``; stored article HTML is
  rewritten the same way (``prefix_links``).
- **Validators.** A page's ETag is a hash of the data it shows and of the
  code that renders it, computed *before* rendering, so a matching
  ``If-None-Match`` answers 304 without touching a template.
- **Caching.** ``Cache-Control`` suits a CDN: short ``max-age`` for
  browsers, longer ``s-maxage`` for the CDN, ``stale-while-revalidate``.
- **Security headers** go on every response, 404s and redirects included
  (``security_headers`` is registered as HTTP middleware in ``app.py``).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode, urlsplit

from chalice import Response

from chalicelib import config

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STYLESHEET = TEMPLATES_DIR / "site" / "style.css"

PAGE_CACHE = "public, max-age=60, s-maxage=300, stale-while-revalidate=86400, stale-if-error=86400"
SHORT_CACHE = "public, max-age=30, s-maxage=60, stale-while-revalidate=600"
ASSET_CACHE = "public, max-age=31536000, immutable"
NO_STORE = "no-store"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self' https: data:",
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
    """Where the site is reached, from settings or from the request.

    Behind the CloudFront distribution in ``infra/``, a viewer-request function
    copies the viewer's Host into ``X-Forwarded-Host`` (CloudFront sends API
    Gateway its own host) and the origin path adds the stage, so links are
    made for the viewer's host with no prefix.
    """
    headers = {k.lower(): v for k, v in (request.headers or {}).items()}
    context = request.context or {}
    raw_path = context.get("path") or "/"
    stage = context.get("stage")
    host = headers.get("host") or context.get("domainName") or "localhost"
    forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
    if stage and raw_path.startswith(f"/{stage}/") and (forwarded_host or host.endswith(".amazonaws.com")):
        raw_path = raw_path[len(stage) + 1:]  # API Gateway's path includes its stage
    base_url = config.current().base_url
    if base_url:
        parts = urlsplit(base_url)
        origin, base = f"{parts.scheme}://{parts.netloc}", parts.path.rstrip("/")
    elif forwarded_host:
        origin, base = f"https://{forwarded_host}", ""
    else:
        scheme = headers.get("x-forwarded-proto", "https" if "amazonaws.com" in host else "http")
        origin = f"{scheme}://{host}"
        base = f"/{stage}" if stage and host.endswith(".amazonaws.com") else ""
    if base and raw_path.startswith(base + "/"):
        raw_path = raw_path[len(base):]
    query = {k: v for k, v in (request.query_params or {}).items() if isinstance(v, str)}
    return Site(origin=origin, base=base, raw_path=raw_path, query=query, headers=headers)


def prefix_links(html: str, base: str) -> str:
    """Point the site-relative links in stored HTML at ``base``."""
    if not base:
        return html
    return re.sub(r'(\s(?:href|src)=")/(?!/)', lambda m: m.group(1) + base + "/", html)


def etag_for(*parts: Any) -> str:
    """A strong validator for a page showing ``parts``, rendered by this version of the code."""
    digest = hashlib.sha256(repr((code_version(), parts)).encode()).hexdigest()[:24]
    return f'"{digest}"'


def matches(etag: str, if_none_match: str | None) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return etag in tags


def respond(site: Site, render: Callable[[], str], etag_parts: tuple, status: int = 200,
            content_type: str = "text/html; charset=utf-8", cache: str = PAGE_CACHE,
            extra_headers: dict[str, str] | None = None) -> Response:
    """Answer 304 if the client has this version, else render and send it with validators."""
    etag = etag_for(status, site.base, site.origin, etag_parts)
    headers = {"ETag": etag, "Cache-Control": cache, "Vary": "Accept-Encoding", **(extra_headers or {})}
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


def security_headers(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice HTTP middleware: every response carries the security headers."""
    response = get_response(event)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
