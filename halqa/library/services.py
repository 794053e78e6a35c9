"""Every change to a product: access checked (`ProductAccess`), input validated, written, recorded.

product = start(actor=user, title=..., language="en", kind="article")
product = from_case(case, actor=user)          # the case's latest draft → a product draft
revise(product, actor=user, body=..., note="what changed")
submit(product, actor=user); assign(product, actor=coordinator, reviewer=expert)
review(product, actor=expert, scores={...}, decision="approve")
publish(product, actor=coordinator)            # moves the source case on, when it can
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from halqa.accounts.choices import Grade, Subject
from halqa.cases import services as case_services
from halqa.cases.access import case_access
from halqa.cases.models import Audience, Case, Stage, Topic
from halqa.cases.records import _text as text
from halqa.cases.workflow import COORDINATOR, GROUP
from halqa.discussions.uploads import check_files, remove_stored, store_checked
from halqa.events import record
from halqa.events.models import Verb
from halqa.search import services as search

from . import pdf, richtext
from .access import ATTACH, EDIT, MANAGE, RATE, REVIEW, VIEW, product_access
from .models import (
    Assignment,
    Author,
    Decision,
    Kind,
    Licence,
    Product,
    ProductAttachment,
    Rating,
    Review,
    Revision,
    Score,
    Status,
    joined,
)

MAX_PRODUCT_ATTACHMENTS = 10  # a worksheet, slides, a recording, a few images for the text

RUBRIC = ("accuracy", "practicality", "clarity", "standards")  # the default rubric's keys (rubrics.DEFAULT)


def approvals_needed() -> int:
    return max(1, int(getattr(settings, "LIBRARY_APPROVALS", 1)))


def _lock(product: Product) -> Product:
    return Product.objects.select_for_update(of=("self",)).select_related("school").get(pk=product.pk)


def _choice(value, choices, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: message})
    return value


def _many(values, choices, field: str) -> str:
    values = [values] if isinstance(values, str) else list(values or [])
    wrong = [v for v in values if v not in choices.values]
    if wrong:
        raise ValidationError({field: _("Choose from the list.")})
    return joined(sorted(set(values)))


def _fields(data: dict, *, current: Product | None = None) -> dict:
    """The product's own fields from `data` (missing keys keep the current value), validated."""

    def get(name, default=""):
        if name in data:
            return data[name]
        return getattr(current, name) if current is not None else default

    fields = {
        "title": text(get("title"), "title", max_length=200, required=_("Give the product a title.")),
        "summary": text(get("summary"), "summary", max_length=2000),
        "body": text(get("body"), "body", max_length=100_000),
        "what_failed": text(get("what_failed"), "what_failed", max_length=10_000),
        "link": text(get("link"), "link", max_length=500),
        "kind": _choice(get("kind", Kind.ARTICLE), Kind, "kind", _("Choose the type of product.")),
        "audience": _choice(get("audience", Audience.TEACHER), Audience, "audience", _("Choose who it is for.")),
        "language": get("language"),
        "licence": _choice(get("licence", Licence.CC_BY), Licence, "licence", _("Choose a licence.")),
    }
    if fields["language"] not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose the language it is written in.")})
    if fields["link"] and not fields["link"].lower().startswith(("https://", "http://")):
        raise ValidationError({"link": _("Give a web address starting with https://.")})
    fields["subjects"] = (
        _many(data["subjects"], Subject, "subjects") if "subjects" in data else (current.subjects if current else "")
    )
    fields["grades"] = (
        _many(data["grades"], Grade, "grades") if "grades" in data else (current.grades if current else "")
    )
    fields["body_html"] = richtext.render(fields["body"], **_images(current))
    return fields


def _images(product: Product | None) -> dict:
    """What `richtext.render` needs to show a product's own image attachments and link its files."""
    if product is None or product.pk is None:
        return {}
    found = list(product.attachments.values_list("pk", "name", "content_type"))
    return {
        "product": product.pk,
        "images": {pk: name for pk, name, content_type in found if content_type.startswith("image/")},
        "files": {pk: name for pk, name, _type in found},
    }


