"""The table PynamoDB models use is the table infra/template.yaml creates."""

from __future__ import annotations

import json
from pathlib import Path

from chalicelib import models
from devstack.stack import load_template

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_every_model_uses_one_table_with_the_templates_key_schema():
    """Each model has the table's key schema; the model that owns the desk index (Source) has the
    table's attributes and indexes exactly, and no other model declares an index."""
    table = load_template()["Resources"]["ContentTable"]["Properties"]
    assert [m for m in models.ALL_MODELS if m._get_schema()["global_secondary_indexes"]] == [models.Source]
    for model in models.ALL_MODELS:
        schema = model._get_schema()
        assert model.Meta.table_name == models.Post.Meta.table_name
        assert sorted(schema["key_schema"], key=lambda k: k["KeyType"]) == sorted(
            [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in table["KeySchema"]],
            key=lambda k: k["KeyType"])
        if model is not models.Source:
            continue
        assert sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]) == sorted(
            table["AttributeDefinitions"], key=lambda a: a["AttributeName"])
        assert [{"IndexName": i["index_name"], "KeySchema": i["key_schema"], "Projection": i["projection"]}
                for i in schema["global_secondary_indexes"]] == table.get("GlobalSecondaryIndexes", [])
        assert schema["local_secondary_indexes"] == table.get("LocalSecondaryIndexes", [])


def test_stage_settings_name_the_templates_resources():
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    for stage in ("dev", "prod"):
        env = config["stages"][stage]["environment_variables"]
        assert env["NEWSROOM_TABLE"] == f"newsroom-{stage}-content"
        assert env["NEWSROOM_CONTENT_BUCKET"] == f"newsroom-{stage}-content"
        assert env["NEWSROOM_INGEST_QUEUE"] == f"newsroom-{stage}-ingest"
    resources = load_template()["Resources"]
    assert resources["ContentTable"]["Properties"]["TableName"] == {"Fn::Sub": "${NamePrefix}-${Stage}-content"}
    assert resources["ContentBucket"]["Properties"]["BucketName"] == {"Fn::Sub": "${NamePrefix}-${Stage}-content"}
    assert resources["IngestQueue"]["Properties"]["QueueName"] == {"Fn::Sub": "${NamePrefix}-${Stage}-ingest"}


def test_bucket_notifications_cover_exactly_the_ingested_and_pending_prefixes():
    from chalicelib import config

    queue_configs = load_template()["Resources"]["ContentBucket"]["Properties"]["NotificationConfiguration"][
        "QueueConfigurations"]
    to = lambda queue: {q["Filter"]["S3Key"]["Rules"][0]["Value"] for q in queue_configs  # noqa: E731
                        if q["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}}
    assert to("IngestQueue") == set(config.INGESTED_PREFIXES + config.PENDING_PREFIXES)
    assert to("ImagesQueue") == {config.MEDIA_PREFIX}  # the images function's own queue
    assert config.REPORTS_PREFIX not in to("IngestQueue") | to("ImagesQueue")
    assert config.SIZES_PREFIX not in to("IngestQueue") | to("ImagesQueue")  # its own writes never loop back


def test_all_models_lists_every_item_type():
    import inspect

    item_types = {m for _, m in inspect.getmembers(models, inspect.isclass)
                  if issubclass(m, models._TableItem) and m is not models._TableItem}
    assert item_types == set(models.ALL_MODELS)
    assert {models.Comment, models.RateLimit} <= item_types


def test_only_keys_spells_a_key():
    """Every partition key, sort key and listing name is built by chalicelib/keys.py."""
    import re

    spelled = re.compile(r"""f?["'](list|claim|refs|comments|term|ratelimit|post|category|tag|author|year|month)#""")
    offenders = [f"{path.name}:{n}" for path in sorted((PROJECT_DIR / "chalicelib").rglob("*.py"))
                 if path.name != "keys.py"
                 for n, line in enumerate(path.read_text().splitlines(), 1)
                 if spelled.search(line) and not line.lstrip().startswith(("#", "``"))]
    assert offenders == []


def test_each_model_queries_with_its_own_schema_whatever_connected_first():
    """A read of several kinds at once (``get_each``) connects the base class first; the desk index
    must still be known to ``Source`` afterwards (it was not: 'Table ... has no index: desk')."""
    import subprocess
    import sys

    code = ("from chalicelib import models; models._TableItem._get_connection(); "
            "print(models.Source._get_connection().get_meta_table().has_index_name('desk'))")
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_DIR,
                         env={"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin"})
    assert ran.stdout.strip() == "True", ran.stderr
