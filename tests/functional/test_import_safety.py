"""An import reads no file of its own machine, reaches no address off the public internet, and
overwrites nothing it did not write (issue 40).

- An export naming ``…/wp-content/uploads//etc/hostname`` (or ``/etc/passwd``, ``..%2f..%2fetc/passwd``)
  as an image or an attachment, imported with the old site's address, copies nothing into ``media/``,
  links nothing, and the report names each refusal with its post: from ``newsroom import-wordpress``
  and from the desk.
- The old site's address is refused unless every address its name resolves to is on the public
  internet (100.64.0.1 included), and the download connects to the address that was checked: a name
  that answers a public address first and 127.0.0.1 next (DNS rebinding) never reaches 127.0.0.1.
- A file already in the bucket with other bytes is kept, and the report says so.

The "internet" here is simulated (``network``): names resolve as a test says, one answer per look-up,
and a connection to a public address reaches the local server standing for it.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from click.testing import CliRunner

from devstack.photos import png
from newsroom.cli import main
from tests.functional.test_desk import api, sign_in

PUBLIC = "93.184.215.14"  # a global address; the simulated network routes it to a local server
HOSTILE = ["/etc/hostname", "..%2f..%2fetc/passwd", "%2fetc/passwd"]  # after .../wp-content/uploads/, as images
HOSTILE_ATTACHMENTS = ["/etc/passwd", "/etc/hostname", "..%2f..%2fetc/passwd", "%2Fetc%2Fhostname"]  # attachments


def export(base: str = "https://old.example.com") -> str:
    """A post showing one real photo and the hostile addresses; attachments with hostile addresses."""
    uploads = f"{base}/wp-content/uploads/"
    images = "".join(f'<img src="{uploads}{path}" alt="Image {n}">\n' for n, path in enumerate(HOSTILE))
    attachments = "".join(
        f"<item><title>file {n}</title><wp:post_id>{20 + n}</wp:post_id><wp:post_type>attachment</wp:post_type>"
        f"<wp:status>inherit</wp:status><wp:post_parent>7</wp:post_parent><wp:attachment_url>{uploads}{path}"
        "</wp:attachment_url></item>\n" for n, path in enumerate(HOSTILE_ATTACHMENTS))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="http://wordpress.org/export/1.2/" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/">
<channel><title>Old site</title><link>{base}</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:base_blog_url>{base}</wp:base_blog_url>
<item><title>Harbour</title><link>{base}/harbour/</link><dc:creator>ed</dc:creator>
<content:encoded><![CDATA[<p>Boats came in.</p>
<img src="{uploads}2019/05/boat.png" alt="A boat">
{images}<p><a href="{uploads}/etc/passwd">The list</a></p>]]></content:encoded>
<wp:post_id>7</wp:post_id><wp:post_date_gmt>2019-05-02 06:00:00</wp:post_date_gmt><wp:post_name>harbour</wp:post_name>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>20</wp:meta_value></wp:postmeta>
</item>
{attachments}</channel></rss>
"""


class OldSite(http.server.BaseHTTPRequestHandler):
    """A web server answering ``files`` (path -> bytes) and 404, keeping each path it was asked."""

    files: dict[str, bytes] = {}
    asked: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        self.asked.append(self.path)
        body = self.files.get(self.path.split("?")[0])
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serving(files: dict[str, bytes]) -> Iterator[tuple[int, list[str]]]:
    """A local web server of ``files``: its port, and the paths it was asked for."""
    asked: list[str] = []
    handler = type("Handler", (OldSite,), {"files": files, "asked": asked})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_port, asked
    finally:
        server.shutdown()
        server.server_close()


