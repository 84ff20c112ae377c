"""The deployable artifact, built once per test session as ``make package`` builds it (devstack/package.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

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

    # Under xdist each worker has this session fixture; they share the parent of their temporary folders.
    # One builds each stage while holding a lock (chalice package writes .chalice/deployments/, one cache for
    # all), and the others use what it built.
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's, under xdist too

    def build(stage: str) -> Path:
        if stage not in built:
            out = shared / f"package-{stage}"
            with (shared / "package.lock").open("w") as lock:  # one for every stage: they share the cache
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not (shared / f"package-{stage}.built").exists():
                    shutil.rmtree(out, ignore_errors=True)
                    out.mkdir()
                    run = subprocess.run([sys.executable, "-m", "devstack.package", "--stage", stage, str(out)],
                                         cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900)
                    assert run.returncode == 0, run.stderr
                    (shared / f"package-{stage}.built").touch()
            built[stage] = out
        return built[stage]

    return build


def condition(template: dict[str, Any], name: str, parameters: dict[str, str]) -> bool:
    """Evaluate one of the template's conditions for these parameter values (the defaults otherwise; the
    region ``AWS::Region`` in them, us-east-1 unless given), as CloudFormation compares them: as strings."""
    values = {k: str(v.get("Default")) for k, v in template["Parameters"].items()} | {"AWS::Region": "us-east-1"} \
        | parameters

    def value(node: Any) -> Any:
        if isinstance(node, dict) and "Ref" in node:
            return values[node["Ref"]]
        if isinstance(node, dict) and "Condition" in node:
            return truth(template["Conditions"][node["Condition"]])
        return str(node)

    def truth(node: Any) -> bool:
        [(function, arguments)] = node.items()
        if function == "Fn::Equals":
            return bool(value(arguments[0]) == value(arguments[1]))
        if function == "Fn::Not":
            return not truth(arguments[0])
        if function in ("Fn::And", "Fn::Or"):
            results = [truth(a) if "Condition" not in a else value(a) for a in arguments]
            return all(results) if function == "Fn::And" else any(results)
        if function == "Condition":
            return truth(template["Conditions"][arguments])
        raise AssertionError(function)

    return truth(template["Conditions"][name])
