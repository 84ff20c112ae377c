"""Photos (issue 19): what the sizes save a reader, and what making them costs.

1. Making the sizes of one 4000 x 3000 phone photo (chalicelib/images.derive),
   in a fresh process: seconds and peak memory (the images function has 1,024 MB).
2. An article with 5 such photos on the `make run` stack (the images function
   included): the image bytes Chromium fetches at 360 px and at 1280 px, against
   the five originals' bytes (target: at most 1/5).
3. Lighthouse 12 (mobile) performance on that page, where bench/node_modules has
   it (`make bench-pages` installs it).

Run by `make bench` (section "photos") or alone: `.venv/bin/python bench/photos.py`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, TypedDict

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
sys.path.insert(0, str(PROJECT))

DERIVE = """
import re, time, sys, json
sys.path.insert(0, {project!r})
def peak_mb():  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
from devstack.photos import photo
data = photo()
from chalicelib.content import images
before = peak_mb()
started = time.perf_counter()
made = images.derive("media/bench/photo.jpg", data)
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": round(seconds, 2), "peak_mb": peak_mb(), "before_mb": before,
                  "original_kb": len(data) // 1024, "sizes": len(made.derivatives),
                  "sizes_kb": sum(len(d.data) for d in made.derivatives) // 1024}}))
"""


class DeriveCost(TypedDict):
    """What DERIVE prints: one photo's sizes made in a fresh process."""

    seconds: float
    peak_mb: int
    before_mb: int
    original_kb: int
    sizes: int
    sizes_kb: int


def derive_cost() -> DeriveCost:
    run = subprocess.run([sys.executable, "-c", DERIVE.format(project=str(PROJECT))], capture_output=True, text=True,
                         check=True)
    cost: DeriveCost = json.loads(run.stdout.strip().splitlines()[-1])
    return cost


def page_bytes() -> dict[str, Any]:
    import tempfile

    import boto3
    from playwright.sync_api import Response, sync_playwright

    from devstack.harness import fetch, start_serve, stop_serve, wait_for
    from devstack.photos import photo

    stack = start_serve(Path(tempfile.mkdtemp(prefix="bench-photos-")))
    try:
        s3 = boto3.client("s3", endpoint_url=stack.endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        originals = 0
        for i in range(5):
            data = photo()
            originals += len(data)
            s3.put_object(Bucket="newsroom-dev-content", Key=f"media/bench/photo-{i}.jpg", Body=data)
        body = "\n\n".join(f"Paragraph {i} of the story.\n\n![Photo {i} of the protest](/media/bench/photo-{i}.jpg)"
                           for i in range(1, 5))
        s3.put_object(Bucket="newsroom-dev-content", Key="articles/five-photos.md", Body=(
            "---\ntitle: Five photos\ndate: 2024-05-01\nimage: /media/bench/photo-0.jpg\n"
            "summary: A story told in five photos.\n---\n\n" + body + "\n").encode())
        url = stack.base + "/five-photos/"
        assert wait_for(lambda: fetch(url)[1].count("/sizes/bench/") >= 5, timeout=180, interval=1) is not None
        out: dict[str, Any] = {"originals_bytes": originals}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            for name, width in (("phone_360", 360), ("desktop_1280", 1280)):
                page = browser.new_page(viewport={"width": width, "height": 800})
                sizes: list[int] = []

                def count_image(response: Response, sizes: list[int] = sizes) -> None:
                    if response.request.resource_type == "image":
                        sizes.append(len(response.body()))

                page.on("response", count_image)
                page.goto(url, wait_until="load")
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_timeout(1500)
                page.wait_for_load_state("networkidle")
                out[name] = {"image_bytes": sum(sizes), "images": len(sizes),
                             "ratio_to_originals": round(sum(sizes) / originals, 4)}
                page.close()
            browser.close()
        out["lighthouse_performance"] = lighthouse(url)
        return out
    finally:
        stop_serve(stack)


def lighthouse(url: str) -> int | str:
    binary = BENCH / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        return "not run (make bench-pages installs Lighthouse)"
    from common import CHROME_FLAGS

    out = BENCH / "results" / "lighthouse-photos.json"
    for _ in range(3):
        run = subprocess.run([str(binary), url, "--quiet", "--output=json", f"--output-path={out}",
                              f"--chrome-flags={CHROME_FLAGS}", "--only-categories=performance"],
                             env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")})
        if run.returncode == 0:
            performance: float = json.loads(out.read_text())["categories"]["performance"]["score"]
            out.unlink()
            return round(performance * 100)
    return "lighthouse failed three times"


def measure() -> dict[str, Any]:
    return {"derive_one_4000x3000": derive_cost(), "article_with_5_photos": page_bytes(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


if __name__ == "__main__":
    results = measure()
    print(json.dumps(results, indent=2))
    (BENCH / "results" / "photos.json").write_text(json.dumps(results, indent=2) + "\n")
