"""Build the deployable stack: ``chalice package``, then make the zip start fast.

``make package`` and the deploy tests call :func:`build`. After Chalice has
written ``sam.yaml`` and ``deployment.zip``, :func:`optimize` rewrites the zip:

1. **Compiled bytecode.** Lambda unpacks the zip onto a read-only file
   system, so Python cannot cache ``.pyc`` files there: without them every
   cold start compiles botocore, PynamoDB, Jinja2 and the app from source.
   We add ``__pycache__/*.pyc`` for every module, compiled by this Python
   (Chalice already requires it to be the Lambda runtime's version) as
   *unchecked-hash* pycs, which Python loads without looking at the source's
   timestamp (the zip's file times do not survive unpacking reliably).
2. **Only the AWS service models we call, without their documentation.**
   botocore ships ~450 service models (28 MB); creating a client lists every
   one of them and parses the 1.2 MB endpoints file. The functions call only
   the services in SERVICES (Lambda itself reads the queues; the images
   function sends to ingest's), so the other models go, and the endpoints
   file keeps those services. Of those, only the API version botocore loads
   (the newest) stays, without its examples and its documentation strings
   (most of a model's bytes), stored as plain JSON: a cold DynamoDB client
   parses a fifth of the bytes, and decompresses none.
3. **Libraries one function needs, in a layer of their own.** Pillow and
   pillow-heif (~25 MB unzipped, :data:`IMAGE_LIBRARIES`) are needed by the
   images function only; ``cryptography`` (and cffi, ~16 MB unzipped,
   :data:`DESK_LIBRARIES`), which verifies the desk's sign-in tokens, by the
   web function only, and only on a desk request. Chalice puts one zip behind
   every function, so each set moves out of it into a Lambda layer
   (:data:`LAYERS`: ``ImageLibraries``, ``DeskLibraries``) attached to its
   function alone: the functions' zip stays as small as before.
4. **Compiled templates.** Jinja2's bytecode for every template, in
   ``templates/.bytecode/``, which ``templating.environment`` reads (and never
   writes) when it is there, so the first page does not parse templates.

``docs/performance.md`` has the before/after numbers.

Before the zip, :func:`finish_template` completes ``sam.yaml`` with what
``chalice package`` cannot write: API Gateway invokes the web function's
``live`` alias (its published version, which SnapStart snapshots) rather
than ``$LATEST``, and API Gateway's own responses (a missing route, a
request too large, its 4XX and 5XX) carry the security headers of
``chalicelib/site/web.py``. :func:`finish_edge` writes the facts the
distribution shares with the code: the viewer function's source
(``infra/viewer-request.js``) with the query parameters the site answers
(``chalicelib/archives.py``: its own, and WordPress's, which it folds into
one), the names of the cache key in the pages' cache policy,
and what viewers are told of pages (``web.VIEWER_CACHE``), so none of them
is written twice. For a stack outside us-east-1, :func:`waf_template`
writes ``waf.yaml``: the template's web ACL alone, to deploy in us-east-1.

The functions run ``python3.13`` (:data:`LAMBDA_PYTHON`). Chalice names the
runtime after the Python that packages and downloads the wheels for it, so
the package is built only by that Python: any other is refused in one line
that says what to install, never built for one Python to run on another.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gzip
import importlib.util
import json
import os
import py_compile
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LAMBDA_PYTHON = (3, 13)  # the Lambda runtime, python3.13: supported until 2029 (docs/deploy.md)
PROJECT_DIR = Path(__file__).resolve().parent.parent
# The AWS services the Lambda functions call themselves (tests/deploy/test_policies lists every call).
SERVICES = ("dynamodb", "s3", "sns", "cloudfront", "scheduler", "sqs",  # sqs: the images function asks ingest
            "cognito-idp", "cognito-identity",  # the desk signs people in, and acts with their role
            "sesv2")  # newsletters: the sign-up's confirmation e-mail (chalicelib/newsletters/mail.py)
# Where a service's endpoints.json entry has another name than its model (its endpointPrefix).
ENDPOINT_NAMES = {"sesv2": "email"}
BOTOCORE_DATA = "botocore/data/"
TEMPLATE_BYTECODE = "templates/.bytecode/"


# API Gateway's own responses that readers can meet; DEFAULT_4XX and DEFAULT_5XX cover the rest.
GATEWAY_RESPONSES = {
    "DEFAULT_4XX": None, "DEFAULT_5XX": None,
    "MISSING_AUTHENTICATION_TOKEN": 404,  # what API Gateway answers for a path no route has
    "REQUEST_TOO_LARGE": None,
}
WEB_ALIAS = "live"


class WrongPython(RuntimeError):
    """The Python running the build is not the Lambda runtime's."""


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> None:
    """:raise WrongPython: ``version`` cannot build the python3.13 package."""
    if tuple(version[:2]) != LAMBDA_PYTHON:
        want = "%d.%d" % LAMBDA_PYTHON
        raise WrongPython(f"make package builds the Lambda functions for python{want} and needs Python {want} "
                          f"to do it (this is Python {'.'.join(map(str, version))}): install it "
                          f"(pyenv install {want}, or your system's python{want} package), then make clean package")


