"""Reading uploads: the content format (front matter, fields, limits), Markdown or HTML to
sanitized HTML, photos' sizes, and search terms. Pure functions of a file's bytes: nothing here
reads or writes the table, and both ingest and the editors' ``newsroom check`` call it."""
