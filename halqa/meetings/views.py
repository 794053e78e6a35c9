"""The meeting pages: my meetings, a meeting (agenda, who comes, preparation, attendance, minutes,
action items) with its forms, and the form to schedule or change one. Thin: reading in queries.py,
every write through services.py; plain POST forms that work without JavaScript. A meeting the
viewer may not know exists answers 404."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from halqa.accounts.models import User
from halqa.cases.access import CONTRIBUTE as CASE_CONTRIBUTE
from halqa.cases.access import case_access
from halqa.cases.models import PreparationItem
from halqa.cases.queries import cases_visible_to
from halqa.communities.access import community_access
from halqa.communities.rules import MANAGE_PROGRAM
from halqa.orgs.views import add_form_errors

from . import ics, queries, services
from .access import MANAGE, RESPOND, SIGN_UP, VIEW, meeting_access
from .forms import (
    ActionItemForm,
    AgendaItemForm,
    AttendanceForm,
    CancelForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    RsvpForm,
    SourceForm,
)
from .models import ActionItem, AgendaItem, CalendarFeed, Meeting, Participant

PER_PAGE = 25


def _meeting(request: HttpRequest, pk: int) -> tuple[Meeting, object]:
    return meeting_access.get(request.user, pk, queries.meetings_visible_to(request.user))


def _participants(meeting: Meeting) -> list[Participant]:
    return list(meeting.participants.select_related("user").order_by("created_at", "id"))


def _local_initial(meeting: Meeting) -> dict:
    zone = services.zone(meeting.timezone)
    return {
        "title": meeting.title,
        "format": meeting.format,
        "starts_at": meeting.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends_at": meeting.ends_at.astimezone(zone).replace(tzinfo=None),
        "timezone": meeting.timezone,
        "place": meeting.place,
        "online_url": meeting.online_url,
        "description": meeting.description,
        "announced": meeting.announced,
    }


def _page(request: HttpRequest, meeting: Meeting, can, *, status: int = 200, **forms) -> HttpResponse:
    shown = queries.meeting_page(meeting, request.user, can)
    participants = shown["participants"]
    me = next((p for p in participants if p.user_id == request.user.pk), None)
    begun = meeting.starts_at <= timezone.now() + services.EARLY
    if MANAGE in can and not meeting.is_cancelled:
        forms.setdefault("cancel_form", CancelForm(in_series=meeting.series_id is not None))
        forms.setdefault("agenda_form", AgendaItemForm(participants=participants))
        candidates = queries.invite_candidates(meeting)
        forms.setdefault("invite_form", InviteForm(candidates=candidates))
        if begun:
            present = [str(p.user_id) for p in participants if p.attended]
            forms.setdefault("attendance_form", AttendanceForm(participants=participants, initial={"present": present}))
            minutes = shown["minutes"]
            initial = {}
            if minutes is not None:
                initial = {"notes": minutes.notes, "decisions": minutes.decisions}
                if minutes.session_note is not None:
                    note = minutes.session_note
                    initial.update({name: getattr(note, name) for name in MinutesForm.CASE_FIELDS if name != "advance"})
            forms.setdefault("minutes_form", MinutesForm(case_session=meeting.is_case_session, initial=initial))
            forms.setdefault("action_form", ActionItemForm(participants=participants))
    if RESPOND in can and me is not None:
        forms.setdefault("rsvp_form", RsvpForm(initial={"rsvp": me.rsvp}))
    if services.may_add_source(meeting, can):
        forms.setdefault("source_form", SourceForm())
    for item in shown["preparation"]:
        item.removable = not meeting.case_id and services.may_remove_source(request.user, item, can)
    for item in shown["action_items"]:
        item.may_complete = item.owner_id == request.user.pk or MANAGE in can
    context = {
        "meeting": meeting,
        "can": can,
        "me": me,
        "begun": begun,
        "organiser_zone": services.zone(meeting.timezone),
        **shown,
        **forms,
    }
    return render(request, "meetings/detail.html", context, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting, can = _meeting(request, pk)
    return _page(request, meeting, can)


@login_required
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting as an iCalendar file, for whoever may see it (404 for anyone else)."""

    meeting, _can = _meeting(request, pk)
    body = ics.calendar(
        meeting, host=request.get_host().split(":")[0], url=request.build_absolute_uri(meeting.get_absolute_url())
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def feed_ics(request: HttpRequest, key: str) -> HttpResponse:
    """A person's calendar feed, for the calendar app on their phone: no session, the key in the URL
    is the permission. A wrong or revoked key is a plain 404 that says nothing more."""
    owner = services.feed_owner(key)
    if owner is None:
        raise Http404
    meetings = queries.feed_meetings(owner)
    with translation.override(owner.preferred_language or None):
        name = _("Halqa meetings")
    body = ics.feed(
        meetings,
        host=request.get_host().split(":")[0],
        url_of=lambda meeting: request.build_absolute_uri(meeting.get_absolute_url()),
        name=name,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="halqa-meetings.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


FEED_KEY_SHOWN = "meetings-feed-key"


@login_required
def feed_settings(request: HttpRequest) -> HttpResponse:
    """My calendar feed: make its address (shown once), make a new one (the old stops), or stop it."""
    if request.method == "POST":
        if request.POST.get("action") == "stop":
            if services.stop_feed(actor=request.user, request=request):
                messages.success(request, _("Your calendar feed is stopped: its address no longer works."))
        else:
            key = services.renew_feed(actor=request.user, request=request)
            request.session[FEED_KEY_SHOWN] = key
            messages.success(
                request, _("Your new calendar feed address is below. Any address you had before no longer works.")
            )
        return redirect("meetings:feed")
    key = request.session.pop(FEED_KEY_SHOWN, None)
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = request.build_absolute_uri(reverse("meetings:feed_ics", args=[key])) if key and feed else ""
    return render(request, "meetings/feed.html", {"feed": feed, "url": url})


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """My meetings: upcoming (soonest first) or past (newest first)."""
    past = request.GET.get("when") == "past"
    page = Paginator(queries.my_meetings(request.user, past=past), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "meetings/list.html", {"page": page, "past": past})


# --- Scheduling and changing -----------------------------------------------------------------------


def _form_page(request, context, status=200):
    return render(request, "meetings/form.html", context, status=status)


def _save_new(request: HttpRequest, form: MeetingForm, context: dict, **owner) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(actor=request.user, **owner, **form.service_fields())
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The meeting was scheduled."))
            return redirect(meeting)
    return _form_page(request, {**context, "form": form}, status=400 if request.method == "POST" else 200)


@login_required
def meeting_new_for_community(request: HttpRequest, pk: int) -> HttpResponse:
    from halqa.communities.queries import communities_visible_to

    community, can = community_access.get(request.user, pk, communities_visible_to(request.user))
    can.need(MANAGE_PROGRAM, _("Only the community's facilitators can schedule its meetings."))
    cadence = community.cadence if community.cadence in ("weekly", "biweekly", "monthly") else ""
    form = MeetingForm(request.POST or None, initial={"timezone": request.user.time_zone, "repeat": cadence})
    context = {"title": _("Schedule a meeting"), "back": community, "back_name": community.name}
    return _save_new(request, form, context, community=community)


@login_required
def meeting_new_for_case(request: HttpRequest, pk: int) -> HttpResponse:
    case, can = case_access.get(request.user, pk, cases_visible_to(request.user))
    can.need(CASE_CONTRIBUTE, _("Only the working group and the coordinators schedule a session of this case."))
    form = MeetingForm(
        request.POST or None,
        case_session=True,
        initial={"timezone": request.user.time_zone, "title": case.title},
    )
    context = {"title": _("Schedule a case session"), "back": case, "back_name": case.title, "case": case}
    return _save_new(request, form, context, case=case)


@login_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting, can = _meeting(request, pk)
    can.need(MANAGE)
    form = MeetingForm(
        request.POST or None,
        case_session=meeting.is_case_session,
        new=False,
        in_series=meeting.series_id is not None,
        initial=_local_initial(meeting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(meeting, actor=request.user, **form.service_fields())
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect(meeting)
    context = {"title": _("Change the meeting"), "back": meeting, "back_name": meeting.title, "form": form}
    return _form_page(request, context, status=400 if request.method == "POST" else 200)


# --- The meeting page's forms ------------------------------------------------------------------------


def _post(
    request: HttpRequest,
    pk: int,
    *,
    need: str,
    act: Callable,
    done: str,
    anchor: str = "",
    form_name: str | None = None,
    make_form: Callable | None = None,
) -> HttpResponse:
    """Check `need`, read the form, call the service; on a refusal show the page again with the
    form's errors (400), on success go back to the page's section."""
    meeting, can = _meeting(request, pk)
    can.need(need)
    form = make_form(meeting, request.POST) if make_form else None
    if form is None or form.is_valid():
        try:
            act(meeting, form.cleaned_data if form is not None else {})
        except ValidationError as error:
            if form is None:
                messages.error(request, " ".join(error.messages))
                return redirect(f"{meeting.get_absolute_url()}{anchor}")
            add_form_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(f"{meeting.get_absolute_url()}{anchor}")
    meeting, can = _meeting(request, pk)
    return _page(request, meeting, can, status=400, **{form_name: form})


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=MANAGE,
        form_name="cancel_form",
        make_form=lambda meeting, data: CancelForm(data, in_series=meeting.series_id is not None),
        act=lambda meeting, data: services.cancel_meeting(
            meeting, actor=request.user, reason=data["reason"], scope=data.get("scope") or "this"
        ),
        done=_("The meeting was cancelled; its participants are told."),
    )


@login_required
@require_POST
def meeting_invite(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=MANAGE,
        anchor="#participants",
        form_name="invite_form",
        make_form=lambda meeting, data: InviteForm(data, candidates=queries.invite_candidates(meeting)),
        act=lambda meeting, data: services.invite(meeting, actor=request.user, people=data["people"]),
        done=_("The invitations were sent."),
    )


@login_required
@require_POST
def meeting_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=SIGN_UP,
        anchor="#participants",
        act=lambda meeting, data: services.sign_up(meeting, actor=request.user),
        done=_("You are signed up."),
    )


@login_required
@require_POST
def meeting_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=RESPOND,
        anchor="#participants",
        form_name="rsvp_form",
        make_form=lambda meeting, data: RsvpForm(data),
        act=lambda meeting, data: services.respond(meeting, actor=request.user, rsvp=data["rsvp"]),
        done=_("Your answer was saved."),
    )


@login_required
@require_POST
def meeting_prepared(request: HttpRequest, pk: int) -> HttpResponse:
    prepared = request.POST.get("prepared", "1") != "0"
    return _post(
        request,
        pk,
        need=RESPOND,
        anchor="#preparation",
        act=lambda meeting, data: services.mark_prepared(meeting, actor=request.user, prepared=prepared),
        done=_("You are marked prepared.") if prepared else _("Your prepared mark was taken back."),
    )


@login_required
@require_POST
def meeting_source_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=VIEW,
        anchor="#preparation",
        form_name="source_form",
        make_form=lambda meeting, data: SourceForm(data),
        act=lambda meeting, data: services.add_source(
            meeting, actor=request.user, title=data["title"], url=data["url"], note=data["note"]
        ),
        done=_("The source was added to the reading list."),
    )


