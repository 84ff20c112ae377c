"""Readers' comments: what the web function (posting) and the publishing side (moderation,
import) share: the refusal both raise, with the words for the person, and a comment's text as
shown, rendered once.

Text is plain: it is escaped, blank lines make paragraphs, line breaks stay,
and web addresses become links with ``rel="nofollow ugc"``. It is rendered
once, when posted or imported (markdown-it with only those rules, then nh3), never per request.
"""

from __future__ import annotations

import functools
from typing import Any


class Refused(Exception):
    """A submission or moderation request that cannot be done, with what to tell the person.

    ``code`` says which rule refused it (code branches on it); ``heading`` and
    ``message`` are for people only.
    """

    def __init__(self, code: str, status: int, heading: str, message: str, problems: list[str] | None = None,
                 retry_after: int | None = None):
        super().__init__(message)
        self.code, self.status, self.heading, self.message = code, status, heading, message
        self.problems = problems or []
        self.retry_after = retry_after  # a 429's: seconds until one more is allowed


@functools.lru_cache(maxsize=1)
def _plain_text_renderer() -> Any:
    from markdown_it import MarkdownIt

    # "zero" has paragraphs and text only; html=False escapes any markup written.
    return MarkdownIt("zero", {"linkify": True, "breaks": True, "html": False}).enable(["linkify", "newline"])


def render_text(text: str) -> str:
    """Plain text as safe HTML: escaped, paragraphs and line breaks kept, addresses made links."""
    import nh3

    return nh3.clean(_plain_text_renderer().render(text), tags={"p", "br", "a"}, attributes={"a": {"href"}},
                     url_schemes={"http", "https"}, link_rel="nofollow ugc noopener")


def spammer_marks(client: str | None, email: str | None) -> list[str]:
    """The sort keys (in ``keys.COMMENTS_SPAMMERS``) that a comment marked spam leaves, and that a later
    comment from the same address or e-mail is looked up by. Both are keyed hashes: ``client`` is the
    address's already (``comment_rules.client_of``); the e-mail is hashed here, lower-cased, with the
    same secret, so the table never holds either."""
    import hashlib
    import hmac

    from chalicelib import config

    marks = [f"client#{client}"] if client else []
    if email and email.strip():
        digest = hmac.new(config.current().cursor_secret, f"email|{email.strip().lower()}".encode(), hashlib.sha256)
        marks.append(f"email#{digest.hexdigest()[:32]}")
    return marks
