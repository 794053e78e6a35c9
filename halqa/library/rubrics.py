"""Review rubrics, editable per school or authority (issue 13: "editable per school or authority").

A product is reviewed on its school's rubric, else its school's authority's, else the deployment's
default, which has the four criteria of seed 004 (accuracy, practicality with the requester's
resources, clarity, fit with standards) until a deployment admin changes it. A review keeps a score
per criterion with the criterion's label and weight as they were, so editing a rubric never changes
a review already made.

Who edits: a school's rubric, its principal, deputy and coordinators and its authority's admins; an
authority's, its admins; the default, the deployment's admins (superusers). Anyone signed in may
read a rubric. A school or authority without its own rubric starts from a copy of the one it used.

    rubric = rubric_for(product)                  # the one its reviews use now
    rubric = own_rubric(actor, school=school)     # the school's own (made from the inherited one)
    add_criterion(rubric, actor=principal, label="Uses the school's resources", weight=2)
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from halqa.cases.access import coordinated_schools
from halqa.cases.records import _text as text
from halqa.events import record
from halqa.events.models import Verb
from halqa.orgs.access import standing

from .models import Criterion, Product, Rubric

DEFAULT = (
    ("accuracy", gettext_lazy("Accuracy")),
    ("practicality", gettext_lazy("Practicality with the requester's resources")),
    ("clarity", gettext_lazy("Clarity")),
    ("standards", gettext_lazy("Fit with standards")),
)
ENGLISH = {
    "accuracy": "Accuracy",
    "practicality": "Practicality with the requester's resources",
    "clarity": "Clarity",
    "standards": "Fit with standards",
}
MAX_CRITERIA = 12
# Names the review form and API use for other things than a criterion's score
RESERVED = frozenset({"decision", "comment", "scores", "reviewer", "revision", "created_at", "rubric"})


def label(key: str, english: str, labels: dict | None) -> str:
    """A criterion's label in the active language: its own label for that language, the built-in
    translation for a default criterion whose label was not changed, else the label as written."""
    language = (get_language() or "en").split("-")[0]
    own = (labels or {}).get(language)
    if own:
        return own
    if ENGLISH.get(key) == english:
        return str(dict(DEFAULT)[key])
    return english


def default_rubric() -> Rubric:
    """The deployment's default rubric, made with the four criteria the first time it is needed."""
    rubric = Rubric.objects.filter(is_default=True).first()
    if rubric is not None:
        return rubric
    try:
        with transaction.atomic():
            rubric = Rubric.objects.create(is_default=True)
            Criterion.objects.bulk_create(
                [
                    Criterion(rubric=rubric, key=key, label=ENGLISH[key], position=n)
                    for n, (key, _label) in enumerate(DEFAULT)
                ]
            )
    except IntegrityError:  # made at the same moment by another request
        rubric = Rubric.objects.get(is_default=True)
    return rubric


def _with_criteria():
    return Rubric.objects.prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk")))


def rubric_for_school(school) -> Rubric:
    """The school's rubric, else its authority's, else the default (criteria prefetched)."""
    if school is not None:
        owners = Q(school_id=school.pk)
        if school.authority_id:
            owners |= Q(authority_id=school.authority_id)
        found = {("school" if r.school_id else "authority"): r for r in _with_criteria().filter(owners)}
        if found:
            return found.get("school") or found["authority"]
    default_rubric()
    return _with_criteria().get(is_default=True)


def rubric_for(product: Product) -> Rubric:
    return rubric_for_school(product.school if product.school_id else None)


def criteria_of(rubric: Rubric) -> list[Criterion]:
    return list(rubric.criteria.all())


# --- Who edits which rubric -------------------------------------------------------------------------


