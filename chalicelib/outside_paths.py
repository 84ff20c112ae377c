"""Paths from outside are data, never file names.

A path that comes from outside (an upload's address in a WordPress export, a name a browser sends,
a key in a desk form) passes here before it names a file on disk or a key in the bucket, and every
reader of such paths uses this module, so one set of rules holds everywhere:

- ``relative`` checks a path and returns it as it was (``2019/05/photo.jpg``). Given ``encoded``
  (a URL's path), it is percent-decoded once, strictly as UTF-8, and then checked. It is refused if
  it is empty, absolute, climbs out (``..``), holds an empty (``//``) or ``.`` segment, a NUL, a
  control or invisible format character, a backslash, or a percent-encoded sequence after that one
  decoding (encoded twice: ``%252e``); if its Unicode look-alikes read as any of those once
  normalised (NFKC: ``／``, ``．．``, ``‥``, ``＼``, ``％2e``); or if it is longer than S3 keeps.
- ``file_name`` is one segment of the same kind (a name, no folder).
- ``inside`` is where a checked path lands in a folder on disk: resolved (links followed), and it
  must stay inside the folder (``Path.resolve().is_relative_to(folder)``).
- ``key_under`` is the bucket key a checked path becomes under a prefix (``media/``).

Each refusal is a ``PathRefused`` (a ``ValueError``) naming the path and the reason, for a report
or an answer a person can act on. The path is never repaired: a hostile one is refused whole, so
what is stored is exactly what was named. Standard library only: every function may load it.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import unquote

MAX_BYTES = 1024  # S3's limit for a key, in UTF-8 bytes
MAX_SEGMENT_BYTES = 255  # a file name on Linux (NAME_MAX)
_INVISIBLE = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls (NUL included), format characters, surrogates, separators
_HEX = set("0123456789abcdefABCDEF")


class PathRefused(ValueError):
    """A path from outside that may not name a file or a key: ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path, self.reason = path, reason
        super().__init__(f"{shown(path)}: {reason}")


def shown(path: str) -> str:
    """``path`` as a report quotes it: escaped (a control character cannot reach a terminal), and short."""
    text = repr(path) if path.isprintable() else ascii(path)
    return text if len(text) <= 200 else text[:150] + "…" + text[-40:]


def relative(path: str, encoded: bool = False) -> str:
    """``path`` checked as a relative path inside some folder; ``encoded``: as it stands in a URL,
    decoded once here. Returns the (decoded) path unchanged.

    :raise PathRefused: naming the path and what is wrong with it.
    """
    text = _decoded(path) if encoded else path
    why = _problem(text)
    if why is None:
        folded = unicodedata.normalize("NFKC", text)
        if folded != text and (problem := _problem(folded)) is not None:
            why = f"reads as {shown(folded)} once its look-alike characters are normalised (NFKC): {problem}"
    if why is None and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        why = f"is longer than {MAX_BYTES} bytes"
    if why is None and any(len(s.encode("utf-8", "surrogatepass")) > MAX_SEGMENT_BYTES for s in text.split("/")):
        why = f"has a name longer than {MAX_SEGMENT_BYTES} bytes"
    if why is not None:
        raise PathRefused(path, why)
    return text


def file_name(name: str) -> str:
    """``name`` checked as one file name (no folder). :raise PathRefused: naming it and why."""
    checked = relative(name)
    if "/" in checked:
        raise PathRefused(name, "is a path, not a file name (it holds '/')")
    return checked


def inside(folder: Path, path: str) -> Path:
    """Where ``path`` (checked by ``relative``) lands in ``folder``: resolved, links followed, and
    still inside the folder. It need not exist yet. :raise PathRefused: naming it and why."""
    root = folder.resolve()
    target = (root / relative(path)).resolve()
    if not target.is_relative_to(root):
        raise PathRefused(path, f"is a link out of the folder {folder}, or lies in one")
    return target


def key_under(prefix: str, path: str) -> str:
    """The bucket key ``path`` (checked by ``relative``) becomes under ``prefix`` (``media/``)."""
    return prefix + relative(path)


def _decoded(path: str) -> str:
    """A URL's path decoded once, strictly as UTF-8. :raise PathRefused: bytes that are not UTF-8."""
    try:
        return unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise PathRefused(path, "holds percent-encoded bytes that are not UTF-8 text") from None


def _problem(text: str) -> str | None:
    """What makes ``text`` unfit to name a file inside a folder, or None."""
    if not text:
        return "is empty"
    if "\x00" in text:
        return "holds a NUL character"
    if (bad := next((c for c in text if unicodedata.category(c) in _INVISIBLE), None)) is not None:
        return f"holds the control or invisible character U+{ord(bad):04X}"
    if "\\" in text:
        return "holds a backslash"
    if any(c == "%" and text[i + 1:i + 2] in _HEX and text[i + 2:i + 3] in _HEX for i, c in enumerate(text)):
        return "holds a percent-encoded sequence after decoding (encoded twice)"
    if text.startswith("/"):
        return "is absolute (it starts with '/')"
    segments = text.split("/")
    if ".." in segments:
        return "climbs out of its folder ('..')"
    if "." in segments:
        return "has a '.' segment"
    if "" in segments:
        return "has an empty segment ('//' or a '/' at its end)"
    return None
