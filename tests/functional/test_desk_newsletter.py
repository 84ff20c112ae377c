"""Send as newsletter and the Newsletters screen (issue 47, the desk's side): an editor sends a live
article or today's digest; each active reader gets one e-mail with both unsubscribe headers; a test
goes to the editor only and is counted nowhere; a double click or a replayed POST is one send; a send
is paused, resumed and cancelled (which asks first); its counts come from SES's events and the
unsubscribes; contributors and forged requests send nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import config
from chalicelib.models import NewsletterIssue
from chalicelib.newsletters import events, sending, subscribers
from devstack.harness import ACCOUNT, REGION, sqs_event
from tests.functional.test_desk import sign_in
from tests.functional.test_desk_screens import get, post_form, text_of
from tests.functional.test_ingest import article
from tests.functional.test_newsletters import ORIGIN, FakeQueue, accepted, active, press, story

TITLE = "Tehran markets rally"
KEY = "articles/markets.md"
DAILY = "Daily briefing"


def published(desk, **settings: str) -> None:  # type: ignore[no-untyped-def]
    extra = "".join(f"{k}: {v}\n" for k, v in settings.items())
    desk.put("settings/site.yaml", f"site_name: Gazette\nnewsletters: [{DAILY}, Breaking news]\n{extra}")
    desk.put(KEY, article(TITLE, summary="Stocks rose on Monday."))
    desk.ingest()


def deliver_all(desk) -> int:  # type: ignore[no-untyped-def]
    """Run the sender function on the newsletters queue until it is empty (a plan step queues the
    batches it plans); how many messages there were."""
    url = desk.sqs.get_queue_url(QueueName=config.current().newsletters_queue)["QueueUrl"]
    count = 0
    while messages := desk.receive(url):
        event = sqs_event(messages, f"arn:aws:sqs:{REGION}:{ACCOUNT}:" + url.rsplit("/", 1)[-1])
        assert desk.client.lambda_.invoke("newsletters", event).payload == {"batchItemFailures": []}
        for message in messages:
            desk.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        count += len(messages)
    return count


@contextlib.contextmanager
def sender_calls() -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """The AWS calls made meanwhile (service, operation, parameters), as the policy test reads them."""
    import botocore.client

    calls: list[tuple[str, str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        calls.append((self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]


def not_allowed(calls: list[tuple[str, str, dict[str, Any]]], function: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """The DynamoDB and SQS calls ``function``'s policy would refuse (SQS's receive and delete are the
    test's own, acting as the event source mapping)."""
    from tests.deploy.test_policies import allows, authorizations, policy

    return sorted({(action, arn, keys) for service, operation, params in calls
                   if service == "dynamodb" or (service == "sqs" and operation in ("GetQueueUrl", "SendMessage",
                                                                                  "SendMessageBatch"))
                   for action, arn, keys in authorizations(service, operation, params)
                   if not allows(policy("dev", function), action, arn, keys)})


def with_subject(address: str, subject: str = TITLE) -> list[dict[str, Any]]:
    return [m for m in accepted(address) if m["subject"] == subject]


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(text_of(response.body.decode()))


def send_form(desk, jar: str, path: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The fields of the screen's Send form, as the browser would post them."""
    page = get(desk, path, jar).body.decode()
    form = re.search(r'<form[^>]*id="confirm-send".*?</form>', page, re.DOTALL)
    assert form, "no Send form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    return {k: html.unescape(v) for k, v in fields.items()} | {"action": "send"}


def query_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["Location"]).query).items()}


