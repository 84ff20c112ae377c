"""Settings are read when used, never at import, and can be handed in (chalicelib/config.py)."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import chalicelib
from chalicelib import config
from chalicelib.config import Config

PROJECT_DIR = Path(__file__).resolve().parents[2]
MODULES = sorted(m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."))


def test_importing_every_chalicelib_module_builds_no_settings():
    """In a fresh interpreter: import everything, then the environment is read only when asked."""
    script = (
        "import importlib, json, os\n"
        f"for name in {MODULES!r}: importlib.import_module(name)\n"
        "from chalicelib import config\n"
        "built_at_import = config.is_built()\n"
        "os.environ['NEWSROOM_TABLE'] = 'set-after-import'\n"
        "print(json.dumps([built_at_import, config.current().table]))\n"
    )
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(PROJECT_DIR)}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [False, "set-after-import"]
    assert len(MODULES) > 40  # every module of every package


def test_handed_in_settings_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSROOM_TABLE", "from-the-environment")
    with config.using(Config(stage="prod")):
        assert config.current().table == "newsroom-prod-content"
        assert config.current().bucket == "newsroom-prod-content"
        assert config.current().queue == "newsroom-prod-ingest"


def test_models_use_the_table_of_the_settings_in_force():
    from chalicelib.models import Post

    with config.using(Config(stage="prod")):
        assert Post._get_connection().table_name == "newsroom-prod-content"
    with config.using(Config(stage="dev", table="elsewhere")):
        assert Post._get_connection().table_name == "elsewhere"


def test_clients_follow_the_settings_endpoint_and_region():
    from chalicelib import aws

    with config.using(Config(endpoint_url="http://127.0.0.1:5999", region="eu-west-1")):
        s3 = aws.s3_client()
        assert s3.meta.endpoint_url == "http://127.0.0.1:5999"
        assert s3.meta.region_name == "eu-west-1"
        assert aws.dynamodb_connection().client.meta.endpoint_url == "http://127.0.0.1:5999"
        credentials = aws.botocore_session().get_credentials()
        assert (credentials.access_key, credentials.secret_key) == aws.LOCAL_CREDENTIALS
    with config.using(Config(region="us-east-1")):
        assert aws.s3_client().meta.region_name == "us-east-1"
        assert aws.s3_client() is not s3


def test_a_stage_comes_from_chalice_config_and_flags_win():
    prod = Config.for_stage("prod", {})
    assert (prod.stage, prod.bucket, prod.table, prod.site_cache_seconds) == (
        "prod", "newsroom-prod-content", "newsroom-prod-content", 10.0)
    assert prod.replace(bucket="mine", region=None).bucket == "mine"
    assert prod.replace(bucket="mine", region=None).region == "us-east-1"
    with pytest.raises(config.UnknownStage, match="no stage 'qa' in .chalice/config.json"):
        Config.for_stage("qa", {})


def test_the_local_stand_in_is_used_only_under_the_chalice_cli():
    """chalice local (AWS_CHALICE_CLI_MODE) finds the dev stage's stand-in; a deployed function never does."""
    dev = {"NEWSROOM_STAGE": "dev", "NEWSROOM_LOCAL_AWS": "http://127.0.0.1:5000"}
    assert Config.from_environment({**dev, "AWS_CHALICE_CLI_MODE": "true"}).endpoint_url == "http://127.0.0.1:5000"
    assert Config.from_environment(dev).endpoint_url is None
    assert Config.from_environment({**dev, "AWS_CHALICE_CLI_MODE": "true",
                                    "AWS_ENDPOINT_URL": "http://127.0.0.1:5001"}).endpoint_url == "http://127.0.0.1:5001"