def may_edit(user, *, school=None, authority=None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    me = standing(user)
    if me.superuser:
        return True
    if school is not None:
        return school.pk in coordinated_schools(me) or school.authority_id in me.admin_of
    if authority is not None:
        return authority.pk in me.admin_of
    return False


def may_edit_rubric(user, rubric: Rubric) -> bool:
    return may_edit(user, school=rubric.school, authority=rubric.authority)


def _need(actor, rubric: Rubric) -> None:
    if not may_edit_rubric(actor, rubric):
        raise PermissionDenied(
            _("Only the school's principal and coordinators, or the authority's admins, edit this rubric.")
        )


def editable_rubrics(user) -> list[tuple[str, object]]:
    """(kind, owner) for every rubric this person may edit: their schools, their authorities, the
    default ("default", None) for a deployment admin."""
    from halqa.orgs.models import Authority, School

    if user is None or not user.is_authenticated:
        return []
    me = standing(user)
    if me.superuser:
        return [("default", None)]
    found = [("authority", a) for a in Authority.objects.filter(pk__in=me.admin_of).order_by("name")]
    schools = School.objects.filter(Q(pk__in=coordinated_schools(me)) | Q(authority_id__in=me.admin_of))
    found += [("school", s) for s in schools.order_by("name")]
    return found


def _record(actor, rubric: Rubric, **after) -> None:
    record(
        Verb.RUBRIC_CHANGED,
        actor=actor,
        target=rubric,
        after={**after, "criteria": list(rubric.criteria.order_by("position", "pk").values_list("key", flat=True))},
        school=rubric.school_id,
    )


@transaction.atomic
def own_rubric(actor, *, school=None, authority=None) -> Rubric:
    """The rubric of `school` or `authority` (the default if neither), made on first edit as a copy
    of the rubric it inherited."""
    if not may_edit(actor, school=school, authority=authority):
        raise PermissionDenied(
            _("Only the school's principal and coordinators, or the authority's admins, edit this rubric.")
        )
    if school is None and authority is None:
        return default_rubric()
    owner = {"school": school} if school is not None else {"authority": authority}
    rubric = Rubric.objects.filter(**owner).first()
    if rubric is not None:
        return rubric
    inherited = rubric_for_school(school) if school is not None else _with_criteria().get(pk=default_rubric().pk)
    rubric = Rubric.objects.create(**owner)
    Criterion.objects.bulk_create(
        [
            Criterion(
                rubric=rubric,
                key=c.key,
                label=c.label,
                labels=c.labels,
                description=c.description,
                weight=c.weight,
                position=n,
            )
            for n, c in enumerate(inherited.criteria.all())
        ]
    )
    _record(actor, rubric, made_from=inherited.pk)
    return rubric


def _lock(rubric: Rubric) -> Rubric:
    return Rubric.objects.select_for_update(of=("self",)).select_related("school", "authority").get(pk=rubric.pk)


def _labels(value) -> dict:
    from django.conf import settings

    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ValidationError({"labels": _("Give the label per language.")})
    known = dict(settings.LANGUAGES)
    found = {}
    for language, written in value.items():
        if language not in known:
            raise ValidationError({"labels": _("Give the label per language.")})
        written = text(written, "labels", max_length=200)
        if written:
            found[language] = written
    return found


def _weight(value) -> int:
    try:
        weight = int(value)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= 10:
        raise ValidationError({"weight": _("Give a weight from 1 to 10.")})
    return weight


def _key(rubric: Rubric, label_text: str) -> str:
    base = slugify(label_text)[:30].strip("-") or "criterion"
    taken = set(rubric.criteria.values_list("key", flat=True)) | RESERVED
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def add_criterion(rubric: Rubric, *, actor, label: str, labels=None, description: str = "", weight=1) -> Criterion:
    locked = _lock(rubric)
    _need(actor, locked)
    label_text = text(label, "label", max_length=200, required=_("Name the criterion."))
    count = locked.criteria.count()
    if count >= MAX_CRITERIA:
        raise ValidationError({"label": _("A rubric has at most %(count)s criteria.") % {"count": MAX_CRITERIA}})
    criterion = Criterion.objects.create(
        rubric=locked,
        key=_key(locked, label_text),
        label=label_text,
        labels=_labels(labels),
        description=text(description, "description", max_length=1000),
        weight=_weight(weight),
        position=count,
    )
    _record(actor, locked, added=criterion.key)
    return criterion


@transaction.atomic
def change_criterion(criterion: Criterion, *, actor, **data) -> Criterion:
    """Change a criterion's label, labels per language, description or weight (the keys given);
    reviews already made keep what they were scored on."""
    locked = _lock(criterion.rubric)
    _need(actor, locked)
    mine = locked.criteria.get(pk=criterion.pk)
    if "label" in data:
        mine.label = text(data["label"], "label", max_length=200, required=_("Name the criterion."))
    if "labels" in data:
        mine.labels = _labels(data["labels"])
    if "description" in data:
        mine.description = text(data["description"], "description", max_length=1000)
    if "weight" in data:
        mine.weight = _weight(data["weight"])
    mine.save()
    _record(actor, locked, changed=mine.key)
    return mine


@transaction.atomic
def remove_criterion(criterion: Criterion, *, actor) -> None:
    locked = _lock(criterion.rubric)
    _need(actor, locked)
    criteria = list(locked.criteria.order_by("position", "pk"))
    if criterion.pk not in {c.pk for c in criteria}:
        return
    if len(criteria) == 1:
        raise ValidationError({"criterion": _("A rubric needs at least one criterion.")})
    Criterion.objects.filter(pk=criterion.pk).delete()
    for n, c in enumerate(c for c in criteria if c.pk != criterion.pk):
        if c.position != n:
            Criterion.objects.filter(pk=c.pk).update(position=n)
    _record(actor, locked, removed=criterion.key)


@transaction.atomic
def move_criterion(criterion: Criterion, *, actor, position) -> Criterion:
    """Put a criterion at `position` (0 first). The rubric's row is locked, so two people reordering
    at once take turns."""
    locked = _lock(criterion.rubric)
    _need(actor, locked)
    criteria = list(locked.criteria.order_by("position", "pk"))
    mine = next((c for c in criteria if c.pk == criterion.pk), None)
    try:
        position = int(position)
    except (TypeError, ValueError):
        position = -1
    if mine is None or not 0 <= position < len(criteria):
        raise ValidationError({"position": _("Give the criterion's place in the rubric.")})
    criteria.remove(mine)
    criteria.insert(position, mine)
    for n, c in enumerate(criteria):
        if c.position != n:
            c.position = n
            Criterion.objects.filter(pk=c.pk).update(position=n)
    _record(actor, locked, moved=mine.key)
    return mine


@transaction.atomic
def drop_rubric(rubric: Rubric, *, actor) -> None:
    """A school or authority goes back to the rubric it inherits (the default rubric stays)."""
    locked = _lock(rubric)
    _need(actor, locked)
    if locked.is_default:
        raise ValidationError({"rubric": _("The default rubric cannot be removed; change its criteria instead.")})
    record(Verb.RUBRIC_CHANGED, actor=actor, target=locked, after={"dropped": True}, school=locked.school_id)
    locked.delete()
