"""A case: a real difficulty brought as a story, worked on until its requester can use the answer.

Seed 004's request-to-solution cycle. A case belongs to the school whose coordinators process it
(and, once assigned, to a community); its stage moves only through `workflow.py`, and every move is
an event of the trail. Parents and students who take part in a case's working group are full
participants of it (`CaseMember`), whatever their place elsewhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from halqa.accounts.choices import Grade, Subject
from halqa.discussions.models import CheckedFile


class Stage(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("case stage", "Submitted")
    CLARIFYING = "clarifying", pgettext_lazy("case stage", "Clarifying")
    MATCHED = "matched", pgettext_lazy("case stage", "Group formed")
    SCHEDULED = "scheduled", pgettext_lazy("case stage", "Session scheduled")
    PREPARING = "preparing", pgettext_lazy("case stage", "Preparing")
    IN_SESSION = "in_session", pgettext_lazy("case stage", "In session")
    DRAFTING = "drafting", pgettext_lazy("case stage", "Drafting the solution")
    IN_REVIEW = "in_review", pgettext_lazy("case stage", "In expert review")
    PUBLISHED = "published", pgettext_lazy("case stage", "Solution published")
    FEEDBACK = "feedback", pgettext_lazy("case stage", "Waiting for feedback")
    CLOSED = "closed", pgettext_lazy("case stage", "Closed")
    DECLINED = "declined", pgettext_lazy("case stage", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("case stage", "Withdrawn")


FINAL_STAGES = frozenset({Stage.CLOSED, Stage.DECLINED, Stage.WITHDRAWN})


class RequesterGroup(models.TextChoices):
    """Who asked, as seed 004 told its requests apart."""

    EARLY_CAREER_TEACHER = "early_career_teacher", _("Early-career teacher (up to 3 years)")
    EXPERIENCED_TEACHER = "experienced_teacher", _("Experienced teacher")
    PARENT = "parent", _("Parent")
    STUDENT = "student", _("Student")
    STAFF = "staff", _("Other staff")


class Audience(models.TextChoices):
    """Who will use the solution: the tools differ by who asked (seed 004)."""

    TEACHER = "teacher", _("Teachers")
    PARENT = "parent", _("Parents")
    STUDENT = "student", _("Students")


class Channel(models.TextChoices):
    WEB = "web", _("On the site")
    PAPER = "paper", _("Paper form")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


class Urgency(models.TextChoices):
    LOW = "low", _("Can wait")
    NORMAL = "normal", _("Soon")
    HIGH = "high", _("Urgent")


class DifficultyType(models.TextChoices):
    """Seed 004's four characters of a difficulty; a case may have several."""

    THEORETICAL = "theoretical", _("Theoretical")
    METHODOLOGICAL = "methodological", _("Methodological")
    ORGANIZATIONAL = "organizational", _("Organizational")
    MOTIVATIONAL = "motivational", _("Motivational")


class DifficultyTypeRow(models.Model):
    """One row per difficulty type, so cases can be filtered by type on both databases."""

    code = models.CharField(max_length=32, primary_key=True, choices=DifficultyType.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("difficulty type")

    def __str__(self) -> str:
        return str(DifficultyType(self.code).label) if self.code in DifficultyType.values else self.code


class Topic(models.Model):
    """A topic of difficulty. The shared vocabulary starts with what seed 004 found (`key` set, label
    translated in code); a school may add its own (`school` set, `name` as written)."""

    key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=120)
    school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.CASCADE, related_name="topics")
    groups = models.JSONField(
        default=list, blank=True, help_text="Requester groups the topic was found among (for suggestions)."
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="topic_unique_name_per_school"),
        ]

    def __str__(self) -> str:
        from .vocabulary import topic_label

        return topic_label(self)


