"""What Chalice packages for Lambda: dependencies and templates."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

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


@pytest.mark.slow
def test_deployment_package_contains_app_library_and_templates(tmp_path):
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
    run = subprocess.run([str(Path(sys.executable).with_name("chalice")), "package", "--stage", "dev",
                          str(tmp_path / "out")], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stderr
    names = set(zipfile.ZipFile(tmp_path / "out" / "deployment.zip").namelist())
    templates = {p.relative_to(PROJECT_DIR).as_posix() for p in (PROJECT_DIR / "templates").rglob("*") if p.is_file()}
    assert templates <= names
    assert {"app.py", "chalicelib/pages.py", "chalicelib/ingest.py", "jinja2/__init__.py", "nh3/__init__.py",
            "markdown_it/__init__.py", "pynamodb/__init__.py"} <= names
