"""The development stack: what developers run, never what editors or Lambda run.

``local`` (``make run`` and ``make aws``: moto, the template, the ingest
relay, chalice local), ``stack`` (creates ``infra/template.yaml`` in moto),
``moto_gaps`` (where moto differs from AWS), ``child`` (a process that ends
with its parent) and ``package`` (the deployable stack). The editors' tool
(``newsroom/``) imports none of it.
"""
