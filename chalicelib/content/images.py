"""The sizes a photo is shown in: what they are, where they live, and how they are made.

An editor (or the WordPress import) uploads the original under ``media/``;
the images function (``chalicelib/publish/renditions.py``, its own Lambda and queue)
makes its *derivatives* here: widths ``WIDTHS`` no wider than the original,
each in WebP, in AVIF where the Pillow build has it, and in a format every
browser shows (the original's; JPEG for HEIC/HEIF and AVIF originals).

Derivatives are written under ``sizes/`` with the original's content hash in
their names, so they never change and are cached for a year; they carry no
metadata at all (EXIF, GPS, XMP, IPTC, comments): orientation is applied to
the pixels first, then everything else is dropped. Readers get derivatives
only: the original stays in the bucket (``is_private_original``).

Pillow (with pillow-heif for iPhone photos) is imported only by ``derive``,
so the web function and ingest never load it (docs/dependencies.md).
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import struct
import warnings
from dataclasses import dataclass
from typing import Any

from chalicelib import config

WIDTHS = (320, 640, 960, 1280, 1920)
MAX_PIXELS = 64_000_000  # 8000 x 8000 at most: ~256 MB decoded as RGBA, within a 1,024 MB function
MAX_FRAMES = 300  # an animated GIF/WebP longer than this is refused rather than resized frame by frame
MAX_ORIGINAL_BYTES = 60 * 1024 * 1024
CACHE_CONTROL = "public, max-age=31536000, immutable"

# The formats a file's extension promises, as Pillow names them.
EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP",
              ".heic": "HEIF", ".heif": "HEIF", ".avif": "AVIF", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp", "AVIF": "image/avif"}
SUFFIX = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "AVIF": "avif"}
# What every browser shows, for each original format (browsers do not show HEIC; AVIF not everywhere).
FALLBACK = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WEBP": "JPEG", "HEIF": "JPEG", "AVIF": "JPEG",
            "TIFF": "JPEG", "BMP": "PNG"}
QUALITY = {"JPEG": 80, "WEBP": 75, "AVIF": 50}  # AVIF 50 looks like JPEG 80 at a third of the bytes


# What Pillow's decoders raise on a damaged file: OSError, SyntaxError, ValueError and EOFError as documented,
# and, from a damaged header or tag, what its parsers happen to meet (a TIFF whose size tag holds a fraction
# raises TypeError inside ``Image.open``; tests/data/images/).
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError, struct.error)

WAITING = "its sizes are being made; the article is published by itself as soon as they are"


class ImageProblem(ValueError):
    """A file under media/ that cannot be made into sizes: what is wrong, for the editor's report."""


@dataclass(frozen=True)
class Derivative:
    key: str  # sizes/2024/photo-<hash>-640.webp
    width: int
    height: int
    mime: str
    data: bytes = b""


@dataclass(frozen=True)
class Derived:
    """An original's facts and its derivatives."""

    width: int  # after orientation
    height: int
    format: str  # as Pillow reads it: JPEG, PNG, HEIF...
    digest: str
    derivatives: tuple[Derivative, ...]


def is_derivable(key: str) -> bool:
    """Whether ``key`` is an image under media/ that gets sizes (PDFs, audio, SVG... are served as they are)."""
    return key.startswith(config.MEDIA_PREFIX) and posixpath.splitext(key.lower())[1] in EXTENSIONS


def key_of(src: str) -> str:
    """The bucket key of a site path: ``/media/a%20b.jpg`` -> ``media/a b.jpg``."""
    from urllib.parse import unquote

    return unquote(src.split("?", 1)[0].split("#", 1)[0].lstrip("/"))


def is_private_original(key: str) -> bool:
    """Readers never get the original of a photo (location data, full size): only its derivatives."""
    return is_derivable(key)


def derivative_key(original: str, digest: str, width: int, fmt: str) -> str:
    """``media/2024/photo.jpg`` -> ``sizes/2024/photo-<hash>-640.webp``."""
    stem = posixpath.splitext(original.removeprefix(config.MEDIA_PREFIX))[0]
    return f"{config.SIZES_PREFIX}{stem}-{digest}-{width}.{SUFFIX[fmt]}"


def formats_for(original_format: str) -> tuple[str, ...]:
    """The formats an original's derivatives are made in, best first; the last is the fallback."""
    found = ["AVIF"] if _has_avif() else []
    found.append("WEBP")
    fallback = FALLBACK.get(original_format, "JPEG")
    return tuple(f for f in found if f != fallback) + (fallback,)


def widths_for(width: int) -> tuple[int, ...]:
    """WIDTHS no wider than the original, and the original's own width where it falls between two
    of them (a 500 px chart is shown at 500 px, not blown up from 320)."""
    kept = tuple(w for w in WIDTHS if w <= width)
    return kept + (width,) if width < WIDTHS[-1] and width not in kept else kept


