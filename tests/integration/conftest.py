"""The local stack as a newcomer runs it: ``newsroom-dev serve`` (what ``make run`` runs) in a process
(devstack/harness.py starts and stops it, on ports of its own: parallel workers never share one)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from playwright.sync_api import expect

from devstack.harness import (  # noqa: F401 - the integration tests' helpers, from the harness
    PROJECT_DIR,
    SEED,
    Served,
    ServeFailed,
    fetch,
    free_port,
    start_serve,
    stop_serve,
    wait_for,
)
from devstack.harness import stop_group as stop  # noqa: F401

# Browser checks wait for what they assert (expect(...).to_have_count(3), never .count() at once); on a
# machine whose CPUs are busy, a page may take seconds to show it, so they wait up to 15 s.
expect.set_options(timeout=15_000)

BIN = Path(sys.executable).parent
AXE = Path(__file__).resolve().parents[1] / "browser-tools" / "node_modules" / "axe-core" / "axe.min.js"
needs_axe = pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (make test installs it with npm)")


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``newsroom-dev serve`` running with the sample content; stopped with Ctrl-C (SIGINT)."""
    try:
        stack = start_serve(tmp_path_factory.mktemp("serve"))
    except ServeFailed as failed:
        pytest.fail(str(failed))
    yield stack
    stop_serve(stack)


# --- the browser tests' shared steps -------------------------------------------------------------

def accounts(stack: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """The ``desk account: ROLE EMAIL PASSWORD`` lines `make run` printed."""
    stack["log"].seek(0)
    found = re.findall(r"^desk account: (\w+) (\S+) (\S+)$", stack["log"].read(), re.MULTILINE)
    return {role: (email, password) for role, email, password in found}


def sign_in(page: Any, stack: dict[str, Any], role: str) -> None:
    """``page`` signs in to the desk as `make run`'s account of ``role``, as a person would, and is on Articles."""
    email, password = accounts(stack)[role]
    page.goto(stack["base"] + "/desk/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/desk/articles")


def signed_in(browser: Any, stack: dict[str, Any], role: str, width: int = 1280, axe: bool = False,
              **options: Any) -> Any:
    """A new page signed in as ``role``, ``width`` px wide, in a context of its own (more tabs of the same
    person: ``page.context.new_page()``; ``options``: the context's others, such as ``timezone_id``);
    ``page.errors`` gathers its script errors and console errors. ``axe``: the context bypasses the CSP,
    only so that ``violations`` can inject axe-core."""
    page = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=axe, **options).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors
    sign_in(page, stack, role)
    return page


def violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now (WCAG 2.1 AA and best practice), one line each."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations"
                          ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
    return list(found)


def sideways(page: Any) -> int:
    """How far the page scrolls sideways, in px (0: it fits its viewport's width)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))
