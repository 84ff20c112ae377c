"""Every file an editor uploads is published or reported; only AWS failing is retried (issue 16).

Each poison file below once crashed ingest: the message came back until it
landed in the dead-letter queue, no report was written and ``newsroom check``
printed a traceback. Now each gets a report naming the field, the site is
unchanged, SQS is told the message is done, and ``check`` says the same.
"""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from newsroom.cli import main
from tests.functional.test_ingest import article

DEEP = "[" * 5000 + "]" * 5000
POISON = {
    "impossible date": ("articles/p.md", "---\ntitle: A\ndate: 2022-02-30\n---\n\nBody\n",
                        "date: '2022-02-30' is not a real date (February has no day 30) (line 3)"),
    "impossible month": ("articles/p.md", "---\ntitle: A\ndate: 2022-13-01\n---\n\nBody\n",
                         "date: '2022-13-01' is not a real date (there is no month 13) (line 3)"),
    "no leap day": ("articles/p.md", "---\ntitle: A\ndate: 2023-02-29\n---\n\nBody\n",
                    "date: '2023-02-29' is not a real date (February has no day 29 in 2023) (line 3)"),
    "quoted impossible date": ("articles/p.md", "---\ntitle: A\ndate: '2022-04-31'\n---\n\nBody\n",
                               "date: '2022-04-31' is not a real date (April has no day 31)"),
    "offset past the last date": ("articles/p.md", "---\ntitle: A\ndate: 9999-12-31T23:00:00-05:00\n---\n\nB\n",
                                  "date: '9999-12-31 23:00:00-05:00' is outside the dates this site can show"),
    "offset before the first date": ("articles/p.md", "---\ntitle: A\ndate: 0001-01-01T01:00:00+05:00\n---\n\nB\n",
                                     "date: '0001-01-01 01:00:00+05:00' is outside the dates this site can show"),
    "number with thousands of digits": ("articles/p.md", "---\ntitle: A\ndate: 2022-02-01\nsummary: 1"
                                        + "0" * 5000 + "\n---\n\nBody\n",
                                        "summary: a number of 5,001 characters; the limit is 30 (line 4)"),
    "float with thousands of digits": ("settings/site.yaml", "site_name: X\npage_size: 1." + "5" * 5000 + "\n",
                                       "page_size: a number of 5,002 characters; the limit is 30 (line 2)"),
    "front matter nested thousands deep": ("articles/p.md", f"---\ntitle: A\ndate: 2022-02-01\nsummary: {DEEP}\n"
                                           "---\n\nBody\n",
                                           "front matter: is not valid YAML: lists and mappings are nested more "
                                           "than 20 deep (line 4)"),
    "author file nested thousands deep": ("authors/a.yaml", f"name: {DEEP}\n",
                                          "yaml: is not valid YAML: lists and mappings are nested more than 20 deep"),
    "category file nested thousands deep": ("categories/c.yaml", f"name: x\ndescription: {DEEP}\n",
                                            "yaml: is not valid YAML: lists and mappings are nested more than 20 deep"),
    "settings nested thousands deep": ("settings/site.yaml", "site_name: X\nmenu: " + "{a: " * 3000 + "1"
                                       + "}" * 3000 + "\n",
                                       "yaml: is not valid YAML: lists and mappings are nested more than 20 deep"),
    "lone surrogate in a title": ("articles/p.md", '---\ntitle: "\\ud83d"\ndate: 2022-02-01\n---\n\nBody\n',
                                  "title: holds an escape such as \\ud83d that is half of a character"),
    "lone surrogate in a field name": ("authors/a.yaml", '"\\udc00x": 1\nname: A\n',
                                       "\ufffdx: holds an escape such as \\ud83d that is half of a character"),
    "lone surrogate in a tag": ("articles/p.md", '---\ntitle: A\ndate: 2022-02-01\ntags: ["a\\ud800"]\n---\n\nB\n',
                                "tags: holds an escape such as \\ud83d that is half of a character"),
}


