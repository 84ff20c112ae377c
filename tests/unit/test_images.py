"""A photo's sizes (chalicelib/content/images.py): which are made, what they are called, and that any file,
however damaged, either becomes sizes or an ImageProblem, never a crash."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from chalicelib.content import images
from devstack.photos import photo, png

SMALL_JPEG = photo(400, 300, orientation=None)
ORIGINALS = (photo(96, 72, orientation=6), png(64, 48), photo(120, 90, fmt="PNG", orientation=None),
             photo(64, 48, fmt="TIFF", orientation=6))  # made once
DAMAGED = Path(__file__).resolve().parents[1] / "data" / "images"


def test_widths_are_never_wider_than_the_original():
    assert images.widths_for(4000) == (320, 640, 960, 1280, 1920)
    assert images.widths_for(1000) == (320, 640, 960, 1000)  # and its own width, where it falls between
    assert images.widths_for(1920) == (320, 640, 960, 1280, 1920)
    assert images.widths_for(200) == (200,)  # a small image keeps its own width, in the better formats too


def test_names_carry_the_content_hash_and_the_width():
    made = images.derive("media/2024/My Photo.jpg", SMALL_JPEG)
    assert {d.key.rsplit("-", 1)[1] for d in made.derivatives} >= {"320.webp", "320.jpg"}
    assert all(d.key.startswith(f"sizes/2024/My Photo-{made.digest}-") for d in made.derivatives)
    assert images.derive("media/2024/My Photo.jpg", SMALL_JPEG).digest == made.digest  # same bytes, same names
    assert images.derive("media/2024/My Photo.jpg", photo(400, 300, orientation=None, gps=False)).digest != made.digest


def test_an_animated_gif_stays_animated():
    frames = [Image.new("RGB", (400, 200), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    made = images.derive("media/spin.gif", out.getvalue())
    animated = [d for d in made.derivatives if d.mime in ("image/gif", "image/webp")]
    assert animated  # sizes in both formats to look at
    for derivative in animated:
        assert Image.open(io.BytesIO(derivative.data)).n_frames == 3, derivative.key


def test_a_page_gets_the_fallback_src_srcset_per_format_and_a_share_image():
    made = images.derive("media/p.jpg", photo(2000, 1000, orientation=None))
    shown = images.picture_set([[d.key, d.width, d.height, d.mime, 0] for d in made.derivatives], 2000, 1000)
    assert shown["src"].endswith("-960.jpg") and shown["og"].endswith("-1280.jpg")
    assert shown["srcset"].count("w, ") == 4 and "image/webp" in dict(shown["sources"])  # 320...1920: no wider
    thumb = images.thumbnail_set(shown)
    assert thumb["srcset"].endswith("-640.jpg 640w") and "-960." not in str(thumb)
    html = images.picture_html(shown, {"alt": "A street", "class": "alignleft"})
    assert html.startswith("<picture><source type=") and 'alt="A street"' in html and 'loading="lazy"' in html
    assert 'width="2000" height="1000"' in html
    assert 'fetchpriority="high"' in images.picture_html(shown, {}, priority=True)


@pytest.mark.parametrize("name", ["x.jpg", "x.png", "x.heic", "x.gif", "x.webp"])
def test_an_empty_file_is_a_problem(name):
    with pytest.raises(images.ImageProblem):
        images.derive(f"media/{name}", b"")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_damaged_image_becomes_sizes_or_a_problem_never_a_crash(data):
    original = data.draw(st.sampled_from(ORIGINALS))
    kind = data.draw(st.sampled_from(["cut", "flip", "splice", "junk"]))
    if kind == "cut":
        damaged = original[:data.draw(st.integers(0, len(original)))]
    elif kind == "flip":
        at = data.draw(st.lists(st.integers(0, len(original) - 1), min_size=1, max_size=20))
        damaged = bytearray(original)
        for i in at:
            damaged[i] ^= data.draw(st.integers(1, 255))
        damaged = bytes(damaged)
    elif kind == "splice":
        at = data.draw(st.integers(0, len(original)))
        damaged = original[:at] + data.draw(st.binary(max_size=200)) + original[at:]
    else:
        damaged = data.draw(st.binary(max_size=500))
    name = "media/x.png" if original.startswith(b"\x89PNG") else "media/x.tif" if original.startswith((b"II", b"MM")) \
        else "media/x.jpg"
    try:
        made = images.derive(name, damaged)
    except images.ImageProblem as problem:
        assert str(problem)
    else:
        assert made.derivatives and all(d.data for d in made.derivatives)


def test_a_phone_photo_with_damaged_exif_still_gets_its_sizes_upright():
    # A 64 x 48 JPEG stored sideways (orientation 6, red top-left quarter) with GPS in its EXIF, and byte 41
    # (inside the EXIF block) XORed with 0x10: the orientation still reads, but a GPS value became text, so
    # Pillow's ImageOps.exif_transpose raised TypeError writing the EXIF back and the photo crashed the function.
    made = images.derive("media/2024/phone.jpg", (DAMAGED / "damaged-exif.jpg").read_bytes())
    assert (made.width, made.height) == (48, 64)  # turned as its orientation says
    assert made.derivatives and all(d.data for d in made.derivatives)
    for derivative in made.derivatives:
        shown = Image.open(io.BytesIO(derivative.data))
        assert not shown.getexif(), derivative.key  # the damaged metadata is dropped, not carried on
        red, green, blue = shown.convert("RGB").getpixel((shown.width - 2, 1))[:3]
        assert red > 150 and blue < 100, derivative.key  # the red quarter is now top right: turned clockwise


def test_a_photo_whose_exif_cannot_be_read_at_all_gets_its_sizes_as_stored():
    unreadable = Image.new("RGB", (64, 48), (20, 20, 230))
    out = io.BytesIO()
    unreadable.save(out, "JPEG", exif=b"Exif\x00\x00" + b"\xff" * 40)  # no TIFF header at all after "Exif"
    made = images.derive("media/x.jpg", out.getvalue())
    assert (made.width, made.height) == (64, 48) and made.derivatives


def test_a_tiff_with_a_damaged_tag_is_a_problem_not_a_crash():
    # An 8 x 6 TIFF with byte 72 (inside a tag) XORed with 0x01: Pillow's Image.open raises TypeError.
    with pytest.raises(images.ImageProblem, match="cannot be read whole"):
        images.derive("media/scan.tif", (DAMAGED / "damaged-tags.tif").read_bytes())


MODES = ["RGB", "RGBA", "L", "LA", "P", "PA", "1", "I;16", "I", "F", "CMYK", "YCbCr", "LAB"]
FORMATS = {"PNG": "png", "JPEG": "jpg", "TIFF": "tif", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


def _saved(mode: str, fmt: str) -> bytes | None:
    image = Image.new(mode, (400, 300))
    if mode == "P":
        image.info["transparency"] = 0
    out = io.BytesIO()
    try:
        image.save(out, fmt)
    except (OSError, ValueError, KeyError):
        return None  # Pillow cannot write this mode in this format: nobody uploads one
    return out.getvalue()


@pytest.mark.parametrize("mode", MODES)
def test_every_colour_mode_a_photo_can_be_saved_in_gets_its_sizes(mode):
    made = 0
    for fmt, extension in FORMATS.items():
        data = _saved(mode, fmt)
        if data is None:
            continue
        derived = images.derive(f"media/x.{extension}", data)
        assert {d.width for d in derived.derivatives} == {320, 400}, (mode, fmt)
        for derivative in derived.derivatives:
            shown = Image.open(io.BytesIO(derivative.data)).size
            assert shown == (derivative.width, derivative.width * 3 // 4), (mode, fmt, derivative.key)
        made += 1
    assert made