def build(stage: str, out: Path) -> Path:
    """``chalice package`` for ``stage`` into ``out``, then :func:`finish_template` and :func:`optimize`.

    :raise WrongPython: this is not Python 3.13.
    """
    check_python()
    import yaml  # after the check, so that any Python can say what it lacks

    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    subprocess.run([str(Path(sys.executable).with_name("chalice")), "package", "--stage", stage,
                    "--merge-template", "infra/template.yaml", str(out)], cwd=PROJECT_DIR, env=env, check=True)
    template_path = out / "sam.yaml"
    template_path.write_text(yaml.safe_dump(finish_template(yaml.safe_load(template_path.read_text())),
                                            sort_keys=False))
    (out / "waf.yaml").write_text(yaml.safe_dump(waf_template(yaml.safe_load(template_path.read_text())),
                                                 sort_keys=False))
    optimize(out / "deployment.zip")
    return out


def finish_template(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` (Chalice's, merged with ``infra/template.yaml``) with API Gateway invoking the
    web function's alias and every gateway response carrying the security headers."""
    from chalicelib.site import web

    template = copy.deepcopy(template)
    resources = template["Resources"]
    resources["APIHandler"]["Properties"]["AutoPublishAlias"] = WEB_ALIAS  # each deploy publishes a version
    # Ingest invalidates what each change alters (chalicelib/publish/edge.py). Only ingest's settings may name the
    # distribution: it depends on the API, which depends on the web function.
    environment = resources["Ingest"]["Properties"]["Environment"]  # a copy: the template shares one with the web's
    environment["Variables"] = {**environment["Variables"],
                                "NEWSROOM_DISTRIBUTION_ID": {"Fn::If": ["CreateCdn", {"Ref": "Distribution"}, ""]},
                                # Scheduled articles' due times (chalicelib/publish/schedule.py).
                                "NEWSROOM_SCHEDULE_ROLE": {"Fn::GetAtt": ["DueTimeRole", "Arn"]},
                                "NEWSROOM_INGEST_QUEUE_ARN": {"Fn::GetAtt": ["IngestQueue", "Arn"]}}
    # A scheduled newsletter digest's moment (chalicelib/newsletters/digests.py): the desk makes the schedule.
    web_environment = resources["APIHandler"]["Properties"]["Environment"]
    web_environment["Variables"] = {**web_environment["Variables"],
                                    "NEWSROOM_SCHEDULE_ROLE": {"Fn::GetAtt": ["DueTimeRole", "Arn"]},
                                    "NEWSROOM_NEWSLETTERS_QUEUE_ARN": {"Fn::GetAtt": ["NewslettersQueue", "Arn"]}}
    # Pillow and pillow-heif reach the images function alone, cryptography the web function alone, each as a
    # layer (``optimize`` writes them).
    for layer in LAYERS:
        resources[layer.resource] = {"Type": "AWS::Serverless::LayerVersion", "Properties": {
            "ContentUri": f"./{layer.zip_name}", "CompatibleRuntimes": ["python%d.%d" % LAMBDA_PYTHON],
            "Description": layer.description}}
        resources[layer.function]["Properties"]["Layers"] = [{"Ref": layer.resource}]
    alias = f"APIHandlerAlias{WEB_ALIAS}"  # what SAM names AutoPublishAlias's AWS::Lambda::Alias; Ref: its ARN
    api = resources["RestAPI"]["Properties"]
    api["DefinitionBody"] = json.loads(json.dumps(api["DefinitionBody"]).replace("${APIHandler.Arn}",
                                                                                     "${%s}" % alias))
    resources["APIHandlerInvokePermission"]["Properties"]["FunctionName"] = {"Ref": alias}
    headers = {name: "'" + value.replace("'", "\\'") + "'"  # static values are quoted; quotes inside escaped
               for name, value in {**web.SECURITY_HEADERS, "Cache-Control": web.NO_STORE,
                                   "X-Robots-Tag": "noindex"}.items()}  # an error page is nobody's to index
    api["GatewayResponses"] = {
        kind: {"ResponseParameters": {"Headers": headers}, **({"StatusCode": str(status)} if status else {})}
        for kind, status in GATEWAY_RESPONSES.items()}
    return finish_edge(template)


VIEWER_FUNCTION = PROJECT_DIR / "infra" / "viewer-request.js"
PAGE_FUNCTION = "ViewerRequestFunction"  # the cached pages': only the site's query parameters pass, WordPress's folded
HOST_FUNCTION = "ViewerHostFunction"  # the uncached behaviours': every query parameter passes


def viewer_function_code(query: dict[str, Any] | None) -> str:
    """``infra/viewer-request.js`` with ``query`` (:func:`page_query`; None: every parameter passes as it came)."""
    source = VIEWER_FUNCTION.read_text()
    declaration = "var QUERY = null;"
    if source.count(declaration) != 1:
        raise ValueError(f"{VIEWER_FUNCTION} must declare {declaration!r} once")
    return source.replace(declaration, f"var QUERY = {json.dumps(query)};")


def page_query() -> dict[str, Any]:
    """What the pages' function keeps of a query (``chalicelib/archives.py``): our own names, WordPress's, and
    the one parameter WordPress's travel in."""
    from chalicelib import archives

    return {"own": list(archives.OWN_QUERY), "wordpress": list(archives.WORDPRESS_QUERY),
            "fold": archives.WORDPRESS_FOLD}


def finish_edge(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` (``infra/template.yaml``, merged or not) with the viewer functions' code, the pages'
    cache policy listing the query parameters in their cache key, and what viewers are told of pages."""
    from chalicelib import archives
    from chalicelib.site import web

    template = copy.deepcopy(template)
    resources = template["Resources"]
    resources[PAGE_FUNCTION]["Properties"]["FunctionCode"] = viewer_function_code(page_query())
    resources[HOST_FUNCTION]["Properties"]["FunctionCode"] = viewer_function_code(None)
    policy = resources["PageCachePolicy"]["Properties"]["CachePolicyConfig"]
    policy["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"] = {
        "QueryStringBehavior": "whitelist", "QueryStrings": list(archives.CACHE_KEY_QUERY)}
    [header] = resources["PageHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"]["Items"]
    header.update({"Header": "Cache-Control", "Value": web.VIEWER_CACHE, "Override": True})
    return template


@dataclass(frozen=True)
class Layer:
    """Libraries moved out of the functions' zip into a layer for one function (``paths``: the zip's
    folders and files that are theirs; ``dist_info``: their wheels' ``<name>-`` prefixes, whose
    ``.dist-info`` folders go too)."""

    resource: str
    function: str
    zip_name: str
    description: str
    paths: tuple[str, ...]
    dist_info: tuple[str, ...]

    def holds(self, name: str) -> bool:
        """Whether the zip's file ``name`` belongs in this layer."""
        return name.startswith(self.paths) or (name.startswith(self.dist_info) and ".dist-info/" in name)


