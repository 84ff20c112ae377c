"""The rules a reader's comment must pass before anything is stored, and their messages.

Every rule is here, in the order ``accept`` applies them: the request comes
from the site's own pages (Origin or Referer, and a signed form token: CSRF
protection with no cookie), the honeypot is empty, comments are open, the
fields are right, and the client is under the rate limit (a counter item per
client and window, removed by DynamoDB's TTL). A refusal carries a ``code``
(what code branches on) and the words to show the reader.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import re
import time
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from chalicelib import clock, config
from chalicelib.discussion import Refused as Refused  # raised by every rule here; callers catch it from here
from chalicelib.models import Post
from chalicelib.ratelimit import Limited, SlidingWindow
from chalicelib.site_settings import Settings

MAX_FORM_BYTES = 20_000
MAX_NAME_CHARS = 80
MAX_EMAIL_CHARS = 254
MAX_TEXT_CHARS = 5_000
MAX_LINKS = 5  # more is what spam looks like
RATE_LIMIT = 5  # comments per client per window
RATE_WINDOW_SECONDS = 600
TOKEN_MAX_AGE_SECONDS = 3 * 86400  # pages are cached (and served stale) for up to a day
HONEYPOT = "website"  # a field people do not see (hidden by CSS); bots fill it in

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 (but tab and newlines), DEL, C1
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    """The form's fields, checked."""

    name: str
    text: str
    email: str | None = None
    parent: str | None = None




def accept(post: Post, settings: Settings, headers: dict[str, str], origin: str, body: bytes | None,
           source_ip: str | None, via_cdn: bool = False) -> tuple[Submission, str]:
    """Apply every rule to a comment posted on ``post``; return the submission and its client's hash.
    ``via_cdn``: the request carries our distribution's secret (``web.through_our_cdn``), so its
    viewer-address header is CloudFront's and can be believed.

    Nothing is stored unless every rule before the rate limit passes (the
    rate limit counts the attempt).

    :raise Refused: the first rule it breaks.
    """
    if not from_own_pages(headers, origin):
        raise Refused("foreign_origin", 403, "Comment refused", "The form was not sent from this site's pages. "
                      "Open the article, reload it and post your comment from there.")
    form = parse_form(body)
    if not token_valid(post.slug, form.get("token", "")):
        raise Refused("expired_form", 403, "The form has expired", "The page you posted from is too old. Copy "
                      "your comment, reload the article and post it again.")
    if form.get(HONEYPOT):
        raise Refused("honeypot", 400, "Comment refused", "A field that people do not see was filled in, so "
                      "the comment looks automated. If you are a person, reload the article and "
                      "post again, leaving that field empty.")
    if not is_open(post, settings):
        raise Refused("closed", 403, "Comments are closed", "This article no longer takes comments.")
    submission = check_fields(form)
    client = client_of(headers, source_ip, via_cdn)
    take_rate_slot(client)
    return submission, client


