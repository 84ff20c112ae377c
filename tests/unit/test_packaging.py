"""What Chalice packages for Lambda: dependencies and templates."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
NOT_VENDORED = {"chalice", "boto3", "click"}  # see the comment in requirements.txt


def _requirements(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            name = re.match(r"[A-Za-z0-9_.-]+", line).group(0).lower()
            out[name] = line[len(name):]
    return out


def test_requirements_txt_matches_pyproject_runtime_dependencies():
    pyproject = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    declared = _requirements(pyproject["project"]["dependencies"])
    vendored = _requirements((PROJECT_DIR / "requirements.txt").read_text().splitlines())
    assert vendored == {name: spec for name, spec in declared.items() if name not in NOT_VENDORED}


def test_templates_reach_the_package_through_vendor_link():
    link = PROJECT_DIR / "vendor" / "templates"
    assert link.is_symlink() and link.resolve() == (PROJECT_DIR / "templates").resolve()