def waf_template(template: dict[str, Any]) -> dict[str, Any]:
    """The stack's web ACL alone (``WebAcl`` and the parameters it reads), for a stack outside
    us-east-1: deploy it in us-east-1 and pass its ``WebAclArn`` output to the stack (docs/deploy.md)."""
    from devstack.stack import references

    acl = copy.deepcopy(template["Resources"]["WebAcl"])
    acl.pop("Condition", None)  # here it is the whole stack

    conditions = {"WafManagedRulesOn": template["Conditions"]["WafManagedRulesOn"]}
    parameters = {name: template["Parameters"][name] for name in sorted(references([acl, conditions]))
                  if name in template["Parameters"]}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": "The newsroom's AWS WAF web ACL for its CloudFront distribution: deploy in us-east-1, "
                           "then give its WebAclArn to the newsroom stack in its own region (docs/deploy.md).",
            "Parameters": parameters,
            "Conditions": conditions,
            "Resources": {"WebAcl": acl},
            "Outputs": {"WebAclArn": {"Value": {"Fn::GetAtt": ["WebAcl", "Arn"]}}}}


IMAGE_LIBRARIES = ("PIL/", "pillow.libs/", "pillow_heif/", "pillow_heif.libs/", "_pillow_heif.")
IMAGES_LAYER = "images-layer.zip"
DESK_LIBRARIES = ("cryptography/", "cffi/", "_cffi_backend.", "pycparser/")
DESK_LAYER = "desk-layer.zip"
LAYERS = (Layer("ImageLibraries", "Images", IMAGES_LAYER, "Pillow and pillow-heif, for the images function",
                IMAGE_LIBRARIES, ("pillow-", "pillow_heif-")),
          Layer("DeskLibraries", "APIHandler", DESK_LAYER, "cryptography, for the desk's sign-in tokens (web function)",
                DESK_LIBRARIES, ("cryptography-", "cffi-", "pycparser-")))


