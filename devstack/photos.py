"""Photos and images for tests and benchmarks, made in memory: the same arguments make the same bytes."""

from __future__ import annotations

import io
import random
import struct
import zlib


def png(width: int, height: int) -> bytes:
    """A valid black PNG of ``width`` x ``height``."""
    return _png(width, height, zlib.compress(b"\0" * ((1 + 3 * width) * height)))


def bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (900 million: gigabytes once decoded)
    in a few bytes: a decompression bomb."""
    return _png(width, height, zlib.compress(b"\0" * 4096))


def _png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def photo(width: int = 4000, height: int = 3000, fmt: str = "JPEG", orientation: int | None = 6,
          gps: bool = True) -> bytes:
    """A photo as a phone takes it: ``width`` x ``height`` as stored, with camera noise (so it weighs
    what a photo weighs), EXIF with GPS coordinates, a camera make and an ``orientation`` (6: the
    camera was turned, and the pixels must be rotated 90° clockwise to stand up); an XMP packet too.
    The same arguments make the same bytes.
    The top-left quarter is red, so a test can tell which way up a derivative is."""
    from PIL import Image, ImageDraw

    # Noise from a seeded generator (Pillow's effect_noise draws from C's rand()): the same arguments make
    # the same bytes on every run, so a test (and hypothesis's examples built from it) is repeatable.
    noise = Image.frombytes("L", (width, height), random.Random(width * 7919 + height).randbytes(width * height))
    grain = noise.point(lambda v: 64 + v // 2)  # 64...191: about what a phone sensor adds
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (gradient, grain, Image.eval(gradient, lambda v: 255 - v)))
    ImageDraw.Draw(image).rectangle((0, 0, width // 2, height // 2), fill=(230, 20, 20))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (35.0, 41.0, 22.2), 3: "E", 4: (51.0, 23.0, 14.4)}  # Tehran
    out = io.BytesIO()
    extra = {"xmp": XMP} if fmt in ("JPEG", "WEBP", "PNG") else {}
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    image.save(out, fmt, exif=exif.tobytes(), quality=90, **extra)
    return out.getvalue()


XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Tehran" '
       b'photoshop:Credit="Source Name"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
