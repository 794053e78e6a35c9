"""A product's body: Markdown with headings, lists, tables and links (raw HTML off), rendered by
markdown-it-py and cleaned by nh3 with an allowlist, as discussions' posts are
(`halqa/discussions/richtext.py`); and a word-level comparison of two revisions.

Images only of the product's own image attachments: `![alt](attachment:12)` (or the file's download
address) becomes `<img src="/library/<product>/files/12/" alt="alt" loading="lazy">`, its alt the
file's name when the Markdown gives none. Any other image (another site's: a reader's address or a
tracking pixel; another product's file) is dropped, and the cleaner lets through no other `src`.
Links to the product's own files likewise: `[the worksheet](attachment:13)` becomes a link to the
file's download address; a link to a file that is not the product's keeps its words, no address."""

from __future__ import annotations

import difflib
import re

import nh3
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString
from markdown_it import MarkdownIt

from halqa.discussions.richtext import LINK_SCHEMES

TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h2", "h3", "h4",
    "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


ATTACHMENT_SOURCE = re.compile(r"^(?:attachment:(\d{1,18})|/library/(\d{1,18})/files/(\d{1,18})/)$")
SHOWN_SOURCE = re.compile(r"^/library/\d{1,18}/files/\d{1,18}/$")


def _allowed_link(url: str) -> bool:
    return url.strip().lower().startswith(LINK_SCHEMES) or bool(ATTACHMENT_SOURCE.match(url.strip()))


def _image(self, tokens, idx, options, env) -> str:
    """An image of this product's own image attachment (`env`: its pk and {id: name}), else nothing."""
    token = tokens[idx]
    found = ATTACHMENT_SOURCE.match((token.attrGet("src") or "").strip())
    images = env.get("images") or {}
    if not found:
        return ""
    product, file_id = found.group(2), int(found.group(1) or found.group(3))
    if (product is not None and int(product) != env.get("product")) or file_id not in images:
        return ""
    alt = self.renderInlineAsText(token.children or [], options, env).strip() or images[file_id]
    src = f"/library/{env['product']}/files/{file_id}/"
    return f'<img src="{escape(src)}" alt="{escape(alt)}" loading="lazy">'


def _own_file(url: str, env) -> str | None:
    """The download address of this product's own file named by `url` (`attachment:<id>` or the
    address itself), else None."""
    found = ATTACHMENT_SOURCE.match((url or "").strip())
    if not found:
        return None
    product, file_id = found.group(2), int(found.group(1) or found.group(3))
    if (product is not None and int(product) != env.get("product")) or file_id not in (env.get("files") or {}):
        return None
    return f"/library/{env['product']}/files/{file_id}/"


def _link_open(self, tokens, idx, options, env) -> str:
    """A link to one of the product's own files points at its download address; a link to a file
    that is not the product's loses its address (the cleaner drops `attachment:`), keeping its words."""
    token = tokens[idx]
    href = token.attrGet("href") or ""
    if ATTACHMENT_SOURCE.match(href.strip()):
        token.attrSet("href", _own_file(href, env) or "attachment:")
    return self.renderToken(tokens, idx, options, env)


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.disable(["html_block", "html_inline"])
    md.validateLink = _allowed_link
    md.add_render_rule("image", _image)
    md.add_render_rule("link_open", _link_open)
    return md


def _only_own_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not SHOWN_SOURCE.match(value):
        return None
    if tag == "img" and attribute == "loading" and value != "lazy":
        return None
    if tag == "a" and attribute == "href" and not (value.lower().startswith(LINK_SCHEMES) or SHOWN_SOURCE.match(value)):
        return None  # a link to a file that is not the product's keeps its words, not an address
    return value


MARKDOWN = _markdown()
CLEANER = nh3.Cleaner(
    tags=TAGS | {"img"},
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}, "th": {"style"}, "td": {"style"}, "img": {"src", "alt", "loading"}},
    attribute_filter=_only_own_images,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener",
    filter_style_properties={"text-align"},
)


def render(
    body: str, *, product: int | None = None, images: dict[int, str] | None = None, files: dict[int, str] | None = None
) -> str:
    """Safe HTML for a body written in Markdown; headings start at h2 (the page's h1 is the title).
    `images`: the product's image attachments ({id: file name}), the only images shown; `files`:
    all its attachments, the only files linked."""
    html = MARKDOWN.render(body or "", {"product": product, "images": images or {}, "files": files or images or {}})
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
