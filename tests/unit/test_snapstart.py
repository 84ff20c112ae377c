"""SnapStart: the web function's initialisation is safe to snapshot (chalicelib/site/snapstart.py)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

from tests.conftest import PROJECT_DIR


def test_the_hooks_are_registered_when_the_runtime_has_them_and_take_nothing_unique():
    """Run as Lambda would: import the app with the runtime's library present, run the before-snapshot
    hook, and look at what it left behind."""
    code = textwrap.dedent("""
        import json, sys, types
        registered = {"before": [], "after": []}
        library = types.ModuleType("snapshot_restore_py")
        library.register_before_snapshot = registered["before"].append
        library.register_after_restore = registered["after"].append
        sys.modules["snapshot_restore_py"] = library
        import app
        from chalicelib import aws
        from chalicelib.site import templating
        [before], [after] = registered["before"], registered["after"]
        before()
        session = aws.botocore_session()
        primed = {"credentials": session._credentials is not None,
                  "clients": aws._client.cache_info().currsize + aws._dynamodb_connection.cache_info().currsize,
                  "templates": templating.environment().cache is not None and len(templating.environment().cache) > 5,
                  "dynamodb model": "dynamodb" in str(session.get_component("data_loader")._cache)}
        aws.s3_client()  # as if a request had made one
        after()
        primed["clients after restore"] = aws._client.cache_info().currsize
        print(json.dumps(primed))
    """)
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                              "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1"})
    assert run.returncode == 0, run.stderr
    primed = json.loads(run.stdout.strip().splitlines()[-1])
    assert primed == {"credentials": False, "clients": 0, "templates": True, "dynamodb model": True,
                      "clients after restore": 0}


def test_restored_instances_do_not_share_a_random_sequence(monkeypatch):
    from chalicelib.site import snapstart

    random.seed(7)
    state = random.getstate()
    snapstart.after_restore()
    first = random.random()
    random.setstate(state)  # a second instance restored from the same snapshot
    snapstart.after_restore()
    assert random.random() != first


def test_without_the_runtime_library_nothing_is_registered():
    from chalicelib.site import snapstart

    assert snapstart.register() is False  # tests and chalice local: no SnapStart runtime
