"""The ``newsroom`` command: the editors' tools.

Built on click: every command has ``--help``. Content checks use the very parser the ingest
function uses (``chalicelib.content.content_format``), so a file that ``newsroom check`` accepts is
a file the site publishes. The commands live by group, as Chalice's own ``chalice/cli`` is laid
out; this module only gathers them under ``main``:

- ``files``: check, publish, submit, approve
- ``versions``: history, show, revert
- ``site``: resync, errors
- ``media``: the media group (list, delete)
- ``comments``: the comments group (list, approve, reject, delete)
- ``wordpress``: import-wordpress
- ``outbox``: the e-mails the local stand-in's SES accepted

``options`` holds the flags every command shares (which site, which files), ``sending`` the
check-upload-follow every writing command does. Each command imports what it uses when it runs, so
``newsroom --help`` loads no AWS library.
"""

from __future__ import annotations

import click

from newsroom.aws_errors import OneLineCommands
from newsroom.cli import comments, files, media, outbox, site, subscribers, versions, wordpress


@click.group(name="newsroom", cls=OneLineCommands, context_settings={"help_option_names": ["-h", "--help"]},
             first_steps="check an article with `newsroom check FILE`, then put it on the site with "
                         "`newsroom publish FILE`")
def main() -> None:
    """Newsroom: publish a news site from files, on AWS or locally."""


for command in (files.check, files.publish, files.submit, files.approve, versions.history, versions.show,
                versions.revert, site.resync, site.errors, media.media, comments.comments,
                wordpress.import_wordpress, outbox.outbox, subscribers.subscribers):
    main.add_command(command)
