from __future__ import annotations

from django import forms

from .kinds import NOTES
from .models import Channel, Kind


class PreferencesForm(forms.Form):
    """One choice of channel per kind of notification."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=Channel.choices, widget=forms.RadioSelect, help_text=NOTES.get(kind, "")
            )
