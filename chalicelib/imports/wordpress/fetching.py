"""Where the old site's uploads come from: a copy of its ``wp-content/uploads`` folder, or its
address, downloaded from where still reachable (``MediaSource``); and which upload an address names
(``uploads_path``). Every path from the export is data (``outside_paths``), and every download goes
through ``chalicelib.imports.fetch`` (public addresses only, checked on every hop).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from chalicelib import outside_paths
from chalicelib.imports.fetch import FetchRefused, check_address, fetch


def remote_source(address: str) -> MediaSource:
    """The old site's address as the imports function may download from it (``fetch.check_address``):
    never a host off the public internet, on any hop. :raise FetchRefused: why not."""
    return MediaSource(check_address(address), allow_private=False)


class MediaSource:
    """Where the old site's uploads are: a copy of its ``wp-content/uploads`` folder, or the old
    site's address (``https://old.example.com``), downloaded from where still reachable.

    Every path it is asked for is data (``outside_paths``): checked before it names a file in the
    folder or the download cache, and the file must then be inside that folder."""

    MAX_BYTES = 200 * 1024 * 1024
    TIMEOUT = 30.0

    def __init__(self, where: str | Path, cache: Path | None = None, allow_private: bool = True):
        self.allow_private = allow_private
        self.url = str(where).rstrip("/") if str(where).startswith(("http://", "https://")) else None
        if self.url and "/wp-content/uploads" not in self.url:
            self.url += "/wp-content/uploads"
        self.folder = Path(where) if self.url is None else None
        self._cache = cache
        self.failures: dict[str, str] = {}  # relative path -> why it could not be had

    def get(self, relative: str) -> Path | None:
        """The upload at ``2019/05/photo.jpg``, as a local file; None when there is none (or when it is
        refused: ``failures`` says why).

        Only what the editor named is read: in a folder, regular files inside it (no link out of it, no
        device); from an address, that site only (a redirect to another host or scheme is refused), and
        never an address off the public internet unless the editor gave the old site's address as one
        such (an intranet WordPress, on their own machine)."""
        if relative in self.failures:
            return None
        try:
            if self.folder is not None:
                return self._from_folder(relative)
            target = outside_paths.inside(self.cache, relative)
        except outside_paths.PathRefused as refused:
            self.failures[relative] = f"not read: {refused.reason}"
            return None
        if target.is_file():
            return target
        if target.exists():
            self.failures[relative] = f"not read: {relative} is not a regular file"
            return None
        from urllib.parse import quote

        address = f"{self.url}/{quote(relative)}"
        try:
            data = fetch(address, self.MAX_BYTES, self.TIMEOUT, allow_private=self.allow_private)
        except FetchRefused as refused:
            self.failures[relative] = f"not downloaded: {refused}"
            return None
        except (OSError, ValueError) as error:
            self.failures[relative] = f"could not download {address}: {getattr(error, 'reason', error)}"
            return None
        if len(data) > self.MAX_BYTES:
            self.failures[relative] = f"{address} is larger than {self.MAX_BYTES // 2 ** 20} MB"
            return None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except OSError as error:  # a folder of the cache has the name of another upload
            self.failures[relative] = f"could not keep {address}: {error.strerror}"
            return None
        return target

    def _from_folder(self, relative: str) -> Path | None:
        """A regular file inside the folder. :raise PathRefused: a path that leads out of it."""
        assert self.folder is not None
        resolved = outside_paths.inside(self.folder, relative)
        path = self.folder / relative
        if not path.exists() and not path.is_symlink():
            return None
        if path.is_symlink():
            self.failures[relative] = f"not read: {relative} is a link out of the folder {self.folder}"
            return None
        if not resolved.is_file():
            self.failures[relative] = f"not read: {relative} is not a regular file"
            return None
        return resolved

    @property
    def cache(self) -> Path:
        if self._cache is None:
            import tempfile

            self._cache = Path(tempfile.mkdtemp(prefix="newsroom-media-"))
        return self._cache

    def variants(self, relative: str, metadata: str) -> list[str]:
        """The size variants WordPress made of an upload (``photo-300x200.jpg``...): named in its
        ``_wp_attachment_metadata``, and, in a folder, the files beside it named that way. Names are
        as the export gives them: each is checked where it is read (``get``)."""
        folder, name = PurePosixPath(relative).parent, PurePosixPath(relative)
        found = [f"{folder}/{f}" if str(folder) != "." else f
                 for f in re.findall(r's:4:"file";s:\d+:"([^"/]+)"', metadata)]
        if self.folder is not None and (self.folder / str(folder)).is_dir():
            pattern = re.compile(re.escape(name.stem) + r"-\d+x\d+" + re.escape(name.suffix) + "$")
            found += [str(folder / p.name) for p in sorted((self.folder / str(folder)).iterdir())
                      if pattern.match(p.name)]
        return [v for v in list(dict.fromkeys(found)) if v != relative]


def uploads_path(url: str, base_host: str) -> str | None:
    """``2013/03/photo.jpg`` for a WordPress upload URL, else None: the path after
    ``/wp-content/uploads/`` (or a WordPress.com ``/files/``), decoded once and checked as data.

    :raise outside_paths.PathRefused: an upload URL whose path may not name a file (absolute,
        ``..``, encoded twice...).
    """
    parts = urlsplit(url)
    if "/wp-content/uploads/" in parts.path:
        relative = parts.path.split("/wp-content/uploads/", 1)[1]
    elif parts.netloc.endswith(".files.wordpress.com") or (parts.netloc == base_host and
                                                             re.match(r"^/files/\d{4}/", parts.path)):
        relative = parts.path.removeprefix("/").removeprefix("files/")
    else:
        return None
    return outside_paths.relative(relative, encoded=True)