@login_required
@require_POST
def meeting_source_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, can = _meeting(request, pk)
    item = get_object_or_404(PreparationItem, meeting=meeting, pk=item_pk)
    services.remove_source(item, actor=request.user)
    messages.success(request, _("The source was removed."))
    return redirect(f"{meeting.get_absolute_url()}#preparation")


@login_required
@require_POST
def meeting_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=MANAGE,
        anchor="#attendance",
        form_name="attendance_form",
        make_form=lambda meeting, data: AttendanceForm(data, participants=_participants(meeting)),
        act=lambda meeting, data: services.take_attendance(meeting, actor=request.user, present=data["present"]),
        done=_("Attendance was saved."),
    )


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        need=MANAGE,
        anchor="#minutes",
        form_name="minutes_form",
        make_form=lambda meeting, data: MinutesForm(data, case_session=meeting.is_case_session),
        act=lambda meeting, data: services.write_minutes(meeting, actor=request.user, **data),
        done=_("The minutes were saved."),
    )


@login_required
@require_POST
def meeting_agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(meeting, data):
        owner = User.objects.filter(pk=data["owner"]).first() if data["owner"] else None
        services.add_agenda_item(meeting, actor=request.user, title=data["title"], owner=owner, minutes=data["minutes"])

    return _post(
        request,
        pk,
        need=MANAGE,
        anchor="#agenda",
        form_name="agenda_form",
        make_form=lambda meeting, data: AgendaItemForm(data, participants=_participants(meeting)),
        act=act,
        done=_("The agenda item was added."),
    )


