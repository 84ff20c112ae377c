"""The editors' desk: sign-in, the list, the editor and its actions, in the browser.

It works through the same path an upload takes: it writes the same files to the same keys
(``articles/``, ``drafts/``, ``submissions/``) with the signed-in person's own role, and ingest does
the rest. The top of the layers: it may use every other package, and none uses it. Only the
``/desk`` routes load it.
"""
