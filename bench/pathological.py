"""make bench-files: the worst case of one uploaded file (docs/performance.md, "The worst case of one file").

Each pathological shape (long numeric entities, one-character lines, deep nesting, unclosed tags, runs
of emphasis markers and brackets, and ordinary prose for comparison) at 10 KB, 100 KB and 1 MB, through
what ingest does to a file before it writes anything: the content format's check and the renderer.
Prints the time, whether the file was published or refused (naming its limit), and the time per byte;
the target is time per byte within 2x between sizes (work that grows with the file, never faster).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Callable

from common import BENCH, machine  # noqa: F401 - puts the project on the path

from chalicelib.content import markup
from chalicelib.content.content_format import Article, ContentError, check_file

SHAPES: dict[str, Callable[[int], str]] = {
    "numeric entity, zeros": lambda n: "&#x" + "0" * n + "41;",
    "one-character line": lambda n: "a" * n,
    "address-like run": lambda n: "x" * n + "@",
    "nested <div>s": lambda n: "<div>" * (n // 5) + "x" + "</div>" * (n // 5),
    "unclosed <b>s": lambda n: "<b>" * (n // 3),
    "emphasis run": lambda n: "*" * n,
    "open brackets": lambda n: "[" * n,
    "paragraphs of prose": lambda n: ("The council met -- again -- on \"Tuesday\"... " * 40 + "\n\n") * (n // 2000),
}
SIZES = (10_000, 100_000, 1_000_000)


def main() -> int:
    results: dict[str, list[dict[str, object]]] = {}
    print(f"{'shape':24s}" + "".join(f"{size // 1000:>10,} KB" for size in SIZES) + "   us/byte (10 KB .. 1 MB)")
    for name, make in SHAPES.items():
        row = []
        for size in SIZES:
            data = ("---\ntitle: T\ndate: 2024-01-01\n---\n\n" + make(size) + "\n").encode()
            started = time.perf_counter()
            try:
                parsed = check_file("articles/x.md", data)
                assert isinstance(parsed, Article)  # a file under articles/ is read as an Article
                markup.render_body(parsed.body, parsed.body_format)
                outcome = "published"
            except ContentError:
                outcome = "refused"
            seconds = time.perf_counter() - started
            row.append({"bytes": len(data), "seconds": round(seconds, 4), "outcome": outcome,
                        "us_per_byte": round(seconds / len(data) * 1e6, 3)})
        results[name] = row
        print(f"{name:24s}" + "".join(f"{r['seconds']:>10.3f} s {str(r['outcome'])[0]}" for r in row)
              + "   " + " .. ".join(str(r["us_per_byte"]) for r in row))
    (BENCH / "results" / "files.json").write_text(json.dumps({"machine": machine(), "shapes": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
