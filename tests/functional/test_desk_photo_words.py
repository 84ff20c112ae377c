"""Photos fixable (issue 45): alt text, caption and credit changed in the media library after upload;
every article showing the photo is rendered again with them where it gives none of its own; the
library lists photos without alt text first, counted beside Media; editors only, the desk's token,
the version the library showed."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from chalicelib import keys
from chalicelib.models import MediaItem
from devstack.photos import photo
from tests.functional.test_desk import sign_in
from tests.functional.test_desk_screens import get, post_form, story, text_of


def said(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert answer.status_code == 303, answer.body[:300]
    return {k: v[-1] for k, v in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def etag_of(desk, key: str) -> str:  # type: ignore[no-untyped-def]
    return desk.s3.head_object(Bucket=desk.stack.bucket, Key=key)["ETag"].strip('"')


def test_alt_text_caption_and_credit_added_after_upload_reach_the_article(desk):
    original = photo(1200, 800)
    desk.put("media/2024/05/square.jpg", original)
    desk.put("articles/crowd.md", story("The square filled up.\n\n![](/media/2024/05/square.jpg)\n\nBy noon.",
                                        title="Crowd"))
    desk.ingest()
    page = desk.get("/crowd/").body.decode()
    assert re.search(r'<img[^>]*alt=""', page) and "<figcaption>" not in page
    jar, token, _ = sign_in(desk)
    library = get(desk, "/desk/media", jar).body.decode()
    assert re.search(r'id="count-media">1<span class="visually-hidden"> without alt text', library)
    assert "No alt text" in library
    done = said(post_form(desk, "/desk/media/describe", jar, {
        "csrf": token, "key": "media/2024/05/square.jpg", "etag": etag_of(desk, "media/2024/05/square.jpg"),
        "alt": "Protesters fill Azadi Square", "caption": "The square at noon", "credit": "Photo: Sara K. / Gazette"}))
    assert "1 article showing it will show them" in done["done"]
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="media/2024/05/square.jpg")["Body"].read() == \
        original  # the same file at the same address
    desk.ingest()
    page = desk.get("/crowd/").body.decode()
    assert 'alt="Protesters fill Azadi Square"' in page
    assert re.search(r'<figure><picture>.*?</picture><figcaption>The square at noon <small class="credit">'
                     r'Photo: Sara K. / Gazette</small></figcaption></figure>', page, re.S)
    item = MediaItem.get(*keys.media("media/2024/05/square.jpg"))
    assert (item.alt, item.caption, item.credit) == ("Protesters fill Azadi Square", "The square at noon",
                                                     "Photo: Sara K. / Gazette")
    after = get(desk, "/desk/media", jar).body.decode()
    assert 'id="count-media"' not in after and "Alt text: Protesters fill Azadi Square" in after


def test_the_articles_own_words_win_and_a_stale_form_changes_nothing(desk):
    desk.put("media/2024/05/pier.jpg", photo(1000, 700))
    desk.put("articles/pier.md", story("![The old pier at dawn](/media/2024/05/pier.jpg)", title="Pier"))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    seen = etag_of(desk, "media/2024/05/pier.jpg")
    said(post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/pier.jpg", "etag": seen,
                                                       "alt": "A pier", "caption": "", "credit": ""}))
    desk.ingest()
    page = desk.get("/pier/").body.decode()
    assert 'alt="The old pier at dawn"' in page and 'alt="A pier"' not in page  # the article's alt wins
    desk.put("media/2024/05/pier.jpg", photo(1000, 701))  # replaced by a colleague meanwhile
    stale = post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/pier.jpg",
                                                         "etag": seen, "alt": "Overwritten"})
    assert stale.status_code == 409
    assert ("The photo media/2024/05/pier.jpg changed since you opened this page. Nothing was changed."
            in text_of(stale.body.decode()))
    metadata = desk.s3.head_object(Bucket=desk.stack.bucket, Key="media/2024/05/pier.jpg")["Metadata"]
    assert "Overwritten" not in str(metadata)


def test_photos_without_alt_text_are_listed_first(desk):
    desk.put("media/2024/05/a-described.jpg", photo(400, 300))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    said(post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/a-described.jpg",
                                                       "etag": etag_of(desk, "media/2024/05/a-described.jpg"),
                                                       "alt": "Described"}))
    desk.put("media/2024/05/b-bare.jpg", photo(400, 300))
    desk.ingest()
    desk.put("media/2024/05/c-described-later.jpg", photo(400, 300))
    desk.ingest()
    said(post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/c-described-later.jpg",
                                                       "etag": etag_of(desk, "media/2024/05/c-described-later.jpg"),
                                                       "alt": "Later"}))
    desk.ingest()
    library = text_of(get(desk, "/desk/media", jar).body.decode())
    order = [library.index(name) for name in ("b-bare.jpg", "c-described-later.jpg", "a-described.jpg")]
    assert order == sorted(order)


def test_only_editors_change_a_photos_words_with_the_desks_token(desk):
    desk.put("media/2024/05/square.jpg", photo(600, 400))
    desk.ingest()
    seen = etag_of(desk, "media/2024/05/square.jpg")
    forged = {"key": "media/2024/05/square.jpg", "etag": seen, "alt": "Forged"}
    jar, token, _ = sign_in(desk, "contributor")
    assert post_form(desk, "/desk/media/describe", jar, {"csrf": token, **forged}).status_code == 403
    editor_jar, editor_token, _ = sign_in(desk)
    assert post_form(desk, "/desk/media/describe", editor_jar, {"csrf": "", **forged}).status_code == 403
    assert post_form(desk, "/desk/media/describe", editor_jar, {"csrf": editor_token, **forged},
                     origin="https://evil.example").status_code == 403
    outside = post_form(desk, "/desk/media/describe", editor_jar, {"csrf": editor_token, **forged,
                                                                   "key": "settings/site.yaml"})
    assert outside.status_code == 400
    assert etag_of(desk, "media/2024/05/square.jpg") == seen
    assert "Forged" not in str(desk.s3.head_object(Bucket=desk.stack.bucket, Key="media/2024/05/square.jpg"))


def test_a_photo_is_replaced_at_its_address_with_new_sizes_and_its_words_kept(desk):
    import json

    import requests

    from tests.functional.test_desk import api

    desk.put("media/2024/05/square.jpg", photo(1200, 800))
    desk.put("articles/crowd.md", story("![](/media/2024/05/square.jpg)", title="Crowd"))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    said(post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/square.jpg",
                                                       "etag": etag_of(desk, "media/2024/05/square.jpg"),
                                                       "alt": "The square", "credit": "Photo: Gazette"}))
    desk.ingest()
    old_sizes = {d[0] for d in MediaItem.get(*keys.media("media/2024/05/square.jpg")).derivatives}
    assert any(f"/{k}" in desk.get("/crowd/").body.decode() for k in old_sizes)
    shown = re.search(r'data-key="media/2024/05/square.jpg" data-etag="([^"]*)"',
                      get(desk, "/desk/media", jar).body.decode()).group(1)  # the version the library shows
    wrong = api(desk, "/desk/media/upload", jar, token, {"name": "new.png", "type": "image/png", "size": 1000,
                                                          "replace": "media/2024/05/square.jpg", "etag": shown})
    assert wrong.status_code == 400 and "same type" in wrong.body.decode()
    stale = api(desk, "/desk/media/upload", jar, token, {"name": "retouched.jpg", "type": "image/jpeg", "size": 1000,
                                                          "replace": "media/2024/05/square.jpg", "etag": "0" * 32})
    assert stale.status_code == 409 and json.loads(stale.body)["error"] == (
        "The photo media/2024/05/square.jpg changed since you opened this page. Nothing was changed.")
    signed = json.loads(api(desk, "/desk/media/upload", jar, token, {
        "name": "retouched.jpg", "type": "image/jpeg", "size": 1000, "replace": "media/2024/05/square.jpg",
        "etag": shown}).body)
    assert signed["key"] == "media/2024/05/square.jpg"
    sent = requests.post(signed["url"], data=signed["fields"],
                         files={"file": ("retouched.jpg", photo(900, 900), "image/jpeg")}, timeout=30)
    assert sent.status_code in (200, 204), sent.text
    desk.ingest()
    item = MediaItem.get(*keys.media("media/2024/05/square.jpg"))
    new_sizes = {d[0] for d in item.derivatives}
    assert (int(item.width), int(item.height)) == (900, 900) and not new_sizes & old_sizes
    assert (item.alt, item.credit) == ("The square", "Photo: Gazette")  # its words kept
    page = desk.get("/crowd/").body.decode()
    assert any(f"/{k}" in page for k in new_sizes) and not any(f"/{k}" in page for k in old_sizes)
    assert 'alt="The square"' in page
    left = {o["Key"] for o in desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="sizes/").get("Contents", [])}
    assert not left & old_sizes  # the old sizes are gone (and dropped from the edge)


def test_a_focal_point_set_in_the_library_keeps_that_part_in_the_archives_thumbnail(desk):
    desk.put("media/2024/05/tower.jpg", photo(800, 1200))
    desk.put("articles/tower.md", "---\ntitle: Tower\ndate: 2024-05-01T09:00:00Z\nimage: /media/2024/05/tower.jpg\n"
                                  "image_alt: The tower\n---\n\nTall.\n")
    desk.ingest()
    assert 'class="thumb"' in desk.get("/").body.decode()  # the centre, until told otherwise
    jar, token, _ = sign_in(desk)
    assert '<option value="top">Top</option>' in get(desk, "/desk/media", jar).body.decode()
    said(post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/tower.jpg",
                                                       "etag": etag_of(desk, "media/2024/05/tower.jpg"),
                                                       "alt": "A tower", "focus": "top"}))
    desk.ingest()
    home = desk.get("/").body.decode()
    assert 'class="thumb focus-top"' in home
    css = re.search(r'href="(/static/style\.[^"]+\.css)"', home).group(1)
    assert ".focus-top{object-position:50% 0}" in desk.get(css).body.decode()
    forged = said(post_form(desk, "/desk/media/describe", jar, {"csrf": token, "key": "media/2024/05/tower.jpg",
                                                                "etag": etag_of(desk, "media/2024/05/tower.jpg"),
                                                                "alt": "A tower", "focus": "x\" onload=\"y"}))
    assert forged["done"]
    desk.ingest()
    home = desk.get("/").body.decode()
    assert 'class="thumb"' in home and "onload" not in home  # not a focal point: the centre
