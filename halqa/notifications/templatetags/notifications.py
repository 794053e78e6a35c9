"""The bell in the header: how many unread notifications the signed-in person has (one COUNT)."""

from django import template

from halqa.notifications.queries import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    request = context.get("request")
    return unread_count(getattr(request, "user", None))
