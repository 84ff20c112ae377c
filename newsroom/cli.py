"""The ``newsroom`` command: editors' tools and the local stack.

Built on click: every command has ``--help``. Content checks use the very
parser the ingest function uses (``chalicelib.content_format``), so a file
that ``newsroom check`` accepts is a file the site publishes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Newsroom: publish a news site from files, on AWS or locally."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the site listens on.")
@click.option("--port", default=8000, show_default=True, envvar="NEWSROOM_PORT", help="Port of the site.")
@click.option("--moto-port", default=5000, show_default=True, envvar="NEWSROOM_MOTO_PORT",
              help="Port of the local AWS stand-in (moto server).")
@click.option("--no-content", is_flag=True, help="Start empty instead of uploading content/.")
@click.option("--reload/--no-reload", default=True, show_default=True,
              help="Restart the web server when project files change.")
def serve(host: str, port: int, moto_port: int, no_content: bool, reload: bool) -> None:
    """Run the site locally: moto, the stack from infra/, the ingest relay and chalice local."""
    from newsroom.local import serve as serve_local

    serve_local(host=host, port=port, moto_port=moto_port, load_content=not no_content, reload=reload)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Folder that mirrors the bucket (default: the nearest folder holding articles/ or pages/).")
def check(files: tuple[Path, ...], root: Path | None) -> None:
    """Validate content files with the same rules as the site's ingest."""
    from chalicelib.content_format import ContentError, parse_file

    failed = 0
    for path in _expand(files):
        key = _bucket_key(path, root)
        try:
            parse_file(key, path.read_bytes())
        except ContentError as error:
            failed += 1
            for problem in error.problems:
                click.echo(f"{path}: {problem}", err=True)
        else:
            click.echo(f"{path}: ok")
    if failed:
        click.echo(f"{failed} file(s) have problems.", err=True)
        sys.exit(1)


@main.command()
@click.option("--stage", default="dev", show_default=True, type=click.Choice(["dev", "prod"]),
              help="Which deployment's bucket and table (names from .chalice/config.json).")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL",
              help="AWS endpoint, e.g. http://127.0.0.1:5000 for the local stack (default: real AWS).")
@click.option("--quick", is_flag=True, help="Skip files whose ETag is unchanged instead of rewriting them.")
def resync(stage: str, endpoint_url: str | None, quick: bool) -> None:
    """Make the site match the bucket exactly: add, repair, remove, report."""
    import os

    from newsroom.local import stage_environment

    os.environ.update(stage_environment(stage))
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    from chalicelib import config
    from chalicelib.resync import bucket_keys, resync as run_resync

    total = sum(1 for _ in bucket_keys(config.CONTENT_BUCKET))
    with click.progressbar(length=total, label=f"Resyncing {config.CONTENT_BUCKET}",
                           item_show_func=lambda key: key, file=sys.stderr) as bar:
        counts = run_resync(config.CONTENT_BUCKET, force=not quick, progress=lambda key, outcome: bar.update(1, key))
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "bucket is empty")
    if counts.get("invalid"):
        click.echo("Invalid files have reports under reports/ in the bucket.", err=True)


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
    return out


def _bucket_key(path: Path, root: Path | None) -> str:
    """The key a file would have in the bucket: its path below the content root."""
    path = path.resolve()
    if root is not None:
        return path.relative_to(root.resolve()).as_posix()
    from chalicelib import config

    for parent in path.parents:
        if parent.name + "/" in config.INGESTED_PREFIXES:
            return path.relative_to(parent.parent).as_posix()
    return f"{config.ARTICLES_PREFIX}{path.name}"


if __name__ == "__main__":
    main()
