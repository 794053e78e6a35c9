"""A product's body: Markdown with headings, lists, tables and links (raw HTML off), rendered by
markdown-it-py and cleaned by nh3 with an allowlist, as discussions' posts are
(`halqa/discussions/richtext.py`); and a word-level comparison of two revisions."""

from __future__ import annotations

import difflib

import nh3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from markdown_it import MarkdownIt

from halqa.discussions.richtext import LINK_SCHEMES

TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h2", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


def _allowed_link(url: str) -> bool:
    return url.strip().lower().startswith(LINK_SCHEMES)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.disable(["image", "html_block", "html_inline"])
    md.validateLink = _allowed_link
    return md


MARKDOWN = _markdown()
CLEANER = nh3.Cleaner(
    tags=TAGS,
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}, "th": {"style"}, "td": {"style"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener",
    filter_style_properties={"text-align"},
)


def render(body: str) -> str:
    """Safe HTML for a body written in Markdown; headings start at h2 (the page's h1 is the title)."""
    html = MARKDOWN.render(body or "")
    for level in (3, 2, 1):  # h1 → h2, h2 → h3, h3 → h4 (deeper stays as markdown-it gave, then cleaned)
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(f"</h{level}>", f"</h{level + 1}>")
    return CLEANER.clean(html)


def compare(old: str, new: str) -> SafeString:
    """The words of `old` and `new` side by side in one text: removed words in <del>, added in <ins>,
    everything escaped (format_html); whitespace between words becomes one space."""
    before, after = (old or "").split(), (new or "").split()
    parts: list[SafeString] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", " ".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", " ".join(before[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", " ".join(after[j1:j2])))
    return format_html_join(" ", "{}", ((part,) for part in parts))
