"""``newsroom media``: the media library (``list``, ``delete``).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from newsroom.aws_errors import OneLineCommands
from newsroom.cli.options import aws_options, say_where


@click.group(cls=OneLineCommands)
def media() -> None:
    """The media library: photos and files under media/, their sizes, and the articles showing them."""


@media.command("list")
@aws_options
@click.option("--unused", is_flag=True, help="Only what no article shows.")
def media_list(settings: Any, unused: bool) -> None:
    """Every file under media/: size, the sizes made of a photo (or why none could be), and the
    articles that show it."""
    from chalicelib import config
    from chalicelib.bucket import ContentBucket
    from chalicelib.models import MediaItem
    from chalicelib.publish import renditions

    records = {item.sk: item for item in MediaItem.query("media")}
    listed = list(ContentBucket(settings.bucket).listed(config.MEDIA_PREFIX))
    shown_count = unused_count = 0
    for obj in sorted(listed, key=lambda o: o["Key"]):
        key, item = obj["Key"], records.get(obj["Key"])
        users = renditions.showing(key)
        if unused and users:
            continue
        shown_count += 1
        unused_count += not users
        if item is None:
            made = "not checked yet" if not _is_photo(key) else "sizes not made yet"
        elif item.status == "ready" and not _is_photo(key):
            made = f"served as a download ({item.format})"
        elif item.status != "ready" and not _is_photo(key):
            made = "not served: " + "; ".join(item.problems or [])
        elif item.status == "ready":
            widths = sorted({int(d[1]) for d in item.derivatives or []})
            formats = sorted({d[3].split("/")[1] for d in item.derivatives or []})
            made = (f"{int(item.width)}x{int(item.height)} {item.format}; {len(item.derivatives or [])} sizes "
                    f"({', '.join(map(str, widths))} px; {', '.join(formats)})")
        else:
            made = "no sizes: " + "; ".join(item.problems or [])
        click.echo(f"{key}  {obj['Size'] / 1024:,.0f} KB  {made}")
        click.echo("    " + (", ".join(f"{path} ({article})" for article, path in users) if users else "unused"))
    click.echo(f"{shown_count} file(s), {unused_count} unused.", err=True)


def _is_photo(key: str) -> bool:
    from chalicelib.content import images

    return images.is_derivable(key)


@media.command("delete")
@aws_options
@click.argument("key")
@click.option("--force", is_flag=True, help="Delete it even though articles show it (they are listed).")
def media_delete(settings: Any, key: str, force: bool) -> None:
    """Delete a file under media/ (and, for a photo, its sizes). Refused while articles show it,
    unless --force; then those articles are rendered again without it, and listed."""
    from chalicelib import config
    from chalicelib.bucket import ContentBucket
    from chalicelib.publish import renditions

    key = key.lstrip("/")
    if not key.startswith(config.MEDIA_PREFIX):
        raise click.BadParameter(f"{key} is not under {config.MEDIA_PREFIX}", param_hint="KEY")
    users = renditions.showing(key)
    if users and not force:
        click.echo(f"{key} is shown by {len(users)} article(s); not deleted (--force deletes it anyway):", err=True)
        for article, path in users:
            click.echo(f"    {path} ({article})", err=True)
        sys.exit(1)
    say_where(f"Deleting {key}", settings)
    ContentBucket(settings.bucket).delete(key)
    for article, path in users:
        click.echo(f"{path} ({article}) showed it: it is rendered again without it.")
    click.echo(f"Deleted {key}" + ("; its sizes go with it." if _is_photo(key) else "."))