def _layer_of(name: str) -> Layer | None:
    return next((layer for layer in LAYERS if layer.holds(name)), None)


def optimize(zip_path: Path) -> dict[str, int]:
    """Rewrite the deployment zip in place, and write each layer (``LAYERS``) beside it (see the module
    docstring); returns what changed."""
    with zipfile.ZipFile(zip_path) as original:
        entries = [(info, original.read(info)) for info in original.infolist()]
    stats = {"bytes_before": zip_path.stat().st_size, "dropped": 0, "compiled": 0, "templates": 0}
    kept = []
    latest = _latest_api_versions([info.filename for info, _ in entries])
    for info, data in entries:
        if _dropped(info.filename, latest):
            stats["dropped"] += 1
            continue
        if info.filename == BOTOCORE_DATA + "endpoints.json":
            data = _trim_endpoints(data)
        elif info.filename.startswith(BOTOCORE_DATA) and info.filename.endswith(".json.gz"):
            info.filename, data = info.filename[:-len(".gz")], _without_documentation(gzip.decompress(data))
        kept.append((info, data))
    names = {info.filename for info, _ in kept}
    compiled = [(name, data) for info, data in kept if info.filename.endswith(".py")
                for name, data in [_compile(info.filename, data)] if name not in names]
    templates = _template_bytecode(kept)
    stats["compiled"], stats["templates"] = len(compiled), len(templates)
    temporary = zip_path.with_suffix(".tmp")
    with contextlib.ExitStack() as stack:
        rewritten = stack.enter_context(zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED))
        layers = {layer.zip_name: stack.enter_context(zipfile.ZipFile(zip_path.with_name(layer.zip_name), "w",
                                                                      zipfile.ZIP_DEFLATED)) for layer in LAYERS}
        for info, data in kept:
            layer = _layer_of(info.filename)
            if layer is not None:  # a layer's Python code lives under python/
                info.filename = "python/" + info.filename
                layers[layer.zip_name].writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            else:
                rewritten.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in compiled + templates:
            layer = _layer_of(name)
            (layers[layer.zip_name] if layer else rewritten).writestr(
                _file_info("python/" + name if layer else name), data)
    temporary.replace(zip_path)
    stats["bytes_after"] = zip_path.stat().st_size
    return stats


