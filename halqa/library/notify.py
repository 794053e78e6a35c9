"""What a product's people are told about its review comments (halqa/notifications): a reviewer's
comment reaches the authors; an answer reaches the other side of the thread (an author's answer the
comment's writer and the others who answered who are not authors; anyone else's answer the
authors); a comment marked resolved or open again reaches its writer, or the authors when the
writer did it. A step of the production plan given to someone (added with them as its owner, or
its owner changed to them) reaches that person. Nobody is told about a product they may not open."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.events.describe import _say as say
from halqa.events.models import Event, Verb
from halqa.notifications.kinds import DEFAULTS
from halqa.notifications.models import Channel, Kind
from halqa.notifications.registry import Rule, register

from .access import VIEW, product_access
from .models import Comment, Product


def product_of(event: Event) -> Product | None:
    return Product.objects.select_related("school", "community").filter(pk=event.target_id).first()


def may_see(person, product: Product) -> bool:
    return VIEW in product_access.allowed(person, product)


def _after(event: Event) -> dict:
    return event.after if isinstance(event.after, dict) else {}


def _authors(product: Product) -> list:
    return [author.user for author in product.authors.select_related("user")]


def _thread(event: Event) -> Comment | None:
    return Comment.objects.select_related("author").filter(pk=_after(event).get("comment")).first()


def other_side(event: Event, product: Product) -> list:
    authors = _authors(product)
    author_ids = {person.pk for person in authors}
    if event.verb == Verb.PRODUCT_COMMENTED:
        return authors
    thread = _thread(event)
    if thread is None:
        return []
    if event.actor_id not in author_ids:
        return authors
    writers = [thread.author] if thread.author else []
    writers += [c.author for c in thread.replies.select_related("author") if c.author]
    return [person for person in writers if person.pk not in author_ids]


def link(event: Event) -> str:
    comment = _after(event).get("comment")
    return reverse("library:product", args=[event.target_id]) + (f"#comment-{comment}" if comment else "")


def sentence(event: Event, who: str) -> str:
    after = _after(event)
    values = {"who": who, "product": event.target_label}
    if event.verb == Verb.PRODUCT_COMMENTED:
        if after.get("quote"):
            return say(_("%(who)s commented on a passage of “%(product)s”"), values)
        return say(_("%(who)s commented on “%(product)s”"), values)
    if event.verb == Verb.PRODUCT_COMMENT_ANSWERED:
        return say(_("%(who)s answered a review comment on “%(product)s”"), values)
    if after.get("resolved"):
        return say(_("%(who)s marked a review comment on “%(product)s” resolved"), values)
    return say(_("%(who)s opened a review comment on “%(product)s” again"), values)


DEFAULTS[Kind.PRODUCT_COMMENT] = Channel.IMMEDIATELY
register(
    (Verb.PRODUCT_COMMENTED, Verb.PRODUCT_COMMENT_ANSWERED, Verb.PRODUCT_COMMENT_RESOLVED),
    Rule(
        kind=Kind.PRODUCT_COMMENT,
        subject=product_of,
        recipients=other_side,
        may_see=may_see,
        sentence=sentence,
        link=link,
    ),
)


# --- A production step given to someone ---------------------------------------------------------------


def step_owner(event: Event, product: Product) -> list:
    """The step's new owner: on a step added with an owner, or on a change that gave it another."""
    after = _after(event)
    before = event.before if isinstance(event.before, dict) else {}
    owner = after.get("owner")
    if not owner or ("added" not in after and before.get("owner") == owner):
        return []
    return list(User.objects.filter(pk=owner))


def step_sentence(event: Event, who: str) -> str:
    values = {"who": who, "step": _after(event).get("title", ""), "product": event.target_label}
    return say(_("%(who)s gave you the step “%(step)s” of the plan for “%(product)s”"), values)


def plan_link(event: Event) -> str:
    return reverse("library:product", args=[event.target_id]) + "#plan-h"


DEFAULTS[Kind.PRODUCT_STEP] = Channel.IMMEDIATELY
register(
    Verb.PRODUCT_PLAN_CHANGED,
    Rule(
        kind=Kind.PRODUCT_STEP,
        subject=product_of,
        recipients=step_owner,
        may_see=may_see,
        sentence=step_sentence,
        link=plan_link,
    ),
)
