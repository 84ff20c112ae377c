"""What every benchmark shares: where the project is, free ports, the machine it ran on, Chromium's
flags for Lighthouse, and the one way to start the local AWS stand-in with the stack in it.

``make bench`` runs the stand-in in this process (its requests are counted here); ``make
bench-peer`` in a process of its own (so that CPU accounting separates it from the web handler):
both through ``LocalAws``. ``make bench-pages`` and the photo bench serve the whole site
(``newsroom-dev serve``) through ``serve_site``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from botocore.client import BaseClient

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

LIGHTHOUSE_CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# Headless Chromium as this machine runs it: no GPU, no sandbox as root, and none of its background
# connections (the machine's closed network refuses them).
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")


# botocore's private method that every client request goes through: (client, operation, params) -> answer.
# Its type stubs leave it out, so the benches that count requests reach it by name, here.
ApiCall = Callable[["BaseClient", str, "dict[str, Any]"], "dict[str, Any]"]
_API_CALL = "_make_api_call"


def api_call() -> ApiCall:
    """botocore's request entry point as it is now."""
    from botocore.client import BaseClient

    found: ApiCall = getattr(BaseClient, _API_CALL)
    return found


def replace_api_call(call: ApiCall) -> None:
    """Every botocore client request, in this process and those it forks, through ``call`` from now on."""
    from botocore.client import BaseClient

    setattr(BaseClient, _API_CALL, call)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, seconds: float = 20.0) -> None:
    """Until something listens on ``port`` (loopback). :raise TimeoutError: nothing did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {seconds:.0f} s")


def machine() -> dict[str, Any]:
    """The machine a result was measured on, for the results' files."""
    return {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine()}


class LocalAws:
    """The local AWS stand-in (moto, with ``devstack.moto_gaps``) on a free port, the stack of
    ``infra/template.yaml`` created in it, and this process's settings and clients pointed at it.

    ``own_process``: run moto in a process of its own rather than in a thread of this one.
    """

    def __init__(self, own_process: bool = False) -> None:
        import logging

        from chalicelib import config
        from devstack.local import local_config, local_environment

        self.port = free_port()
        self.env = {**local_environment(self.port), "NEWSROOM_SITE_CACHE_SECONDS": "3600"}
        os.environ.update(self.env)  # for boto3 here and the processes the bench starts
        config.use(local_config(self.port).replace(site_cache_seconds=3600.0))
        self.process: subprocess.Popen[bytes] | None = None
        self.server: Any = None
        if own_process:
            code = textwrap.dedent(f"""
                import sys, time
                sys.path.insert(0, {str(PROJECT)!r})
                from devstack import moto_gaps
                moto_gaps.install()
                from moto.server import ThreadedMotoServer
                ThreadedMotoServer(ip_address="127.0.0.1", port={self.port}, verbose=False).start()
                while True:
                    time.sleep(3600)
            """)
            self.process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL, start_new_session=True)
        else:
            from moto.server import ThreadedMotoServer

            from devstack import moto_gaps

            moto_gaps.install()
            self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self.server.start()
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
        wait_for_port(self.port)
        logging.getLogger("newsroom.ingest").setLevel(logging.WARNING)
        import boto3

        from devstack.stack import create_stack

        self.session = boto3.Session(region_name="us-east-1")
        self.stack = create_stack(self.session)
        self.s3 = self.session.client("s3")
        self.sqs = self.session.client("sqs")
        self.dynamodb = self.session.client("dynamodb")

    def stop(self) -> None:
        """End the stand-in, whichever way it runs."""
        if self.server is not None:
            self.server.stop()
        if self.process is not None:
            from devstack.child import stop_group

            stop_group(self.process, signal.SIGTERM, 10)


@contextlib.contextmanager
def serve_site(ready_path: str = "/", seconds: float = 120.0) -> Iterator[str]:
    """``newsroom-dev serve`` (what ``make run`` starts: the stand-in, the stack, the sample content,
    chalice local) on free ports; yields the site's base URL once ``ready_path`` answers 200."""
    port, moto_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, "-m", "devstack.cli", "serve", "--port", str(port),
                               "--moto-port", str(moto_port), "--no-reload"], cwd=PROJECT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if urllib.request.urlopen(base + ready_path, timeout=2).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the site did not answer {ready_path} within {seconds:.0f} s") from None
                time.sleep(0.5)
        yield base
    finally:
        from devstack.child import stop_group

        stop_group(server)


# Prices (us-east-1, December 2026 list prices) for the cost of a million page views.
LAMBDA_GB_SECOND = 0.0000166667
LAMBDA_REQUEST = 0.20 / 1e6
LAMBDA_MEMORY_GB = 0.5  # the stack's MemorySize, 512 MB
DYNAMODB_READ = 0.125 / 1e6  # on demand, per read request unit (4 KB, eventually consistent: half)
CLOUDFRONT_REQUEST = 0.0100 / 10_000
CLOUDFRONT_FUNCTION = 0.10 / 1e6  # per invocation (the viewer-request function runs on every request it serves)
ORIGIN_SHIELD_REQUEST = 0.0075 / 10_000  # per request a regional edge cache sends to the shield
API_GATEWAY_REQUEST = 3.50 / 1e6  # REST API, first 333 M a month
WAF_REQUEST = 0.60 / 1e6  # every request the web ACL inspects
WAF_MONTH = 5.0 + 1.0 * 2  # the web ACL and its rules (the rate rule; the optional managed group counts one)
S3_GET = 0.0004 / 1000
DYNAMODB_WRITE = 0.625 / 1e6
CLOUDFRONT_GB = 0.085


def freeze_heap() -> None:
    """Take the objects alive now out of the cyclic GC's view: what setting up the bench left (the
    moto server's stored items when it runs in this process, the importer's work), not what a page
    allocates.

    ``make bench``'s moto server runs in its process, so that the site can grow in its
    backends directly. At 10,000 articles it holds ~3.6 million objects
    (0.4 million at 100), and every full collection walks them all, slowing
    every request the bench times by 20-30 % (GetObject, which moto answers
    from a dict, included). A Lambda's heap holds no database and no import: after this, only
    what the measured code allocates is collected, as in production.
    """
    import gc

    gc.collect()
    gc.freeze()
