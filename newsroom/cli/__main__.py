"""``python -m newsroom.cli``: the ``newsroom`` command."""

from newsroom.cli import main

main(prog_name="newsroom")
