"""The deployable artifact, built once per test session as ``make package`` builds it (devstack/package.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from devstack.package import LAMBDA_PYTHON, WrongPython, check_python

PROJECT_DIR = Path(__file__).resolve().parents[2]
STAGES = ("dev", "prod")


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``packaged(stage)``: the folder ``make package`` makes for that stage (sam.yaml, deployment.zip),
    built by the same command."""
    built: dict[str, Path] = {}
    try:
        check_python()
    except WrongPython as refusal:  # a machine without Python 3.13: make package refuses, as here
        pytest.skip(f"the Lambda package is built by Python {'%d.%d' % LAMBDA_PYTHON} only: {refusal}")

    def build(stage: str) -> Path:
        if stage not in built:
            out = tmp_path_factory.mktemp(f"package-{stage}")
            run = subprocess.run([sys.executable, "-m", "devstack.package", "--stage", stage, str(out)],
                                 cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900)
            assert run.returncode == 0, run.stderr
            built[stage] = out
        return built[stage]

    return build
