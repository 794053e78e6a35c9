from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import Calendar, Grade, Subject, time_zone_choices
from .models import TokenLifetime, User
from .services import MAX_EXPERTISE_TAGS, MAX_TAG_LENGTH, clean_expertise


class SignupExtraForm(forms.Form):
    """Fields Halqa adds to allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Your name as colleagues will see it"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user):
        """allauth calls this after creating the user; the adapter already set the name."""


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences about your work, up to 1000 characters."),
    )
    subjects = forms.MultipleChoiceField(
        label=_("Subjects"), choices=Subject.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    grades = forms.MultipleChoiceField(
        label=_("Grades"), choices=Grade.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    years_experience = forms.IntegerField(
        label=_("Years of teaching experience"), min_value=0, max_value=60, required=False
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        # room for the longest list clean_expertise accepts, with ", " between topics
        max_length=MAX_EXPERTISE_TAGS * (MAX_TAG_LENGTH + 2),
        required=False,
        help_text=_("Separate topics with commas, e.g. formative assessment, lesson study."),
    )
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    calendar = forms.ChoiceField(label=_("Calendar for dates"), choices=Calendar.choices)

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "display_name": user.display_name,
                "bio": user.bio,
                "subjects": [s.code for s in user.subjects.all()],
                "grades": [g.code for g in user.grades.all()],
                "years_experience": user.years_experience,
                "expertise": ", ".join(t.name for t in user.expertise.all()),
                "preferred_language": user.preferred_language,
                "time_zone": user.time_zone,
                "calendar": user.calendar,
            }
        super().__init__(*args, **kwargs)

    def clean_display_name(self):
        name = " ".join(self.cleaned_data["display_name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter a name."))
        return name

    def clean_expertise(self):
        return clean_expertise(self.cleaned_data["expertise"])


class ApiTokenForm(forms.Form):
    """A new API token: what it is for, how long it works, and whether it may change anything."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What will use this token, for example “Gradebook sync”."),
    )
    lifetime = forms.ChoiceField(label=_("Expires after"), choices=TokenLifetime.choices, initial=TokenLifetime.DAYS_90)
    read_only = forms.BooleanField(
        label=_("Read-only"),
        required=False,
        help_text=_("The token can read what you can see, but cannot change anything."),
    )
