from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Verb
from .queries import communities_for_audit, schools_for_audit


class AuditFilterForm(forms.Form):
    verb = forms.ChoiceField(label=_("What happened"), required=False, choices=[("", _("Anything")), *Verb.choices])
    actor = forms.CharField(label=_("Who (name or email address)"), required=False, max_length=200)
    community = forms.ModelChoiceField(
        label=_("Community"), required=False, queryset=None, empty_label=_("Any community")
    )
    school = forms.ModelChoiceField(label=_("School"), required=False, queryset=None, empty_label=_("Any school"))
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities_for_audit(viewer)
        self.fields["school"].queryset = schools_for_audit(viewer)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError({"until": _("The end of the period cannot be before its start.")})
        return data
