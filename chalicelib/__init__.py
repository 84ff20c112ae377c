"""The newsroom application library, packaged by Chalice next to app.py.

Packages by job, and data flows one way through them:

- this package's own modules (``config``, ``site_settings``, ``keys``, ``models``, ``aws``,
  ``retry``, ``clock``, ``metrics``, ``messages``, ``bodies``, ``archives``): the shared
  vocabulary and the AWS plumbing every function uses. They import nothing of the packages below.
- ``content``: reading uploads. A file's bytes become a checked, typed, rendered thing
  (front matter, the content format, Markdown to sanitized HTML, photos' sizes, search terms).
- ``site``: serving readers. Reads DynamoDB and renders pages, feeds and the comment form; the
  web function's only code. It may use ``content``'s vocabulary, never ``publish``.
- ``publish``: writing the site. Ingest, the images function, revisions, listings, the
  snapshot rebuild, the edge, due times and resync. It reads what it published through
  ``site.store``, the one reader of the table.

``tests/unit/test_layout.py`` builds the import graph (imports inside functions included) and
fails on a cycle or on an import against this order.
"""
