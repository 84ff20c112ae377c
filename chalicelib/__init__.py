"""The newsroom application library, packaged by Chalice next to app.py.

Data flows one way: upload -> ``content_format`` (parse/validate) ->
``markup`` (Markdown to safe HTML) -> ``publishing`` (write DynamoDB) ->
``store`` (read DynamoDB) -> ``pages`` (render HTML). ``ingest`` drives the
first half from S3 notifications; ``app.py`` drives the second half from
HTTP requests.
"""
