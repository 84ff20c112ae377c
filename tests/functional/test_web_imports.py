"""The web handler never loads the ingest-only libraries (Markdown, sanitizer, YAML front matter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
# What the web function must never load: the whole publishing package (a package boundary, not a
# list of its modules), the content format's reader and renderer, and the libraries they bring.
INGEST_ONLY = ["chalicelib.publish", "chalicelib.content.content_format", "chalicelib.content.front_matter",
               "chalicelib.content.markup", "PIL", "pillow_heif", "markdown_it", "nh3", "smartypants", "frontmatter",
               "slugify", "chalicelib.desk", "jwt"]  # nor the desk: only its own routes load it

SCRIPT = textwrap.dedent("""
    import json, sys
    import boto3
    from moto import mock_aws

    with mock_aws():
        boto3.client("dynamodb").create_table(
            TableName="newsroom-dev-content", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
        def loaded():
            return sorted(m for m in sys.modules for p in INGEST_ONLY if m == p or m.startswith(p + "."))
        before = loaded()
        import app
        from chalicelib.models import Post
        Post("post#story", "post", kind="article", slug="story", title="Stored story",
             date="2022-07-12T00:00:00Z", body_html="<p>Stored body</p>").save()
        from chalice.test import Client
        with Client(app.app) as client:
            pages = {path: client.http.get(path).status_code for path in ("/", "/story/", "/nope/")}
            article = client.http.get("/story/").body.decode()
        after = loaded()
    print(json.dumps({"before": before, "after": after, "pages": pages, "has_body": "Stored body" in article}))
""")


def test_serving_pages_imports_no_markdown_or_sanitizer():
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("AWS_ENDPOINT_URL", None)
    run = subprocess.run([sys.executable, "-c", f"INGEST_ONLY = {INGEST_ONLY!r}\n" + SCRIPT],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["pages"] == {"/": 200, "/story/": 200, "/nope/": 404}
    assert result["has_body"]
    assert result["before"] == []
    assert result["after"] == []


def test_the_images_function_loads_pillow_but_none_of_ingests_libraries():
    script = textwrap.dedent("""
        import json, sys
        import app
        from chalicelib.publish import renditions
        loaded_by_app = [m for m in ("PIL", "pillow_heif") if m in sys.modules]
        renditions.images.derive("media/x.png", open(sys.argv[1], "rb").read())
        print(json.dumps({"app": loaded_by_app, "after": sorted(m for m in sys.modules if m.split(".")[0] in
              ("markdown_it", "nh3", "smartypants", "frontmatter", "slugify", "PIL", "pillow_heif")
              or m in ("chalicelib.publish.ingest", "chalicelib.content.markup", "chalicelib.publish.articles"))}))
    """)
    from devstack.photos import png

    image = PROJECT_DIR / "test-artifacts" / "tiny.png"
    image.parent.mkdir(exist_ok=True)
    image.write_bytes(png(40, 30))
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(PROJECT_DIR)}
    run = subprocess.run([sys.executable, "-c", script, str(image)], cwd=PROJECT_DIR, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["app"] == []  # importing the app (every function does) loads no Pillow
    assert {m.split(".")[0] for m in result["after"]} == {"PIL", "pillow_heif"}, result["after"]


def test_the_ingest_function_publishes_without_loading_the_page_modules():
    """Lambda names the handler in _HANDLER: for ingest, app.py leaves Jinja2, the templates' code and
    the feeds unloaded (the web function, and anything that is not Lambda, loads them at import)."""
    script = textwrap.dedent("""
        import json, sys
        import boto3
        from moto import mock_aws

        with mock_aws():
            from devstack.stack import create_stack
            stack = create_stack(boto3.Session(region_name="us-east-1"))
            import os
            os.environ.update(NEWSROOM_TABLE=stack.table, NEWSROOM_CONTENT_BUCKET=stack.bucket)
            boto3.client("s3").put_object(Bucket=stack.bucket, Key="articles/story.md",
                                          Body=b"---\\ntitle: Stored story\\ndate: 2022-07-12\\n---\\n\\nBody.\\n")
            import app
            record = {"messageId": "m1", "receiptHandle": "r", "attributes": {}, "messageAttributes": {},
                      "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "us-east-1",
                      "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
                      "body": json.dumps({"Records": [{"s3": {"bucket": {"name": stack.bucket},
                                                               "object": {"key": "articles/story.md"}}}]})}
            outcome = app.ingest({"Records": [record]}, None)
            from chalicelib.models import Post
            stored = Post.get("post#story", "post").title
            loaded = [m for m in ("jinja2", "chalicelib.site.comments", "chalicelib.site.comment_rules", "chalicelib.site.paging")
                      if m in sys.modules]
        print(json.dumps({"outcome": outcome, "stored": stored, "loaded": loaded}))
    """)
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "PYTHONPATH": str(PROJECT_DIR), "_HANDLER": "app.ingest"}
    env.pop("AWS_ENDPOINT_URL", None)
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["outcome"] == {"batchItemFailures": []}
    assert result["stored"] == "Stored story"
    assert result["loaded"] == []


def test_the_aws_client_stack_is_imported_before_any_of_our_modules():
    """app.py imports urllib3 and botocore (through PynamoDB's connection) first, at the shallowest call
    depth: deep inside chalicelib's imports, their import-time regex compiles sat on an edge of
    CPython 3.13.0's frame stack blocks, which it maps and unmaps on every call crossing one
    (python/cpython#142183): ~3,000 mmap/munmap pairs per cold start (docs/performance.md)."""
    script = "import sys, json\nimport app\nprint(json.dumps(list(sys.modules)))"
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(PROJECT_DIR), "_HANDLER": "app.app"}
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    loaded = json.loads(run.stdout.strip().splitlines()[-1])  # in the order they were first imported
    ours = min(loaded.index(m) for m in loaded if m.split(".")[0] == "chalicelib")
    for stack in ("urllib3", "urllib3.util.url", "botocore.client", "botocore.docs", "pynamodb.connection.base"):
        assert loaded.index(stack) < ours, stack
