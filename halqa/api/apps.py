from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "halqa.api"
    verbose_name = _("API")

    def ready(self):
        text_is_text()


def text_is_text() -> None:
    """A JSON number is not text. DRF's CharField (and its Email, URL, Slug and Regex fields) turns
    42 into "42"; the schema says `string`, so the API refuses it as any other wrong type, with DRF's
    own translated "Not a valid string.". (Form and query values always arrive as text.)"""
    from rest_framework import serializers

    accept = serializers.CharField.to_internal_value
    if getattr(accept, "text_only", False):
        return

    def to_internal_value(self, data):
        if isinstance(data, (int, float)):  # bool is an int too; DRF refuses it already
            self.fail("invalid")
        return accept(self, data)

    to_internal_value.text_only = True
    serializers.CharField.to_internal_value = to_internal_value