class Case(models.Model):
    school = models.ForeignKey("orgs.School", on_delete=models.PROTECT, related_name="cases", verbose_name=_("school"))
    community = models.ForeignKey(
        "communities.Community",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("community"),
    )
    # The story (stage 1): what happened, what was tried, what help is wanted.
    title = models.CharField(_("title"), max_length=200)
    what_happened = models.TextField(_("what happened"), max_length=8000)
    what_tried = models.TextField(_("what was tried"), max_length=4000, blank=True)
    help_wanted = models.TextField(_("what help is wanted"), max_length=4000)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=32, choices=Subject.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    types = models.ManyToManyField(DifficultyTypeRow, blank=True, related_name="cases", verbose_name=_("types"))
    topics = models.ManyToManyField(Topic, blank=True, related_name="cases", verbose_name=_("topics"))
    will_join = models.BooleanField(_("will join the working group"), default=False)
    # Who asked. `requester` is empty only for a paper request of someone without an account; an
    # anonymous requester's identity (`requester`, `requester_name`) is seen by coordinators alone.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    requester_group = models.CharField(_("requester group"), max_length=32, choices=RequesterGroup.choices)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    transcribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where it stands.
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.SUBMITTED)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    session_at = models.DateTimeField(_("session date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    # Planning (reverse planning from `target_date`, critical chain): each stage's due date as
    # {stage: "YYYY-MM-DD"}, and the buffer pooled from the lean stage estimates, in working days.
    due_dates = models.JSONField(_("due dates"), default=dict, blank=True)
    buffer_days = models.PositiveSmallIntegerField(_("buffer (working days)"), default=0)
    board_position = models.PositiveIntegerField(default=0, help_text="Order of the card within its column.")
    decline_reason = models.TextField(_("why it was declined"), max_length=2000, blank=True)
    close_reason = models.TextField(_("why it was closed"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["school", "stage", "created_at"], name="case_queue_idx"),
            models.Index(fields=["community", "stage"], name="case_community_idx"),
            models.Index(fields=["requester", "created_at"], name="case_requester_idx"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.stage in FINAL_STAGES


class MemberRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("Expert")


class CaseMember(models.Model):
    """A place in a case's working group. Parents and students here are full participants."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_memberships")
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Stage 4: the member says they studied the preparation list and come to the session prepared.
    prepared_at = models.DateTimeField(_("prepared"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_member_once")]
        verbose_name = _("working group member")

    def __str__(self) -> str:
        return f"{self.user} · {self.case}"


class Clarification(models.Model):
    """Stage 2: a question to the requester, or their answer. Seed 004: a badly stated problem loses
    the requester, so the difficulty is clarified with them before anyone works on it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clarifications")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    is_question = models.BooleanField(default=True)
    body = models.TextField(_("text"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("clarification")

    def __str__(self) -> str:
        return self.body[:60]


class Feedback(models.Model):
    """Stage 7: does the solution help the person who asked, with the resources they have?"""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="feedback")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    understood = models.BooleanField(_("I understand the solution"))
    has_resources = models.BooleanField(_("I have what it takes to use it"))
    helpful = models.PositiveSmallIntegerField(
        _("how helpful it is (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    can_use = models.BooleanField(_("I can use it"))
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.helpful}/5"


class BoardLimit(models.Model):
    """A work-in-progress limit for one column (stage) of a board: a community's board, or a
    school's coordinator board when `community` is empty."""

    school = models.ForeignKey("orgs.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(
        "communities.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    limit = models.PositiveSmallIntegerField(_("work-in-progress limit"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "community", "stage"], name="board_limit_once"),
            models.CheckConstraint(
                condition=models.Q(school__isnull=False) | models.Q(community__isnull=False),
                name="board_limit_has_board",
            ),
        ]
        verbose_name = _("work-in-progress limit")

    def __str__(self) -> str:
        return f"{self.stage} ≤ {self.limit}"


class RiskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")


class Risk(models.Model):
    """Seed 004: "we determine potential risks and resources" — a risk or a resource of a case, with
    an owner."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Risk")
        RESOURCE = "resource", _("Resource")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risks")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.RISK)
    description = models.CharField(_("description"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("risk or resource")

    def __str__(self) -> str:
        return self.description[:60]


class CaseAttachment(CheckedFile):
    """A file brought with a request (stage 1): the requester's own (a worksheet, a letter, a photo of
    the child's diary page) or the scan of a paper form that a coordinator transcribed. Served only
    through the case's download view, which asks the case's access policy; a paper form's scan may
    show who wrote it, so when the requester stays anonymous it is seen by coordinators alone."""

    class Kind(models.TextChoices):
        ATTACHMENT = "attachment", _("Attachment")
        PAPER_FORM = "paper_form", _("Scanned paper form")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ATTACHMENT)
    file = models.FileField(upload_to="cases/%Y/%m/", max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(CheckedFile.Meta):
        pass


class PreparationItem(models.Model):
    """One entry of a case's preparation list (stage 4, seed 004: teachers study the sources on their
    own so that the session goes to the solution): a source to read or watch, and why it matters.
    The meetings issue hangs the same list on a meeting (a nullable `meeting` beside `case`) and adds
    files and library items; it extends this record rather than replacing it."""

    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="preparation")
    # A community meeting's own reading list (a case session reads its case's list instead).
    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="preparation"
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("link"), max_length=500, blank=True)
    # A library product as the source, shown as a link to whoever may see it.
    product = models.ForeignKey("library.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("why it helps"), max_length=2000, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, meeting__isnull=True)
                | models.Q(case__isnull=True, meeting__isnull=False),
                name="preparation_case_xor_meeting",
            )
        ]
        verbose_name = _("preparation source")
        verbose_name_plural = _("preparation list")

    def __str__(self) -> str:
        return self.title


class SessionNote(models.Model):
    """The notes of one working session on the case (stage 5), in the shape of seed 004's session:
    the requester's story worked through, what others have met before (failures included: any
    experience helps), the options, and what the group will produce. The meetings issue's minutes
    point at these notes (a nullable `meeting`) rather than replacing them."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="session_notes")
    held_at = models.DateTimeField(_("held on"))
    discussed = models.TextField(_("what we understood of the story"), max_length=8000)
    experience = models.TextField(_("what others have met before"), max_length=8000, blank=True)
    options = models.TextField(_("options"), max_length=8000, blank=True)
    will_produce = models.TextField(_("what we will produce"), max_length=4000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_at", "id"]
        verbose_name = _("session notes")
        verbose_name_plural = _("session notes")

    def __str__(self) -> str:
        return f"{self.case_id} · {self.held_at:%Y-%m-%d}"


class Draft(models.Model):
    """One saved version of the solution the group writes for the requester (stage 6). Every save is
    a new row, numbered from 1, so a revision after "cannot use it" stands beside the version it
    corrects; the library issue turns the approved version into a published product."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="drafts")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("solution"), max_length=50000)
    audience = models.CharField(_("written for"), max_length=16, choices=Audience.choices)
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["case", "-version"]
        constraints = [models.UniqueConstraint(fields=["case", "version"], name="case_draft_version_once")]
        verbose_name = _("draft solution")
        verbose_name_plural = _("draft solutions")

    def __str__(self) -> str:
        return f"{self.case_id} v{self.version}"
