"""Template helpers shared by every page."""

from django import template
from django.utils.html import format_html

from halqa.accounts.choices import Calendar
from halqa.core.calendars import format_date

register = template.Library()


@register.simple_tag(takes_context=True)
def when(context, value, with_time: bool = False):
    """A <time> element showing `value` in the reader's time zone and calendar."""
    if value is None:
        return ""
    user = getattr(context.get("request"), "user", None)
    calendar = getattr(user, "calendar", Calendar.GREGORIAN) if user and user.is_authenticated else Calendar.GREGORIAN
    tz_name = getattr(user, "time_zone", None) if user and user.is_authenticated else None
    text = format_date(value, calendar=calendar, tz_name=tz_name, with_time=with_time)
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (pagination keeps filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
