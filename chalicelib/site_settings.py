"""The site-wide settings (``settings/site.yaml``) as a typed object, with their defaults.

The defaults here are the only ones: ``content_format.parse_settings``
leaves out what the file leaves out, and a site with no settings file shows
``Settings()``. This module needs nothing but the standard library, because
every page reads these settings (through the site snapshot) and the web
function must not load the content format's parsers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class MenuItem:
    """One link in the header menu or footer."""

    title: str
    url: str
    category: str | None = None  # title comes from the category's name
    page: str | None = None  # title comes from the page's title


@dataclass(frozen=True)
class Settings:
    """The site-wide settings file; its defaults are what a site shows before one is uploaded.

    These defaults are the only ones: ``parse_settings`` leaves out what the
    file leaves out, and the site snapshot starts from ``Settings()``.
    """

    key: str = ""
    site_name: str = "Newsroom"
    tagline: str = ""
    menu: tuple[MenuItem, ...] | None = None  # None: Home + categories by menu_order
    footer_links: tuple[MenuItem, ...] = ()
    recent_posts: int = 5
    related_posts: int = 4
    page_size: int = 10
    language: str = "en"
    comments_close_after_days: int = 0  # 0: comments stay open
    comment_depth: int = 5  # how deep replies nest (WordPress's thread_comments_depth, 5 by default)
    preview_days: int = 7  # how long a draft's preview link works (chalicelib/preview.py)
    newsletters: tuple[str, ...] = ("Daily briefing",)  # what readers may sign up to (chalicelib/newsletters/)
    require_alt: bool = False  # an image without alt text: a warning, or (true) the article is refused
    time_zone: str = "UTC"  # the newsroom's own (IANA name): whose "today" a newsletter digest gathers

    def to_data(self) -> dict[str, Any]:
        """The settings as stored in DynamoDB (JSON), without the file's key."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "key"}
        data["menu"] = [vars(m) for m in self.menu] if self.menu is not None else None
        data["footer_links"] = [vars(m) for m in self.footer_links]
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Settings:
        """Settings as stored by ``to_data`` (what is missing takes its default)."""
        known = {f.name for f in fields(cls)} - {"key"}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("menu") is not None:
            values["menu"] = tuple(MenuItem(**m) for m in values["menu"])
        if "footer_links" in values:
            values["footer_links"] = tuple(MenuItem(**m) for m in values["footer_links"] or [])
        if "newsletters" in values:
            values["newsletters"] = tuple(values["newsletters"] or ())
        return cls(**values)
