"""Generated WordPress sites (devstack/site_exports.py), drawn with hypothesis: every URL form of each
answers here as WordPress answers it (issue 32). Its own module: each example builds a moto stack of its
own, which must not overlap test_url_parity.py's module-wide one."""

from __future__ import annotations

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsroom.cli import main
from tests.conftest import moto_site
from tests.functional.test_url_parity import ours


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(rng=st.randoms(use_true_random=False))
def test_a_generated_site_answers_every_form_as_wordpress_would(tmp_path_factory, rng):
    """Generated exports (devstack/site_exports.py): whatever the draw, every published post and page
    answers at its slug, by ``?p=``/``?page_id=`` and at its nested page path; private posts and drafts
    are 404; a protected post shows its form and not its words; empty terms and authors without posts
    answer 200, "nothing found"."""
    from defusedxml import ElementTree

    from devstack.parity import NS
    from devstack.site_exports import site_export

    export = tmp_path_factory.mktemp("generated") / "site.xml"
    export.write_text(site_export(rng))
    root = ElementTree.parse(str(export)).getroot()
    with moto_site(seed=False) as site:
        result = CliRunner().invoke(main, ["import-wordpress", str(export), "--no-wait"])
        assert result.exit_code == 0, result.output
        site.ingest()
        pages = {i.findtext("wp:post_id", "", NS): (i.findtext("wp:post_name", "", NS),
                                                      i.findtext("wp:post_parent", "", NS))
                 for i in root.iter("item") if i.findtext("wp:post_type", "", NS) == "page"}
        for item in root.iter("item"):
            kind, status = item.findtext("wp:post_type", "", NS), item.findtext("wp:status", "", NS)
            slug, post_id = item.findtext("wp:post_name", "", NS), item.findtext("wp:post_id", "", NS)
            title, password = item.findtext("title", ""), item.findtext("wp:post_password", "", NS)
            if kind == "post" and status == "publish" and not password:
                assert ours(site, f"/{slug}/")["title"] == title
                assert ours(site, f"/?p={post_id}")["path"] == f"/{slug}/"
            elif kind == "post" and password:
                shown = ours(site, f"/{slug}/")
                assert shown["status"] == 200 and "post_password" in shown["page"] and "part 0" not in shown["page"]
            elif kind == "post":
                assert ours(site, f"/{slug}/")["status"] == 404 and ours(site, f"/?p={post_id}")["status"] == 404
            elif kind == "page":
                nested, parent = [slug], pages[post_id][1]
                while parent in pages:
                    nested.insert(0, pages[parent][0])
                    parent = pages[parent][1]
                for path in {f"/{slug}/", "/" + "/".join(nested) + "/", f"/?page_id={post_id}"}:
                    assert ours(site, path) | {"page": ""} == {"status": 200, "path": f"/{slug}/", "title": title,
                                                              "page": ""}, path
        for term in root.iter("{http://wordpress.org/export/1.2/}tag"):
            assert ours(site, f"/tag/{term.findtext('wp:tag_slug', '', NS)}/")["status"] == 200
        for term in root.iter("{http://wordpress.org/export/1.2/}category"):
            assert ours(site, f"/category/{term.findtext('wp:category_nicename', '', NS)}/")["status"] == 200
        for author in root.iter("{http://wordpress.org/export/1.2/}author"):
            assert ours(site, f"/author/{author.findtext('wp:author_login', '', NS)}/")["status"] == 200