def test_an_editor_sends_a_live_article_to_each_active_reader_once_however_often_it_is_posted(desk):
    published(desk)
    readers = ["ann@desk-send.example", "bob@desk-send.example"]
    for email in readers:
        active(email)
    active("other@desk-send.example", ("Breaking news",))
    jar, _, _ = sign_in(desk)
    editor = get(desk, f"/desk/edit?key={KEY}", jar).body.decode()
    assert f'href="/desk/newsletter?key={KEY}">Send as newsletter</a>' in editor
    screen = get(desk, f"/desk/newsletter?key={KEY}", jar)
    shown = page_text(screen)
    assert screen.status_code == 200 and "Send to 2 readers of Daily briefing" in shown
    assert "2 readers of Daily briefing will receive it, each once." in shown
    frame = re.search(r'<iframe title="Preview of the e-mail[^>]* sandbox src="([^"]+)"', screen.body.decode())
    preview = get(desk, html.unescape(frame.group(1)), jar)
    assert preview.status_code == 200 and "Stocks in Tehran rose" in preview.body.decode()
    assert "sandbox" in preview.headers["Content-Security-Policy"] and "script-src" not in \
        preview.headers["Content-Security-Policy"] and preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Send to 1 reader of Breaking news" in page_text(get(desk, f"/desk/newsletter?key={KEY}&newsletter="
                                                                 "Breaking+news", jar))
    form = send_form(desk, jar, f"/desk/newsletter?key={KEY}")
    done = post_form(desk, "/desk/newsletter", jar, form)
    assert done.status_code == 303 and done.headers["Location"].startswith("/desk/newsletters?send=")
    said = query_of(done)
    assert said["done"] == f"Sending “{TITLE}” to 2 readers of Daily briefing: each receives it once."
    record = NewsletterIssue.get(f"issue#{said['send']}", "issue")
    assert (record.recipients, record.state, record.subject, record.newsletter) == (2, "sending", TITLE, DAILY)
    assert record.started_by == desk.accounts["editor"][0]

    replayed = post_form(desk, "/desk/newsletter", jar, form)  # a double click, or the POST replayed
    assert replayed.status_code == 303 and query_of(replayed)["send"] == said["send"]
    assert "started already" in query_of(replayed)["done"]
    assert deliver_all(desk) == 2  # the plan step and its one batch: the replay queued nothing
    for email in readers:
        [got] = with_subject(email)
        assert got["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert got["headers"]["List-Unsubscribe"].startswith("<http://localhost/newsletter/unsubscribe/?t=")
    assert with_subject("other@desk-send.example") == []
    listed = page_text(get(desk, "/desk/newsletters", jar))
    assert f"{TITLE} Daily briefing" in listed and "State: Done" not in listed  # the table's labels are CSS only
    assert re.search(r"Done .*2 of 2", listed)
    assert [s.state for s in sending.recent()] == ["done"] and sending.status(said["send"]).sent == 2


def test_a_test_send_goes_to_the_signed_in_editor_only_and_is_counted_nowhere(desk):
    published(desk)
    active("cat@desk-send.example")
    editor = desk.accounts["editor"][0]
    jar, token, _ = sign_in(desk)
    done = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "key": KEY, "newsletter": DAILY,
                                                     "action": "test"})
    assert done.status_code == 303
    assert query_of(done)["done"] == f"A test of “{TITLE}” was sent to {editor} (only to you; it is counted nowhere)."
    [test] = with_subject(editor, f"[Test] {TITLE}")
    assert test["to"] == [editor] and test["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert with_subject("cat@desk-send.example") == [] and deliver_all(desk) == 0
    assert sending.recent() == [] and "Nothing has been sent yet." in page_text(get(desk, "/desk/newsletters", jar))


def test_only_a_live_article_a_known_newsletter_and_an_editor_send(desk):
    published(desk)
    active("dan@desk-send.example")
    desk.put("articles/later.md", article("Not yet", date="2099-01-01"))
    desk.ingest()
    jar, token, _ = sign_in(desk)
    editor = get(desk, "/desk/edit?key=articles/later.md", jar).body.decode()
    assert "Send as newsletter: once it is live." in editor and "newsletter-link" not in editor
    scheduled = get(desk, "/desk/newsletter?key=articles/later.md", jar)
    assert scheduled.status_code == 409 and "is scheduled, not live: only a published article can be sent" in \
        page_text(scheduled)
    assert get(desk, "/desk/newsletter?key=articles/nope.md", jar).status_code == 409
    assert get(desk, "/desk/newsletter?key=../etc/passwd", jar).status_code == 400
    unknown = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "key": KEY, "newsletter": "Gossip",
                                                        "action": "test"})
    assert unknown.status_code == 400 and "“Gossip” is not one of the site's newsletters" in page_text(unknown)
    no_token = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "key": KEY, "newsletter": DAILY,
                                                         "action": "send"})
    assert no_token.status_code == 400 and "send token" in page_text(no_token)
    form = send_form(desk, jar, f"/desk/newsletter?key={KEY}")
    assert post_form(desk, "/desk/newsletter", jar, {**form, "csrf": "forged"}).status_code == 403
    assert post_form(desk, "/desk/newsletter", jar, form, origin="https://evil.example").status_code == 403
    jar, token, _ = sign_in(desk, "contributor")
    assert get(desk, f"/desk/newsletter?key={KEY}", jar).status_code == 403
    assert get(desk, f"/desk/newsletter/preview?key={KEY}", jar).status_code == 403
    assert get(desk, "/desk/newsletters", jar).status_code == 403
    assert post_form(desk, "/desk/newsletter", jar, {**form, "csrf": token}).status_code == 403
    assert "/desk/newsletters" not in get(desk, "/desk/articles", jar).body.decode()  # not in a contributor's nav
    assert deliver_all(desk) == 0 and with_subject("dan@desk-send.example") == [] and sending.recent() == []


