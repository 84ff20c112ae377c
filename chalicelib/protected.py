"""Password-protected posts, as WordPress answers them: the title and a password form for everyone;
the body only in answer to the right password.

The file says ``password: ...``; ingest keeps only a salted PBKDF2 hash of it (``hash_password``).
The form page is the same for every reader, so the edge may keep it like any page. The body comes
only as the answer to the form's POST, which no cache keeps (``private, no-store``): WordPress
remembers the password in a cookie, but behind CloudFront a cookie never reaches the page's origin
(pages are cached without them), so here the password is asked again on each visit. Tries are
limited per reader and post (``ratelimit.SlidingWindow``). A protected post is never in a listing,
feed, sitemap or search (``articles.listing_names``), and takes no comments.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ITERATIONS = 60_000  # ~30 ms of a Lambda's CPU per try: slow for a guesser, quick for a reader
TRIES = 10  # per reader and post
TRIES_WINDOW = 600


def hash_password(password: str, salt: str | None = None, iterations: int = ITERATIONS) -> str:
    """What is stored instead of the password."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def matches(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (in constant time)."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256" or not iterations.isdigit():
        return False
    return hmac.compare_digest(hash_password(password, salt, int(iterations)).split("$")[3], digest)
