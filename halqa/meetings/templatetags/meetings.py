"""Meeting sections other pages show: a community's upcoming meetings (with sign-up), a case's
sessions, and my open action items on the home page. Each reads from the meeting policy's visible
set in a fixed number of queries."""

from __future__ import annotations

from django import template

from halqa.cases.access import CONTRIBUTE as CASE_CONTRIBUTE
from halqa.communities.rules import MANAGE_PROGRAM

from .. import queries, services
from ..access import SIGN_UP, meeting_access

register = template.Library()


@register.inclusion_tag("meetings/_community.html", takes_context=True)
def community_meetings(context, community, can):
    user = context["request"].user
    meetings = queries.upcoming_for_community(user, community)
    for meeting in meetings:
        meeting.may_sign_up = SIGN_UP in meeting_access.allowed(user, meeting)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "community": community,
        "meetings": meetings,
        "may_schedule": MANAGE_PROGRAM in can,
    }


@register.inclusion_tag("meetings/_case.html", takes_context=True)
def case_meetings(context, case, can):
    user = context["request"].user
    meetings = queries.upcoming_for_case(user, case)
    for meeting in meetings:
        meeting.may_sign_up = SIGN_UP in meeting_access.allowed(user, meeting)
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "case": case,
        "meetings": meetings,
        "may_schedule": CASE_CONTRIBUTE in can and case.stage in services.CASE_MEETS_FROM,
    }


@register.inclusion_tag("meetings/_my_actions.html", takes_context=True)
def my_action_items(context):
    user = context["request"].user
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "items": queries.open_action_items(user),
    }


@register.simple_tag
def organiser_time(meeting) -> str:
    """The meeting's start and end on the organiser's clock, with the zone's name."""
    zone = services.zone(meeting.timezone)
    starts, ends = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    return f"{starts:%H:%M}–{ends:%H:%M} {meeting.timezone}"