def test_a_send_is_paused_resumed_and_cancelled_from_the_newsletters_screen(desk, monkeypatch):
    monkeypatch.setattr(sending, "BATCH", 1)  # one reader a batch: three batches
    published(desk)
    for n in range(3):
        active(f"r{n}@desk-send.example")
    jar, token, _ = sign_in(desk)
    said = query_of(post_form(desk, "/desk/newsletter", jar, send_form(desk, jar, f"/desk/newsletter?key={KEY}")))
    send_id = said["send"]
    assert post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": send_id,
                                                     "action": "pause"}).status_code == 303
    assert "Paused" in page_text(get(desk, "/desk/newsletters", jar))
    assert deliver_all(desk) == 1  # the send's plan step, held
    assert sum(len(with_subject(f"r{n}@desk-send.example")) for n in range(3)) == 0
    again = post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": send_id, "action": "pause"})
    assert query_of(again)["failed"] == "This send is paused: it cannot be paused."
    post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": send_id, "action": "resume"})
    assert deliver_all(desk) == 4  # the held plan step, queued again, and the three batches it plans
    assert [len(with_subject(f"r{n}@desk-send.example")) for n in range(3)] == [1, 1, 1]
    assert sending.status(send_id).state == "done"
    record = NewsletterIssue.get(f"issue#{send_id}", "issue")
    assert (record.changed_by["who"], record.changed_by["state"]) == (desk.accounts["editor"][0], "sending")

    second = query_of(post_form(desk, "/desk/newsletter", jar, send_form(desk, jar, f"/desk/newsletter?key={KEY}"
                                                                                     "&newsletter=Daily+briefing")))
    asked = post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": second["send"], "action": "cancel"})
    assert asked.headers["Location"] == f"/desk/newsletters?cancel={second['send']}#confirm-cancel"
    assert sending.status(second["send"]).state == "sending"  # nothing changed before the confirmation
    confirm = page_text(get(desk, asked.headers["Location"].split("#")[0], jar))
    assert f"Cancel “{TITLE}”?" in confirm and "3 of 3 readers of Daily briefing have not received it yet" in confirm
    assert "Yes, cancel the send" in confirm
    done = post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": second["send"], "action": "cancel",
                                                      "confirm": "yes"})
    assert query_of(done)["done"] == f"Cancelled: no more e-mails of “{TITLE}” go. 0 were sent."
    assert deliver_all(desk) == 1  # its plan step, dropped
    assert [len(with_subject(f"r{n}@desk-send.example")) for n in range(3)] == [1, 1, 1]
    assert sending.status(second["send"]).state == "cancelled"
    resumed = post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": second["send"], "action": "resume"})
    assert query_of(resumed)["failed"] == "This send is cancelled: it cannot be resumed."
    jar, token, _ = sign_in(desk, "contributor")
    assert post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": send_id,
                                                     "action": "pause"}).status_code == 403