@pytest.mark.parametrize("kind", sorted(POISON))
def test_a_poison_file_gets_a_report_and_changes_nothing(seeded_site, tmp_path, kind):
    key, text, message = POISON[kind]
    home_before = seeded_site.get("/").body
    seeded_site.put(key, text)
    assert seeded_site.ingest() == {"batchItemFailures": []}  # acknowledged: never retried into the DLQ
    report = seeded_site.report(key)
    assert report is not None, kind
    parsed = json.loads(report)  # valid UTF-8 JSON, whatever the file held
    assert message in "\n".join(f"{p['field']}: {p['problem']}" + (f" (line {p['line']})" if p["line"] else "")
                                for p in parsed["problems"]), parsed
    assert seeded_site.get("/").body == home_before  # the site is unchanged
    assert seeded_site.get("/p/").status_code == 404

    path = tmp_path / key
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    checked = CliRunner().invoke(main, ["check", str(path)])
    assert checked.exit_code == 1
    assert f"{path}: {message}" in checked.output  # exactly what the report says
    assert "Traceback" not in checked.output


def test_a_fault_of_ours_is_reported_as_ours_and_counted(site, monkeypatch, caplog):
    """Any exception while reading, parsing or rendering a file is the file's report, not a retry."""
    from chalicelib.content import markup

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(markup, "render_body", broken)
    site.put("articles/story.md", article(title="Story"))
    with caplog.at_level(logging.ERROR, logger="newsroom.ingest"):
        assert site.ingest() == {"batchItemFailures": []}
    problem = json.loads(site.report("articles/story.md"))["problems"][0]
    assert problem["field"] == "file"
    assert "fault in the site's own software; the site is unchanged" in problem["problem"]
    assert "Please report this file to the site's developers" in problem["problem"]
    metric = next(json.loads(r.getMessage()) for r in caplog.records if "IngestFaults" in r.getMessage())
    assert metric["IngestFaults"] == 1 and metric["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Newsroom"
    assert site.get("/story/").status_code == 404


def test_a_fault_of_ours_does_not_take_down_what_the_file_published(site, monkeypatch):
    from chalicelib.content import markup

    site.put("articles/story.md", article(title="Version one"))
    site.ingest()
    monkeypatch.setattr(markup, "render_body", lambda *a, **k: 1 / 0)
    site.put("articles/story.md", article(title="Version two"))
    assert site.ingest() == {"batchItemFailures": []}
    assert "Version one" in site.get("/story/").body.decode()
    assert site.report("articles/story.md") is not None


def test_aws_failing_is_still_retried(site, monkeypatch):
    """Throttling is AWS's problem, not the file's: the message goes back to the queue, no report."""
    import botocore.exceptions

    from chalicelib import retry
    from chalicelib.bucket import ContentBucket

    monkeypatch.setattr(retry, "BASE_SECONDS", 0)

    def throttled(self, key, limit):  # type: ignore[no-untyped-def]
        raise botocore.exceptions.ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "GetObject")

    monkeypatch.setattr(ContentBucket, "read_version", throttled)  # what ingest reads a file with
    site.put("articles/story.md", article(title="Story"))
    result = site.ingest()
    assert len(result["batchItemFailures"]) == 1
    assert site.report("articles/story.md") is None


@pytest.mark.parametrize("order", ["delete first", "bad file first"])
def test_a_deleted_article_stays_down_behind_a_bad_file_uploaded_after_it(site, order):
    """Delete a live article, then upload a broken file at its key: whatever order the two events
    arrive in, the deleted version is not shown again (a bad *update* keeps the live one)."""
    site.put("articles/story.md", article(title="Live once"))
    site.ingest()
    site.delete("articles/story.md")
    site.put("articles/story.md", POISON["impossible date"][1])
    messages = site.receive()
    removal = next(m for m in messages if "ObjectRemoved" in m["Body"])
    upload = next(m for m in messages if "ObjectCreated" in m["Body"])
    for message in ([removal, upload] if order == "delete first" else [upload, removal]):
        assert site.invoke([message]) == {"batchItemFailures": []}
    assert site.get("/story/").status_code == 404
    assert "February has no day 30" in site.report("articles/story.md")


def test_a_bad_update_keeps_the_live_article(site):
    site.put("articles/story.md", article(title="Live"))
    site.ingest()
    site.put("articles/story.md", POISON["impossible date"][1])
    site.ingest()
    assert "Live" in site.get("/story/").body.decode()
