from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from halqa.accounts.choices import Grade, Subject
from halqa.discussions.forms import MultipleFileField
from halqa.discussions.uploads import ALLOWED_EXTENSIONS, MAX_ATTACHMENTS

from .models import Audience, Channel, DifficultyType, RequesterGroup, Risk, Stage, Topic, Urgency

# Parents and students tell their story in their own words (seed 004: the tools differ by who asks).
WORDING = {
    "teacher": {
        "what_happened": _("What happened? Tell it as a story: the class, the moment, what you saw."),
        "what_tried": _("What have you tried already?"),
        "help_wanted": _("What help would you like?"),
    },
    "family": {
        "what_happened": _("What is happening? Tell it in your own words."),
        "what_tried": _("What have you or the school tried so far?"),
        "help_wanted": _("What would help you?"),
    },
}


class StoryForm(forms.Form):
    title = forms.CharField(label=_("In one line, what is the difficulty?"), max_length=200)
    what_happened = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=8000)
    what_tried = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False)
    help_wanted = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    language = forms.ChoiceField(label=_("Language you write in"), choices=settings.LANGUAGES)
    subject = forms.ChoiceField(label=_("Subject"), choices=[("", "—"), *Subject.choices], required=False)
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", "—"), *Grade.choices], required=False)
    urgency = forms.ChoiceField(label=_("How urgent is it?"), choices=Urgency.choices, initial=Urgency.NORMAL)
    types = forms.MultipleChoiceField(
        label=_("What kind of difficulty is it? (several allowed)"),
        choices=DifficultyType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    audience = forms.ChoiceField(label=_("Who will use the answer?"), choices=Audience.choices)

    def __init__(self, *args, schools=(), family: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"] = forms.ModelChoiceField(
            label=_("School"), queryset=schools, empty_label=None, required=True
        )
        self.order_fields(["school"])
        for name, label in WORDING["family" if family else "teacher"].items():
            self.fields[name].label = label
        self.fields["topics"].queryset = Topic.objects.filter(Q(school__isnull=True) | Q(school__in=schools))


def _files_help() -> str:
    return ngettext("Up to %(count)s file: %(types)s.", "Up to %(count)s files: %(types)s.", MAX_ATTACHMENTS) % {
        "count": MAX_ATTACHMENTS,
        "types": ALLOWED_EXTENSIONS,
    }


def files_field(label) -> MultipleFileField:
    """Several files under one name; services.py checks them as discussions check theirs."""
    return MultipleFileField(label=label, required=False, help_text=lazy(_files_help, str)())


class IntakeForm(StoryForm):
    requester_group = forms.ChoiceField(label=_("I ask as"))
    anonymous = forms.BooleanField(label=_("Keep my name from everyone but the coordinators"), required=False)
    will_join = forms.BooleanField(label=_("I would like to take part in the working group"), required=False)
    files = files_field(_("Attach files (a worksheet, a letter, a photo of a page)"))

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester_group"].choices = [(g, RequesterGroup(g).label) for g in groups]
        if len(groups) == 1:
            self.fields["requester_group"].widget = forms.HiddenInput()
            self.fields["requester_group"].initial = groups[0]


class TranscribeForm(StoryForm):
    channel = forms.ChoiceField(
        label=_("How the request came"), choices=[c for c in Channel.choices if c[0] != Channel.WEB]
    )
    requester_group = forms.ChoiceField(label=_("Who asked"), choices=RequesterGroup.choices)
    requester_name = forms.CharField(label=_("Their name, as written on the form"), max_length=200, required=False)
    anonymous = forms.BooleanField(label=_("The requester stays anonymous"), required=False)
    paper_form = MultipleFileField(  # one file (the widget takes one); checked in services.py
        label=_("The scanned paper form"),
        required=False,
        widget=forms.ClearableFileInput,
        help_text=_(
            "A scan or a photo of the sheet (pdf, png, jpg). If the requester stays anonymous, only the "
            "coordinators see it."
        ),
    )
    files = files_field(_("Other files that came with it"))


class MoveForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"))
    note = forms.CharField(
        label=_("Note (required when declining, returning or closing)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    session_at = forms.DateTimeField(
        label=_("Session date (to schedule it)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    seen_stage = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, Stage(s).label) for s in stages]
        if Stage.SCHEDULED not in stages:
            del self.fields["session_at"]


class FilterForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", _("Any stage")), *Stage.choices], required=False)
    group = forms.ChoiceField(
        label=_("Who asked"), choices=[("", _("Anyone")), *RequesterGroup.choices], required=False
    )
    type = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any kind")), *DifficultyType.choices], required=False)
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


class ClarifyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class TriageForm(forms.Form):
    types = forms.MultipleChoiceField(
        label=_("Kind of difficulty"),
        choices=DifficultyType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )
    community = forms.ModelChoiceField(
        label=_("Community that takes it"), queryset=None, required=False, empty_label=_("None yet")
    )

    def __init__(self, *args, case=None, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(Q(school__isnull=True) | Q(school=case.school_id))
        self.fields["community"].queryset = communities


class FeedbackForm(forms.Form):
    YES_NO = [("yes", _("Yes")), ("no", _("No"))]
    understood = forms.ChoiceField(label=_("Do you understand the solution?"), choices=YES_NO, widget=forms.RadioSelect)
    has_resources = forms.ChoiceField(
        label=_("Do you have what it takes to use it (time, equipment, help)?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    helpful = forms.TypedChoiceField(
        label=_("How helpful is it?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    can_use = forms.ChoiceField(label=_("Can you use it?"), choices=YES_NO, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment (if you cannot use it, say what stops you)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def answers(self) -> dict:
        data = self.cleaned_data
        return {
            "understood": data["understood"] == "yes",
            "has_resources": data["has_resources"] == "yes",
            "helpful": data["helpful"],
            "can_use": data["can_use"] == "yes",
            "comment": data["comment"],
        }


class BoardFilterForm(forms.Form):
    """The kanban board's filters: by kind, topic, who asked, subject and owner (the group's lead)."""

    type = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any kind")), *DifficultyType.choices], required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.none(), required=False, empty_label=_("Any topic")
    )
    group = forms.ChoiceField(
        label=_("Who asked"), choices=[("", _("Anyone")), *RequesterGroup.choices], required=False
    )
    subject = forms.ChoiceField(label=_("Subject"), choices=[("", _("Any subject")), *Subject.choices], required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, schools=(), owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(Q(school__isnull=True) | Q(school__in=schools))
        self.fields["owner"].choices = [("", _("Anyone")), *owners]


class BoardMoveForm(forms.Form):
    """A card's "Move to": the stages the person may move it to, and the board it is moved on."""

    to = forms.ChoiceField(label=_("Move to"))
    seen_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    board = forms.CharField(max_length=40, widget=forms.HiddenInput)
    over_limit_reason = forms.CharField(
        label=_("Why this case should go in although the column is full"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    column = forms.CharField(max_length=16, required=False, widget=forms.HiddenInput)
    # Where in the new column (a drag drops the card between two others): the card it goes before
    # or after. Left out, the column's order keeps it where it was.
    before = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput)
    after = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(s, Stage(s).label) for s in stages]


class BoardPlaceForm(forms.Form):
    """A card's place inside its column: "Move up" (before the card above), "Move down" (after the
    card below), or a drop between two cards."""

    seen_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    board = forms.CharField(max_length=40, widget=forms.HiddenInput)
    before = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput)
    after = forms.IntegerField(min_value=1, max_value=2**63 - 1, required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if (data.get("before") is None) == (data.get("after") is None):
            raise forms.ValidationError(_("Say which card it goes before or after."))
        return data

    def place(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("before", "after") if self.cleaned_data.get(name)}


class BoardLimitsForm(forms.Form):
    """One work-in-progress limit per open stage; empty means no limit."""

    def __init__(self, *args, stages=(), **kwargs):
        super().__init__(*args, **kwargs)
        for stage in stages:
            self.fields[stage] = forms.IntegerField(
                label=Stage(stage).label, min_value=1, max_value=999, required=False
            )

    def limits(self) -> dict:
        return {stage: self.cleaned_data.get(stage) for stage in self.fields}


class PlanForm(forms.Form):
    target_date = forms.DateField(
        label=_("Target date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the requester should have a solution they can use."),
    )


class RiskForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Risk.Kind.choices, initial=Risk.Kind.RISK)
    description = forms.CharField(label=_("Description"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False, empty_label=_("Nobody yet"))

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


# --- The case's records of stages 4–6 -----------------------------------------------------------


class PreparationForm(forms.Form):
    prefix = "source"  # ids of its own beside the page's other forms

    title = forms.CharField(label=_("Source"), max_length=200)
    url = forms.CharField(
        label=_("Link (optional)"),
        max_length=500,
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url"}),
    )
    note = forms.CharField(
        label=_("Why it helps (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SessionNoteForm(forms.Form):
    prefix = "session"  # ids of its own beside the page's other forms

    held_at = forms.DateTimeField(
        label=_("Held on"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    discussed = forms.CharField(
        label=_("What we understood of the story"), max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )
    experience = forms.CharField(
        label=_("What others have met before (failures too)"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    options = forms.CharField(
        label=_("Options"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    will_produce = forms.CharField(
        label=_("What we will produce"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DraftForm(forms.Form):
    prefix = "draft"  # ids of its own beside the page's other forms

    title = forms.CharField(label=_("Title"), max_length=200)
    audience = forms.ChoiceField(label=_("Written for"), choices=Audience.choices)
    body = forms.CharField(label=_("Solution"), max_length=50000, widget=forms.Textarea(attrs={"rows": 12}))
    change_note = forms.CharField(
        label=_("What changed (from the second version on)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )
