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


def _python_values(attribute):  # type: ignore[no-untyped-def]
    """What a model attribute of this kind holds, as hypothesis draws it."""
    from hypothesis import strategies as st
    from pynamodb import attributes as a

    json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                               lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                          max_size=3), max_leaves=6)
    kinds = [(a.UnicodeAttribute, st.text(max_size=8)), (a.BooleanAttribute, st.booleans()),
             (a.NumberAttribute, st.integers(-10**6, 10**6) | st.floats(-1e6, 1e6, allow_nan=False)),
             (a.BinaryAttribute, st.binary(max_size=8)),
             (a.JSONAttribute, json_values.filter(lambda v: v is not None))]
    if isinstance(attribute, a.ListAttribute):
        element = next(values for kind, values in kinds if issubclass(attribute.element_type, kind))
        return st.lists(element, max_size=3)
    return next(values for kind, values in kinds if isinstance(attribute, kind))


def _stored(model):  # type: ignore[no-untyped-def]
    """Items of ``model`` as DynamoDB returns them: each attribute present, absent or NULL."""
    from hypothesis import strategies as st

    def one(attribute):  # type: ignore[no-untyped-def]
        present = _python_values(attribute).map(lambda v: {attribute.attr_type: attribute.serialize(v)})
        if attribute.attr_type == "L":  # lists may hold NULLs too
            present = st.tuples(present, st.lists(st.integers(0, 3), max_size=2)).map(
                lambda drawn: {"L": [{"NULL": True} if i in drawn[1] else v for i, v in enumerate(drawn[0]["L"])]})
        return st.one_of(present, st.just(None), st.just({"NULL": True}))

    return st.fixed_dictionaries({a.attr_name: one(a) for a in model.get_attributes().values()}).map(
        lambda item: {k: v for k, v in item.items() if v is not None})


def test_items_are_made_from_dynamodb_data_as_pynamodb_makes_them():
    """models._TableItem._instantiate (one pass) makes the item PynamoDB's own _instantiate makes, for
    every model, with attributes present, absent or NULL, and refuses a value of the wrong type alike."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from pynamodb.attributes import Attribute, AttributeContainer
    from pynamodb.exceptions import AttributeDeserializationError

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(models.ALL_MODELS).flatmap(lambda m: st.tuples(st.just(m), _stored(m))))
    def same(drawn):  # type: ignore[no-untyped-def]
        model, raw = drawn
        ours = model.from_raw_data(raw)
        theirs = AttributeContainer._instantiate.__func__(model, raw)  # PynamoDB's own
        assert type(ours) is model
        assert ours.attribute_values == theirs.attribute_values
        assert ours.pk == theirs.pk and ours.sk == theirs.sk
        for name, attribute in model.get_attributes().items():  # models._ReadDirectly: PynamoDB's read
            assert getattr(ours, name) == Attribute.__get__(attribute, theirs, model), name
            assert getattr(model, name) is attribute

    same()
    listing = {"pk": {"S": "p"}, "sk": {"S": "s"}, "slug": {"S": "a"}, "title": {"S": "t"}, "date": {"S": "d"}}
    for wrong, named in (({**listing, "slug": {"N": "1"}}, "slug"),  # a string stored as a number
                         ({**listing, "categories": {"L": [{"S": "news"}, {"N": "1"}]}}, "categories[1]")):
        for make in (models.Listing.from_raw_data,
                     lambda raw: AttributeContainer._instantiate.__func__(models.Listing, raw)):
            try:
                make(wrong)
            except AttributeDeserializationError as exc:
                assert named in str(exc)
            else:
                raise AssertionError(f"{named} of the wrong type was accepted")
