"""Writing the site: the ingest and images functions and everything they write (articles and
listings through the revision protocol, terms, links, the snapshot, due times, the edge's
invalidations), and resync. Never loaded by the web function."""
