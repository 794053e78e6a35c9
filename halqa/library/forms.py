from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from halqa.accounts.choices import Grade, Subject
from halqa.cases.models import Audience, Topic
from halqa.communities.models import Community
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
    accuracy = forms.TypedChoiceField(label=_("Accuracy"), choices=SCORES, coerce=int)
    practicality = forms.TypedChoiceField(
        label=_("Practicality with the requester's resources"), choices=SCORES, coerce=int
    )
    clarity = forms.TypedChoiceField(label=_("Clarity"), choices=SCORES, coerce=int)
    standards = forms.TypedChoiceField(label=_("Fit with standards"), choices=SCORES, coerce=int)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000, required=False
    )


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
