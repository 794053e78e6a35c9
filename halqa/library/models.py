"""The methodological library (seed 004, stages 6 and 7): products, their revisions, expert review,
and whether a product helped.

A product is written by its authors (often a case's working group, from the case's draft), kept as
numbered revisions (every save is a new row), reviewed by assigned experts on a rubric, published
when enough reviewers approved its current revision, and may be retracted with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from halqa.cases.models import Audience
from halqa.discussions.models import CheckedFile


class Kind(models.TextChoices):
    ARTICLE = "article", _("Article")
    MANUAL = "manual", _("Methodological manual")
    WEBINAR = "webinar", _("Webinar")
    MASTER_CLASS = "master_class", _("Master class")
    RECOMMENDATIONS = "recommendations", _("Collection of recommendations")
    LESSON_PLAN = "lesson_plan", _("Lesson plan")
    PROTOCOL = "protocol", _("Protocol")
    TRAINING = "training", _("Training programme")
    CASE_STUDY = "case_study", _("Case study")


class Licence(models.TextChoices):
    CC_BY = "cc-by-4.0", _("CC BY 4.0")
    CC_BY_SA = "cc-by-sa-4.0", _("CC BY-SA 4.0")
    CC_BY_NC = "cc-by-nc-4.0", _("CC BY-NC 4.0")
    CC_BY_NC_SA = "cc-by-nc-sa-4.0", _("CC BY-NC-SA 4.0")
    CC0 = "cc0-1.0", _("CC0 1.0 (public domain)")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETRACTED = "retracted", _("Retracted")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    CHANGES = "changes", _("Request changes")


class Product(models.Model):
    kind = models.CharField(_("type"), max_length=24, choices=Kind.choices, default=Kind.ARTICLE)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.TEACHER)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    body = models.TextField(_("text"), max_length=100_000, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    what_failed = models.TextField(_("what did not work"), max_length=10_000, blank=True)
    link = models.URLField(_("recording link"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    # ",math,physics," so that one `contains` finds a subject on both databases
    subjects = models.CharField(_("subjects"), max_length=400, blank=True, default="")
    grades = models.CharField(_("grades"), max_length=200, blank=True, default="")
    topics = models.ManyToManyField("cases.Topic", blank=True, related_name="products", verbose_name=_("topics"))
    licence = models.CharField(_("licence"), max_length=24, choices=Licence.choices, default=Licence.CC_BY)
    source_case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    retract_reason = models.TextField(_("why it was retracted"), max_length=2000, blank=True)
    case_note = models.CharField(max_length=500, blank=True, help_text="Why publishing left the source case alone.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # how many people used it (the rows of Use): kept by services.record_use, sorted on by "most used"
    uses = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "published_at"], name="product_status_idx"),
            models.Index(fields=["status", "-uses", "-published_at", "-id"], name="product_used_idx"),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:product", args=[self.pk])

    @property
    def subject_list(self) -> list[str]:
        return [s for s in self.subjects.split(",") if s]

    @property
    def grade_list(self) -> list[str]:
        return [g for g in self.grades.split(",") if g]


def joined(values) -> str:
    values = [v for v in values if v]
    return f",{','.join(values)}," if values else ""


class Author(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="authors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contribution = models.CharField(_("contribution"), max_length=300, blank=True)

    class Meta:
        ordering = ["product", "pk"]
        constraints = [models.UniqueConstraint(fields=["product", "user"], name="product_author_once")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.user_id}"


class Revision(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    body = models.TextField(_("text"), max_length=100_000, blank=True)
    what_failed = models.TextField(_("what did not work"), max_length=10_000, blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "-number"]
        constraints = [models.UniqueConstraint(fields=["product", "number"], name="product_revision_once")]

    def __str__(self) -> str:
        return f"{self.product_id} r{self.number}"


class Assignment(models.Model):
    """A reviewer asked to review a product (by a coordinator or the community's facilitator)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "reviewer"], name="product_reviewer_once")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.reviewer_id}"


SCORE = [MinValueValidator(1), MaxValueValidator(5)]


class Rubric(models.Model):
    """The criteria reviewers score: a school's own, an authority's, or the deployment's default
    (neither). A product is reviewed on its school's rubric, else its authority's, else the default."""

    school = models.OneToOneField(
        "orgs.School", null=True, blank=True, on_delete=models.CASCADE, related_name="library_rubric"
    )
    authority = models.OneToOneField(
        "orgs.Authority", null=True, blank=True, on_delete=models.CASCADE, related_name="library_rubric"
    )
    is_default = models.BooleanField(default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(is_default=True, school__isnull=True, authority__isnull=True)
                    | models.Q(is_default=False, school__isnull=False, authority__isnull=True)
                    | models.Q(is_default=False, school__isnull=True, authority__isnull=False)
                ),
                name="rubric_one_owner",
            ),
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="rubric_one_default"
            ),
        ]
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")

    def __str__(self) -> str:
        return f"rubric {self.pk}"


