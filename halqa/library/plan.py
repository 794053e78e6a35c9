"""A product's production plan (seed 004: products are made by a sequential, waterfall plan).

Steps are done in order, each due no earlier than the one before: a step cannot be marked done
while an earlier one is open (refused, not warned: the plan is a sequence, so its order is the
thing being kept), and no change may leave a step due before the one ahead of it. The authors and
the product's stewards keep the plan while the product is not published; a step's owner is one of
the authors or the working group of the source case.

When the product comes from a case that is being drafted or reviewed, the case's due date for its
current stage follows the plan: it is the due date of the plan's last open step
(`cases.services.follow_product_plan`, recorded on the case's trail).

Two people reordering at once: every change locks the product's row first, so the second waits for
the first and then works on the order the first left.

    step = add_step(product, actor=author, title="Draft", due=date(2027, 3, 1), owner=author)
    move_step(step, actor=author, position=0)
    complete_step(step, actor=author)
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from halqa.cases import services as case_services
from halqa.cases.records import _text as text
from halqa.events import record
from halqa.events.models import Verb

from .access import PLAN, product_access
from .models import Product, Step

MAX_STEPS = 50
# How far from today a step may be due (a typo like 2207 is refused, so is last decade)
MAX_YEARS = 5


def _lock(product: Product) -> Product:
    from halqa.core import access

    locked = Product.objects.select_for_update(of=("self",)).select_related("school", "source_case").get(pk=product.pk)
    access.forget()
    return locked


def owners(product: Product):
    """Who may own a step: the product's authors and the source case's working group."""
    from django.db.models import Q

    from halqa.cases.models import CaseMember

    from .models import Author

    people = Q(pk__in=Author.objects.filter(product_id=product.pk).values("user_id"))
    if product.source_case_id:
        people |= Q(pk__in=CaseMember.objects.filter(case_id=product.source_case_id).values("user_id"))
    return get_user_model().objects.filter(people, is_active=True).order_by("display_name", "pk")


def _due(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise ValidationError({"due": _("Give the date the step is due.")})
    today = timezone.localdate()
    reach = dt.timedelta(days=366 * MAX_YEARS)
    if not (today - reach <= value <= today + reach):
        raise ValidationError({"due": _("Give a due date within five years of today.")})
    return value


def _owner(product: Product, owner):
    if owner is None or owner == "":
        return None
    pk = getattr(owner, "pk", owner)
    found = owners(product).filter(pk=pk).first() if isinstance(pk, int) else None
    if found is None:
        raise ValidationError({"owner": _("Choose one of the authors or of the case's working group.")})
    return found


def _check_order(steps: list[Step]) -> None:
    """Each step due no earlier than the one before, and no step done after an open one."""
    for before, after in itertools.pairwise(steps):
        if after.due < before.due:
            raise ValidationError(
                {
                    "due": _("“%(step)s” would be due before “%(previous)s”, the step ahead of it.")
                    % {"step": after.title, "previous": before.title}
                }
            )
        if after.done_at and not before.done_at:
            raise ValidationError(
                {
                    "position": _("“%(step)s” is done and cannot come after “%(previous)s”, which is not.")
                    % {"step": after.title, "previous": before.title}
                }
            )


def _save_order(steps: list[Step]) -> None:
    for position, step in enumerate(steps):
        if step.position != position:
            step.position = position
            Step.objects.filter(pk=step.pk).update(position=position)


def last_open_due(steps: list[Step]) -> dt.date | None:
    open_steps = [step for step in steps if step.done_at is None]
    return open_steps[-1].due if open_steps else None


def _follow(product: Product, steps: list[Step], actor) -> None:
    """The source case's current stage is due when the plan's last open step is."""
    if product.source_case_id:
        case_services.follow_product_plan(
            product.source_case, actor=actor, due=last_open_due(steps), product_id=product.pk
        )


def _record(verb, product: Product, actor, steps: list[Step], **after) -> None:
    record(
        verb,
        actor=actor,
        target=product,
        after={**after, "steps": [[s.pk, s.due.isoformat(), bool(s.done_at)] for s in steps]},
        school=product.school_id,
        community=product.community_id,
    )


def _steps(product: Product) -> list[Step]:
    return list(product.steps.order_by("position", "pk"))


@transaction.atomic
def add_step(product: Product, *, actor, title: str, due, owner=None, position: int | None = None) -> Step:
    """A new step at `position` (the end when None)."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(PLAN)
    title = text(title, "title", max_length=200, required=_("Name the step."))
    due = _due(due)
    owner = _owner(locked, owner)
    steps = _steps(locked)
    if len(steps) >= MAX_STEPS:
        raise ValidationError({"title": _("A plan has at most %(count)s steps.") % {"count": MAX_STEPS}})
    step = Step(product=locked, title=title, due=due, owner=owner)
    at = len(steps) if position is None else max(0, min(int(position), len(steps)))
    steps.insert(at, step)
    _check_order(steps)
    step.position = at
    step.save()
    _save_order(steps)
    _record(Verb.PRODUCT_PLAN_CHANGED, locked, actor, steps, added=step.pk, title=step.title, owner=step.owner_id)
    _follow(locked, steps, actor)
    return step


