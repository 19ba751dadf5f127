"""Post bodies: Markdown rendered, then sanitised; no payload from a list of XSS vectors survives."""

from __future__ import annotations

import re

import pytest

from community.rendering import markdown_to_html
from community.tests.factories import THREADS, enrolled_student
from courses.tests.factories import CourseFactory

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<body onload=alert(1)>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '![x](https://evil.example/pixel.png "track")',
    '<https://evil.example/"onmouseover="alert(1)>',
    '[x](https://ok.example/ "title" onmouseover="alert(1)")',
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    "<form action=javascript:alert(1)><input type=submit>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=javascript:alert(1)//>",
    "```html\n<script>alert(1)</script>\n```",
    "`<img src=x onerror=alert(1)>`",
    "> <script>alert(1)</script>",
    "* [x](javascript:alert(1))\n* <b onmouseover=alert(1)>b</b>",
    "[a](<javascript:alert(1)>)",
    "[ref]\n\n[ref]: javascript:alert(1)",
]

TAG = re.compile(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>")
ALLOWED = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def assert_safe(html: str, payload: str) -> None:
    for name, attributes in TAG.findall(html):
        assert name.lower() in ALLOWED, f"{payload!r}: tag <{name}> survived in {html!r}"
        assert not re.search(r"\bon\w+\s*=", attributes, re.I), f"{payload!r}: event handler in {html!r}"
        assert "style" not in attributes.lower(), f"{payload!r}: style attribute in {html!r}"
        for href in re.findall(r'href="([^"]*)"', attributes):
            assert re.match(r"^(https?:|mailto:)", href), f"{payload!r}: link {href!r} in {html!r}"
        assert not re.search(r"\bsrc\s*=", attributes, re.I), f"{payload!r}: src attribute in {html!r}"
    # Whatever is left of the payload is text: every "<" is a tag checked above or escaped.
    assert html.count("<") == len(TAG.findall(html)), f"{payload!r}: a stray '<' in {html!r}"


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payloads_are_neutralised(payload):
    assert_safe(markdown_to_html(payload), payload)


def test_markdown_still_renders():
    html = markdown_to_html("# Title\n\n**bold** _it_ ~~gone~~ `code`\n\n- a\n- b\n\n[site](https://example.com)")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<s>gone</s>" in html
    assert "<code>code</code>" in html and "<li>a</li>" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">site</a>' in html


def test_plain_text_is_escaped_not_dropped():
    assert markdown_to_html("1 < 2 & 3 > 2") == "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"


@pytest.mark.django_db
def test_the_api_stores_and_answers_sanitised_html(client_for):
    course = CourseFactory()
    student = enrolled_student(course)
    payload = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    response = client_for(student).post(
        THREADS, {"course": str(course.pk), "kind": "question", "title": "XSS?", "body": payload}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["body"] == payload, "the raw text is kept (the client may show it as text)"
    assert_safe(data["body_html"], payload)