class Network:
    """Names resolved as the test says (each look-up takes the next answer, the last one repeats), a
    connection to a public address reaching the local port standing for it; every address connected to."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}
        self.routes: dict[str, int] = {}
        self.connected: list[str] = []
        self.lookups: dict[str, int] = {}


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    """A simulated internet under the socket library (both the look-up and the connection)."""
    net = Network()
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in net.answers:
            return real_getaddrinfo(host, port, *args, **kwargs)
        net.lookups[host] = net.lookups.get(host, 0) + 1
        answers = net.answers[host]
        ip = answers.pop(0) if len(answers) > 1 else answers[0]
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port or 0))]

    def create_connection(address: Any, timeout: Any = None, *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address[0], address[1]
        try:
            ip = str(ipaddress.ip_address(host))
        except ValueError:  # a name: the socket library looks it up (again), as it does on a real machine
            ip = socket.getaddrinfo(host, port)[0][4][0]
        net.connected.append(ip)
        if ip in net.routes:
            return real_connect(("127.0.0.1", net.routes[ip]), timeout)
        if ipaddress.ip_address(ip).is_loopback:
            return real_connect((ip, port), timeout)
        raise ConnectionRefusedError(f"{ip} is not reachable from this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return net


def refusals(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((item["kind"], item["name"], item["reason"]) for item in report["items"] if item["status"] == "refused")


def assert_nothing_of_the_machine_was_copied(site, report: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    stored = {o["Key"] for o in site.s3.list_objects_v2(Bucket=site.stack.bucket, Prefix="media/").get("Contents", [])}
    assert stored == {"media/2019/05/boat.png"}  # the one real photo, nothing of the function's own disk
    article = site.s3.get_object(Bucket=site.stack.bucket, Key="articles/harbour.html")["Body"].read().decode()
    assert "/media/2019/05/boat.png" in article and article.count("/media/") == 1
    found = refusals(report)
    post = [reason for kind, name, reason in found if (kind, name) == ("upload", "post 7 (Harbour)")]
    assert len(post) == len(HOSTILE) + 1  # and the link to .../uploads//etc/passwd, which is also its featured image
    for path in [*HOSTILE, "/etc/passwd"]:
        assert any(f"wp-content/uploads/{path}: not copied: the path " in reason for reason in post), (path, post)
    assert any("..%2f..%2fetc/passwd: not copied: the path climbs out of its folder" in r for r in post)
    attachments = [(name, reason) for kind, name, reason in found if kind == "attachment"]
    assert len(attachments) == len(HOSTILE_ATTACHMENTS)
    for (name, reason), path in zip(sorted(attachments), HOSTILE_ATTACHMENTS, strict=True):
        why = "climbs out of its folder" if ".." in path else "is absolute"
        assert path in name and reason.startswith(f"not copied: the path {why}") and "(attached to post 7)" in reason
    site.ingest()
    page = site.get("/harbour/").body.decode()
    assert "/media/etc" not in page and "/media//" not in page and "/sizes/etc" not in page
    assert "root:x:0:0" not in page


def test_an_export_naming_the_machines_own_files_copies_nothing_from_the_command(site, tmp_path):
    (tmp_path / "export.xml").write_text(export())
    with serving({"/wp-content/uploads/2019/05/boat.png": png(2, 1)}) as (port, asked):
        result = CliRunner().invoke(main, ["import-wordpress", str(tmp_path / "export.xml"), "--media-from",
                                           f"http://127.0.0.1:{port}", "--no-wait", "--report",
                                           str(tmp_path / "report.json")])
    assert result.exit_code == 0, result.output
    assert_nothing_of_the_machine_was_copied(site, json.loads((tmp_path / "report.json").read_text()))
    assert asked == ["/wp-content/uploads/2019/05/boat.png"]  # nothing else was even asked for
    assert "refused: 1 upload(s): https://old.example.com/wp-content/uploads//etc/hostname: not copied: the path " \
           "is absolute (it starts with '/'); the original URL is kept" in result.output


def desk_import(desk, xml: str, **options: Any) -> str:  # type: ignore[no-untyped-def]
    """An export uploaded in the desk's import screen, as an admin; the import's id."""
    jar, token, _ = sign_in(desk, "admin")
    answer = api(desk, "/desk/import/start", jar, token, {"name": "export.xml", "size": len(xml), **options})
    assert answer.status_code == 200, answer.body
    signed = json.loads(answer.body)
    sent = requests.post(signed["url"], data=signed["fields"], files={"file": ("export.xml", xml.encode())}, timeout=60)
    assert sent.status_code in (200, 204), sent.text
    desk.run_imports()
    return str(signed["id"])


def desk_report(desk, import_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    jar, _, _ = sign_in(desk, "admin")
    return dict(json.loads(desk.client.http.get(f"/desk/import/report?id={import_id}", headers={"Cookie": jar}).body))


def test_an_export_naming_the_machines_own_files_copies_nothing_from_the_desk(desk, network):
    with serving({"/wp-content/uploads/2019/05/boat.png": png(2, 1)}) as (port, asked):
        network.answers["old.example.com"] = [PUBLIC]
        network.routes[PUBLIC] = port
        import_id = desk_import(desk, export("http://old.example.com"), dry_run=False,
                                media_from="http://old.example.com")
    assert asked == ["/wp-content/uploads/2019/05/boat.png"] and set(network.connected) == {PUBLIC}
    assert_nothing_of_the_machine_was_copied(desk, desk_report(desk, import_id))


# --- the old site's address ----------------------------------------------------------------------

OFF_THE_INTERNET = ["http://100.64.0.1", "http://100.100.100.200/latest/meta-data", "http://[::ffff:100.64.0.1]",
                    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data", "http://[fd00:ec2::254]", "http://2130706433/",
                    "http://0x7f.1/", "http://[2002:a9fe:a9fe::]/", "http://224.0.0.1/", "http://[ff02::1]/",
                    "http://[::127.0.0.1]/"]


def test_the_old_sites_address_is_refused_unless_it_is_on_the_public_internet(desk):
    jar, token, _ = sign_in(desk, "admin")
    for address in OFF_THE_INTERNET:
        answer = api(desk, "/desk/import/start", jar, token, {"name": "export.xml", "size": 10, "dry_run": True,
                                                              "media_from": address})
        assert answer.status_code == 400, address
        [problem] = json.loads(answer.body)["problems"]
        assert problem["field"] == "media_from" and "is on a private network" in problem["message"], (address, problem)
    assert desk.s3.list_objects_v2(Bucket=desk.stack.bucket, Prefix="imports/").get("KeyCount", 0) == 0


def test_an_import_whose_options_name_a_shared_address_fetches_nothing(desk, tmp_path):
    """The imports function checks again: options written by any other means are refused the same way."""
    jar, token, _ = sign_in(desk, "admin")
    answer = api(desk, "/desk/import/start", jar, token, {"name": "export.xml", "size": 10, "dry_run": True})
    signed = json.loads(answer.body)
    folder = signed["fields"]["key"].rsplit("/", 1)[0]
    desk.s3.put_object(Bucket=desk.stack.bucket, Key=f"{folder}/options.json",
                       Body=json.dumps({"dry_run": True, "media_from": "http://100.64.0.1"}).encode())
    requests.post(signed["url"], data=signed["fields"], files={"file": ("export.xml", export().encode())}, timeout=60)
    desk.run_imports()
    status = json.loads(desk.client.http.get(f"/desk/import/progress?id={signed['id']}", headers={"Cookie": jar}).body)
    assert status["state"] == "failed" and "100.64.0.1 is on a private network (100.64.0.1)" in status["error"]


def test_a_name_that_rebinds_to_loopback_is_connected_to_at_the_address_checked(network, tmp_path):
    """DNS rebinding: the name answers a public address to the check and 127.0.0.1 after. The download
    goes to the public one (the old site), never to the service listening on 127.0.0.1."""
    from chalicelib.imports.wordpress import MediaSource

    with serving({"/latest/meta-data/": b"secret", "/wp-content/uploads/2019/05/boat.png": b"inside"}) as (inner, inside):
        with serving({"/wp-content/uploads/2019/05/boat.png": png(2, 1)}) as (site_port, outside):
            network.answers["rebind.example.com"] = [PUBLIC, "127.0.0.1"]
            network.routes[PUBLIC] = site_port
            source = MediaSource(f"http://rebind.example.com:{inner}", cache=tmp_path / "cache", allow_private=False)
            found = source.get("2019/05/boat.png")
    assert inside == [] and outside == ["/wp-content/uploads/2019/05/boat.png"]
    assert network.connected == [PUBLIC] and network.lookups == {"rebind.example.com": 1}
    assert found is not None and found.read_bytes() == png(2, 1)


def test_each_redirect_is_looked_up_checked_and_pinned_again(network, tmp_path):
    """The old site redirects within itself; by then its name answers 127.0.0.1: the hop is refused."""
    from chalicelib.imports.wordpress import MediaSource

    class Redirecting(OldSite):
        def do_GET(self) -> None:  # noqa: N802
            self.asked.append(self.path)
            self.send_response(302)
            self.send_header("Location", "/wp-content/uploads/2019/05/moved.png")
            self.send_header("Content-Length", "0")
            self.end_headers()

    asked: list[str] = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Redirecting,), {"asked": asked}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        network.answers["old.example.com"] = [PUBLIC, "127.0.0.1"]
        network.routes[PUBLIC] = server.server_port
        source = MediaSource("http://old.example.com", cache=tmp_path / "cache", allow_private=False)
        assert source.get("2019/05/boat.png") is None
        network.answers["old.example.com"] = [PUBLIC]
        loop = MediaSource("http://old.example.com", cache=tmp_path / "cache", allow_private=False)
        assert loop.get("2019/05/other.png") is None
    finally:
        server.shutdown()
        server.server_close()
    assert "old.example.com is on a private network (127.0.0.1)" in source.failures["2019/05/boat.png"]
    assert "more than 5 redirects" in loop.failures["2019/05/other.png"]
    assert asked.count("/wp-content/uploads/2019/05/moved.png") == 5 and "127.0.0.1" not in network.connected


@pytest.mark.parametrize("address", OFF_THE_INTERNET + ["http://localhost", "http://[::1]", "http://0.0.0.0"])
def test_every_form_of_an_address_off_the_internet_is_refused(address):
    from chalicelib.imports.fetch import FetchRefused, check_address

    with pytest.raises(FetchRefused, match="is on a private network"):
        check_address(address)


# --- what is already there ---------------------------------------------------------------------

def test_an_import_keeps_a_file_that_is_already_there_and_says_so(site, tmp_path):
    edited = "---\ntitle: Harbour, as edited here\ndate: 2019-05-02\n---\n\nThe editor's words.\n"
    site.put("articles/harbour.html", edited)
    site.put("media/2019/05/boat.png", png(3, 3))
    site.ingest()
    (tmp_path / "export.xml").write_text(export())
    uploads = tmp_path / "uploads" / "2019" / "05"
    uploads.mkdir(parents=True)
    (uploads / "boat.png").write_bytes(png(2, 1))
    result = CliRunner().invoke(main, ["import-wordpress", str(tmp_path / "export.xml"), "--media-from",
                                       str(tmp_path / "uploads"), "--no-wait", "--report", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    assert "2 kept (another version is already there: not overwritten)" in result.output
    stored = site.s3.get_object(Bucket=site.stack.bucket, Key="articles/harbour.html")["Body"].read().decode()
    assert stored == edited
    assert site.s3.get_object(Bucket=site.stack.bucket, Key="media/2019/05/boat.png")["Body"].read() == png(3, 3)
    items = {(i["kind"], i["key"]): i for i in json.loads((tmp_path / "r.json").read_text())["items"]}
    for kind, key in (("post", "articles/harbour.html"), ("file", "media/2019/05/boat.png")):
        assert items[(kind, key)]["status"] == "skipped"
        assert items[(kind, key)]["reason"].startswith(f"already exists: {key} holds another version, kept as it is")
    site.ingest()
    assert "Harbour, as edited here" in site.get("/harbour/").body.decode()


def test_the_desk_import_keeps_a_file_that_is_already_there_and_reports_it(desk):
    edited = "---\ntitle: Harbour, as edited here\ndate: 2019-05-02\n---\n\nThe editor's words.\n"
    desk.put("articles/harbour.html", edited)
    import_id = desk_import(desk, export(), dry_run=False)
    assert desk.s3.get_object(Bucket=desk.stack.bucket, Key="articles/harbour.html")["Body"].read().decode() == edited
    [item] = [i for i in desk_report(desk, import_id)["items"] if i["key"] == "articles/harbour.html"]
    assert item["status"] == "skipped" and item["reason"].startswith("already exists: articles/harbour.html")
    jar, _, _ = sign_in(desk, "admin")
    found = json.loads(desk.client.http.get(f"/desk/import/progress?id={import_id}", headers={"Cookie": jar}).body)
    assert found["kept"] == 1 and found["counts"]["post"] == {"skipped": 1}


def test_a_file_written_between_the_look_and_the_write_is_kept(site):
    """The import's write is conditional (If-None-Match: *): a file that appears meanwhile is not overwritten."""
    from chalicelib.imports import uploads

    class Racing:
        def __init__(self, s3: Any) -> None:
            self.s3 = s3

        def head_object(self, **kwargs: Any) -> Any:
            return self.s3.head_object(**kwargs)

        def put_object(self, **kwargs: Any) -> Any:
            self.s3.put_object(Bucket=kwargs["Bucket"], Key=kwargs["Key"], Body=b"a colleague's file")
            return self.s3.put_object(**kwargs)

    done = uploads.upload(Racing(site.s3), site.stack.bucket, {"articles/new.md": b"the import's file"},
                          keep_existing=True)
    assert done.kept == ["articles/new.md"] and done.sent == {}
    assert site.s3.get_object(Bucket=site.stack.bucket, Key="articles/new.md")["Body"].read() == b"a colleague's file"


def test_publishing_still_replaces_what_is_there(site, tmp_path):
    site.put("articles/story.md", "---\ntitle: Old\ndate: 2024-01-01\n---\n\nOld.\n")
    site.ingest()
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "story.md").write_text("---\ntitle: New\ndate: 2024-01-01\n---\n\nNew.\n")
    result = CliRunner().invoke(main, ["publish", str(tmp_path / "articles" / "story.md"), "--root", str(tmp_path),
                                       "--no-wait"])
    assert result.exit_code == 0, result.output
    assert b"New." in site.s3.get_object(Bucket=site.stack.bucket, Key="articles/story.md")["Body"].read()