def test_the_counts_come_from_ses_events_and_the_unsubscribes_each_once(desk):
    published(desk)
    for email in ("ok@desk-send.example", "gone@desk-send.example", "angry@desk-send.example", "leaving@desk-send.example"):
        active(email)
    jar, _, _ = sign_in(desk)
    send_id = query_of(post_form(desk, "/desk/newsletter", jar,
                                 send_form(desk, jar, f"/desk/newsletter?key={KEY}")))["send"]
    deliver_all(desk)
    tags = {"send": [send_id]}
    delivered = {"eventType": "Delivery", "mail": {"tags": tags},
                 "delivery": {"recipients": ["ok@desk-send.example", "angry@desk-send.example", "leaving@desk-send.example"]}}
    bounce = {"eventType": "Bounce", "mail": {"tags": tags},
              "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "gone@desk-send.example"}]}}
    complaint = {"eventType": "Complaint", "mail": {"tags": tags},
                 "complaint": {"complainedRecipients": [{"emailAddress": "angry@desk-send.example"}]}}
    bodies = [json.dumps(event) for event in (delivered, bounce, complaint, delivered, complaint)]  # each may come twice
    answer = events.newsletter_events_queue_handler({"messageId": str(n), "body": body} for n, body in enumerate(bodies))
    assert answer == {"batchItemFailures": []}
    [leaving] = with_subject("leaving@desk-send.example")
    one_click = leaving["headers"]["List-Unsubscribe"].strip("<>")
    assert f"&s={send_id}" in one_click
    for _ in range(2):
        assert press(desk, one_click, body="List-Unsubscribe=One-Click", origin=None).status_code == 200
    status = sending.status(send_id)
    assert (status.sent, status.delivered, status.bounced, status.complained, status.unsubscribed) == (4, 3, 1, 1, 1)
    row = page_text(get(desk, "/desk/newsletters", jar))
    assert re.search(r"4 of 4 4 3 1 1 1", row), row
    assert subscribers.receiving_count(DAILY) == 1  # the bounce, the complaint and the unsubscribe left


def test_a_digest_of_today_lists_the_articles_published_today_in_the_sites_time_zone(desk):
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    published(desk, time_zone="Asia/Tehran")
    local_midnight = now.astimezone(dt.timezone(dt.timedelta(hours=3, minutes=30))).replace(hour=0, minute=0,
                                                                                              second=0)
    utc = lambda moment: moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    today = max(local_midnight + dt.timedelta(minutes=1), now - dt.timedelta(minutes=5))
    desk.put("articles/today-one.md", article("Oil output rises", date=utc(today), summary="Output is up."))
    desk.put("articles/yesterday.md", article("Old news", date=utc(local_midnight - dt.timedelta(minutes=1))))
    desk.ingest()
    active("digest@desk-send.example")
    jar, _, _ = sign_in(desk)
    screen = get(desk, "/desk/newsletter?digest=today", jar)
    shown = html.unescape(screen.body.decode())
    assert screen.status_code == 200 and "Today's digest (1 article), as the e-mail" in page_text(screen)
    preview = get(desk, "/desk/newsletter/preview?digest=today&newsletter=Daily+briefing", jar).body.decode()
    assert "Oil output rises" in preview and "Output is up." in preview and "Old news" not in preview
    assert "Daily briefing: " in shown
    said = query_of(post_form(desk, "/desk/newsletter", jar, send_form(desk, jar, "/desk/newsletter?digest=today")))
    assert said["done"].startswith("Sending today's digest (1 article) to 1 reader of Daily briefing")
    deliver_all(desk)
    [got] = [m for m in accepted("digest@desk-send.example") if m["subject"].startswith("Daily briefing: ")]
    assert "http://localhost/today-one/" in got["links"] and "http://localhost/yesterday/" not in got["links"]


def test_the_send_screen_names_the_subject_and_only_its_preview_frame_renders_the_email(desk, monkeypatch):
    from chalicelib.newsletters import mail

    published(desk)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    today = max(now.replace(hour=0, minute=0, second=0), now - dt.timedelta(minutes=5))
    desk.put("articles/today.md", article("Oil output rises", date=today.strftime("%Y-%m-%dT%H:%M:%SZ")))
    desk.ingest()
    rendered: list[str] = []
    render = mail.render
    monkeypatch.setattr(mail, "render", lambda name, **values: rendered.append(name) or render(name, **values))
    jar, _, _ = sign_in(desk)
    for what, subject in ((f"key={KEY}", TITLE), ("digest=today", f"{DAILY}: ")):
        screen = get(desk, f"/desk/newsletter?{what}", jar).body.decode()
        assert re.search(f'<strong id="subject">{re.escape(html.escape(subject))}', screen), screen
        assert rendered == []  # the subject without the e-mail: the frame's request renders it, once
        frame = re.search(r'<iframe title="Preview of the e-mail[^>]* sandbox src="([^"]+)"', screen)
        assert get(desk, html.unescape(frame.group(1)), jar).status_code == 200
        assert sorted(rendered) in (["article.html", "article.txt"], ["digest.html", "digest.txt"])
        rendered.clear()


@pytest.mark.parametrize("zone", ["Mars/Olympus", "UTC+3"])
def test_a_time_zone_the_database_does_not_know_is_named(desk, zone):
    desk.put("settings/site.yaml", f"site_name: Gazette\ntime_zone: {zone}\n")
    desk.ingest()
    report = desk.s3.get_object(Bucket=desk.stack.bucket, Key="reports/settings/site.yaml.json")["Body"].read().decode()
    assert f"“{zone}” is not a time zone" in report


def test_the_outbox_shows_a_long_subject_as_written_though_the_mime_header_is_folded():
    from chalicelib.newsletters import mail, outbox

    long_title = "Iran-Russia alliance grows as Biden heads to Middle East amid growing threats"
    message = mail.compose("reader@desk-send.example", long_title, "Gazette", "text", "<p>html</p>",
                           "https://news.example/newsletter/unsubscribe/?t=x")
    assert "Subject:\n " in message.as_string()  # folded: the words start on the next line
    read = outbox.read(message.as_string(), ["reader@desk-send.example"])
    assert read["subject"] == long_title and read["headers"]["Subject"] == long_title


def test_the_web_function_sends_pauses_and_counts_with_its_own_policy_and_never_scans(desk, monkeypatch):
    import botocore.client

    from tests.deploy.test_policies import allows, authorizations, policy

    published(desk)
    active("policy@desk-send.example")
    jar, token, _ = sign_in(desk)
    calls: list[tuple[str, str, dict[str, Any]]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        calls.append((self.meta.service_model.service_name, operation_name, api_params))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    post_form(desk, "/desk/newsletter", jar, {"csrf": token, "key": KEY, "newsletter": DAILY, "action": "test"})
    send_id = query_of(post_form(desk, "/desk/newsletter", jar,
                                 send_form(desk, jar, f"/desk/newsletter?key={KEY}")))["send"]
    for action in ("pause", "resume", "cancel"):
        post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": send_id, "action": action, "confirm": "yes"})
    get(desk, "/desk/newsletters", jar)
    get(desk, f"/desk/newsletter/preview?key={KEY}", jar)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
    operations = {f"{service}:{operation}" for service, operation, _ in calls}
    assert {"sqs:SendMessageBatch", "dynamodb:Query", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"} <= operations
    assert "dynamodb:Scan" not in operations
    assert "sesv2:SendEmail" in operations  # the test to the editor, with the configuration set
    denied = sorted({(action, arn, keys) for service, operation, params in calls
                     if service in ("dynamodb", "sqs", "sesv2")  # s3: as the person
                     for action, arn, keys in authorizations(service, operation, params)
                     if not allows(policy("dev", "web"), action, arn, keys)})
    assert denied == []
    assert sending.status(send_id).state == "cancelled"


def test_a_sites_https_address_is_what_the_unsubscribe_header_names(desk):
    published(desk)
    active("https@desk-send.example")
    jar, _, _ = sign_in(desk)
    previous = config.use(config.current().replace(base_url="https://news.example"))
    try:
        post_form(desk, "/desk/newsletter", jar, send_form(desk, jar, f"/desk/newsletter?key={KEY}"),
                  origin="https://news.example")
        deliver_all(desk)
    finally:
        config.use(previous)
    [got] = with_subject("https@desk-send.example")
    assert got["headers"]["List-Unsubscribe"].startswith("<https://news.example/newsletter/unsubscribe/?t=")
    assert got["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


ROLE = "arn:aws:iam::123456789012:role/newsroom-dev-due-times"


def test_a_digest_scheduled_for_a_time_is_sent_once_at_that_moment_unless_cancelled(settings, desk):
    import json as json_module

    import boto3

    from chalicelib.newsletters import digests

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    published(desk)
    desk.put("articles/today-two.md", article("Port reopens", date=(now - dt.timedelta(minutes=2))
                                              .strftime("%Y-%m-%dT%H:%M:%SZ")))
    desk.ingest()
    active("scheduled@desk-send.example")
    jar, token, _ = sign_in(desk)
    unable = page_text(get(desk, "/desk/newsletter?digest=today", jar))
    assert "This stage cannot schedule a digest" in unable  # no scheduler settings here yet
    url = desk.sqs.get_queue_url(QueueName=config.current().newsletters_queue)["QueueUrl"]
    arn = desk.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    settings(schedule_role=ROLE, newsletters_queue_arn=arn)
    assert "Schedule the digest" in page_text(get(desk, "/desk/newsletter?digest=today", jar))
    fields = {"csrf": token, "digest": "today", "newsletter": DAILY, "action": "schedule"}
    past = post_form(desk, "/desk/newsletter", jar, {**fields, "when": (now - dt.timedelta(hours=1))
                                                     .strftime("%Y-%m-%dT%H:%M")})
    assert past.status_code == 409 and "at least a minute ahead" in page_text(past)
    when = (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")  # the site's zone: UTC by default
    done = post_form(desk, "/desk/newsletter", jar, {**fields, "when": when})
    said = query_of(done)
    assert said["done"].startswith("Scheduled for ") and said["done"].endswith(
        "(UTC): the articles published today by then go to the readers of Daily briefing.")
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    found = scheduler.get_schedule(Name=digests.schedule_name(said["send"]), GroupName="default")
    assert found["ScheduleExpression"] == f"at({when}:00)" and found["ActionAfterCompletion"] == "DELETE"
    assert found["Target"]["Arn"] == arn and found["Target"]["RoleArn"] == ROLE
    assert json_module.loads(found["Target"]["Input"]) == {digests.DUE_TAG: {"send": said["send"]}}
    listed = page_text(get(desk, "/desk/newsletters", jar))
    assert "Daily briefing: digest scheduled for" in listed and "Scheduled" in listed
    assert sending.status(said["send"]).state == "scheduled" and deliver_all(desk) == 0

    for _ in range(2):  # the moment, delivered twice
        desk.sqs.send_message(QueueUrl=url, MessageBody=found["Target"]["Input"])
    with sender_calls() as calls:
        assert deliver_all(desk) >= 4  # the moment twice (started once), its plan step, its one batch
        assert deliver_all(desk) == 0
    assert not_allowed(calls, "newsletters") == [] and "dynamodb:Scan" not in {f"{s}:{o}" for s, o, _ in calls}
    [got] = [m for m in accepted("scheduled@desk-send.example") if m["subject"].startswith("Daily briefing: ")]
    assert "http://localhost/today-two/" in got["links"]
    status = sending.status(said["send"])
    assert (status.state, status.recipients, status.sent) == ("done", 1, 1)

    second = query_of(post_form(desk, "/desk/newsletter", jar, {**fields, "when": when}))["send"]
    post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": second, "action": "cancel", "confirm": "yes"})
    desk.sqs.send_message(QueueUrl=url, MessageBody=json_module.dumps({digests.DUE_TAG: {"send": second}}))
    assert deliver_all(desk) == 1 and deliver_all(desk) == 0  # cancelled: nothing composed, nothing sent
    assert sending.status(second).state == "cancelled"
    assert len([m for m in accepted("scheduled@desk-send.example") if m["subject"].startswith("Daily briefing: ")]) == 1


def test_with_no_article_today_the_digest_cannot_be_sent_now_but_can_be_scheduled(settings, desk):
    published(desk)  # its only article is from 2024
    jar, token, _ = sign_in(desk)
    screen = get(desk, "/desk/newsletter?digest=today", jar)
    shown = page_text(screen)
    assert screen.status_code == 200 and "No article was published today (in the site's time zone, UTC)" in shown
    assert "Send a test to me" not in shown and 'id="confirm-send"' not in screen.body.decode()
    refused = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "digest": "today", "newsletter": DAILY,
                                                        "action": "send", "send_token": "0" * 32})
    assert refused.status_code == 409 and "Schedule it for later instead" in page_text(refused)
    settings(schedule_role=ROLE, newsletters_queue_arn="arn:aws:sqs:us-east-1:123456789012:newsroom-dev-newsletters")
    when = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    done = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "digest": "today", "newsletter": DAILY,
                                                     "action": "schedule", "when": when})
    assert done.status_code == 303 and sending.status(query_of(done)["send"]).state == "scheduled"
    bad = post_form(desk, "/desk/newsletter", jar, {"csrf": token, "digest": "today", "newsletter": DAILY,
                                                    "action": "schedule", "when": "tomorrow evening"})
    assert bad.status_code == 400 and "When: give a date and a time" in page_text(bad)


def test_a_scheduled_moment_that_crashed_before_queuing_its_plan_is_started_once_by_its_redelivery(desk):
    active("late@desk-send.example")
    send_id = sending.schedule(DAILY, "Daily briefing: digest scheduled", {"site_url": ORIGIN}, "ed@desk.example")
    compose = lambda newsletter, content: story("Late issue")  # noqa: E731

    def crashing(body: str) -> None:
        raise RuntimeError("SQS timed out")

    with pytest.raises(RuntimeError):  # the sender function fails: the moment's message comes again
        sending.start_scheduled(send_id, compose, crashing, why="")
    assert sending.status(send_id).state == "sending" and with_subject("late@desk-send.example", "Late issue") == []
    queued = FakeQueue()
    assert sending.start_scheduled(send_id, compose, queued.append, why="") == 1
    queued.drain()
    assert len(with_subject("late@desk-send.example", "Late issue")) == 1
    assert sending.status(send_id).state == "done"
    assert sending.start_scheduled(send_id, compose, queued.append, why="") is None and queued == []  # once only


def test_cancelling_a_scheduled_digest_deletes_its_schedule_and_a_schedule_left_behind_sends_nothing(
        settings, desk, monkeypatch):
    import boto3
    import botocore.client
    from botocore.exceptions import ClientError

    from chalicelib.newsletters import digests
    from tests.deploy.test_policies import allows, authorizations, policy

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    published(desk)
    desk.put("articles/today-three.md", article("Ferry resumes", date=(now - dt.timedelta(minutes=2))
                                                .strftime("%Y-%m-%dT%H:%M:%SZ")))
    desk.ingest()
    active("cancelled@desk-send.example")
    jar, token, _ = sign_in(desk)
    url = desk.sqs.get_queue_url(QueueName=config.current().newsletters_queue)["QueueUrl"]
    arn = desk.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    settings(schedule_role=ROLE, newsletters_queue_arn=arn)
    scheduler = boto3.client("scheduler", region_name="us-east-1")
    when = (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    fields = {"csrf": token, "digest": "today", "newsletter": DAILY, "action": "schedule", "when": when}

    def schedule() -> tuple[str, dict[str, Any]]:
        send_id = query_of(post_form(desk, "/desk/newsletter", jar, fields))["send"]
        found = scheduler.get_schedule(Name=digests.schedule_name(send_id), GroupName="default")
        assert found["ActionAfterCompletion"] == "DELETE"  # a fired schedule deletes itself
        return send_id, found

    def cancel(send_id: str) -> str:
        done = post_form(desk, "/desk/newsletters", jar, {"csrf": token, "send": send_id, "action": "cancel",
                                                          "confirm": "yes"})
        return query_of(done)["done"]

    def gone(send_id: str) -> bool:
        try:
            scheduler.get_schedule(Name=digests.schedule_name(send_id), GroupName="default")
        except scheduler.exceptions.ResourceNotFoundException:
            return True
        return False

    def digests_received() -> int:
        return len([m for m in accepted("cancelled@desk-send.example") if m["subject"].startswith("Daily briefing: ")])

    # Cancelled before its time: the schedule is deleted, with the web function's own policy.
    first, _ = schedule()
    with sender_calls() as calls:
        said = cancel(first)
    assert said.startswith("Cancelled: “Daily briefing: digest scheduled for ") and said.endswith("” will not be sent.")
    assert gone(first) and sending.status(first).state == "cancelled"
    assert ("scheduler", "DeleteSchedule") in {(s, o) for s, o, _ in calls}
    assert [(a, r) for s, o, p in calls if s == "scheduler" for a, r, _ in authorizations(s, o, p)
            if not allows(policy("dev", "web"), a, r)] == []

    # Its schedule fired meanwhile (and deleted itself): cancelling still works, and the moment, still on
    # the queue, starts nothing.
    second, found = schedule()
    scheduler.delete_schedule(Name=digests.schedule_name(second), GroupName="default")
    desk.sqs.send_message(QueueUrl=url, MessageBody=found["Target"]["Input"])
    assert cancel(second).endswith("” will not be sent.") and sending.status(second).state == "cancelled"
    assert deliver_all(desk) == 1 and digests_received() == 0

    # Scheduler cannot be reached to delete it: the send is cancelled all the same, the editor is told the
    # schedule is left, and when it fires nothing is sent.
    third, found = schedule()
    original = botocore.client.BaseClient._make_api_call

    def refusing(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if operation_name == "DeleteSchedule":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refusing)
    said = cancel(third)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
    assert said.endswith("Its schedule could not be removed just now: at its time it starts nothing.")
    assert not gone(third) and sending.status(third).state == "cancelled"
    desk.sqs.send_message(QueueUrl=url, MessageBody=found["Target"]["Input"])  # its time comes
    assert deliver_all(desk) == 1 and digests_received() == 0
    assert sending.status(third).state == "cancelled"

    # Scheduler refuses the schedule itself: nothing is listed as scheduled that nothing would start.
    def refusing_create(self, operation_name, api_params):  # type: ignore[no-untyped-def]
        if operation_name == "CreateSchedule":
            raise ClientError({"Error": {"Code": "ServiceQuotaExceededException", "Message": "full"}}, operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refusing_create)
    refused = post_form(desk, "/desk/newsletter", jar, fields)
    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", original)
    assert refused.status_code == 409 and "EventBridge Scheduler did not take the schedule, so nothing is " \
        "scheduled" in page_text(refused)
    assert [s.state for s in sending.recent()].count("scheduled") == 0
