"""Moving a WordPress site here: its export (WXR) converted into our content files.

- ``wxr``: reading the export, safely and as a stream; what an element says.
- ``fetching``: where the old site's uploads come from (a folder, or its address).
- ``shortcodes``: the classic editor's body (paragraphs, shortcodes, embeds).
- ``converting``: the export into files, one outcome per thing in it (``convert``).
- ``migration``: what an export becomes (``Migration``, ``Outcome``, ``ImportedComment``).

The names below are what the rest of the code (the imports function, ``newsroom import-wordpress``,
the report) uses.
"""

from chalicelib.imports.wordpress.converting import convert
from chalicelib.imports.wordpress.fetching import MediaSource, remote_source
from chalicelib.imports.wordpress.migration import ImportedComment, Migration, Outcome
from chalicelib.imports.wordpress.wxr import ExportError, read_export

__all__ = ["ExportError", "ImportedComment", "MediaSource", "Migration", "Outcome", "convert", "read_export",
           "remote_source"]
