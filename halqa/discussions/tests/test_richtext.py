"""What people type becomes safe HTML: the Markdown subset works, nothing can run script."""

from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from halqa.discussions.richtext import excerpt, mention_candidates, mention_token, render

LARA = SimpleNamespace(pk=12, display_name="Lara Ahmadi")


def html(text: str, people=None) -> str:
    return render(text, people).html


class Markup(HTMLParser):
    """Every element and attribute in a piece of HTML, as a browser would see them."""

    def __init__(self, text: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_harmless(out: str) -> None:
    allowed = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre"}
    for tag, attrs in Markup(out).elements:
        assert tag in allowed, out
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, out
            assert attrs["href"].startswith(("http://", "https://", "mailto:", "/people/")), out
            assert attrs["rel"] == "nofollow noopener"
        else:
            assert attrs == {}, out


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hi <script src=https://evil.example/x.js></script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">click</a>',
        '<div onclick="alert(1)">raw html</div>',
        "<iframe src=https://evil.example></iframe>",
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(text):
    out = html(text)
    assert_harmless(out)
    assert [tag for tag, _attrs in Markup(out).elements] == ["p"]
    assert "&lt;" in out  # the person sees what they typed


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox(1))",
        "[click](/admin/)",
        "[click](//evil.example/)",
        "<javascript:alert(1)>",
        "![pic](javascript:alert(1))",
        '[click](https://ok.example/" onmouseover="alert(1))',
    ],
)
def test_only_http_https_and_mailto_links_become_links(text):
    out = html(text)
    assert_harmless(out)
    assert "<a " not in out


def test_the_markdown_subset():
    out = html(
        "**bold** and *italic* and `code`\n\n"
        "- one\n- two\n\n1. first\n\n> quoted\n\n"
        "[site](https://example.org/a?b=1&c=2) [mail](mailto:t@example.org)\n\n"
        "```\n<b>kept as text</b>\n```"
    )
    for tag in ("<strong>bold</strong>", "<em>italic</em>", "<code>code</code>", "<ul>", "<ol>", "<blockquote>"):
        assert tag in out
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">site</a>' in out
    assert '<a href="mailto:t@example.org" rel="nofollow noopener">mail</a>' in out
    assert "<pre><code>&lt;b&gt;kept as text&lt;/b&gt;" in out
    assert_harmless(out)


def test_headings_rules_and_images_stay_plain_text():
    out = html("# Big\n\n---\n\n![alt](https://example.org/a.png)")
    assert "<h1" not in out and "<hr" not in out and "<img" not in out
    assert "# Big" in out


def test_a_single_line_break_is_kept():
    assert "line one<br>" in html("line one\nline two")


def test_mentionable_person_becomes_a_link_with_their_real_name():
    result = render("Thanks @[Whoever I typed](12)!", {12: LARA})
    assert '<a href="/people/12/" rel="nofollow noopener">@Lara Ahmadi</a>' in result.html
    assert result.mentioned == {12}


def test_someone_not_mentionable_stays_plain_text():
    result = render("Thanks @[Stranger](99)!", {12: LARA})
    assert "<a" not in result.html and "@Stranger" in result.html
    assert result.mentioned == set()


def test_a_mention_inside_code_is_not_a_mention():
    result = render("`@[Lara](12)`", {12: LARA})
    assert "<a" not in result.html and result.mentioned == set()


def test_a_mention_name_cannot_smuggle_markup():
    evil = SimpleNamespace(pk=5, display_name='<b onclick="x">Eve</b>')
    out = render("@[x](5)", {5: evil}).html
    assert_harmless(out)
    assert "@&lt;b onclick" in out


def test_candidates_and_tokens():
    assert mention_candidates("@[A](1) and @[B](22) and @[C](x) and [D](3)") == {1, 22}
    odd = SimpleNamespace(pk=7, display_name="Dr. [Ali]  Reza")
    assert mention_token(odd) == "@[Dr. Ali Reza](7)"
    assert mention_candidates(mention_token(odd)) == {7}


def test_excerpt_is_plain_text():
    assert excerpt("<p>Tom &amp; <strong>Jerry</strong></p>") == "Tom & Jerry"
