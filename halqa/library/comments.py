"""Review comments: an assigned reviewer comments on the current revision, on the whole or on a
passage of its text (the quoted words and where they start in that revision's text are kept); the
authors (and the reviewers and stewards) answer, one level deep; an author or the comment's writer
marks it resolved (or open again). Each is recorded and told to the other side (notify.py).

    comment = add_comment(product, actor=reviewer, body="Too long", quote="three minutes")
    reply(comment, actor=author, body="Shortened")
    resolve(comment, actor=author)
    threads(product)               # for the page: each with its answers, its passage, and whether
                                   # the newest revision still has the passage
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from halqa.cases.records import _text as text
from halqa.events import record
from halqa.events.models import Verb

from .access import COMMENT, DISCUSS, authored_by, product_access
from .models import Comment, Product, Revision

MAX_QUOTE = 2000
CONTEXT = 80  # characters of the text shown on each side of a quoted passage
MARKER = re.compile(r"^\s*(#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)")


def _lock(product: Product) -> Product:
    from halqa.core import access

    locked = Product.objects.select_for_update(of=("self",)).select_related("school").get(pk=product.pk)
    access.forget()
    return locked


def _where(product: Product) -> dict:
    return {"school": product.school_id, "community": product.community_id}


def _current(product: Product) -> Revision:
    return product.revisions.order_by("-number").first()


def _quote(revision: Revision, quote: str, start) -> tuple[str, int | None]:
    """The passage and where it starts in the revision's text; refused if it is not there."""
    if not quote.strip():
        return "", None
    if start in (None, ""):
        found = revision.body.find(quote)
    else:
        try:
            found = int(start)
        except (TypeError, ValueError):
            found = -1
        if found < 0 or revision.body[found : found + len(quote)] != quote:
            found = -1
    if found < 0:
        raise ValidationError(
            {"quote": _("Quote the passage exactly as it stands in revision %(number)s.") % {"number": revision.number}}
        )
    return quote, found


@transaction.atomic
def add_comment(product: Product, *, actor, body: str, quote: str = "", start=None) -> Comment:
    """An assigned reviewer's comment on the current revision, quoting a passage of its text or not."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(COMMENT)
    body = text(body, "body", max_length=4000, required=_("Write the comment."))
    quote = text(quote, "quote", max_length=MAX_QUOTE)
    revision = _current(locked)
    quote, found = _quote(revision, quote, start)
    comment = Comment.objects.create(
        product=locked, author=actor, revision=revision.number, body=body, quote=quote, quote_start=found
    )
    record(
        Verb.PRODUCT_COMMENTED,
        actor=actor,
        target=locked,
        after={"comment": comment.pk, "revision": revision.number, "quote": bool(quote)},
        **_where(locked),
    )
    return comment


def _thread(product: Product, pk) -> Comment:
    try:
        return product.comments.select_related("author").get(pk=int(pk), parent__isnull=True)
    except (Comment.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


@transaction.atomic
def reply(comment: Comment, *, actor, body: str) -> Comment:
    """An answer in a comment's thread (answers to answers join the same thread: one level)."""
    locked = _lock(comment.product)
    product_access.allowed(actor, locked).need(DISCUSS)
    root = _thread(locked, comment.parent_id or comment.pk)
    body = text(body, "body", max_length=4000, required=_("Write the answer."))
    current = _current(locked)
    answer = Comment.objects.create(product=locked, parent=root, author=actor, revision=current.number, body=body)
    record(
        Verb.PRODUCT_COMMENT_ANSWERED,
        actor=actor,
        target=locked,
        after={"comment": root.pk, "answer": answer.pk, "by_author": locked.pk in authored_by(actor)},
        **_where(locked),
    )
    return answer


@transaction.atomic
def resolve(comment: Comment, *, actor, resolved: bool = True) -> Comment:
    """Mark a comment resolved (or open again): an author, or the reviewer who wrote it."""
    locked = _lock(comment.product)
    allowed = product_access.allowed(actor, locked)
    allowed.need(DISCUSS)
    root = _thread(locked, comment.parent_id or comment.pk)
    if locked.pk not in authored_by(actor) and root.author_id != actor.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only the authors and the comment's writer mark it resolved."))
    if bool(root.resolved_at) == resolved:
        return root
    root.resolved_at = timezone.now() if resolved else None
    root.resolved_by = actor if resolved else None
    root.save(update_fields=["resolved_at", "resolved_by"])
    record(
        Verb.PRODUCT_COMMENT_RESOLVED,
        actor=actor,
        target=locked,
        after={"comment": root.pk, "resolved": resolved},
        **_where(locked),
    )
    return root


def context(body: str, comment: Comment) -> tuple[str, str, str]:
    """(before, the passage, after) from the revision's text: a few words each side, within the
    passage's own lines (no neighbouring heading or list marker)."""
    start = comment.quote_start or 0
    end = start + len(comment.quote)
    line_start = body.rfind("\n", 0, start) + 1
    line_end = body.find("\n", end)
    line_end = len(body) if line_end < 0 else line_end
    before = body[max(line_start, start - CONTEXT) : start]
    if start - CONTEXT <= line_start:  # the line's own beginning: its Markdown marker is not text
        before = MARKER.sub("", before)
    after = body[end : min(line_end, end + CONTEXT)]
    return (
        ("…" + before if start - CONTEXT > line_start else before),
        body[start:end],
        (after + "…" if end + CONTEXT < line_end else after),
    )


def threads(product: Product, revisions=None) -> list[Comment]:
    """The product's comment threads, oldest first, each with `.answers`, `.passage` (before, quote,
    after) and `.gone` (the passage is no longer in the newest revision). One query when the page
    gives the product's revisions it read already (newest first), three otherwise."""
    rows = list(product.comments.select_related("author", "resolved_by").order_by("created_at", "pk"))
    roots = [c for c in rows if c.parent_id is None]
    answers: dict[int, list[Comment]] = {}
    for c in rows:
        if c.parent_id:
            answers.setdefault(c.parent_id, []).append(c)
    numbers = {c.revision for c in roots if c.quote}
    if revisions is not None:
        texts = {r.number: r.body for r in revisions}
        current = max(((r.number, r.body) for r in revisions), default=(0, ""))
    else:
        texts = dict(product.revisions.filter(number__in=numbers).values_list("number", "body")) if numbers else {}
        current = product.revisions.order_by("-number").values_list("number", "body").first() or (0, "")
    for root in roots:
        root.answers = answers.get(root.pk, [])
        root.passage = context(texts.get(root.revision, ""), root) if root.quote else None
        root.gone = bool(root.quote) and root.revision != current[0] and root.quote not in current[1]
        root.current_revision = current[0]
    return roots
