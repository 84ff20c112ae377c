"""make bench-pages: Lighthouse 12 on the home, category, article and search pages.

Starts `newsroom-dev serve` (the make-run stack) on free ports, runs Lighthouse
(bench/node_modules, pinned in bench/package.json) against Debian's Chromium
for each page type, prints the four category scores, writes them to
bench/results/lighthouse.json, and stops the stack.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from common import BENCH, CHROME_FLAGS, LIGHTHOUSE_CATEGORIES, machine, serve_site

PAGES = {
    "home": "/",
    "category": "/category/iranian-news/",
    "article": "/iran-russia-alliance-grows-as-biden-heads-to-middle-east-amid-growing-threats/",
    "search": "/search/?q=drones",
}
CATEGORIES = LIGHTHOUSE_CATEGORIES


def main() -> int:
    with serve_site(PAGES["article"], seconds=240) as base:
        results = {}
        for name, path in PAGES.items():
            out = BENCH / "results" / f"lighthouse-{name}.json"
            out.parent.mkdir(exist_ok=True)
            for _attempt in range(3):  # headless Chromium on a busy machine now and then fails to start
                run = subprocess.run(
                    [str(BENCH / "node_modules" / ".bin" / "lighthouse"), base + path, "--quiet", "--output=json",
                     f"--output-path={out}", f"--chrome-flags={CHROME_FLAGS}",
                     "--only-categories=" + ",".join(CATEGORIES)],
                    env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")})
                if run.returncode == 0:
                    break
            else:
                raise SystemExit(f"lighthouse failed three times on {path}")
            report = json.loads(out.read_text())
            results[name] = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
            out.unlink()
        print(f"{'page':10s}" + "".join(f"{c:>16s}" for c in CATEGORIES))
        for name, scores in results.items():
            print(f"{name:10s}" + "".join(f"{scores[c]:16d}" for c in CATEGORIES))
        (BENCH / "results" / "lighthouse.json").write_text(json.dumps(
            {"date": time.strftime("%Y-%m-%d"), "lighthouse": "12.2.3", "form_factor": "mobile",
             "machine": machine(), "scores": results}, indent=2) + "\n")
        return 0


if __name__ == "__main__":
    sys.exit(main())