@transaction.atomic
def change_step(step: Step, *, actor, **data) -> Step:
    """Change a step's title, due date or owner (the keys given)."""
    locked = _lock(step.product)
    product_access.allowed(actor, locked).need(PLAN)
    steps = _steps(locked)
    mine = next((s for s in steps if s.pk == step.pk), None)
    if mine is None:
        raise ValidationError({"step": _("This step is not in the plan any more.")})
    before = {"title": mine.title, "due": mine.due.isoformat(), "owner": mine.owner_id}
    if "title" in data:
        mine.title = text(data["title"], "title", max_length=200, required=_("Name the step."))
    if "due" in data:
        mine.due = _due(data["due"])
    if "owner" in data:
        mine.owner = _owner(locked, data["owner"])
    _check_order(steps)
    mine.save(update_fields=["title", "due", "owner"])
    record(
        Verb.PRODUCT_PLAN_CHANGED,
        actor=actor,
        target=locked,
        before=before,
        after={"step": mine.pk, "title": mine.title, "due": mine.due.isoformat(), "owner": mine.owner_id},
        school=locked.school_id,
        community=locked.community_id,
    )
    _follow(locked, steps, actor)
    return mine


@transaction.atomic
def move_step(step: Step, *, actor, position) -> Step:
    """Put a step at `position` (0 first); refused when the order of due dates or of done steps
    would break."""
    locked = _lock(step.product)
    product_access.allowed(actor, locked).need(PLAN)
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise ValidationError({"position": _("Give the step's place in the plan.")}) from None
    steps = _steps(locked)
    mine = next((s for s in steps if s.pk == step.pk), None)
    if mine is None:
        raise ValidationError({"step": _("This step is not in the plan any more.")})
    if not 0 <= position < len(steps):
        raise ValidationError({"position": _("Give the step's place in the plan.")})
    steps.remove(mine)
    steps.insert(position, mine)
    _check_order(steps)
    _save_order(steps)
    _record(Verb.PRODUCT_PLAN_CHANGED, locked, actor, steps, moved=mine.pk)
    _follow(locked, steps, actor)
    return mine


@transaction.atomic
def remove_step(step: Step, *, actor) -> None:
    locked = _lock(step.product)
    product_access.allowed(actor, locked).need(PLAN)
    steps = _steps(locked)
    mine = next((s for s in steps if s.pk == step.pk), None)
    if mine is None:
        return
    steps.remove(mine)
    mine.delete()
    _save_order(steps)
    _record(Verb.PRODUCT_PLAN_CHANGED, locked, actor, steps, removed=step.pk)
    _follow(locked, steps, actor)


@transaction.atomic
def complete_step(step: Step, *, actor) -> Step:
    """Mark a step done: refused while an earlier step is open (the plan goes step after step)."""
    locked = _lock(step.product)
    product_access.allowed(actor, locked).need(PLAN)
    steps = _steps(locked)
    mine = next((s for s in steps if s.pk == step.pk), None)
    if mine is None:
        raise ValidationError({"step": _("This step is not in the plan any more.")})
    if mine.done_at:
        return mine
    earlier = next((s for s in steps[: steps.index(mine)] if s.done_at is None), None)
    if earlier is not None:
        raise ValidationError(
            {"step": _("Finish “%(previous)s” first: the plan goes step after step.") % {"previous": earlier.title}}
        )
    mine.done_at = timezone.now()
    mine.done_by = actor
    mine.save(update_fields=["done_at", "done_by"])
    _record(Verb.PRODUCT_STEP_DONE, locked, actor, steps, done=mine.pk)
    _follow(locked, steps, actor)
    return mine