def _dropped(name: str, latest: dict[str, str]) -> bool:
    """botocore service models we never call, older API versions of those we do, and their examples;
    stale bytecode (ours replaces it)."""
    if name.endswith(".pyc") or "/__pycache__/" in f"/{name}":
        return True
    if name.startswith(BOTOCORE_DATA):
        parts = name[len(BOTOCORE_DATA):].split("/")
        if len(parts) == 1:
            return False
        return parts[0] not in SERVICES or (len(parts) > 2 and parts[1] != latest.get(parts[0])) \
            or parts[-1].startswith("examples-")
    return False


def _latest_api_versions(names: list[str]) -> dict[str, str]:
    """Each service's newest API version folder (``"2020-05-31"``): the one botocore loads."""
    latest: dict[str, str] = {}
    for name in names:
        parts = name[len(BOTOCORE_DATA):].split("/") if name.startswith(BOTOCORE_DATA) else []
        if len(parts) > 2:
            latest[parts[0]] = max(latest.get(parts[0], ""), parts[1])
    return latest


def _without_documentation(data: bytes) -> bytes:
    """A botocore data file with its documentation strings emptied, as compact JSON (a plain
    ``.json``, which botocore reads before a ``.json.gz``): the DynamoDB model shrinks from 556 KB to
    135 KB and S3's from 1.4 MB to 267 KB, and every client built on a cold start parses
    that much less. botocore reads documentation only to write docstrings (the keys stay: some of
    its code expects them). Only string values change: a member that happens to be named
    "documentation" is a dict and stays."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "" if k in ("documentation", "documentationUrl") and isinstance(v, str) else strip(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(json.loads(data)), separators=(",", ":")).encode()


def _trim_endpoints(data: bytes) -> bytes:
    """endpoints.json with every partition's services cut to SERVICES (partition data kept whole)."""
    endpoints = json.loads(data)
    for partition in endpoints.get("partitions", []):
        kept = {ENDPOINT_NAMES.get(service, service) for service in SERVICES}
        partition["services"] = {k: v for k, v in partition.get("services", {}).items() if k in kept}
    return json.dumps(endpoints, separators=(",", ":")).encode()


def _compile(name: str, source: bytes) -> tuple[str, bytes]:
    """(the .pyc's name in the zip, its bytes) for one module, as an unchecked-hash pyc."""
    folder, _, filename = name.rpartition("/")
    cached = importlib.util.cache_from_source(filename)  # "__pycache__/x.cpython-311.pyc"
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / filename, Path(tmp) / "out.pyc"
        src.write_bytes(source)
        py_compile.compile(str(src), cfile=str(dst), dfile=f"/var/task/{name}", doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        return f"{folder}/{cached}" if folder else cached, dst.read_bytes()


def _template_bytecode(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> list[tuple[str, bytes]]:
    """Jinja2 bytecode for every template in the zip, under the names templating.environment looks for."""
    sys.path.insert(0, str(PROJECT_DIR))
    from chalicelib.site import templating

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for info, data in entries:
            if info.filename.startswith("templates/") and not info.is_dir():
                (root / info.filename).parent.mkdir(parents=True, exist_ok=True)
                (root / info.filename).write_bytes(data)
        env = templating.make_environment(root / "templates", root / TEMPLATE_BYTECODE, write=True)
        for name in env.list_templates(filter_func=lambda n: n.endswith((".html", ".xml"))):
            env.get_template(name)
        return [(TEMPLATE_BYTECODE + path.name, path.read_bytes())
                for path in sorted((root / TEMPLATE_BYTECODE).glob("*"))]


def _file_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the zip is reproducible
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    try:
        build(args.stage, args.out)
    except WrongPython as refusal:
        print(refusal, file=sys.stderr)
        return 2
    print(f"built {args.out}/sam.yaml and {args.out}/deployment.zip "
          f"({(args.out / 'deployment.zip').stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
