"""The routes deploy to API Gateway and answer as designed."""

from __future__ import annotations

from pathlib import Path

from app import app

PROJECT = Path(__file__).resolve().parents[2]


def test_each_path_level_has_at_most_one_variable_name():
    """API Gateway refuses sibling path variables with different names ({slug} next to {year})."""
    children: dict[str, set[str]] = {}
    for route in app.routes:
        parts = route.strip("/").split("/") if route != "/" else []
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            if parts[depth].startswith("{"):
                children.setdefault(parent, set()).add(parts[depth])
    clashes = {parent: names for parent, names in children.items() if len(names) > 1}
    assert clashes == {}


def test_every_route_reads_with_get_head_and_options_and_only_the_comment_form_and_the_desk_write():
    writes = {(path, method) for path, route in app.routes.items() for method in route
              if method not in ("GET", "HEAD", "OPTIONS")}
    for path, route in app.routes.items():
        assert {"GET", "HEAD", "OPTIONS"} <= set(route) or {(path, m) for m in route} <= writes, path
    assert writes == {("/{slug}/{part2}", "POST"), ("/desk/sign-in", "POST"), ("/desk/sign-out", "POST"),
                      ("/desk/preview", "POST"), ("/desk/save", "POST"), ("/desk/lock", "POST"),
                      ("/desk/restore", "POST"), ("/desk/comments", "POST"), ("/desk/media/upload", "POST"),
                      ("/desk/media/delete", "POST"), ("/desk/settings", "POST"), ("/desk/terms", "POST"),
                      ("/desk/import/start", "POST"), ("/desk/import/comments", "POST"),
                      ("/desk/people", "POST"), ("/desk/forgot-password", "POST"), ("/desk/profile", "POST"),
                      ("/desk/media/describe", "POST"), ("/desk/pages/new", "POST"),
                      ("/desk/live/new", "POST"), ("/desk/live/post", "POST"), ("/desk/live/act", "POST"), ("/desk/bulk", "POST"),
                      ("/desk/newsletter", "POST"), ("/desk/newsletters", "POST"),  # send; pause, resume, cancel
                      ("/subscribe", "POST"), ("/newsletter/confirm", "POST"),  # newsletters: sign up, confirm
                      ("/newsletter/unsubscribe", "POST"),  # RFC 8058's one-click POST
                      ("/newsletter/manage", "POST"),  # a subscriber's own choices, and "Delete my data"
                      ("/desk/subscribers/import", "POST"), ("/desk/subscribers/export", "POST")}
    for path in ("/desk/preview", "/desk/save", "/desk/lock", "/desk/media/upload", "/desk/import/start",
                 "/desk/import/comments", "/desk/subscribers/import"):
        assert app.routes[path]["POST"].content_types == ["application/json"]
    for path in ("/desk/restore", "/desk/comments", "/desk/media/delete", "/desk/settings", "/desk/terms",
                 "/desk/people", "/desk/forgot-password", "/desk/profile", "/desk/media/describe", "/desk/pages/new",
                 "/desk/bulk", "/desk/subscribers/export", "/newsletter/manage"):
        assert app.routes[path]["POST"].content_types == ["application/x-www-form-urlencoded"]
    assert app.routes["/{slug}/{part2}"]["POST"].content_types == ["application/x-www-form-urlencoded"]


def test_paths_under_a_static_segment_do_not_rely_on_variable_siblings():
    """API Gateway does not backtrack: under /category/{slug} only routes declared there answer."""
    for kind in ("category", "tag", "author"):
        assert f"/{kind}/{{slug}}/feed" in app.routes
        assert f"/{kind}/{{slug}}/feed/atom" in app.routes


def test_every_page_route_is_wrapped_so_that_aws_failing_gives_the_503_page():
    for path, route in app.routes.items():
        for method, entry in route.items():
            assert entry.view_function.__wrapped__, (path, method)  # web.when_aws_fails keeps the view
            assert entry.view_function.__code__.co_name == "serve", (path, method)


def test_importing_the_app_leaves_the_cyclic_collector_on_and_the_imports_frozen():
    """app.py turns the collector off while it imports (a cold start is mostly imports) and must
    turn it back on: a process left without it would never free a reference cycle."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-c", "import gc, app; print(gc.isenabled(), gc.get_freeze_count() > 10000)"],
                         cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "True"]


def fixed_first_segments() -> set[str]:
    """The first segment of every route that is not a variable (``/sizes/{a}`` -> ``sizes``)."""
    firsts = {path.strip("/").split("/")[0] for path in app.routes if path != "/"}
    return {segment for segment in firsts if not segment.startswith("{")}


def test_no_article_or_page_slug_can_take_a_fixed_route_segment():
    """Behind API Gateway a fixed segment wins over /{slug} and does not backtrack: an article whose
    slug is a route's first segment (``sizes``, ``static``...) would be unreachable. Every such
    segment is refused as a slug, with the words the editor reads."""
    from chalicelib.content.content_format import RESERVED_SLUGS, ContentError, check_file

    segments = {s for s in fixed_first_segments() if "." not in s}  # sitemap.xml, robots.txt: not slugs
    assert {"sizes", "static", "media", "preview", "sitemaps", "category", "tag", "author"} <= segments
    assert segments - RESERVED_SLUGS == set()
    for segment in sorted(segments):
        try:
            check_file(f"articles/{segment}.md", b"---\ntitle: A story\ndate: 2024-01-02\n---\nBody.\n")
        except ContentError as error:
            assert [str(p) for p in error.problems] == [
                f"file name: '{segment}' is reserved for the site's own pages; choose another slug"], segment
        else:
            raise AssertionError(f"an article took the slug {segment!r}")


def test_every_archive_kind_has_its_routes():
    """The registry of archive kinds drives the routes: each kind answers its archive and both feeds."""
    from chalicelib import archives

    for kind in archives.ARCHIVES:
        for suffix in ("", "/feed", "/feed/atom"):
            assert f"/{kind.name}/{{slug}}{suffix}" in app.routes, (kind.name, suffix)


def test_every_query_parameter_a_page_reads_is_one_the_edge_lets_through():
    """Readers' pages read their query through ``web.site_of``, which keeps only archives.QUERY_PARAMETERS,
    the names the CloudFront function keeps and the cache policy lists: a page reading a name missing there
    would never see it behind the edge. Each name a reader's module reads is listed, and each listed name
    is read by one."""
    import re

    from chalicelib import archives, old_urls

    site = Path(archives.__file__).parent / "site"
    read = {name for path in [*site.glob("*.py"), Path(old_urls.__file__)]
            for name in re.findall(r"""query\.get\(\s*["']([a-z_]+)["']""", path.read_text())}
    read |= set(old_urls.ID_PARAMETERS) | {kind.wordpress_query for kind in archives.ARCHIVES}
    assert read == set(archives.QUERY_PARAMETERS)
