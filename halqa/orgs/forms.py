from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Holiday, Network, Position, School


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["name", "city", "stage", "description", "website", "weekend"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"weekend": _("The school's days off each week: case plans count working days only.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["weekend"].required = False  # left out: unchanged

    def clean_weekend(self) -> str:
        return self.cleaned_data.get("weekend") or self.instance.weekend


class NetworkForm(forms.ModelForm):
    class Meta:
        model = Network
        fields = ["name", "description", "schools"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "schools": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.filter(authority=self.instance.authority_id)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices, initial=Position.TEACHER)
    message = forms.CharField(
        label=_("Personal message (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ["name", "starts", "ends"]
        widgets = {"starts": forms.DateInput(attrs={"type": "date"}), "ends": forms.DateInput(attrs={"type": "date"})}
