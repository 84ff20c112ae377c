"""The largest article the content format allows stays within DynamoDB's limits on AWS, not only on
moto: every request is checked by tests/dynamodb_limits.py (installed for the whole suite)."""

from __future__ import annotations

import random
import string

from chalicelib.content import content_format
from tests import dynamodb_limits


def worst_case_article(seed: int, title: str) -> str:
    """The most categories, tags and aliases the format takes, the longest title and summary,
    and a body just under the file limit that compresses badly (so it cannot stay on the item)."""
    rng = random.Random(seed)
    word = lambda n: "".join(rng.choice(string.ascii_lowercase) for _ in range(n))  # noqa: E731
    categories = [f"Category {seed} {word(40)}" for _ in range(content_format.MAX_CATEGORIES)]
    tags = [f"Tag {seed} {word(40)}" for _ in range(content_format.MAX_TAGS)]
    aliases = [f"/{2000 + i}/01/01/{word(100)}/" for i in range(content_format.MAX_ALIASES)]
    front = (f"---\ntitle: {title + 'x' * (content_format.MAX_TITLE_CHARS - len(title))}\ndate: 2024-01-01\n"
             f"summary: {word(content_format.MAX_SUMMARY_CHARS)}\n"
             f"categories: [{', '.join(categories)}]\ntags: [{', '.join(tags)}]\n"
             f"aliases: [{', '.join(aliases)}]\n---\n\n")
    paragraphs, size = [], len(front)
    while size < content_format.MAX_FILE_BYTES - 2_000:
        paragraph = " ".join(word(rng.randint(3, 12)) for _ in range(150)) + "\n\n"
        paragraphs.append(paragraph)
        size += len(paragraph)
    return front + "".join(paragraphs)


def test_the_largest_article_publishes_changes_and_goes_within_dynamodbs_limits(site):
    before = len(dynamodb_limits.SEEN)
    dynamodb_limits.LARGEST.update(dict.fromkeys(dynamodb_limits.LARGEST, 0))
    site.put("articles/huge.md", worst_case_article(1, "Huge"))
    assert site.ingest() == {"batchItemFailures": []} and site.report("articles/huge.md") is None
    page = site.get("/huge/")
    assert page.status_code == 200 and b"Hugexxx" in page.body
    # Every category, tag and alias replaced at once: the largest change one publish makes.
    site.put("articles/huge.md", worst_case_article(2, "Changed"))
    assert site.ingest() == {"batchItemFailures": []} and site.report("articles/huge.md") is None
    assert b"Changedxxx" in site.get("/huge/").body
    site.delete("articles/huge.md")
    assert site.ingest() == {"batchItemFailures": []}
    assert site.get("/huge/").status_code == 404
    operations = dynamodb_limits.SEEN[before:]
    assert operations.count("TransactWriteItems") >= 3  # publish, change, unpublish: each checked
    largest = dynamodb_limits.LARGEST
    print(f"worst case: {largest}")
    # Room to spare: a quarter of each limit left for what the format may add.
    assert largest["transaction actions"] <= 0.75 * dynamodb_limits.TRANSACTION_ACTIONS
    assert largest["item bytes"] <= 0.75 * dynamodb_limits.ITEM_BYTES
