"""The first command a user types has no arguments: one line that says what to do, never a
screen of help or a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from newsroom.cli import main

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_newsroom_alone_says_in_one_line_what_to_do():
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(PROJECT_DIR)}
    run = subprocess.run([sys.executable, "-m", "newsroom.cli"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr.splitlines() == [
        "newsroom: check an article with `newsroom check FILE`, then put it on the site with "
        "`newsroom publish FILE`; `newsroom --help` says more."]


def test_a_group_alone_names_its_commands_in_one_line():
    result = CliRunner().invoke(main, ["comments"], prog_name="newsroom")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "newsroom comments: give a command: approve, delete, index, list, reject; `newsroom comments --help` says more."]


def test_help_still_lists_every_command():
    result = CliRunner().invoke(main, ["--help"], prog_name="newsroom")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {"approve", "check", "comments", "errors", "history", "import-wordpress", "media", "outbox", "publish",
                      "resync", "revert", "show", "submit", "subscribers"}
