"""``chalice local``, without PynamoDB's two lines about its settings file at every start.

``python -m devstack.chalice_local ARGS...`` is ``chalice local ARGS...``: PynamoDB logs, at INFO and
on import, that ``/etc/pynamodb/global_default_settings.py`` does not exist and that it uses its
defaults, which chalice local's logging prints into the terminal ``make run`` shows a newcomer.
"""

from __future__ import annotations

import logging
import sys

from chalice.cli import main

if __name__ == "__main__":
    logging.getLogger("pynamodb.settings").setLevel(logging.WARNING)
    sys.argv = ["chalice", "local", *sys.argv[1:]]
    sys.exit(main())
