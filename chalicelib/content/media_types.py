"""What a file uploaded under ``media/`` may be, decided by its name and checked against its bytes.

- **Photos** (JPEG, PNG, GIF, WebP, AVIF, HEIC, TIFF, BMP): they get sizes (``images``); the original
  is never served.
- **Downloads**: documents, audio and video, served as they are, but never as a page of the site:
  ``Content-Disposition: attachment`` (a browser saves it rather than showing it in the site's
  origin), ``X-Content-Type-Options: nosniff`` and ``Content-Security-Policy: sandbox;
  default-src 'none'`` (nothing in it can run script or read the site), here and at the edge
  (``infra/template.yaml``, the ``media/*`` behaviour). ``<audio>`` and ``<video>`` play them
  regardless. An SVG drawing without script, event handlers or external references is one too.
- **Refused**, with a report naming the file: HTML, XML, script and stylesheets; SVG with script,
  event handlers, ``javascript:`` or foreign content; any type not listed; and any file whose first
  bytes are not the type its name says (a ``.jpg`` that is HTML).

Pure functions of a name and the file's first bytes (``HEAD_BYTES``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

HEAD_BYTES = 64 * 1024  # what is read to decide
DOWNLOAD_HEADERS = {
    "Content-Disposition": "attachment",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
}

# extension -> (MIME type, the first bytes it must start with; None: any)
DOWNLOADS: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".mp3": ("audio/mpeg", (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".m4a": ("audio/mp4", None),  # an ISO media file: "ftyp" at offset 4 (checked below)
    ".ogg": ("audio/ogg", (b"OggS",)),
    ".oga": ("audio/ogg", (b"OggS",)),
    ".wav": ("audio/wav", (b"RIFF",)),
    ".flac": ("audio/flac", (b"fLaC",)),
    ".mp4": ("video/mp4", None),
    ".m4v": ("video/mp4", None),
    ".mov": ("video/quicktime", None),
    ".webm": ("video/webm", (b"\x1a\x45\xdf\xa3",)),
    ".ogv": ("video/ogg", (b"OggS",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    ".zip": ("application/zip", (b"PK\x03\x04",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".csv": ("text/csv", None),
    ".txt": ("text/plain", None),
    ".svg": ("image/svg+xml", None),
}
ISO_MEDIA = {".m4a", ".mp4", ".m4v", ".mov"}
_HTML = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<script|<iframe|<meta\s)", re.IGNORECASE)
_SVG_ACTIVE = re.compile(rb"<script|\son[a-z]+\s*=|javascript:|<foreignObject|<iframe|<embed|<object|"
                         rb"(?:xlink:)?href\s*=\s*[\"']\s*(?:https?:|//|data:)", re.IGNORECASE)


class MediaRefused(Exception):
    """A file under media/ the site will not serve; the message says why and what to do."""


@dataclass(frozen=True)
class Download:
    """A file served as it is, as a download."""

    mime: str


def classify(key: str, head: bytes) -> Download:
    """What a non-photo file under media/ is. :raise MediaRefused: anything the site will not serve."""
    extension = posixpath.splitext(key.lower())[1]
    if extension in (".html", ".htm", ".xhtml", ".xml", ".js", ".mjs", ".css", ".php", ".shtml"):
        raise MediaRefused(f"is a {extension[1:].upper()} file: pages, scripts and stylesheets are not served "
                           "from media/ (they would run as part of the site); publish text as an article")
    if extension not in DOWNLOADS:
        raise MediaRefused(f"has a type the site does not serve ({extension or 'no extension'}); photos, "
                           "documents (PDF, Office), audio and video are: " + ", ".join(sorted(DOWNLOADS)))
    mime, magic = DOWNLOADS[extension]
    if extension == ".svg":
        if _SVG_ACTIVE.search(head):
            raise MediaRefused("is an SVG drawing with script, event handlers or outside references, which "
                               "could run as part of the site; export it again without them (or as PNG)")
        if b"<svg" not in head[:4096].lower():
            raise MediaRefused("is named .svg but is not an SVG drawing")
        return Download(mime)
    if _HTML.match(head):
        raise MediaRefused(f"is named {extension} but holds an HTML page; upload the real file")
    if extension in ISO_MEDIA and head[4:8] != b"ftyp":
        raise MediaRefused(f"is named {extension} but is not an MP4 or QuickTime file; upload the real file")
    if magic is not None and not head.startswith(magic):
        raise MediaRefused(f"is named {extension} but its bytes are not a {extension[1:].upper()} file; "
                           "upload the real file")
    return Download(mime)
