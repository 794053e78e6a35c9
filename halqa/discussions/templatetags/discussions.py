"""`{% discussion host %}`: the host's thread and post form, for the person looking at the page.

    {% load discussions %}
    {% discussion community %}

Renders nothing for someone the host's policy does not let read it. The thread is created the
first time it is shown. The number of queries does not depend on how many posts, replies,
attachments or mentions there are (see queries.thread_page).
"""

from django import template

from halqa.discussions.forms import PostForm
from halqa.discussions.queries import PAGE_PARAMETER, discussion_for_host, thread_page

register = template.Library()


@register.inclusion_tag("discussions/discussion.html", takes_context=True)
def discussion(context, host):
    request = context.get("request")
    user = getattr(request, "user", None)
    found = discussion_for_host(host, user) if user is not None else None
    if found is None:
        return {"discussion": None}
    return {**thread_page(found, request.GET.get(PAGE_PARAMETER)), "form": PostForm(), "request": request}
