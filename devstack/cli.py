"""The ``newsroom-dev`` command: the local stack for developers (``make run``, ``make aws``)."""

from __future__ import annotations

from typing import Callable

import click

from newsroom.aws_errors import OneLineCommands


@click.group(name="newsroom-dev", cls=OneLineCommands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Newsroom's development stack: the site and a local AWS stand-in on this machine."""


def _stack_options(command: Callable[..., None]) -> Callable[..., None]:
    command = click.option("--no-content", is_flag=True, help="Start empty instead of uploading content/.")(command)
    command = click.option("--moto-port", default=5000, show_default=True, envvar="NEWSROOM_MOTO_PORT",
                           help="Port of the local AWS stand-in (moto server).")(command)
    return command


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the site listens on.")
@click.option("--port", default=8000, show_default=True, envvar="NEWSROOM_PORT", help="Port of the site.")
@_stack_options
@click.option("--reload/--no-reload", default=True, show_default=True,
              help="Restart the web server when project files change.")
def serve(host: str, port: int, moto_port: int, no_content: bool, reload: bool) -> None:
    """Run the site locally: moto, the stack from infra/, the ingest relay and chalice local."""
    from devstack.local import serve as serve_local

    serve_local(host=host, port=port, moto_port=moto_port, load_content=not no_content, reload=reload)


@main.command()
@_stack_options
def aws(moto_port: int, no_content: bool) -> None:
    """Run the local AWS stand-in alone (moto, the stack, the ingest relay, the sample content),
    for `chalice local` or the tests beside it."""
    from devstack.local import serve as serve_local

    serve_local(port=None, moto_port=moto_port, load_content=not no_content)


if __name__ == "__main__":
    main()
