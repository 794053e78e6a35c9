"""From what a person typed to the HTML a post shows: a small Markdown subset, mentions, sanitizing.

People write paragraphs, **bold**, *italic*, links, lists, quotes and `code`; markdown-it-py renders
that (CommonMark, raw HTML off, headings/rules/images off so they stay plain text), and nh3 then
keeps only an allowlist of tags, so whatever slips through the Markdown layer cannot run script.
A mention is written `@[Display Name](123)`; it becomes a link to the person's page only when the
host's policy lets the author mention them, and it then shows their real name, not the typed one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import nh3
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_inline import StateInline

MENTION = re.compile(r"@\[(?P<name>[^\[\]\n]{1,120})\]\((?P<id>[0-9]{1,18})\)")
LINK_SCHEMES = ("http://", "https://", "mailto:")
PERSON_PATH = re.compile(r"/people/[0-9]+/")
ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre"}


@dataclass
class Rendered:
    html: str
    mentioned: set[int] = field(default_factory=set)


def mention_token(person) -> str:
    """What the picker inserts for `person`: their name without the characters that end a token."""
    name = " ".join(re.sub(r"[\[\]]", " ", person.display_name or str(person)).split())[:120] or "?"
    return f"@[{name}]({person.pk})"


def mention_candidates(body: str) -> set[int]:
    """Every id written as a mention; a superset (some may sit in code), to look people up at once."""
    return {int(match["id"]) for match in MENTION.finditer(body)}


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    match = MENTION.match(state.src, state.pos, state.posMax)
    if match is None:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"id": int(match["id"]), "name": match["name"]}
    state.pos = match.end()
    return True


def _render_mention(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    person = env["people"].get(meta["id"])
    if person is None:
        return escapeHtml(f"@{meta['name']}")
    env["mentioned"].add(person.pk)
    url = reverse("accounts:person", args=[person.pk])
    return f'<a href="{escapeHtml(url)}">@{escapeHtml(person.display_name or str(person))}</a>'


def _allowed_link(url: str) -> bool:
    return url.strip().lower().startswith(LINK_SCHEMES)


def _build_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True})
    md.disable(["heading", "lheading", "hr", "image", "html_block", "html_inline"])
    md.validateLink = _allowed_link
    md.inline.ruler.before("link", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    return md


def _keep_safe_href(tag: str, attribute: str, value: str) -> str | None:
    """Links only to http(s)/mailto, or to a person's page (a mention); anything else is dropped."""
    if tag == "a" and attribute == "href":
        return value if _allowed_link(value) or PERSON_PATH.fullmatch(value) else None
    return value


MARKDOWN = _build_markdown()
CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes={"a": {"href"}},
    attribute_filter=_keep_safe_href,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener",
)


def render(body: str, people: Mapping[int, object] | None = None) -> Rendered:
    """Safe HTML for `body`; `people` (id → user) are the ones who may be mentioned."""
    env = {"people": dict(people or {}), "mentioned": set()}
    unsafe = MARKDOWN.render(body, env)
    return Rendered(html=CLEANER.clean(unsafe), mentioned=env["mentioned"])


def excerpt(body_html: str, length: int = 300) -> str:
    """Plain text of a rendered post, shortened (for emails)."""
    text = " ".join(html.unescape(strip_tags(body_html)).split())
    return Truncator(text).chars(length)
