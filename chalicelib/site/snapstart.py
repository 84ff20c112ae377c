"""Lambda SnapStart: what the web function does before its snapshot, and after each restore.

With SnapStart (``infra/template.yaml``, on in prod) Lambda runs the
function's initialisation once per published version, snapshots the memory,
and starts every new instance from a copy of that snapshot. Whatever exists
at the snapshot therefore exists, identical, in every instance, at any later
time. So, before the snapshot, only what is the same everywhere and forever:

- **Primed** (:func:`before_snapshot`): the modules, the Jinja2 templates,
  the botocore session with its endpoint data and DynamoDB's service model.
  No AWS client (creating one resolves credentials), no connection, no read
  of the clock, no data from the table.
- **After restore** (:func:`after_restore`): any client or connection is
  dropped so that each instance opens its own; ``random`` (retry jitter) is
  seeded again, or every instance would back off in step.

Nothing else needs the hooks: the site data cache (``store``) is filled by
the first request, and times are read per request. The hooks come from
``snapshot_restore_py``, which the Python managed runtimes include; where it
is missing (tests, ``chalice local``) :func:`register` does nothing.
"""

from __future__ import annotations

import random

from chalicelib import aws


def before_snapshot() -> None:
    """Load what every request needs and every instance can share (see the module docstring)."""
    from chalicelib.site import templating

    environment = templating.environment()
    for name in environment.list_templates(filter_func=lambda n: n.endswith((".html", ".xml"))):
        environment.get_template(name)
    session = aws.botocore_session()
    session.get_service_model("dynamodb")
    session.get_component("endpoint_resolver")


def after_restore() -> None:
    """Make this instance its own: new connections, a new random seed."""
    aws.forget_clients()
    random.seed()


def register() -> bool:
    """Register the hooks with the runtime; False where there is no SnapStart runtime library."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