@login_required
@require_POST
def meeting_agenda_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting, can = _meeting(request, pk)
    can.need(MANAGE)
    item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
    services.remove_agenda_item(item, actor=request.user)
    messages.success(request, _("The agenda item was removed."))
    return redirect(f"{meeting.get_absolute_url()}#agenda")


@login_required
@require_POST
def meeting_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    def act(meeting, data):
        owner = User.objects.filter(pk=data["owner"]).first()
        services.add_action_item(meeting, actor=request.user, text=data["text"], owner=owner, due_on=data["due_on"])

    return _post(
        request,
        pk,
        need=MANAGE,
        anchor="#actions",
        form_name="action_form",
        make_form=lambda meeting, data: ActionItemForm(data, participants=_participants(meeting)),
        act=act,
        done=_("The action item was added."),
    )


@login_required
@require_POST
def action_item_done(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    """Its owner (from the meeting page or the home page) or the organiser marks it done (done=1)
    or open again (done=0)."""
    meeting, _can = _meeting(request, pk)
    item = get_object_or_404(ActionItem.objects.select_related("meeting"), meeting=meeting, pk=item_pk)
    done = request.POST.get("done", "1") != "0"
    services.complete_action_item(item, actor=request.user, done=done)
    messages.success(request, _("The action item is done.") if done else _("The action item is open again."))
    target = request.POST.get("next")
    if target == "home":
        return redirect("home")
    return redirect(f"{meeting.get_absolute_url()}#actions")