def _topics(product: Product, topics) -> None:
    if topics is None:
        return
    ids = [t.pk if isinstance(t, Topic) else t for t in topics]
    found = list(Topic.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise ValidationError({"topics": _("Choose from the list.")})
    product.topics.set(found)


def _where(product: Product) -> dict:
    return {"school": product.school_id, "community": product.community_id}


def _new_revision(product: Product, *, actor, note: str) -> Revision:
    latest = product.revisions.order_by("-number").first()
    return Revision.objects.create(
        product=product,
        number=(latest.number if latest else 0) + 1,
        title=product.title,
        summary=product.summary,
        body=product.body,
        what_failed=product.what_failed,
        note=note,
        author=actor,
    )


@transaction.atomic
def start(*, actor, topics=None, school=None, community=None, **data) -> Product:
    """A new draft by `actor`, its first author (revision 1)."""
    if not actor.is_authenticated:
        raise PermissionDenied
    fields = _fields(data)
    product = Product.objects.create(**fields, created_by=actor, school=school, community=community)
    Author.objects.create(product=product, user=actor, contribution=_("Author"))
    _topics(product, topics)
    _new_revision(product, actor=actor, note="")
    record(Verb.PRODUCT_CREATED, actor=actor, target=product, after={"title": product.title}, **_where(product))
    return product


def may_turn_into_product(actor, case: Case) -> bool:
    """The working group and the school's coordinators, at any stage (a closed case's solution too)."""
    return bool(case_access.roles(actor, case) & {COORDINATOR, GROUP})


@transaction.atomic
def from_case(case: Case, *, actor) -> Product:
    """The case's latest draft as a product draft: the case its source, the working group its
    authors. A case has one product at a time; asking again gives the one it has."""
    case_access.allowed(actor, case).need("view")
    if not may_turn_into_product(actor, case):
        raise PermissionDenied(_("Only the working group and the coordinators can turn the draft into a product."))
    existing = case.products.exclude(status=Status.RETRACTED).first()
    if existing is not None:
        return existing
    draft = case.drafts.order_by("-version").first()
    if draft is None:
        raise ValidationError({"case": _("Save a draft of the solution first.")})
    product = Product.objects.create(
        kind=Kind.RECOMMENDATIONS,
        audience=draft.audience,
        title=draft.title,
        summary=case.help_wanted[:2000],
        body=draft.body,
        body_html=richtext.render(draft.body),
        language=case.language,
        subjects=joined([case.subject]),
        grades=joined([case.grade]),
        source_case=case,
        community=case.community,
        school=case.school,
        created_by=actor,
    )
    product.topics.set(case.topics.all())
    people = [m.user for m in case.members.select_related("user").order_by("pk")]
    if actor not in people:
        people.insert(0, actor)
    Author.objects.bulk_create(
        [Author(product=product, user=person, contribution=_("Working group")) for person in people]
    )
    _new_revision(
        product, actor=actor, note=_("From version %(version)s of the case's draft.") % {"version": draft.version}
    )
    record(
        Verb.PRODUCT_CREATED,
        actor=actor,
        target=product,
        after={"title": product.title, "case": case.pk, "draft": draft.version},
        **_where(product),
    )
    return product


@transaction.atomic
def revise(product: Product, *, actor, note: str = "", topics=None, **data) -> Product:
    """Save the authors' changes as a new revision (say what changed after the first)."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(EDIT)
    note = text(note, "note", max_length=500, required=_("Say what changed."))
    for name, value in _fields(data, current=locked).items():
        setattr(locked, name, value)
    locked.save()
    _topics(locked, topics)
    revision = _new_revision(locked, actor=actor, note=note)
    record(Verb.PRODUCT_REVISED, actor=actor, target=locked, after={"revision": revision.number}, **_where(locked))
    pdf.schedule(locked)
    return locked


@transaction.atomic
def set_author(product: Product, *, actor, person, contribution: str = "") -> Author:
    """Add a co-author to a draft, or change what they contributed (an author does this)."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(EDIT)
    if person is None or not person.is_active:
        raise ValidationError({"user": _("Choose a person.")})
    if locked.assignments.filter(reviewer=person).exists():
        raise ValidationError({"user": _("A reviewer of this product cannot be one of its authors.")})
    contribution = text(contribution, "contribution", max_length=300)
    author, _created = Author.objects.update_or_create(
        product=locked, user=person, defaults={"contribution": contribution}
    )
    record(Verb.PRODUCT_REVISED, actor=actor, target=locked, after={"author": person.pk}, **_where(locked))
    return author


@transaction.atomic
def submit(product: Product, *, actor) -> Product:
    locked = _lock(product)
    product_access.allowed(actor, locked).need(EDIT)
    if not locked.body.strip() and not locked.link:
        raise ValidationError({"body": _("Write the product before submitting it for review.")})
    locked.status = Status.IN_REVIEW
    locked.save(update_fields=["status", "updated_at"])
    record(Verb.PRODUCT_SUBMITTED, actor=actor, target=locked, after={"status": locked.status}, **_where(locked))
    return locked


@transaction.atomic
def assign(product: Product, *, actor, reviewer) -> Assignment:
    """A coordinator or the community's facilitator asks `reviewer` (never an author) to review."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(MANAGE)
    if locked.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError({"reviewer": _("Reviewers are assigned before the product is published.")})
    if reviewer is None or not reviewer.is_active:
        raise ValidationError({"reviewer": _("Choose a reviewer.")})
    if locked.authors.filter(user=reviewer).exists():
        raise ValidationError({"reviewer": _("An author cannot review their own product.")})
    assignment, _created = Assignment.objects.get_or_create(
        product=locked, reviewer=reviewer, defaults={"assigned_by": actor}
    )
    record(
        Verb.PRODUCT_REVIEWER_ASSIGNED, actor=actor, target=locked, after={"reviewer": reviewer.pk}, **_where(locked)
    )
    return assignment


def _score(scores: dict, name: str) -> int:
    try:
        value = int(scores.get(name))
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise ValidationError({name: _("Give a score from 1 to 5.")})
    return value


@transaction.atomic
def review(product: Product, *, actor, scores: dict, decision: str, comment: str = "") -> Review:
    """An assigned reviewer's scores on the product's rubric (`scores` by criterion key: its school's,
    its authority's or the default, see rubrics.py) and decision on the current revision; "request
    changes" sends the product back to its authors as a draft."""
    from .rubrics import rubric_for

    locked = _lock(product)
    product_access.allowed(actor, locked).need(REVIEW)
    rubric = rubric_for(locked)
    criteria = list(rubric.criteria.all())
    values = {c.key: _score(scores or {}, c.key) for c in criteria}
    _choice(decision, Decision, "decision", _("Approve or request changes."))
    comment = text(
        comment,
        "comment",
        max_length=4000,
        required=_("Say what should change.") if decision == Decision.CHANGES else None,
    )
    current = locked.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    made = Review.objects.create(
        product=locked, reviewer=actor, revision=current, decision=decision, comment=comment, rubric=rubric
    )
    Score.objects.bulk_create(
        [
            Score(review=made, criterion=c, key=c.key, label=c.label, weight=c.weight, value=values[c.key])
            for c in criteria
        ]
    )
    if decision == Decision.CHANGES:
        locked.status = Status.DRAFT
        locked.save(update_fields=["status", "updated_at"])
    record(
        Verb.PRODUCT_REVIEWED,
        actor=actor,
        target=locked,
        after={"decision": decision, "revision": current},
        **_where(locked),
    )
    return made


def approvals(product: Product, *, current: int | None = None) -> int:
    """Reviewers who approved the current revision (and have not asked for changes to it since);
    `current`: its number, when the caller has it already."""
    if current is None:
        current = product.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    latest: dict[int, str] = {}
    for reviewer, decision in (
        product.reviews.filter(revision=current).order_by("created_at", "pk").values_list("reviewer", "decision")
    ):
        latest[reviewer] = decision
    return sum(1 for decision in latest.values() if decision == Decision.APPROVE)


@transaction.atomic
def publish(product: Product, *, actor) -> Product:
    """Publish a product in review with enough approvals of its current revision. A case's product
    then moves the case to "published" and on to "feedback" (which asks the requester), when the
    case stands where the transition table allows it; otherwise the case stays and `case_note` says
    why."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(MANAGE)
    if locked.status != Status.IN_REVIEW:
        raise ValidationError({"status": _("Only a product in review can be published.")})
    needed = approvals_needed()
    if approvals(locked) < needed:
        raise ValidationError(
            {"status": _("Publishing needs %(count)s approval(s) of the current revision.") % {"count": needed}}
        )
    locked.status = Status.PUBLISHED
    locked.published_at = timezone.now()
    locked.case_note = _move_case(locked, actor) if locked.source_case_id else ""
    locked.save(update_fields=["status", "published_at", "case_note", "updated_at"])
    record(Verb.PRODUCT_PUBLISHED, actor=actor, target=locked, after={"status": locked.status}, **_where(locked))
    search.schedule("product", locked.pk)
    pdf.schedule(locked)
    return locked


def _move_case(product: Product, actor) -> str:
    """Move the source case in_review → published → feedback; the reason it stayed, or ""."""
    case = product.source_case
    if case.stage not in (Stage.IN_REVIEW, Stage.PUBLISHED):
        return _(
            "The case was left alone: it is “%(stage)s”, and only a case in review moves on when its product is published."
        ) % {"stage": Stage(case.stage).label}
    try:
        with transaction.atomic():
            if case.stage == Stage.IN_REVIEW:
                case = case_services.move(case, actor=actor, to=Stage.PUBLISHED)
            case_services.move(case, actor=actor, to=Stage.FEEDBACK)
    except (PermissionDenied, Http404):
        return _("The case was left alone: only the school's coordinators can publish its solution.")
    except ValidationError as error:
        return _("The case was left alone: %(reason)s") % {"reason": " ".join(error.messages)}
    except case_services.Conflict as conflict:
        return _("The case was left alone: %(reason)s") % {"reason": conflict.message}
    return ""


@transaction.atomic
def retract(product: Product, *, actor, reason: str) -> Product:
    locked = _lock(product)
    product_access.allowed(actor, locked).need(MANAGE)
    if locked.status != Status.PUBLISHED:
        raise ValidationError({"reason": _("Only a published product can be retracted.")})
    locked.retract_reason = text(reason, "reason", max_length=2000, required=_("Say why it is retracted."))
    locked.status = Status.RETRACTED
    locked.save(update_fields=["status", "retract_reason", "updated_at"])
    record(
        Verb.PRODUCT_RETRACTED, actor=actor, target=locked, after={"reason": locked.retract_reason}, **_where(locked)
    )
    search.schedule("product", locked.pk)
    return locked


def reopen_after_feedback(case, *, event_actor: dict, reason: str) -> list[Product]:
    """The requester cannot use the solution yet: every published product made from the case goes
    back to its authors as a new revision (noted with the requester's reason), to pass review again;
    it leaves the library until it is published again. Called by the case's feedback, inside its
    transaction (`event_actor` names the requester as the case's events do, or hides them)."""
    reopened = []
    for product in Product.objects.filter(source_case=case, status=Status.PUBLISHED).order_by("pk"):
        locked = _lock(product)
        locked.status = Status.DRAFT
        locked.save(update_fields=["status", "updated_at"])
        note = _("Reopened: the requester cannot use it yet. %(reason)s") % {"reason": reason}
        revision = _new_revision(locked, actor=None, note=note[:500])
        record(
            Verb.PRODUCT_REOPENED,
            target=locked,
            after={"revision": revision.number, "case": case.pk},
            **event_actor,
            **_where(locked),
        )
        search.schedule("product", locked.pk)
        reopened.append(locked)
    return reopened


@transaction.atomic
def rate(product: Product, *, actor, score, comment: str = "") -> Rating:
    """ "Did this help?" (1–5, an optional comment): one answer per person, changed by answering again."""
    product = Product.objects.select_related("school").get(pk=product.pk)
    product_access.allowed(actor, product).need(RATE)
    value = _score({"score": score}, "score")
    comment = text(comment, "comment", max_length=2000)
    rating, _created = Rating.objects.update_or_create(
        product=product, user=actor, defaults={"score": value, "comment": comment}
    )
    record(Verb.PRODUCT_RATED, actor=actor, target=product, after={"score": value}, **_where(product))
    return rating


def compare(product: Product, *, actor, first: int, second: int):
    """Word-level comparison of two revisions' title, summary, text and "what did not work"."""
    product_access.allowed(actor, product).need(VIEW)
    if product.status == Status.RETRACTED and MANAGE not in product_access.allowed(actor, product):
        raise Http404
    found = {r.number: r for r in product.revisions.filter(number__in=[first, second])}
    if first not in found or second not in found:
        raise ValidationError({"revision": _("Choose two revisions of this product.")})
    a, b = found[first], found[second]
    return {
        name: richtext.compare(getattr(a, name), getattr(b, name))
        for name in ("title", "summary", "body", "what_failed")
    }


def record_use(product: Product, *, actor, how: str, allowed=None) -> bool:
    """Note that `actor` used a published product they may see (read its page, downloaded its PDF,
    printed it, added it to a meeting's reading list): once per person, never by its authors or its
    reviewers, never for anonymous visitors (nobody to count once). `allowed` is the caller's answer from the access
    policy for this actor and product, when it has one. True when this was the person's first use.

    A read, not a change: it records no event and sends nothing. The count is recounted from the
    rows, so two first uses at once (two tabs) still count one."""
    from django.db.models import Count, OuterRef, Subquery

    from .access import authored_by, reviewed_by
    from .models import Use, UseKind

    if actor is None or not actor.is_authenticated or product.status != Status.PUBLISHED:
        return False
    _choice(how, UseKind, "how", "unknown use")
    allowed = allowed if allowed is not None else product_access.allowed(actor, product)
    if VIEW not in allowed or product.pk in authored_by(actor) or product.pk in reviewed_by(actor):
        return False
    if Use.objects.filter(product=product, user=actor).exists():
        return False
    Use.objects.bulk_create([Use(product=product, user=actor, how=how)], ignore_conflicts=True)
    count = Use.objects.filter(product=OuterRef("pk")).order_by().values("product").annotate(n=Count("pk"))
    Product.objects.filter(pk=product.pk).update(uses=Subquery(count.values("n")))
    return True


# --- The production plan, review comments and rubrics (plan.py, comments.py, rubrics.py) -----------

from .comments import add_comment, reply, resolve  # noqa: E402, F401
from .plan import add_step, change_step, complete_step, move_step, remove_step  # noqa: E402, F401
from .rubrics import (  # noqa: E402, F401
    add_criterion,
    change_criterion,
    drop_rubric,
    move_criterion,
    own_rubric,
    remove_criterion,
)

# --- Files ------------------------------------------------------------------------------------

TOO_MANY_FOR_A_PRODUCT = ngettext_lazy(
    "“%(name)s” was not attached: a product can have at most %(limit)s file.",
    "“%(name)s” was not attached: a product can have at most %(limit)s files.",
    "limit",
)


def max_attachments() -> int:
    return max(1, int(getattr(settings, "LIBRARY_MAX_ATTACHMENTS", MAX_PRODUCT_ATTACHMENTS)))


def _files_changed(product: Product) -> None:
    """The body again with the product's files as they are now (an image or a link of a removed file
    goes, one of an added file appears), and its PDF (which lists the files) made again."""
    body_html = richtext.render(product.body, **_images(product))
    if body_html != product.body_html:
        product.body_html = body_html
        product.save(update_fields=["body_html", "updated_at"])
    pdf.schedule(product)
    if product.status == Status.PUBLISHED:
        search.schedule("product", product.pk)


@transaction.atomic
def attach(product: Product, *, actor, files) -> list[ProductAttachment]:
    """Add files to a product (its authors and stewards, while it is not retracted), checked as
    discussions' files are: a refused file saves nothing. One event says how many, never the names."""
    locked = _lock(product)
    product_access.allowed(actor, locked).need(ATTACH)
    files = [file for file in files or () if file]
    if not files:
        raise ValidationError({"files": _("Choose at least one file to attach.")})
    existing = locked.attachments.count()
    try:
        checked = check_files(
            files, already_attached=existing, limit=max_attachments(), too_many=TOO_MANY_FOR_A_PRODUCT
        )
    except ValidationError as error:
        raise ValidationError({"files": error.messages}) from None
    stored = store_checked(
        checked,
        lambda item: ProductAttachment(
            product=locked, name=item.name, size=item.size, content_type=item.content_type, uploaded_by=actor
        ),
    )
    record(
        Verb.PRODUCT_FILES_ADDED,
        actor=actor,
        target=locked,
        after={"kind": "attachment", "count": len(stored), "types": sorted({item.extension for item in checked})},
        **_where(locked),
    )
    _files_changed(locked)
    return stored


@transaction.atomic
def remove_attachment(product: Product, *, actor, attachment_id: int) -> None:
    """Remove one file of a product (its authors and stewards, while it is not retracted); an image of
    it in the text goes with it. The stored file is deleted once the removal is committed."""
    locked = _lock(product)
    allowed = product_access.allowed(actor, locked)
    allowed.need(VIEW)
    attachment = locked.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    allowed.need(ATTACH)
    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: remove_stored(ProductAttachment, [name]))
    record(Verb.PRODUCT_FILE_REMOVED, actor=actor, target=locked, after={"count": 1}, **_where(locked))
    _files_changed(locked)
