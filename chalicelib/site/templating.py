"""The Jinja2 environment the pages render with: autoescape everywhere, our filters, and
bytecode compiled when the package is built (``devstack/package.py``) so a cold start
compiles no template."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache
from markupsafe import Markup

from chalicelib import clock
from chalicelib.content import images
from chalicelib.site import web

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment, built on first use (autoescape everywhere).

    The deployment package carries the templates' compiled bytecode
    (``devstack/package.py``); a source checkout compiles them on first use.
    """
    compiled = web.TEMPLATES_DIR / ".bytecode"
    return make_environment(web.TEMPLATES_DIR, compiled if compiled.is_dir() else None)


class PackagedBytecode(jinja2.FileSystemBytecodeCache):
    """Template bytecode made when the package is built: keyed by template name, since the build's
    paths differ from Lambda's, and never written at run time (Lambda's /var/task is read-only; a
    template whose bytecode is missing or stale is compiled in memory as usual)."""

    def __init__(self, directory: Path, write: bool = False) -> None:
        super().__init__(str(directory))
        self.write = write

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(name)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if self.write:
            Path(self.directory).mkdir(parents=True, exist_ok=True)
            super().dump_bytecode(bucket)


def make_environment(templates: Path, compiled: Path | None = None, write: bool = False) -> jinja2.Environment:
    """Our Jinja2 environment over ``templates``, with bytecode read from (or, building, written to) ``compiled``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        # Templates never change under a running function: Lambda's package is read-only, and
        # ``make run`` restarts its server when any file changes. Jinja would otherwise look at
        # each template file's time again on every page (six stat calls for an article).
        auto_reload=False,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=PackagedBytecode(compiled, write) if compiled else None,
    )
    env.filters["longdate"] = long_date
    env.filters["jsonld"] = json_ld
    env.filters["clocktime"] = clock_time
    env.filters["based"] = web.based_srcset
    env.globals.update(body_sizes=images.BODY_SIZES, thumb_sizes=images.THUMB_SIZES, newsletter_signup=newsletter_signup)
    return env


def newsletter_signup() -> dict[str, str]:
    """What every sign-up form carries (templates/newsletters/signup_form.html): its token, issued to the
    hour as the comment form's is, and the consent wording it shows (and the sign-up records)."""
    from chalicelib.newsletters import signup
    from chalicelib.site import comment_rules

    return {"token": comment_rules.form_token(signup.FORM_SCOPE), "wording": signup.CONSENT_WORDING}


@functools.lru_cache(maxsize=4096)
def long_date(value: str | None) -> str:
    """'2022-07-12T00:00:00Z' -> 'July 12, 2022' (each date once per warm function: a listing page
    writes ten, and the same ones page after page)."""
    if not value:
        return ""
    moment = dt.datetime.strptime(value, clock.ITEM_FORMAT)
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def clock_time(value: str | None) -> str:
    """'2022-07-12T09:05:00Z' -> '09:05 UTC, July 12': a live blog entry's time."""
    if not value:
        return ""
    moment = dt.datetime.strptime(value, clock.ITEM_FORMAT)
    return f"{moment:%H:%M} UTC, {MONTHS[moment.month - 1]} {moment.day}"


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> block; '<', '>' and '&' cannot end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