MAX_SIDE = 16383  # pixels on one side of a size: WebP's limit


def derive(key: str, data: bytes) -> Derived:
    """Every derivative of the original ``data`` at ``key``.

    :raise ImageProblem: not an image, a format its name does not say, truncated,
        too many pixels (a decompression bomb) or frames.
    """
    from PIL import Image, ImageSequence, UnidentifiedImageError

    _register_heif()
    expected = EXTENSIONS[posixpath.splitext(key.lower())[1]]
    if len(data) > MAX_ORIGINAL_BYTES:
        raise ImageProblem(f"is {len(data) // 1048576} MB; images may be {MAX_ORIGINAL_BYTES // 1048576} MB at most")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)  # damaged EXIF: its tags are dropped anyway
        try:
            image = Image.open(io.BytesIO(data))
            found = "HEIF" if image.format in ("HEIF", "HEIC") else image.format
            if found != expected:
                raise ImageProblem(f"is a {found or 'unknown'} file, but its name says "
                                   f"{posixpath.splitext(key)[1]}: rename it or export it again")
            if image.width * image.height > MAX_PIXELS:
                raise ImageProblem(f"is {image.width} x {image.height} pixels; at most {MAX_PIXELS // 1_000_000} "
                                   "million are made into sizes (a decompression bomb?)")
            frames = getattr(image, "n_frames", 1)
            if frames > MAX_FRAMES:
                raise ImageProblem(f"has {frames} frames; animations may have {MAX_FRAMES} at most")
            image.load()
            if frames > 1:
                pictures = [frame.convert("RGBA") for frame in ImageSequence.Iterator(image)]
                durations = [frame.info.get("duration", 100) for frame in ImageSequence.Iterator(image)]
            else:
                pictures = [_upright(image)]
                durations = []
        except ImageProblem:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageProblem(f"has too many pixels to be made into sizes (a decompression bomb?): {exc}") from exc
        except UnidentifiedImageError as exc:
            raise ImageProblem(f"is not an image Pillow can read (expected {expected}): the file may be damaged "
                               "or not an image at all") from exc
        except _UNREADABLE as exc:
            raise ImageProblem(f"cannot be read whole ({exc}): it may be truncated or damaged; upload it again") from exc
    digest = hashlib.sha256(data).hexdigest()[:12]
    width, height = pictures[0].size
    derivatives = []
    for target in widths_for(width):
        size = (target, max(1, round(height * target / width)))
        if size[1] > MAX_SIDE:  # a sliver: its sizes would be taller than WebP (and browsers) can hold
            raise ImageProblem(f"is {width} x {height} pixels: too tall for its width to make sizes of "
                               f"(a {target} px wide one would be {size[1]:,} px tall; at most {MAX_SIDE:,}). "
                               "Crop it and upload it again")
        resized = [p.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if p.size != size else p.copy()
                   for p in pictures]
        for fmt in formats_for(found):
            derivatives.append(Derivative(derivative_key(key, digest, target, fmt), size[0], size[1], MIME[fmt],
                                          _encode([_clean(p.copy(), fmt) for p in resized], fmt, durations)))
    return Derived(width, height, found, digest, tuple(derivatives))


# EXIF orientation -> the turn that stands the pixels up (as ImageOps.exif_transpose applies it).
_TURNS = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
          7: "TRANSVERSE", 8: "ROTATE_90"}


def _upright(image: Any) -> Any:
    """The picture turned the way its EXIF orientation says; without the turn if the metadata cannot be read.

    Pillow parses EXIF when it is asked for, and a damaged block (one flipped byte in a phone photo) makes
    its parser raise TypeError, ValueError, KeyError, struct.error... rather than one documented error. The
    sizes carry no metadata anyway (``_clean``), so unreadable metadata is dropped, and the photo still
    gets its sizes, as it is stored.
    """
    from PIL import Image

    try:
        orientation = image.getexif().get(0x0112)
    except Exception:  # any failure inside the metadata parser: the metadata is dropped
        orientation = None
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(getattr(Image.Transpose, turn)) if turn else image.copy()


def _clean(picture: Any, fmt: str) -> Any:
    """The pixels only: no EXIF, XMP, IPTC, comments or text chunks travel on (``info`` is what savers
    read them from); a mode the format can write."""
    picture.info = {}
    if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
        from PIL import Image

        if picture.mode in ("RGBA", "LA", "P", "PA"):
            rgba = picture.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return picture.convert("RGB")
    if fmt in ("WEBP", "AVIF") and picture.mode not in ("RGB", "RGBA"):
        return picture.convert("RGBA" if "A" in picture.getbands() or picture.mode == "P" else "RGB")
    return picture


