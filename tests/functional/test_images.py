"""Photos as a newsroom needs them (issue 19): sizes made at upload by the images function, no
location data, never the original, srcset everywhere a photo shows, bad files reported."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from chalicelib.content import images
from devstack.photos import bomb, photo, png
from tests.functional.test_ingest import article

WIDTHS = {320, 640, 960, 1280, 1920}


def body_with(*srcs: str, alt: str = "A photo") -> str:
    return "\n\n".join(f"![{alt}]({src})" for src in srcs) + "\n"


def publish_photo_article(site, key: str = "media/2024/protest.jpg", data: bytes | None = None,  # type: ignore[no-untyped-def]
                          slug: str = "protest", **fields: str) -> None:
    site.put(key, data if data is not None else photo())
    text = article(title="Protest in Tehran", image=f"/{key}", categories="[Tehran]", **fields)
    site.put(f"articles/{slug}.md", text + "\n" + body_with(f"/{key}"))
    assert site.ingest() == {"batchItemFailures": []}


def srcset_urls(page_html: str) -> list[str]:
    urls = []
    for srcset in re.findall(r'srcset="([^"]+)"', page_html):
        urls += [candidate.strip().split(" ")[0] for candidate in srcset.split(",")]
    return urls


def derivative_objects(site) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    listed = site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="sizes/").get("Contents", [])
    return {o["Key"]: site.s3.get_object(Bucket=site.stack.bucket, Key=o["Key"])["Body"].read() for o in listed}


def test_a_phone_photo_gets_every_width_in_webp_and_jpeg_with_no_location_data_standing_up(site):
    publish_photo_article(site)
    made = derivative_objects(site)
    widths = {(int(m.group(1)), m.group(2)) for k in made if (m := re.search(r"-(\d+)\.(\w+)$", k))}
    formats = {"webp", "jpg"} | ({"avif"} if images.formats_for("JPEG")[0] == "AVIF" else set())
    assert widths == {(w, f) for w in WIDTHS for f in formats}
    for key, data in made.items():
        assert b"Tehran" not in data and b"PhoneMaker" not in data and b"Source Name" not in data, key
        shown = Image.open(io.BytesIO(data))
        assert not shown.getexif(), key  # no EXIF at all: no GPS, no camera, no orientation left to apply
        assert "xmp" not in shown.info and "exif" not in shown.info, key
        # Stored 4000 x 3000 with orientation 6: the pixels are turned, so it stands 3 : 4 ...
        assert shown.height * 3 == pytest.approx(shown.width * 4, abs=4), key
        # ... and the red corner (top left as stored) is now the top right.
        rgb = shown.convert("RGB")
        red = rgb.getpixel((shown.width - 5, 5))
        assert red[0] > 180 and red[1] < 80, (key, red)
        corner = rgb.getpixel((5, shown.height - 5))
        assert not (corner[0] > 180 and corner[1] < 80), (key, corner)
        assert site.s3.head_object(Bucket=site.stack.bucket, Key=key)["CacheControl"] == images.CACHE_CONTROL


def test_the_page_shows_sizes_never_the_original_and_every_srcset_file_exists(site):
    publish_photo_article(site)
    page = site.get("/protest/")
    body = page.body.decode()
    assert "/media/2024/protest.jpg" not in body  # not in the body, the featured image, og:image or JSON-LD
    urls = srcset_urls(body)
    assert urls and all(u.startswith("/sizes/2024/protest-") for u in urls)
    made = derivative_objects(site)
    for url in set(urls):
        assert url.lstrip("/") in made, url
        served = site.client.http.get(url, headers={"Accept": "image/avif,image/webp,*/*"})
        assert served.status_code == 200 and served.headers["Cache-Control"] == images.CACHE_CONTROL, url
    # The featured image: the page's largest, fetched first; the body's photo waits for the reader.
    featured = re.search(r'<figure class="featured"><picture>(.*?)</picture>', body).group(1)
    assert 'fetchpriority="high"' in featured and 'loading="lazy"' not in featured
    assert 'type="image/webp"' in featured and 'width="3000" height="4000"' in featured
    in_body = re.search(r'<div class="body">(.*?)</div>', body, re.DOTALL).group(1)
    assert '<picture><source type="image/' in in_body and 'loading="lazy"' in in_body
    assert 'alt="A photo"' in in_body and 'sizes="(max-width: 800px)' in in_body
    og = re.search(r'<meta property="og:image" content="([^"]+)"', body).group(1)
    assert re.search(r"/sizes/2024/protest-\w+-1280\.jpg$", og), og
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', body, re.DOTALL).group(1))
    assert any(str(i).endswith("-1280.jpg") for i in json.dumps(ld).split('"') if "/sizes/" in i)
    # The archive's thumbnail is a picture too, at its small sizes.
    listing = site.get("/category/tehran/").body.decode()
    thumb = re.search(r'<picture>(.*?)</picture>', listing).group(1)
    assert 'class="thumb"' in thumb and 'sizes="160px"' in thumb and "-320." in thumb
    # The original itself is not for readers.
    assert site.get("/media/2024/protest.jpg").status_code == 404


def test_an_article_waits_for_its_photos_sizes_then_is_published_by_itself(site):
    site.put("media/2024/late.jpg", photo(1600, 1200, orientation=None))
    site.put("articles/late.md", article(title="Late photo") + body_with("/media/2024/late.jpg"))
    site.invoke(site.receive())  # ingest runs before the images function has made the sizes
    assert site.get("/late/").status_code == 404
    assert images.WAITING in site.report("articles/late.md")
    site.ingest()  # the images function makes them and asks ingest to render the article again
    page = site.get("/late/").body.decode()
    assert site.get("/late/").status_code == 200 and "/sizes/2024/late-" in page
    assert site.report("articles/late.md") is None
    assert {u.rsplit("-", 1)[1] for u in srcset_urls(page)} >= {"320.jpg", "640.jpg", "960.jpg", "1280.jpg"}
    assert not any(u.endswith("-1920.jpg") for u in srcset_urls(page))  # never wider than the original


@pytest.mark.parametrize("name, fmt, fallback", [("phone.heic", "HEIF", "jpg"), ("chart.png", "PNG", "png"),
                                                  ("anim.gif", "GIF", "gif")])
def test_heic_png_and_gif_get_the_same_sizes(site, name, fmt, fallback):
    publish_photo_article(site, key=f"media/{name}", data=photo(1000, 700, fmt=fmt, orientation=None))
    made = derivative_objects(site)
    assert {k.rsplit(".", 1)[1] for k in made} >= {"webp", fallback}
    assert {int(re.search(r"-(\d+)\.\w+$", k).group(1)) for k in made} == {320, 640, 960, 1000}  # 1000 wide
    for data in made.values():
        assert b"PhoneMaker" not in data and not Image.open(io.BytesIO(data)).getexif()
    assert site.get("/protest/").status_code == 200


@pytest.mark.parametrize("name, data, words", [
    ("bomb.png", bomb(), "too many pixels"),
    ("cut.jpg", photo(1200, 900)[:30000], "truncated"),
    ("fake.jpg", b"<html>not a photo</html>", "not an image"),
    ("renamed.jpg", png(64, 48), "is a PNG file, but its name says .jpg"),
])
def test_bad_images_get_a_report_and_the_article_showing_one_says_why(site, name, data, words):
    site.put(f"media/{name}", data)
    site.put("articles/bad.md", article(title="Bad photo") + body_with(f"/media/{name}"))
    assert site.ingest() == {"batchItemFailures": []}  # reported, not retried
    report = json.loads(site.report(f"media/{name}"))
    assert report["file"] == f"media/{name}" and words in report["message"]
    assert site.get("/bad/").status_code == 404
    assert words in site.report("articles/bad.md") and f"media/{name}" in site.report("articles/bad.md")
    assert derivative_objects(site) == {}
    assert site.receive(site.stack.images_queue_url) == [] and site.receive() == []  # nothing loops


def test_a_replaced_photo_moves_pages_to_its_new_sizes_and_the_old_ones_are_gone(site):
    publish_photo_article(site, data=photo(1300, 900, orientation=None))
    before = set(derivative_objects(site))
    site.put("media/2024/protest.jpg", photo(1300, 900, orientation=None, gps=False))
    site.ingest()
    after = set(derivative_objects(site))
    assert after and not after & before
    page = site.get("/protest/").body.decode()
    assert all(u.lstrip("/") in after for u in srcset_urls(page))


def test_a_deleted_photo_takes_its_sizes_with_it(site):
    publish_photo_article(site, data=photo(700, 500, orientation=None))
    site.delete("media/2024/protest.jpg")
    site.ingest()
    assert derivative_objects(site) == {}
    assert "/sizes/" not in site.get("/protest/").body.decode()


def test_a_duplicate_notification_changes_nothing(site):
    site.put("media/a.jpg", photo(700, 500, orientation=None))
    messages = site.receive(site.stack.images_queue_url)
    site.invoke(messages + messages[:1], "images")
    first = derivative_objects(site)
    from chalicelib.publish import renditions

    assert renditions.apply_key(site.stack.bucket, "media/a.jpg") == "unchanged"
    assert derivative_objects(site) == first


def test_a_link_to_the_original_gets_its_largest_clean_copy(site):
    site.put("media/full.jpg", photo(2400, 1600, orientation=None))
    site.put("articles/linked.md", article(title="Linked") + "[![Full](/media/full.jpg)](/media/full.jpg)\n")
    site.ingest()
    body = site.get("/linked/").body.decode()
    assert "/media/full.jpg" not in body
    assert re.search(r'<a href="/sizes/full-\w+-1920\.jpg"', body)


def test_an_image_without_alt_text_is_a_warning_or_with_require_alt_an_error(site):
    site.put("media/a.jpg", photo(700, 500, orientation=None))
    site.put("articles/no-alt.md", article(title="No alt") + body_with("/media/a.jpg", alt=""))
    site.ingest()
    assert site.get("/no-alt/").status_code == 200
    warned = json.loads(site.report("articles/no-alt.md"))
    assert warned["status"] == "published, with warnings"
    assert warned["warnings"] == ["image /media/a.jpg has no alt text: describe it for readers who cannot see it"]
    site.put("articles/no-alt.md", article(title="No alt, fixed") + body_with("/media/a.jpg", alt="A street"))
    site.ingest()
    assert site.report("articles/no-alt.md") is None  # the warning went with the version it was about
    site.put("articles/no-alt.md", article(title="No alt") + body_with("/media/a.jpg", alt=""))
    site.ingest()
    assert json.loads(site.report("articles/no-alt.md"))["status"] == "published, with warnings"
    site.put("settings/site.yaml", "site_name: Strict\nrequire_alt: true\n")
    site.ingest()
    site.put("articles/no-alt.md", article(title="No alt again") + body_with("/media/a.jpg", alt=""))
    site.ingest()
    refused = json.loads(site.report("articles/no-alt.md"))
    assert refused["status"] == "not published" and "require_alt" in refused["message"]
    assert "No alt again" not in site.get("/no-alt/").body.decode()
    site.put("articles/no-alt.md", article(title="With alt") + body_with("/media/a.jpg", alt="A street"))
    site.ingest()
    assert site.report("articles/no-alt.md") is None and "With alt" in site.get("/no-alt/").body.decode()


def test_the_media_library_lists_sizes_and_users_and_refuses_to_delete_what_is_shown(site, tmp_path):
    from click.testing import CliRunner

    from newsroom.cli import main as newsroom

    publish_photo_article(site, data=photo(1000, 700, orientation=None))
    site.put("media/spare.png", png(400, 300))
    site.put("media/guide.pdf", b"%PDF-1.4 a file served as it is")
    site.ingest()
    listed = CliRunner().invoke(newsroom, ["media", "list"])
    assert listed.exit_code == 0, listed.output
    assert "media/2024/protest.jpg" in listed.output and "1000x700 JPEG" in listed.output
    assert "(320, 640, 960, 1000 px; " in listed.output and "/protest/ (articles/protest.md)" in listed.output
    assert "media/spare.png" in listed.output and "media/guide.pdf" in listed.output
    assert "media/guide.pdf  0 KB  served as a download (application/pdf)" in listed.output
    assert "3 file(s), 2 unused." in listed.output
    unused = CliRunner().invoke(newsroom, ["media", "list", "--unused"])
    assert "media/2024/protest.jpg" not in unused.output and "media/spare.png" in unused.output

    refused = CliRunner().invoke(newsroom, ["media", "delete", "media/2024/protest.jpg"])
    assert refused.exit_code == 1 and "shown by 1 article(s); not deleted" in refused.output
    assert site.s3.head_object(Bucket=site.stack.bucket, Key="media/2024/protest.jpg")
    forced = CliRunner().invoke(newsroom, ["media", "delete", "media/2024/protest.jpg", "--force"])
    assert forced.exit_code == 0 and "/protest/ (articles/protest.md) showed it" in forced.output
    site.ingest()
    assert not any(k.startswith("sizes/2024/protest-") for k in derivative_objects(site))
    assert "/sizes/" not in site.get("/protest/").body.decode()
    assert CliRunner().invoke(newsroom, ["media", "delete", "media/spare.png"]).exit_code == 0

    story = tmp_path / "articles" / "story.md"
    story.parent.mkdir()
    story.write_text(article(title="Story") + body_with("/media/spare.png", alt=""))
    checked = CliRunner().invoke(newsroom, ["check", str(story)])
    assert checked.exit_code == 0 and "warning: image /media/spare.png has no alt text" in checked.output
    (tmp_path / "settings").mkdir()
    (tmp_path / "settings" / "site.yaml").write_text("site_name: Strict\nrequire_alt: true\n")
    strict = CliRunner().invoke(newsroom, ["check", str(story)])
    assert strict.exit_code == 1 and "has no alt text: describe it for readers who cannot see it (the site's settings say require_alt)" in strict.output
    lead = tmp_path / "articles" / "lead.md"
    lead.write_text(article(title="Lead", image="/media/spare.png"))
    assert "image_alt: the featured image /media/spare.png has no alt text: describe it in image_alt (the site's " \
           "settings say require_alt)" in CliRunner().invoke(newsroom, ["check", str(lead)]).output


def test_a_photo_replaced_while_its_sizes_are_made_ends_with_the_new_ones(site, monkeypatch):
    from chalicelib.publish import renditions

    site.put("media/race.jpg", photo(700, 500, orientation=None))
    site.receive(site.stack.images_queue_url)  # the first notification is late; the second version wins
    real = images.derive
    replaced = []

    def derive_while_replaced(key, data):  # type: ignore[no-untyped-def]
        if not replaced:
            replaced.append(True)
            site.put("media/race.jpg", photo(500, 400, orientation=None))
        return real(key, data)

    monkeypatch.setattr(images, "derive", derive_while_replaced)
    assert renditions.apply_key(site.stack.bucket, "media/race.jpg") == "made"
    from chalicelib.models import MediaItem

    item = MediaItem.get("media", "media/race.jpg")
    assert (int(item.width), int(item.height)) == (500, 400)
    assert {k for k in derivative_objects(site)} == {d[0] for d in item.derivatives}


def test_publish_waits_while_the_photos_sizes_are_made_and_then_says_live(site, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from newsroom import publisher
    from newsroom.cli import main as newsroom

    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "square.jpg").write_bytes(photo(900, 600, orientation=None))
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "square.md").write_text(article(title="The square") + body_with("/media/square.jpg"))
    rounds = []

    def meanwhile(seconds: float) -> None:  # ingest runs first, before the images function has made the sizes
        rounds.append(seconds)
        if len(rounds) == 1:
            site.invoke(site.receive())
            assert images.WAITING in site.report("articles/square.md")
        else:
            site.ingest()

    monkeypatch.setattr(publisher.time, "sleep", meanwhile)
    result = CliRunner().invoke(newsroom, ["publish", str(tmp_path / "media"), str(tmp_path / "articles"),
                                           "--root", str(tmp_path), "--timeout", "30"])
    assert "    live  articles/square.md  /square/" in result.output, result.output
    assert result.exit_code == 0 and len(rounds) >= 2


def test_resync_makes_the_sizes_the_images_function_missed_and_drops_those_of_deleted_photos(site):
    from chalicelib.models import MediaItem
    from chalicelib.publish import resync

    publish_photo_article(site, data=photo(700, 500, orientation=None))
    site.put("media/gone.png", png(400, 300))
    site.ingest()
    MediaItem.get("media", "media/2024/protest.jpg").delete()  # as if the images function never ran
    for key in [k for k in derivative_objects(site) if k.startswith("sizes/2024/")]:
        site.s3.delete_object(Bucket=site.stack.bucket, Key=key)
    site.s3.delete_object(Bucket=site.stack.bucket, Key="media/gone.png")
    site.receive(site.stack.images_queue_url)  # its notification was lost
    counts = resync.resync(site.stack.bucket)
    assert counts["sizes made"] == 1 and counts["sizes removed"] == 1
    page = site.get("/protest/").body.decode()
    made = derivative_objects(site)
    assert srcset_urls(page) and all(u.lstrip("/") in made for u in srcset_urls(page))
    assert not any(k.startswith("sizes/gone-") for k in made)
    assert resync.resync(site.stack.bucket, force=False)["sizes unchanged"] == 1


def test_a_featured_image_is_described_by_image_alt(site):
    """The featured image's alt is the file's ``image_alt``; without one the report warns, and with
    require_alt the article is refused naming the field."""
    site.put("media/lead.jpg", photo(1200, 800, orientation=None))
    site.make_sizes()
    site.put("articles/lead.md", article(title="Lead", image="/media/lead.jpg", image_alt="Crowds in the square"))
    site.ingest()
    page = site.get("/lead/").body.decode()
    featured = re.search(r'<figure class="featured">.*?</figure>', page, re.DOTALL).group(0)
    assert 'alt="Crowds in the square"' in featured
    assert site.report("articles/lead.md") is None
    site.put("articles/bare.md", article(title="Bare", image="/media/lead.jpg"))
    site.ingest()
    assert json.loads(site.report("articles/bare.md"))["warnings"] == [
        "the featured image /media/lead.jpg has no alt text: describe it in image_alt"]
    site.put("settings/site.yaml", "site_name: Strict\nrequire_alt: true\n")
    site.ingest()
    site.put("articles/bare2.md", article(title="Bare again", image="/media/lead.jpg"))
    site.ingest()
    refused = json.loads(site.report("articles/bare2.md"))
    assert refused["status"] == "not published" and "image_alt: the featured image" in refused["message"]
    assert site.get("/bare2/").status_code == 404
