"""What `make package` produces is a complete, valid stack (built with `chalice package`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import boto3
import pytest
import yaml

from devstack import package
from devstack.local import sqs_event
from devstack.stack import create_stack
from tests.deploy.conftest import PROJECT_DIR, STAGES, condition

pytestmark = pytest.mark.slow


def template(packaged, stage: str) -> dict:  # type: ignore[no-untyped-def]
    return yaml.safe_load((packaged(stage) / "sam.yaml").read_text())


@pytest.mark.parametrize("stage", STAGES)
def test_packaged_template_passes_cfn_lint(packaged, stage):
    run = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(packaged(stage) / "sam.yaml")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_functions_find_this_stacks_resources_through_their_environment(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    for function in ("APIHandler", "Ingest"):
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["NEWSROOM_TABLE"] == {"Ref": "ContentTable"}
        assert env["NEWSROOM_CONTENT_BUCKET"] == {"Ref": "ContentBucket"}
        assert env["NEWSROOM_INGEST_QUEUE"] == {"Fn::GetAtt": ["IngestQueue", "QueueName"]}
        assert env["NEWSROOM_STAGE"] == {"Ref": "Stage"}
        assert "CursorSecret" in env["NEWSROOM_CURSOR_SECRET"]["Fn::Sub"]
        assert f"newsroom-{stage}" not in json.dumps(env)  # no name is hard-coded
    web = resources["APIHandler"]["Properties"]["Environment"]["Variables"]  # a scheduled digest's moment
    assert web["NEWSROOM_SCHEDULE_ROLE"] == {"Fn::GetAtt": ["DueTimeRole", "Arn"]}
    assert web["NEWSROOM_NEWSLETTERS_QUEUE_ARN"] == {"Fn::GetAtt": ["NewslettersQueue", "Arn"]}
    source = resources["Ingest"]["Properties"]["Events"]["IngestSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Fn::Sub": "${IngestQueue.Arn}"}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BatchSize"] == 10
    # A migration's burst of files cannot take the account's concurrency from the web function.
    assert source["ScalingConfig"] == {"MaximumConcurrency": 10}
    # The queue hides a message for longer than ingest can run (AWS refuses the mapping otherwise).
    timeout = resources["Ingest"]["Properties"]["Timeout"]
    assert resources["IngestQueue"]["Properties"]["VisibilityTimeout"] >= 6 * timeout
    # The images function: its own queue, one photo per invocation, room for a 4000 x 3000 photo.
    images = resources["Images"]["Properties"]
    source = images["Events"]["ImagesSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Fn::Sub": "${ImagesQueue.Arn}"} and source["BatchSize"] == 1
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["ScalingConfig"] == {"MaximumConcurrency": 20}
    assert images["MemorySize"] == 1024 and resources["ImagesQueue"]["Properties"]["VisibilityTimeout"] >= \
        6 * images["Timeout"]
    assert images["Environment"]["Variables"]["NEWSROOM_IMAGES_QUEUE"] == {"Fn::GetAtt": ["ImagesQueue", "QueueName"]}


@pytest.mark.parametrize("stage", STAGES)
def test_each_function_runs_with_its_own_role_made_from_its_stage_policy_file(packaged, stage):
    resources = template(packaged, stage)["Resources"]
    roles = {name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert roles == {"ApiHandlerRole", "IngestRole", "ImagesRole", "ImportsRole", "NewslettersRole",
                     "NewsletterEventsRole", "DueTimeRole", "DeskContributorRole", "DeskEditorRole", "DeskAdminRole"}
    # The desk's roles: assumed only through the stack's identity pool, each with its group's policy.
    for role, policy in (("DeskContributorRole", "ContributorPolicy"), ("DeskEditorRole", "EditorPolicy"),
                         ("DeskAdminRole", "AdminPolicy")):
        [trusted] = resources[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trusted["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
        assert trusted["Condition"]["StringEquals"] == {"cognito-identity.amazonaws.com:aud": {"Ref": "DeskIdentityPool"}}
        assert resources[role]["Properties"]["ManagedPolicyArns"] == [{"Ref": policy}]
    # Scheduler's role (chalicelib/publish/schedule.py) may only send due-time messages to the ingest queue,
    # and a scheduled digest's moment to the newsletters queue (chalicelib/newsletters/digests.py).
    [due] = resources["DueTimeRole"]["Properties"]["Policies"]
    assert due["PolicyDocument"]["Statement"] == [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [
        {"Fn::GetAtt": ["IngestQueue", "Arn"]}, {"Fn::GetAtt": ["NewslettersQueue", "Arn"]}]}]
    trust = resources["DueTimeRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    for function, role, policy_file in (("APIHandler", "ApiHandlerRole", f"policy-{stage}-web.json"),
                                        ("Ingest", "IngestRole", f"policy-{stage}-ingest.json"),
                                        ("Images", "ImagesRole", f"policy-{stage}-images.json"),
                                        ("Imports", "ImportsRole", f"policy-{stage}-imports.json"),
                                        ("Newsletters", "NewslettersRole", f"policy-{stage}-newsletters.json"),
                                        ("NewsletterEvents", "NewsletterEventsRole",
                                         f"policy-{stage}-newsletter-events.json")):
        assert resources[function]["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}
        [policy] = resources[role]["Properties"]["Policies"]
        assert policy["PolicyDocument"] == json.loads((PROJECT_DIR / ".chalice" / policy_file).read_text())


def test_alarms_watch_dead_letters_both_functions_and_ingest_faults(packaged):
    resources = template(packaged, "prod")["Resources"]
    alarms = {json.dumps(r["Properties"]["Dimensions"][0]["Value"]): r["Properties"]["MetricName"]
              for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert alarms == {'{"Ref": "APIHandler"}': "Errors", '{"Ref": "Ingest"}': "Errors", '{"Ref": "Images"}': "Errors",
                      '{"Fn::GetAtt": ["IngestDeadLetterQueue", "QueueName"]}': "ApproximateNumberOfMessagesVisible",
                      '{"Fn::GetAtt": ["ImagesDeadLetterQueue", "QueueName"]}': "ApproximateNumberOfMessagesVisible",
                      '{"Ref": "Stage"}': "IngestFaults"}
    faults = resources["IngestFaultsAlarm"]["Properties"]
    # The metric ingest writes (chalicelib/publish/ingest.py, embedded metric format), by stage.
    assert (faults["Namespace"], faults["Dimensions"][0]["Name"]) == ("Newsroom", "Stage")


def test_nothing_served_from_media_or_sizes_can_run_as_the_site(packaged):
    """At the edge, media/* and sizes/* carry a CSP sandbox with nothing allowed and nosniff, and media/*
    files are downloads: an uploaded HTML page or a PDF with script cannot act in the site's origin."""
    resources = template(packaged, "prod")["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    for path, name in (("media/*", "MediaHeadersPolicy"), ("sizes/*", "SizesHeadersPolicy")):
        assert behaviors[path]["ResponseHeadersPolicyId"] == {"Ref": name}
        settings = resources[name]["Properties"]["ResponseHeadersPolicyConfig"]
        security = settings["SecurityHeadersConfig"]
        assert security["ContentSecurityPolicy"] == {"ContentSecurityPolicy": "sandbox; default-src 'none'",
                                                     "Override": True}
        assert security["ContentTypeOptions"] == {"Override": True}
    [disposition] = resources["MediaHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "CustomHeadersConfig"]["Items"]
    assert disposition == {"Header": "Content-Disposition", "Value": "attachment", "Override": True}


def test_distribution_serves_pages_from_the_api_and_media_from_the_bucket(packaged):
    config = template(packaged, "prod")["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert origins["api"]["OriginPath"] == "/api"
    assert "RestAPI" in origins["api"]["DomainName"]["Fn::Sub"]
    assert origins["media"]["DomainName"] == {"Fn::GetAtt": ["ContentBucket", "RegionalDomainName"]}
    behaviors = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    # files as uploaded; photos' sizes (never their originals)
    assert {path for path, b in behaviors.items() if b["TargetOriginId"] == "media"} == {"media/*", "sizes/*"}
    [policy] = [r for r in template(packaged, "prod")["Resources"].values() if r["Type"] == "AWS::S3::BucketPolicy"]
    [deny] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "PhotoOriginalsStayPrivate"]
    denied = {r["Fn::Sub"].rsplit(".", 1)[1].lower() for r in deny["Resource"]}
    from chalicelib.content import images

    assert denied == {e.lstrip(".") for e in images.EXTENSIONS} and deny["Effect"] == "Deny"
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "api"
    assert config["DefaultCacheBehavior"]["Compress"] is True


def test_the_distribution_proves_itself_to_the_api_with_the_secret_the_web_function_checks(packaged):
    resources = template(packaged, "prod")["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    [header] = {o["Id"]: o for o in config["Origins"]}["api"]["OriginCustomHeaders"]
    sent = header["HeaderValue"]["Fn::Sub"]
    assert header["HeaderName"].lower() == "x-newsroom-origin" and "OriginSecret" in sent
    checked = resources["APIHandler"]["Properties"]["Environment"]["Variables"]["NEWSROOM_ORIGIN_SECRET"]
    assert checked == {"Fn::If": ["CreateCdn", {"Fn::Sub": sent}, ""]}
    assert resources["OriginSecret"]["Type"] == "AWS::SecretsManager::Secret"


@pytest.mark.parametrize("stage", STAGES)
def test_snapstart_snapshots_the_web_functions_published_versions_which_api_gateway_invokes(packaged, stage):
    sam = template(packaged, stage)
    web = sam["Resources"]["APIHandler"]["Properties"]
    assert web["AutoPublishAlias"] == "live"
    assert web["SnapStart"] == {"ApplyOn": {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}}
    assert condition(sam, "SnapStartOn", {"Stage": "prod"}) is True  # the default: on for prod
    assert condition(sam, "SnapStartOn", {"Stage": "dev"}) is False
    assert condition(sam, "SnapStartOn", {"Stage": "dev", "EnableSnapStart": "true"}) is True
    assert condition(sam, "SnapStartOn", {"Stage": "prod", "EnableSnapStart": "false"}) is False
    assert "SnapStart" not in sam["Resources"]["Ingest"]["Properties"]
    api = json.dumps(sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"])
    assert "${APIHandler.Arn}" not in api and api.count("functions/${APIHandlerAliaslive}/invocations") > 20
    permission = sam["Resources"]["APIHandlerInvokePermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "APIHandlerAliaslive"}


def test_api_gateways_own_responses_carry_the_security_headers(packaged):
    from chalicelib.site import web

    responses = template(packaged, "prod")["Resources"]["RestAPI"]["Properties"]["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "REQUEST_TOO_LARGE"} <= set(responses)
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"  # a path no route has
    for kind, response in responses.items():
        headers = response["ResponseParameters"]["Headers"]
        for name, value in web.SECURITY_HEADERS.items():
            sent = headers[name]  # a static value: in single quotes, with the quotes inside escaped
            assert sent[0] == sent[-1] == "'" and sent[1:-1].replace("\\'", "'") == value, (kind, name)
        assert headers["Cache-Control"] == "'no-store'"
        assert headers["X-Robots-Tag"] == "'noindex'"  # a desk path no route answers is no page to index either


def test_the_stack_refuses_direct_access_unless_told_and_names_the_distribution_in_links(packaged):
    resources = template(packaged, "prod")["Resources"]
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["NEWSROOM_ALLOW_DIRECT_ACCESS"] == {"Ref": "AllowDirectAccess"}
    assert template(packaged, "prod")["Parameters"]["AllowDirectAccess"]["Default"] == "false"
    assert env["NEWSROOM_BASE_URL"] == {"Fn::If": ["HasDomain", {"Fn::Sub": "https://${DomainName}"}, ""]}
    code = resources["ViewerHostFunction"]["Properties"]["FunctionCode"]
    assert "event.context.distributionDomainName" in code and "headers.host" not in code


def test_the_packaged_distribution_carries_the_edge_as_the_tests_run_it(packaged):
    """The viewer functions, the pages' cache policy and what viewers are told, in sam.yaml as make package
    wrote them: the code tests/unit/test_viewer_function.py runs, the names chalicelib/archives.py lists."""
    from chalicelib import archives
    from chalicelib.site import web

    resources = template(packaged, "prod")["Resources"]
    assert resources[package.PAGE_FUNCTION]["Properties"]["FunctionCode"] == package.viewer_function_code(
        package.page_query())
    assert resources[package.HOST_FUNCTION]["Properties"]["FunctionCode"] == package.viewer_function_code(None)
    listed = resources["PageCachePolicy"]["Properties"]["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]
    assert listed == {"QueryStringBehavior": "whitelist", "QueryStrings": list(archives.CACHE_KEY_QUERY)}
    [header] = resources["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"][
        "Items"]
    assert header == {"Header": "Cache-Control", "Value": web.VIEWER_CACHE, "Override": True}


def test_the_web_function_is_capped_for_prod_and_the_stage_throttled(packaged):
    """Merged into what Chalice generates: the web function's reserved concurrency and the API stage's
    throttle (docs/deploy.md, "Concurrency")."""
    sam = template(packaged, "prod")
    web = sam["Resources"]["APIHandler"]["Properties"]
    assert web["ReservedConcurrentExecutions"] == {"Fn::If": ["WebReserved", {"Ref": "WebReservedConcurrency"},
                                                              {"Ref": "AWS::NoValue"}]}
    [throttle] = sam["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert throttle == {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": {"Ref": "ApiRateLimit"},
                        "ThrottlingBurstLimit": {"Ref": "ApiBurstLimit"}}
    assert condition(sam, "WebReserved", {"Stage": "prod"}) is True
    assert condition(sam, "WebReserved", {"Stage": "dev"}) is False
    assert condition(sam, "WebReserved", {"Stage": "prod", "WebReservedConcurrency": "0"}) is False


def test_the_web_acl_template_for_another_region_passes_cfn_lint(packaged):
    """build/STAGE/waf.yaml: the stack's web ACL alone, to deploy in us-east-1 for a stack elsewhere."""
    waf = packaged("prod") / "waf.yaml"
    assert set(yaml.safe_load(waf.read_text())["Resources"]) == {"WebAcl"}
    run = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(waf)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr


def test_deployment_package_contains_app_library_and_templates(packaged):
    names = set(zipfile.ZipFile(packaged("dev") / "deployment.zip").namelist())
    templates = {p.relative_to(PROJECT_DIR).as_posix() for p in (PROJECT_DIR / "templates").rglob("*") if p.is_file()}
    assert templates <= names
    assert {"app.py", "chalicelib/site/pages.py", "chalicelib/publish/ingest.py", "jinja2/__init__.py", "nh3/__init__.py",
            "markdown_it/__init__.py", "pynamodb/__init__.py"} <= names
    assert not any(n.startswith(("tests/", "newsroom/", "devstack/", "content/", ".chalice/")) for n in names)


def test_deployment_package_is_compiled_and_carries_only_the_aws_models_the_functions_call(packaged):
    """devstack/package.py: bytecode for every module and template, botocore's data cut to DynamoDB, S3,
    SNS, CloudFront (invalidations) and Scheduler (due times)."""
    archive = zipfile.ZipFile(packaged("dev") / "deployment.zip")
    names = set(archive.namelist())
    modules = {n for n in names if n.endswith(".py")}
    tag = sys.implementation.cache_tag
    assert {f"{m.rpartition('/')[0]}/__pycache__/{m.rpartition('/')[2][:-3]}.{tag}.pyc".lstrip("/")
            for m in modules} <= names
    assert not [n for n in names if n.endswith(".pyc") and f".{tag}." not in n]
    models = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 2}
    assert models == {"dynamodb", "s3", "sns", "cloudfront", "scheduler", "sqs", "cognito-idp", "cognito-identity",
                      "sesv2"}
    endpoints = json.loads(archive.read("botocore/data/endpoints.json"))
    assert {s for p in endpoints["partitions"] for s in p["services"]} == {"dynamodb", "s3", "sns", "cloudfront",
                                                                            "scheduler", "sqs", "cognito-idp",
                                                                            "cognito-identity",
                                                                            "email"}  # SES v2's endpoints
    assert endpoints["partitions"][0]["regions"]["us-east-1"]  # partition data kept whole
    # One API version per service (the newest, which botocore loads), plain JSON, no documentation.
    versions = {tuple(n.split("/")[2:4]) for n in names if n.startswith("botocore/data/") and n.count("/") > 3}
    assert sorted(s for s, _ in versions) == sorted({s for s, _ in versions})
    assert ("cloudfront", "2020-05-31") in versions
    assert not [n for n in names if n.startswith("botocore/data/") and n.endswith((".gz",)) or "/examples-" in n]
    dynamodb = json.loads(archive.read("botocore/data/dynamodb/2012-08-10/service-2.json"))
    assert dynamodb["operations"]["GetItem"]["documentation"] == ""
    assert len(archive.read("botocore/data/dynamodb/2012-08-10/service-2.json")) < 200_000  # 556 KB with its docs
    templates = [n for n in names if n.startswith("templates/") and n.endswith((".html", ".xml"))]
    assert len([n for n in names if n.startswith("templates/.bytecode/")]) == len(templates) > 5
    assert {"app.py", "chalicelib/site/__pycache__/pages.{}.pyc".format(tag)} <= names
    assert (packaged("dev") / "deployment.zip").stat().st_size < 15_000_000
    assert not any(n.startswith(("PIL/", "pillow_heif/", "_pillow_heif")) for n in names)  # in the images function's layer only
    assert not any(n.startswith(("cryptography/", "cffi/", "_cffi_backend.")) for n in names)  # the web function's layer
    template_ = template(packaged, "dev")["Resources"]
    assert template_["Images"]["Properties"]["Layers"] == [{"Ref": "ImageLibraries"}]
    assert template_["APIHandler"]["Properties"]["Layers"] == [{"Ref": "DeskLibraries"}]
    assert "Layers" not in template_["Ingest"]["Properties"] and "Layers" not in template_["Imports"]["Properties"]
    with zipfile.ZipFile(packaged("dev") / template_["ImageLibraries"]["Properties"]["ContentUri"]) as layer:
        assert "python/PIL/__init__.py" in layer.namelist() and "python/pillow_heif/__init__.py" in layer.namelist()
    with zipfile.ZipFile(packaged("dev") / template_["DeskLibraries"]["Properties"]["ContentUri"]) as layer:
        desk = layer.namelist()
        assert "python/cryptography/hazmat/primitives/asymmetric/rsa.py" in desk
        assert any(n.startswith("python/cryptography/hazmat/bindings/_rust.") for n in desk)
        assert any(n.startswith("python/_cffi_backend.") for n in desk)


# What the Lambda Python runtime itself provides besides the standard library.
LAMBDA_RUNTIME_PACKAGES = ("boto3", "s3transfer")

HANDLERS = textwrap.dedent("""
    import json, sys
    task, runtime, layer = sys.argv[1], sys.argv[2], sys.argv[3]
    sys.path[:0] = [task, runtime, layer]  # Lambda puts a layer's python/ (under /opt) on the path

    class Context:
        function_name = "newsroom-dev"
        aws_request_id = "req-1"
        memory_limit_in_mb = 512
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:newsroom-dev"
        def get_remaining_time_in_millis(self):
            return 30000

    import app
    assert app.__file__.startswith(task), app.__file__
    import botocore.session
    for service in SERVICES:  # every model the zip keeps, without its documentation, still makes a client
        client = botocore.session.get_session().create_client(service, region_name="us-east-1")
        assert client.meta.service_model.operation_names, service
    events = json.load(sys.stdin)
    ingested = app.ingest(events["sqs"], Context())
    page = app.app(events["http"], Context())
    readers_loaded_cryptography = "cryptography" in sys.modules
    import jwt.algorithms  # the desk's token check: PyJWT from the zip, cryptography from the web function's layer
    assert jwt.algorithms.has_crypto and jwt.algorithms.RSAAlgorithm
    import os, jinja2, pynamodb, botocore.client, chalicelib.site.pages
    modules = (jinja2, pynamodb, botocore.client, chalicelib.site.pages)
    print(json.dumps({"ingested": ingested, "page": page, "modules": [m.__file__ for m in modules],
                      "readers_loaded_cryptography": readers_loaded_cryptography,
                      "cryptography": jwt.algorithms.RSAAlgorithm.__module__ and sys.modules["cryptography"].__file__,
                      "bytecode": [m.__cached__ for m in modules if os.path.exists(m.__cached__)]}))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unpacked_deployment_zip_publishes_and_renders_an_article_against_moto(packaged, tmp_path):
    """The zip alone (plus what Lambda's runtime has) ingests an SQS event and answers an API Gateway event."""
    import boto3 as runtime_boto3
    import s3transfer
    from moto.server import ThreadedMotoServer

    task, runtime, opt = tmp_path / "task", tmp_path / "runtime", tmp_path / "opt"
    zipfile.ZipFile(packaged("dev") / "deployment.zip").extractall(task)
    zipfile.ZipFile(packaged("dev") / package.DESK_LAYER).extractall(opt)
    runtime.mkdir()
    for module in (runtime_boto3, s3transfer):
        (runtime / module.__name__).symlink_to(Path(module.__file__).parent)

    from moto.core.base_backend import BackendDict

    # The server shares this process's moto stores, where an earlier test's stand-in stack may be kept
    # (devstack.harness builds it again at its next use, finding it gone): this test's stack is its own.
    BackendDict.reset()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        stack = create_stack(session, endpoint_url=endpoint)
        s3, sqs = session.client("s3", endpoint_url=endpoint), session.client("sqs", endpoint_url=endpoint)
        sqs.purge_queue(QueueUrl=stack.queue_url)  # S3's test event
        s3.put_object(Bucket=stack.bucket, Key="articles/from-the-zip.md",
                      Body=b"---\ntitle: Packaged and live\ndate: 2024-05-01\ncategories: [Tehran]\n---\n\n"
                           b"Rendered by *the zip*.\n")
        messages = sqs.receive_message(QueueUrl=stack.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        assert len(messages) == 1
        events = {
            "sqs": sqs_event(messages, f"arn:aws:sqs:us-east-1:123456789012:{stack.queue_name}"),
            "http": {
                "resource": "/{slug}", "path": "/from-the-zip/", "httpMethod": "GET",
                "headers": {"Host": "abc123.execute-api.us-east-1.amazonaws.com"},
                "multiValueHeaders": {"Host": ["abc123.execute-api.us-east-1.amazonaws.com"]},
                "queryStringParameters": None, "multiValueQueryStringParameters": None,
                "pathParameters": {"slug": "from-the-zip"}, "stageVariables": None, "body": None,
                "isBase64Encoded": False,
                "requestContext": {"resourcePath": "/{slug}", "httpMethod": "GET", "path": "/api/from-the-zip/",
                                   "stage": "api", "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
                                   "requestId": "req-1", "identity": {"sourceIp": "203.0.113.9"}},
            },
        }
        env = {"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
               "NEWSROOM_STAGE": "dev", "NEWSROOM_TABLE": stack.table, "NEWSROOM_CONTENT_BUCKET": stack.bucket,
               "NEWSROOM_INGEST_QUEUE": stack.queue_name}
        # -I: no PYTHONPATH, no user site; -S: no site-packages. Only the zip and the runtime's boto3.
        # -B: no bytecode written, as on Lambda's read-only /var/task: only what the zip carries is used.
        run = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", f"SERVICES = {package.SERVICES!r}\n" + HANDLERS,
                              str(task), str(runtime), str(opt / "python")],
                             input=json.dumps(events), cwd=task, env=env, capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        server.stop()
        BackendDict.reset()  # and gone after it: the stand-in's next use builds its own again, whole

    assert result["ingested"] == {"batchItemFailures": []}
    assert all(path.startswith(str(task)) for path in result["modules"]), result["modules"]
    assert result["cryptography"].startswith(str(opt)) and not result["readers_loaded_cryptography"]
    assert len(result["bytecode"]) == 4 and all(p.startswith(str(task)) for p in result["bytecode"])
    page = result["page"]
    assert page["statusCode"] == 200
    assert "<h1" in page["body"] and "Packaged and live" in page["body"]
    assert "Rendered by <em>the zip</em>." in page["body"]
    assert 'href="/api/category/tehran/"' in page["body"]  # links carry API Gateway's stage


def test_origin_shield_stands_before_the_api_for_prod(packaged):
    """make bench-scale: Origin Shield halves what reaches the origin on a breaking-news day; on for prod."""
    sam = template(packaged, "prod")
    api = {o["Id"]: o for o in sam["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"]}["api"]
    assert api["OriginShield"] == {"Fn::If": ["OriginShieldOn", {"Enabled": True, "OriginShieldRegion": {
        "Ref": "AWS::Region"}}, {"Ref": "AWS::NoValue"}]}
    assert condition(sam, "OriginShieldOn", {"Stage": "prod"}) is True
    assert condition(sam, "OriginShieldOn", {"Stage": "dev"}) is False
    assert condition(sam, "OriginShieldOn", {"Stage": "dev", "EnableOriginShield": "true"}) is True
