from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Activity, CharterRevision, Community, Decision, Goal, Role
from .queries import responsible_candidates


class DateInput(forms.DateInput):
    input_type = "date"


class CommunityForm(forms.ModelForm):
    home = forms.ChoiceField(label=_("Where the community lives"))

    class Meta:
        model = Community
        fields = ["name", "topic", "format", "visibility", "cadence", "cadence_note"]

    def __init__(self, *args, schools=(), networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"school:{s.pk}", s.name) for s in schools]
        choices += [(f"network:{n.pk}", _("%(network)s (network-wide)") % {"network": n.name}) for n in networks]
        self.fields["home"].choices = choices
        self._homes = {f"school:{s.pk}": ("school", s) for s in schools} | {
            f"network:{n.pk}": ("network", n) for n in networks
        }
        if self.instance.pk:
            del self.fields["home"]

    def home_kwargs(self) -> dict:
        kind, obj = self._homes[self.cleaned_data["home"]]
        return {kind: obj}


class CharterForm(forms.ModelForm):
    class Meta:
        model = CharterRevision
        fields = ["mission", "vision", "values", "norms", "note"]
        widgets = {
            "mission": forms.Textarea(attrs={"rows": 3}),
            "vision": forms.Textarea(attrs={"rows": 3}),
            "values": forms.Textarea(attrs={"rows": 3}),
            "norms": forms.Textarea(attrs={"rows": 5}),
        }


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["title", "target", "measure", "due_date"]
        widgets = {"due_date": DateInput()}


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("What happened"), max_length=500, required=False)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = ["title", "format", "starts_on", "ends_on", "responsible", "status", "notes"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = responsible_candidates(community)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address of the person"),
        max_length=254,
        help_text=_("Find colleagues in the people directory; they must already use Halqa."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    message = forms.CharField(label=_("Message (optional)"), max_length=500, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinForm(forms.Form):
    message = forms.CharField(label=_("Why you want to join (optional)"), max_length=500, required=False)


class AnswerForm(forms.Form):
    accept = forms.BooleanField(required=False)
    activity = forms.CharField(label=_("What I take on (optional)"), max_length=300, required=False)


class MyPartForm(forms.Form):
    role = forms.ChoiceField(
        label=_("My role"), choices=[(r, label) for r, label in Role.choices if r in ("member", "expert", "observer")]
    )
    activity = forms.CharField(label=_("What I take on"), max_length=300, required=False)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["number", "topic", "goals_text", "period_start", "period_end"]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "goals_text": forms.Textarea(attrs={"rows": 4}),
        }


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=20, help_text=_("e.g. ABCD-EFGH-JKLM"))
