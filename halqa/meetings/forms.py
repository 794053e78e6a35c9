"""The meeting pages' forms. They parse what a browser sends; every rule is the service's (a form
error and a service's `ValidationError` land on the same fields)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .models import Format, Rsvp

LOCAL = "%Y-%m-%dT%H:%M"


class WallClockField(forms.DateTimeField):
    """A date and time as the organiser's clock shows it: kept naive, so the service reads it in the
    meeting's time zone (not in the zone of whoever fills the form)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        value = str(value).strip()
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        if parsed is None:
            for fmt in (LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
                try:
                    parsed = dt.datetime.strptime(value, fmt)
                    break
                except ValueError:
                    continue
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed.replace(tzinfo=None)

    def prepare_value(self, value):
        return value.strftime(LOCAL) if isinstance(value, dt.datetime) else value


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.DISCUSSION_CIRCLE)
    starts_at = WallClockField(label=_("Starts"))
    ends_at = WallClockField(label=_("Ends"))
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("The time zone of the times above, for example Asia/Tehran. Everyone sees them in their own."),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.CharField(label=_("Online link"), max_length=500, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000, required=False
    )
    announced = forms.BooleanField(
        label=_("Announce it to the community, so members can sign up"), required=False, initial=True
    )

    repeat = forms.ChoiceField(
        label=_("Repeat"),
        choices=[
            ("", _("Does not repeat")),
            ("weekly", _("Weekly")),
            ("biweekly", _("Every two weeks")),
            ("monthly", _("Monthly, on the same weekday")),
        ],
        required=False,
    )
    count = forms.IntegerField(label=_("Number of meetings"), min_value=2, max_value=52, initial=6, required=False)
    scope = forms.ChoiceField(
        label=_("Change"),
        choices=[("this", _("This meeting only")), ("following", _("This meeting and the following ones"))],
        initial="this",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, case_session: bool = False, new: bool = True, in_series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if case_session:
            del self.fields["format"]
            self.fields["announced"].label = _("Announce it to everyone who follows the case, so they can sign up")
        if case_session or not new:
            del self.fields["repeat"], self.fields["count"]
        if not in_series:
            del self.fields["scope"]

    def service_fields(self) -> dict:
        """The cleaned fields as the service takes them (a repetition becomes an RFC 5545 rule)."""
        data = dict(self.cleaned_data)
        repeat, count = data.pop("repeat", ""), data.pop("count", None)
        if repeat:
            from .recurrence import rule_for

            data["rrule"] = rule_for(repeat, data["starts_at"], count or 6) if data.get("starts_at") else ""
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is cancelled"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )
    scope = forms.ChoiceField(
        label=_("Cancel"),
        choices=[("this", _("This meeting only")), ("following", _("This meeting and the following ones"))],
        initial="this",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, in_series: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not in_series:
            del self.fields["scope"]


class InviteForm(forms.Form):
    people = forms.ModelMultipleChoiceField(
        label=_("Whom to invite"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = candidates


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(
        label=_("Will you come?"),
        choices=[(Rsvp.YES, Rsvp.YES.label), (Rsvp.MAYBE, Rsvp.MAYBE.label), (Rsvp.NO, Rsvp.NO.label)],
        widget=forms.RadioSelect,
    )


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Who came"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(str(p.user_id), p.user.display_name) for p in participants]


class MinutesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000, required=False
    )
    decisions = forms.CharField(
        label=_("Decisions"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000, required=False
    )
    # A case session's template (seed 004): stored as the case's session notes.
    discussed = forms.CharField(
        label=_("What we understood of the story: what happened, what was tried"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=8000,
    )
    experience = forms.CharField(
        label=_("What others have met before (failures too)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=8000,
        required=False,
    )
    options = forms.CharField(
        label=_("Options"), widget=forms.Textarea(attrs={"rows": 3}), max_length=8000, required=False
    )
    will_produce = forms.CharField(
        label=_("What we will produce"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False
    )

    advance = forms.BooleanField(
        label=_("The session is over: move the case on to “Drafting the solution”"), required=False
    )

    CASE_FIELDS = ("discussed", "experience", "options", "will_produce", "advance")

    def __init__(self, *args, case_session: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not case_session:
            for name in self.CASE_FIELDS:
                del self.fields[name]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=200)
    owner = forms.TypedChoiceField(label=_("Who leads it"), choices=(), coerce=int, required=False, empty_value=None)
    minutes = forms.IntegerField(label=_("How long (minutes)"), min_value=1, max_value=600, initial=15)

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—")] + [(p.user_id, p.user.display_name) for p in participants]


class SourceForm(forms.Form):
    """A source on a community meeting's reading list (the service checks the link and lengths)."""

    title = forms.CharField(label=_("Source"), max_length=200)
    url = forms.CharField(label=_("Link (optional)"), max_length=500, required=False)
    note = forms.CharField(
        label=_("Why it helps (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionItemForm(forms.Form):
    text = forms.CharField(label=_("What is to be done"), max_length=500)
    owner = forms.TypedChoiceField(label=_("Who does it"), choices=(), coerce=int)
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(p.user_id, p.user.display_name) for p in participants]
