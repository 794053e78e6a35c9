from __future__ import annotations

from django import forms

from .kinds import IMMEDIATE_ONLY, NOTES
from .models import Channel, Kind


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
        return [(value, label) for value, label in Channel.choices if value != Channel.DIGEST]
    return list(Channel.choices)
