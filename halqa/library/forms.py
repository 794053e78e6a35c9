from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from halqa.accounts.choices import Grade, Subject
from halqa.cases.models import Audience, Topic
from halqa.communities.models import Community
from halqa.discussions.forms import MultipleFileField
from halqa.orgs.models import School

from .models import Decision, Kind, Licence

ANY = ("", "—")
SCORES = [(n, str(n)) for n in range(1, 6)]


class ProductForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=Kind.choices)
    audience = forms.ChoiceField(label=_("Who it is for"), choices=Audience.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False
    )
    body = forms.CharField(
        label=_("Text"),
        help_text=_("Markdown: # headings, - lists, | tables |, [links](https://…)."),
        widget=forms.Textarea(attrs={"rows": 16, "dir": "auto"}),
        max_length=100_000,
        required=False,
    )
    what_failed = forms.CharField(
        label=_("What did not work"),
        help_text=_("Any experience helps, the negative included."),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
        max_length=10_000,
        required=False,
    )
    link = forms.URLField(label=_("Recording link (webinars)"), max_length=500, required=False, assume_scheme="https")
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    subjects = forms.MultipleChoiceField(label=_("Subjects"), choices=Subject.choices, required=False)
    grades = forms.MultipleChoiceField(label=_("Grades"), choices=Grade.choices, required=False)
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"), queryset=Topic.objects.filter(school__isnull=True), required=False
    )
    licence = forms.ChoiceField(label=_("Licence"), choices=Licence.choices, initial=Licence.CC_BY)
    note = forms.CharField(label=_("What changed"), max_length=500, required=False)


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[ANY, *Kind.choices], required=False)
    audience = forms.ChoiceField(label=_("Who it is for"), choices=[ANY, *Audience.choices], required=False)
    subject = forms.ChoiceField(label=_("Subject"), choices=[ANY, *Subject.choices], required=False)
    grade = forms.ChoiceField(label=_("Grade"), choices=[ANY, *Grade.choices], required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[ANY, *settings.LANGUAGES], required=False)
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=Topic.objects.filter(school__isnull=True), required=False, empty_label="—"
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.filter(products__isnull=False).distinct(),
        required=False,
        empty_label="—",
    )
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=School.objects.filter(products__isnull=False).distinct(),
        required=False,
        empty_label="—",
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        choices=[("new", _("Newest")), ("helpful", _("Most helpful")), ("used", _("Most used"))],
        required=False,
    )


class AssignForm(forms.Form):
    reviewer = forms.IntegerField(label=_("Reviewer"), widget=forms.Select)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].widget.choices = [("", "—"), *[(p.pk, p.display_name or str(p)) for p in candidates]]


class ReviewForm(forms.Form):
    """A score (1–5) per criterion of the product's rubric, named by the criterion's key."""

    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )

    def __init__(self, *args, criteria=(), **kwargs):
        from .rubrics import label

        super().__init__(*args, **kwargs)
        scores = {
            c.key: forms.TypedChoiceField(
                label=label(c.key, c.label, c.labels), help_text=c.description, choices=SCORES, coerce=int
            )
            for c in criteria
        }
        self.fields = {**scores, **self.fields}


class CoAuthorForm(forms.Form):
    user = forms.IntegerField(label=_("Co-author"), widget=forms.Select)
    contribution = forms.CharField(label=_("Their contribution"), max_length=300, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].widget.choices = [("", "—"), *[(p.pk, p.display_name or str(p)) for p in candidates]]


class RetractForm(forms.Form):
    reason = forms.CharField(label=_("Why is it retracted?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RateForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Did this help?"), choices=SCORES, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    due = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    owner = forms.IntegerField(label=_("Owner"), widget=forms.Select, required=False)

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].widget.choices = [("", "—"), *[(p.pk, p.display_name or str(p)) for p in owners]]


class StepMoveForm(forms.Form):
    position = forms.IntegerField(label=_("Place in the plan"), min_value=1, max_value=1000)


class CommentForm(forms.Form):
    quote = forms.CharField(
        label=_("Passage (optional)"),
        help_text=_("Copy the words you comment on from the text, exactly as they stand."),
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        max_length=2000,
        required=False,
    )
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}), max_length=4000)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}), max_length=4000)


class CriterionForm(forms.Form):
    label = forms.CharField(label=_("Criterion"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000, required=False
    )
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=10, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Label in %(language)s") % {"language": name}, max_length=200, required=False
            )

    def labels(self) -> dict:
        return {code: self.cleaned_data.get(f"label_{code}", "") for code, _name in settings.LANGUAGES}


class CriterionMoveForm(forms.Form):
    position = forms.IntegerField(label=_("Place in the rubric"), min_value=1, max_value=100)


def _files_help() -> str:
    from halqa.discussions.uploads import ALLOWED_EXTENSIONS, max_bytes

    from .services import max_attachments

    count = max_attachments()
    return ngettext(
        "Up to %(count)s file of at most %(size)s: %(types)s.",
        "Up to %(count)s files of at most %(size)s each: %(types)s.",
        count,
    ) % {
        "count": count,
        "size": filesizeformat(max_bytes()),
        "types": ALLOWED_EXTENSIONS,
    }


class AttachForm(forms.Form):
    files = MultipleFileField(label=_("Add files"), required=False, help_text=lazy(_files_help, str)())
