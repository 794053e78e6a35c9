from __future__ import annotations

from django import forms

from .kinds import IMMEDIATE_ONLY, NOTES
from .models import IMMEDIATE_OR_OFF, Channel, Kind


class PreferencesForm(forms.Form):
    """One choice of channel per kind of notification."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=channels_for_kind(kind), widget=forms.RadioSelect, help_text=NOTES.get(kind, "")
            )


def channels_for_kind(kind: str) -> list[tuple[str, str]]:
    """The channels a kind may have: all three, or (a reminder) immediately or off."""
    if kind in IMMEDIATE_ONLY:
        return list(IMMEDIATE_OR_OFF)
    return list(Channel.choices)
