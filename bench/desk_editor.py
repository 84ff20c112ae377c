"""The desk's editor page with the rich-text body, in Debian's Chromium against `make run`'s server
(issue 44): what its first load weighs gzipped, and how long it takes to open a 5,000-word article.

    .venv/bin/python bench/desk_editor.py

First load: the editor page's HTML and every script and stylesheet it loads (as Chromium fetched
them), each gzipped at level 6, as CloudFront compresses. Opening: from the navigation's start to the
rich-text body being ready (``window.DeskBody.rich``), median of 5 loads (the files cached, as an
editor's browser has them after the first); and the body editor's mount alone on that text.
docs/performance.md has the figures."""

from __future__ import annotations

import gzip
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import boto3
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from devstack.harness import Served, start_serve, stop_serve  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

WORDS = "the minister said on Tuesday that oil exports to China rose sharply in May while the rial held".split()
KEY = "articles/five-thousand-words.md"


def article(words: int = 5000) -> str:
    """Sections, lists and paragraphs of 100 words, one bold word each, to ``words`` words."""
    blocks, count, i = [], 0, 0
    while count < words:
        if i % 12 == 5:
            blocks.append(f"## Section {i}")
        elif i % 12 == 9:
            blocks.append("- one item\n- two items\n- three items")
        text = " ".join(" ".join(WORDS[(k * 7 + j) % len(WORDS)] for j in range(20)) + "." for k in range(i, i + 5))
        blocks.append(text.replace("minister", "**minister**", 1))
        count += 100
        i += 1
    return "\n\n".join(blocks) + "\n"


def accounts(stack: Served) -> dict[str, tuple[str, str]]:
    """The ``desk account: ROLE EMAIL PASSWORD`` lines `make run` printed."""
    found = re.findall(r"^desk account: (\w+) (\S+) (\S+)$", stack.printed(), re.MULTILINE)
    return {role: (email, password) for role, email, password in found}


def main() -> None:
    stack = start_serve(Path(tempfile.mkdtemp()))
    try:
        s3 = boto3.client("s3", endpoint_url=stack["endpoint"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        s3.put_object(Bucket="newsroom-dev-content", Key=KEY, Body=(
            "---\ntitle: Five thousand words\ndate: 2024-01-01T00:00:00Z\n---\n" + article()).encode())
        email, password = accounts(stack)["editor"]
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(stack["base"] + "/desk/sign-in")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/desk/articles")
            first: dict[str, int] = {}

            def weigh(response) -> None:  # type: ignore[no-untyped-def]
                if response.request.resource_type in ("document", "script", "stylesheet"):
                    first.setdefault(response.url, len(gzip.compress(response.body(), 6)))
            page.on("response", weigh)
            page.goto(stack["base"] + "/desk/new")
            page.wait_for_function("window.DeskBody && window.DeskBody.rich")
            page.wait_for_load_state("networkidle")
            page.remove_listener("response", weigh)
            opened, mounted = [], []
            for _ in range(5):
                page.goto(stack["base"] + "/desk/edit?key=" + KEY)
                page.wait_for_function("window.DeskBody && window.DeskBody.rich")
                opened.append(page.evaluate("performance.now()"))
                mounted.append(page.evaluate("""() => {
                    const area = document.createElement("textarea"); area.value = DeskBody.get(); document.body.append(area);
                    const t = performance.now(); const e = BodyEditor.mount(area, {format: "markdown", liveRegion: false});
                    const took = performance.now() - t; e.destroy(); area.remove(); return took; }"""))
            words = page.locator("#body-count").inner_text()
            browser.close()
    finally:
        stop_serve(stack)
    for url, size in sorted(first.items(), key=lambda kv: -kv[1]):
        print(f"{size:>9,} B  {re.sub(r'^https?://[^/]+', '', url)}")
    print(f"{sum(first.values()):>9,} B  the editor's first load, gzipped (level 6)")
    print(f"5,000-word article ({words}): open {statistics.median(opened):.0f} ms median of 5 "
          f"({', '.join(f'{t:.0f}' for t in opened)}); the editor's mount alone {statistics.median(mounted):.0f} ms")


if __name__ == "__main__":
    main()
