"""The deployable artifact, built once per test session by ``chalice package``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
STAGES = ("dev", "prod")


@pytest.fixture(scope="session")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``packaged(stage)``: the folder ``make package`` makes for that stage (sam.yaml, deployment.zip)."""
    built: dict[str, Path] = {}

    def build(stage: str) -> Path:
        if stage not in built:
            out = tmp_path_factory.mktemp(f"package-{stage}")
            env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1"}
            run = subprocess.run([str(Path(sys.executable).with_name("chalice")), "package", "--stage", stage,
                                  "--merge-template", "infra/template.yaml", str(out)],
                                 cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900)
            assert run.returncode == 0, run.stderr
            built[stage] = out
        return built[stage]

    return build
