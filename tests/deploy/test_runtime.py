"""The Lambda runtime: python3.13, built only by Python 3.13, and never one that AWS retires soon."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest
import yaml

from devstack.package import LAMBDA_PYTHON, WrongPython, check_python
from tests.deploy.conftest import PROJECT_DIR, STAGES

WARNING_MONTHS = 12


def lifecycle() -> dict[str, dict[str, str]]:
    """cfn-lint's Lambda runtime lifecycle data: deprecation and block dates per runtime."""
    data = resources.files("cfnlint") / "data" / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"
    return json.loads(data.read_text())


def retiring_runtimes(template: dict, today: dt.date, months: int = WARNING_MONTHS) -> dict[str, str]:
    """{function: "python3.11 deprecated 2027-06-30"} for each function whose runtime AWS deprecates
    (or blocks creating or updating) within ``months`` of ``today``, by cfn-lint's data."""
    horizon = today + dt.timedelta(days=round(months * 30.44))
    dates = lifecycle()
    retiring = {}
    for name, resource in template.get("Resources", {}).items():
        if resource.get("Type") not in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            continue
        runtime = resource.get("Properties", {}).get("Runtime") or template.get("Globals", {}).get(
            "Function", {}).get("Runtime")
        known = dates.get(runtime)
        if known is None:
            retiring[name] = f"{runtime}: not in cfn-lint's lifecycle data"
            continue
        for event in ("deprecated", "create-block", "update-block"):
            if dt.date.fromisoformat(known[event]) <= horizon:
                retiring[name] = f"{runtime} {event} {known[event]}"
                break
    return retiring


def test_the_guard_catches_a_python311_template_from_july_2026():
    template = {"Resources": {"APIHandler": {"Type": "AWS::Serverless::Function",
                                            "Properties": {"Runtime": "python3.11"}}}}
    assert retiring_runtimes(template, dt.date(2026, 7, 1)) == {"APIHandler": "python3.11 deprecated 2027-06-30"}
    assert retiring_runtimes(template, dt.date(2025, 6, 1)) == {}
    assert "not in cfn-lint" in retiring_runtimes({"Resources": {"F": {"Type": "AWS::Lambda::Function",
                                                                       "Properties": {"Runtime": "python9"}}}},
                                                  dt.date(2026, 7, 1))["F"]


@pytest.mark.slow
@pytest.mark.parametrize("stage", STAGES)
def test_no_packaged_function_runs_a_runtime_aws_retires_within_a_year(packaged, stage):
    template = yaml.safe_load((packaged(stage) / "sam.yaml").read_text())
    runtimes = {r["Properties"]["Runtime"] for r in template["Resources"].values()
                if r["Type"] == "AWS::Serverless::Function"}
    assert runtimes == {"python%d.%d" % LAMBDA_PYTHON}
    assert retiring_runtimes(template, dt.date.today()) == {}


@pytest.mark.slow
def test_compiled_code_in_the_package_is_for_cpython_313_on_manylinux(packaged):
    names, wheels = [], {}
    for part in ("deployment.zip", "images-layer.zip", "desk-layer.zip"):  # the code; Pillow's and cryptography's layers
        with zipfile.ZipFile(packaged("prod") / part) as package:
            names += package.namelist()
            wheels |= {name: package.read(name).decode() for name in package.namelist()
                       if name.endswith(".dist-info/WHEEL")}
    extensions = [name for name in names if name.endswith(".so")]
    assert extensions  # PyYAML, PyStemmer, MarkupSafe, nh3, Pillow, pillow-heif...
    assert any(n.startswith("python/PIL/_imaging.") for n in extensions)
    assert any(n.startswith("python/PIL/_avif.") for n in extensions)  # AVIF sizes: the Lambda wheel has it
    assert any(n.startswith("python/_pillow_heif.") for n in extensions)
    assert any(n.startswith("python/cryptography/hazmat/bindings/_rust.") for n in extensions)
    for name in extensions:
        assert name.endswith((".cpython-313-x86_64-linux-gnu.so", ".abi3.so")), name
    binary = {name: text for name, text in wheels.items() if "Root-Is-Purelib: false" in text}
    assert binary
    for name, text in binary.items():
        tags = [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("Tag: ")]
        assert any(tag.startswith(("cp313-cp313-manylinux", "cp39-abi3-manylinux", "cp38-abi3-manylinux",
                                   "cp37-abi3-manylinux")) or ("-abi3-manylinux" in tag) for tag in tags), (name, tags)
    compiled = [name for name in names if name.endswith(".pyc")]
    assert compiled and all(".cpython-313." in name for name in compiled)


def test_another_python_is_refused_in_one_line_that_says_what_to_install():
    with pytest.raises(WrongPython) as refused:
        check_python((3, 11, 7))
    message = str(refused.value)
    assert "\n" not in message
    assert "python3.13" in message and "Python 3.11.7" in message and "pyenv install 3.13" in message
    check_python((3, 13, 0))  # the runtime's own is taken


def test_make_package_on_another_python_refuses_and_builds_nothing(tmp_path):
    candidates = [shutil.which("python3"), "/usr/bin/python3", "/usr/local/bin/python3"]
    other = next((p for p in candidates if p and Path(p).exists()
                  and subprocess.run([p, "-c", "import sys; sys.exit(sys.version_info[:2] == (3, 13))"]).returncode == 0),
                 None)
    if other is None or sys.version_info[:2] != LAMBDA_PYTHON:
        pytest.skip("needs another Python beside 3.13 to show the refusal")
    run = subprocess.run([str(other), "-c", "import sys; sys.path.insert(0, '.'); "
                          "from devstack.package import main; sys.exit(main(['--stage', 'dev', sys.argv[1]]))",
                          str(tmp_path / "out")], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "needs Python 3.13" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