def form_token(slug: str, now: float | None = None) -> str:
    """The token the article's form carries: when it was issued (to the hour, so a page is
    the same all hour and can be cached) and a signature binding that time to this article."""
    issued = int((time.time() if now is None else now) // 3600 * 3600)
    return f"{issued}.{_sign(f'comment-form|{slug}|{issued}')}"


def token_valid(slug: str, token: str, now: float | None = None) -> bool:
    """Whether ``token`` was issued by this site for this article, in the last TOKEN_MAX_AGE_SECONDS."""
    issued, _, signature = (token or "").partition(".")
    if not issued.isdigit() or not hmac.compare_digest(signature, _sign(f"comment-form|{slug}|{issued}")):
        return False
    age = (time.time() if now is None else now) - int(issued)
    return -3600 <= age <= TOKEN_MAX_AGE_SECONDS


def from_own_pages(headers: dict[str, str], origin: str) -> bool:
    """Whether the browser says the form came from this site (Origin, else Referer): OWASP's
    cookie-less CSRF check. Browsers send Origin with every form POST; neither header: refused."""
    sent = headers.get("origin")
    if sent:
        return sent.rstrip("/") == origin
    referer = headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" == origin
    return False


def parse_form(body: bytes | None) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body as {field: first value}.

    :raise Refused: too large, or not text.
    """
    if body is not None and len(body) > MAX_FORM_BYTES:
        raise Refused("too_large", 413, "Comment too long", f"The form sent more than {MAX_FORM_BYTES:,} bytes.")
    try:
        text = (body or b"").decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=20, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused("unreadable", 400, "Comment not understood", "The form could not be read.") from exc
    return {name: values[0] for name, values in fields.items()}


def check_fields(form: dict[str, str]) -> Submission:
    """The submission, or every problem with it.

    :raise Refused: 400, naming each field and what is wrong with it.
    """
    problems = []
    name = " ".join(form.get("name", "").split())
    email = form.get("email", "").strip()
    text = form.get("text", "").replace("\r\n", "\n").strip()
    parent = form.get("parent", "").strip() or None
    if not visible(name):
        problems.append("Name: please give a name (it is shown with your comment).")
    elif len(name) > MAX_NAME_CHARS:
        problems.append(f"Name: at most {MAX_NAME_CHARS} characters, not {len(name)}.")
    if email and (len(email) > MAX_EMAIL_CHARS or not _EMAIL.match(email)):
        problems.append("Email: this is not an email address (or leave it empty; it is never shown).")
    if not visible(text):
        problems.append("Comment: please write something.")
    elif len(text) > MAX_TEXT_CHARS:
        problems.append(f"Comment: at most {MAX_TEXT_CHARS:,} characters, not {len(text):,}.")
    elif len(_URL.findall(text)) > MAX_LINKS:
        problems.append(f"Comment: at most {MAX_LINKS} links.")
    for label, value in (("Name", name), ("Email", email), ("Comment", text)):
        if _CONTROL.search(value):
            problems.append(f"{label}: contains control characters.")
        elif _BIDI.search(value):
            problems.append(f"{label}: contains characters that reverse the direction of text (they can disguise "
                            "what it says); please remove them.")
    if parent is not None and not re.fullmatch(r"(?:[0-9TZ]+-[0-9a-f]{8}#)?[0-9TZ]+-[0-9a-f]{8}", parent):
        problems.append("Reply: the comment replied to is not valid.")
    if problems:
        raise Refused("fields", 400, "Your comment was not posted", "Please go back, correct these and post again:",
                      problems)
    return Submission(name=name, text=text, email=email or None, parent=parent)


# Characters nobody sees: zero-width spaces and joiners, the word joiner, the BOM, soft hyphen, the
# invisible math operators and the Hangul fillers. A name made only of these (after NFKC) is no name.
_INVISIBLE = re.compile("[\u00ad\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u3164\ufeff\uffa0]")
# Explicit direction embeddings, overrides and isolates: "Bob\u202egnp.exe" shows as "Bobexe.png".
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> bool:
    """Whether ``text`` shows anything: not empty, nor only spaces and invisible characters, after NFKC."""
    return bool(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).strip())


def is_open(post: Post, settings: Settings, now: dt.datetime | None = None) -> bool:
    """Comments are open on ``post``: not closed by its front matter nor by the site's age limit."""
    if post.kind != "article" or post.comments_open is False or post.password_hash:
        return False
    days = settings.comments_close_after_days
    if not days or not post.date:
        return True
    published = dt.datetime.strptime(post.date, clock.ITEM_FORMAT).replace(tzinfo=dt.timezone.utc)
    return (now or dt.datetime.now(dt.timezone.utc)) < published + dt.timedelta(days=days)


def client_of(headers: dict[str, str], source_ip: str | None, via_cdn: bool = False) -> str:
    """A keyed hash of the poster's address. Only the hash is stored.

    Behind CloudFront, API Gateway sees an edge server's address, so the
    reader's is CloudFront's ``CloudFront-Viewer-Address``; but anyone calling
    API Gateway directly can send that header too, with a new address each
    time. It counts only on requests that carry the secret our distribution
    adds (``config.ORIGIN_HEADER``); any other request is the caller's own.

    An IPv6 address counts by its /64 (``IPV6_CLIENT_PREFIX``): that is what one
    customer of a host or ISP is given, and picking a new address inside it for
    each request costs nothing, so counting whole addresses would let one client
    pass every per-client limit (sign-ups mailing someone's inbox, comments,
    sign-in and reset-code guesses) as 2**64 clients.
    """
    address = source_ip
    if via_cdn:
        address = (headers.get("cloudfront-viewer-address") or "").rsplit(":", 1)[0] or source_ip
    return _sign(f"client|{_network_of(address or 'unknown')}")[:20]


IPV6_CLIENT_PREFIX = 64


def _network_of(address: str) -> str:
    """The client an address stands for: an IPv4 address itself, an IPv6 address its /64 (an
    IPv4-mapped one its IPv4 address); anything that is not an address, as it is."""
    try:
        found = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if isinstance(found, ipaddress.IPv6Address):
        if found.ipv4_mapped is not None:
            return str(found.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{found}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(found)


def take_rate_slot(client: str, now: float | None = None) -> None:
    """Count one comment against ``client``'s window (1 UpdateItem).

    :raise Refused: 429, the client posted RATE_LIMIT comments in this window already.
    """
    try:
        SlidingWindow(RATE_LIMIT, RATE_WINDOW_SECONDS).take(client, now)
    except Limited as exc:
        minutes = max(1, (exc.retry_after + 59) // 60)
        raise Refused("rate_limited", 429, "Too many comments", f"You have posted {RATE_LIMIT} comments in the last "
                      f"{RATE_WINDOW_SECONDS // 60} minutes. Please wait {minutes} minute{'s' if minutes > 1 else ''} "
                      "and post again.", retry_after=exc.retry_after) from exc


def _sign(message: str) -> str:
    return hmac.new(config.current().cursor_secret, message.encode(), hashlib.sha256).hexdigest()[:32]
