"""The post form: parses what the browser sends; the rules themselves live in services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_BODY_LENGTH
from .uploads import ALLOWED_EXTENSIONS, MAX_ATTACHMENTS

MAX_ID = 2**63 - 1


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked by uploads.check_files in the service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [file for file in data if file]
        return [data] if data else []


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,  # services.clean_body says what is wrong, in one place
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_BODY_LENGTH}),
    )
    parent = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    files = MultipleFileField(label=_("Attach files"), required=False)

    extensions = ALLOWED_EXTENSIONS
    max_files = MAX_ATTACHMENTS


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": MAX_BODY_LENGTH}),
    )


def add_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form's fields (or on the form as a whole)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            shown = field in form.fields and not form.fields[field].widget.is_hidden
            form.add_error(field if shown else None, messages)
    else:
        form.add_error(None, error.messages)