WEIGHT = [MinValueValidator(1), MaxValueValidator(10)]


class Criterion(models.Model):
    """One line of a rubric: scored 1–5, counted `weight` times in the overall mean."""

    rubric = models.ForeignKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=40, help_text="Stable name of the criterion in the API's scores.")
    label = models.CharField(_("label"), max_length=200)
    # {"ar": "...", "ru": "..."}: the label in other languages ("label" for the rest)
    labels = models.JSONField(_("label per language"), default=dict, blank=True)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=WEIGHT)

    class Meta:
        ordering = ["rubric", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["rubric", "key"], name="criterion_key_once")]

    def __str__(self) -> str:
        return self.label


class Review(models.Model):
    """One reviewer's decision on one revision; the history stays with the product. Its scores (one
    per criterion of the rubric it was made on) keep the criterion's label and weight as they were."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revision = models.PositiveIntegerField()
    rubric = models.ForeignKey(Rubric, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("comment"), max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.product_id} r{self.revision}: {self.decision}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(default=1, validators=WEIGHT)
    value = models.PositiveSmallIntegerField(validators=SCORE)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="score_key_once")]

    def __str__(self) -> str:
        return f"{self.key}: {self.value}"


class Step(models.Model):
    """One step of a product's production plan (seed 004: a sequential, waterfall plan): done in
    order, each due no earlier than the one before."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("step"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    """A reviewer's comment on a revision, on the whole or on a quoted passage of its text (the quote
    and where it starts in that revision's text), answered one level deep and resolved by the authors."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revision = models.PositiveIntegerField()
    body = models.TextField(_("comment"), max_length=4000)
    quote = models.TextField(_("passage"), max_length=2000, blank=True)
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["product", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.product_id}: comment {self.pk}"


class Rating(models.Model):
    """ "Did this help?": one per person and product, changeable."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("how much it helped"), validators=SCORE)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "user"], name="product_rating_once")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.score}"


class UseKind(models.TextChoices):
    READ = "read", _("read")
    PDF = "pdf", _("downloaded")
    PRINT = "print", _("printed")
    SOURCE = "source", _("added as a meeting's source")


class Use(models.Model):
    """A person used a published product (the first time only: one row per person and product, so
    reading it again counts nothing): opened its page, downloaded its PDF, printed it, or added it
    to a meeting's reading list. Its authors' and reviewers' own uses are not counted."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="used_by")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    how = models.CharField(max_length=8, choices=UseKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "user"], name="product_use_once")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.user_id} {self.how}"


class ProductAttachment(CheckedFile):
    """A file that goes with a product (a worksheet, slides, a webinar's recording), checked by the
    discussions' rules (`halqa/discussions/uploads.py`). Served only through the product's download
    view, after the product's access policy; an image attachment may be shown in the product's text
    (`![alt](attachment:<id>)`)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="library/%Y/%m/", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(CheckedFile.Meta):
        ordering = ["product", "id"]

    def get_absolute_url(self) -> str:
        return reverse("library:file", args=[self.product_id, self.pk])
