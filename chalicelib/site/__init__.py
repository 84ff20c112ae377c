"""Serving readers: the reads a page makes, the pages, feeds and sitemaps, readers' comments
(the web function's only write), previews by secret link, and the HTTP layer every response
passes. Imports nothing from ``chalicelib.publish``."""