def _encode(frames: list[Any], fmt: str, durations: list[int]) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if fmt in QUALITY:
        options["quality"] = QUALITY[fmt]
    if fmt == "JPEG":
        options.update(optimize=True, progressive=True)
    if fmt == "AVIF":
        options["speed"] = 8
    if fmt == "PNG":
        options["optimize"] = True
    if len(frames) > 1 and fmt in ("GIF", "WEBP", "PNG", "AVIF"):
        options.update(save_all=True, append_images=frames[1:], duration=durations, loop=0)
    frames[0].save(out, fmt, **options)
    return out.getvalue()


def _has_avif() -> bool:
    from PIL import features

    return bool(features.check("avif"))


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


# --- how pages show them ------------------------------------------------------------------

# The article column: the page's width less its margins on phones, 728 px beside the sidebar.
BODY_SIZES = "(max-width: 800px) calc(100vw - 32px), 728px"
THUMB_SIZES = "160px"
OG_WIDTH = 1280  # what Facebook, X and Google ask of a share image (1200 px or more)


def picture_set(derivatives: list[list[Any]], width: int, height: int) -> dict[str, Any]:
    """What a page needs to show an image (stored on its Post and Listing items): the fallback
    ``src`` and ``srcset``, one ``sources`` srcset per better format, the shown size, the share
    image (``og``) and the largest clean copy (what a link to the original gets). ``derivatives`` as in
    ``MediaItem.derivatives``."""
    by_mime: dict[str, list[tuple[int, str]]] = {}
    for key, w, _h, mime, *_ in derivatives:
        by_mime.setdefault(mime, []).append((int(w), "/" + key))
    order = [MIME[f] for f in ("AVIF", "WEBP")]
    fallback_mime = next(m for m in list(by_mime)[::-1] if m not in order) if any(
        m not in order for m in by_mime) else order[-1]
    fallback = sorted(by_mime[fallback_mime])

    def srcset(entries: list[tuple[int, str]]) -> str:
        return ", ".join(f"{url} {w}w" for w, url in sorted(entries))

    src = next((url for w, url in fallback if w >= 960), fallback[-1][1])
    og = next((url for w, url in fallback if w >= OG_WIDTH), fallback[-1][1])
    return {"src": src, "srcset": srcset(fallback), "w": width, "h": height, "og": og, "largest": fallback[-1][1],
            "sources": [[mime, srcset(by_mime[mime])] for mime in order if mime in by_mime and mime != fallback_mime]}


# A photo's focal point: the part a crop keeps (an archive's thumbnail is cut to 160 x 100 by CSS,
# ``object-fit: cover``); the page gives the thumbnail the class ``focus-<point>`` (the stylesheet's
# ``object-position``: no inline style under the CSP). The centre is the default and not stored.
FOCAL_POINTS = ("top-left", "top", "top-right", "left", "right", "bottom-left", "bottom", "bottom-right")


def thumbnail_set(image: dict[str, Any] | None, largest: int = 640) -> dict[str, Any] | None:
    """A ``picture_set`` cut to the widths an archive's thumbnail can use (its listing items stay small)."""
    if not image:
        return None

    def cut(srcset: str) -> str:
        kept = [c for c in srcset.split(", ") if int(c.rsplit(" ", 1)[1].rstrip("w")) <= largest]
        return ", ".join(kept or srcset.split(", ")[:1])

    return {**image, "srcset": cut(image["srcset"]), "sources": [[m, cut(s)] for m, s in image["sources"]],
            "src": cut(image["srcset"]).split(", ")[-1].split(" ")[0]}


def picture_html(image: dict[str, Any], attrs: dict[str, str], sizes: str = BODY_SIZES,
                 priority: bool = False) -> str:
    """``<picture>`` for a ``picture_set``: a ``<source>`` per better format and the ``<img>`` with
    ``attrs`` (already escaped: alt, class, title...), its width and height (no layout shift), and lazy
    loading, or ``fetchpriority="high"`` for the page's largest image."""
    from html import escape

    img = {k: v for k, v in attrs.items() if k not in ("src", "srcset", "sizes", "width", "height", "loading",
                                                       "decoding", "fetchpriority")}
    img.setdefault("alt", "")
    img.update(src=escape(image["src"]), srcset=escape(image["srcset"]), sizes=sizes,
               width=str(int(image["w"])), height=str(int(image["h"])))
    img.update({"fetchpriority": "high"} if priority else {"loading": "lazy", "decoding": "async"})
    sources = "".join(f'<source type="{mime}" srcset="{escape(srcset)}" sizes="{sizes}">'
                      for mime, srcset in image["sources"])
    return f"<picture>{sources}<img " + " ".join(f'{k}="{v}"' for k, v in img.items()) + "></picture>"
