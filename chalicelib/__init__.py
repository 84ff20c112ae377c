"""The newsroom application library, packaged by Chalice next to app.py.

Packages by job, and data flows one way through them:

- this package's own modules (``config``, ``site_settings``, ``keys``, ``models``, ``aws``,
  ``retry``, ``clock``, ``metrics``, ``messages``, ``bodies``, ``archives``, ``snapshot``,
  ``preview``, ``protected``, ``old_urls``, ``bucket``, ``problems``, ``discussion``...): the shared
  vocabulary and the AWS plumbing every function uses. They import nothing of the packages below.
- ``content``: reading uploads. A file's bytes become a checked, typed, rendered thing
  (front matter, the content format, Markdown to sanitized HTML, photos' sizes, search terms).
- ``site`` and ``publish``, side by side, never importing each other:
  ``site`` serves readers (reads DynamoDB, renders pages, feeds and the comment form: the web
  function's code); ``publish`` writes the site (ingest, the images function, revisions, listings,
  the snapshot rebuild, comment moderation, the edge, due times and resync), with reads of its own.
  What both need is in the root.
- ``imports`` (moving a WordPress site here) and ``desk`` (the editors' desk) above them.

``tests/unit/test_layout.py`` builds the import graph (imports inside functions included) and
fails on a cycle, on an import against this order, or on any import between ``site`` and ``publish``.
"""
