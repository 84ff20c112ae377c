"""The admin's Settings screen: the site's settings only (name, tagline, menus, footer pages,
comment rules, ``require_alt``); categories, tags and authors have screens of their own
(``desk.terms``). Admins only: editors and contributors get 403 and nothing written.

Everything is a file, as an upload is: ``settings/site.yaml``, checked first with ingest's own
checker and written conditionally on the version the screen showed; ingest publishes, and the edge
follows.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from chalice.app import Response

from chalicelib import config
from chalicelib.bucket import Conflict
from chalicelib.content.content_format import ContentError, check_file
from chalicelib.desk import documents, http, session
from chalicelib.desk.identity import Identity

SETTINGS_KEY = config.SETTINGS_PREFIX + "site.yaml"
SCREEN = "/desk/settings"
NUMBERS = {"recent_posts": "Recent posts shown", "related_posts": "Related posts shown", "page_size": "Articles per page",
           "comments_close_after_days": "Close comments after (days, 0: never)",
           "comment_depth": "How deep replies nest", "preview_days": "Preview links last (days)"}


def menu_lines(items: Any) -> str:
    """A menu as the screen's text box shows it: one link a line."""
    lines = []
    for item in items or []:
        if item == "home":
            lines.append("home")
        elif isinstance(item, dict) and len(item) == 1:
            kind, value = next(iter(item.items()))
            lines.append(f"{kind}: {value}")
        elif isinstance(item, dict) and {"title", "url"} <= set(item):
            lines.append(f"{item['title']} | {item['url']}")
    return "\n".join(lines)


def parse_menu(text: str) -> list[Any]:
    """The text box's lines as the settings file's links: ``home``, ``category: slug``, ``page: slug``,
    or ``Title | /url/``."""
    out: list[Any] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        if line.lower() == "home":
            out.append("home")
        elif "|" in line:
            title, url = (part.strip() for part in line.split("|", 1))
            out.append({"title": title, "url": url})
        elif re.match(r"(category|page)\s*:", line):
            kind, value = (part.strip() for part in line.split(":", 1))
            out.append({kind: value})
        else:
            out.append({"title": line, "url": ""})  # refused by the checker, with its words
    return out


@http.guarded
@http.signed_in
@http.needs("admin")
def settings_screen(request: Any, who: Identity, token: str) -> Response:
    bucket = session.bucket_as(token)
    query = request.query_params or {}
    try:
        current, version = documents.read_fields(bucket, SETTINGS_KEY)
    except ContentError as error:  # the form would save over what it cannot show: it waits for the file
        return http.screen("settings.html", who, token, settings={}, version="", numbers=NUMBERS, menu="", footer="",
                           done="", failed=f"{error} Upload a corrected {SETTINGS_KEY}; this form saves nothing "
                                        "until then.")
    return http.screen("settings.html", who, token, settings=current, version=version, numbers=NUMBERS,
                       menu=menu_lines(current.get("menu")), footer=menu_lines(current.get("footer_links")),
                       done=query.get("done", ""), failed=query.get("failed", ""))


@http.guarded
@http.signed_in
@http.needs("admin")
@http.writes
def save_settings(request: Any, who: Identity, token: str) -> Response:
    """The site settings form: written as ``settings/site.yaml``, keeping what the form does not show."""
    sent = http.form(request)
    bucket = session.bucket_as(token)
    try:
        current, version = documents.read_fields(bucket, SETTINGS_KEY)
    except ContentError as error:
        return http.back(SCREEN, failed=f"Nothing was saved: {error}")
    if version != sent.get("version", ""):
        return http.stale(request, SCREEN, f"The settings ({SETTINGS_KEY})", documents.written_by(bucket, SETTINGS_KEY))
    data: dict[str, Any] = dict(current)
    data["site_name"] = sent.get("site_name", "").strip()
    if sent.get("tagline", "").strip():
        data["tagline"] = sent["tagline"].strip()
    else:
        data.pop("tagline", None)
    for name in NUMBERS:
        number = sent.get(name, "").strip()
        if number:
            data[name] = int(number) if number.lstrip("-").isdigit() else number
        else:
            data.pop(name, None)
    data["require_alt"] = sent.get("require_alt") == "on"
    if "time_zone" in sent:  # WordPress's Settings → General → Timezone; check_file names one it does not know
        if sent["time_zone"].strip():
            data["time_zone"] = sent["time_zone"].strip()
        else:
            data.pop("time_zone", None)
    for box, name in (("menu", "menu"), ("footer", "footer_links")):
        links = parse_menu(sent.get(box, ""))
        if links:
            data[name] = links
        else:
            data.pop(name, None)
    raw = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000).encode()
    try:
        check_file(SETTINGS_KEY, raw)
    except ContentError as error:
        return http.back(SCREEN, failed="Not saved: " + "; ".join(str(p) for p in error.problems))
    try:
        documents.write(bucket, SETTINGS_KEY, raw, version, who)
    except Conflict:
        return http.stale(request, SCREEN, f"The settings ({SETTINGS_KEY})", documents.written_by(bucket, SETTINGS_KEY))
    return http.back(SCREEN, done="Saved: every page shows the new settings within a minute.")
