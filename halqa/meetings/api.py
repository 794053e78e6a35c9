"""The REST side of meetings: the same access policy, queries and services as the pages.

A meeting the caller may not know exists answers 404; an action they may not take 403 with the
reason; bad input 400 with the service's sentence per field. Times come back in UTC with the
organiser's time-zone name; `starts_at` and `ends_at` sent without an offset are read on the
organiser's clock (in `timezone`), with an offset as that moment.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from halqa.cases.models import PreparationItem

from . import queries, services
from .access import MANAGE, meeting_access
from .models import ActionItem, AgendaItem, Format, Meeting, Rsvp


class WallClockField(serializers.DateTimeField):
    """A date and time; without an offset it is kept as the organiser's wall-clock time."""

    def enforce_timezone(self, value):
        return value


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting as a list shows it."""

    community = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()
    organiser = serializers.SerializerMethodField()
    coming = serializers.IntegerField(read_only=True, help_text="How many said yes.")
    mine = serializers.BooleanField(read_only=True, help_text="Whether the caller takes part.")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "format",
            "status",
            "starts_at",
            "ends_at",
            "timezone",
            "place",
            "online_url",
            "announced",
            "community",
            "case",
            "organiser",
            "coming",
            "mine",
            "sequence",
            "series",
            "recurrence_id",
        ]
        read_only_fields = fields

    def get_community(self, meeting) -> dict | None:
        """{"id", "name"} of the community, null for a case session."""
        return {"id": meeting.community_id, "name": meeting.community.name} if meeting.community_id else None

    def get_case(self, meeting) -> dict | None:
        """{"id", "name"} (the case's title) for a case session, else null."""
        return {"id": meeting.case_id, "name": meeting.case.title} if meeting.case_id else None

    def get_organiser(self, meeting) -> str | None:
        return meeting.organiser.display_name if meeting.organiser_id else None


class MeetingAgendaItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    owner = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="Who leads it (a person's id), if anyone."
    )
    owner_name = serializers.CharField(read_only=True, allow_blank=True)
    minutes = serializers.IntegerField(min_value=1, max_value=600, default=15)

    def to_representation(self, item):
        return {
            "id": item.pk,
            "title": item.title,
            "owner": item.owner_id,
            "owner_name": getattr(item, "owner_name", ""),
            "minutes": item.minutes,
        }


class MeetingParticipantSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="user_id", help_text="Null when the caller may not know who.")
    display_name = serializers.CharField(source="name", help_text="Empty when the caller may not know who.")
    rsvp = serializers.ChoiceField(choices=Rsvp.choices)
    invited = serializers.BooleanField()
    prepared_at = serializers.DateTimeField(allow_null=True)
    attended = serializers.BooleanField(allow_null=True)

    def to_representation(self, place):
        return {
            "person": place.user_id if place.name else None,
            "display_name": place.name,
            "rsvp": place.rsvp,
            "invited": place.invited_by_id is not None,
            "prepared_at": serializers.DateTimeField().to_representation(place.prepared_at)
            if place.prepared_at
            else None,
            "attended": place.attended,
        }


class MeetingMinutesSerializer(serializers.Serializer):
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True, default="")
    decisions = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    discussed = serializers.CharField(
        max_length=8000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Case session: what we understood of the story (required there). Stored as the case's session notes.",
    )
    experience = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    options = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    will_produce = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    advance = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Case session: move the case on to drafting the solution, through its transitions.",
    )
    session_note = serializers.IntegerField(read_only=True, allow_null=True, help_text="The case's session notes.")
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, minutes):
        note = minutes.session_note
        return {
            "notes": minutes.notes,
            "decisions": minutes.decisions,
            "discussed": note.discussed if note else "",
            "experience": note.experience if note else "",
            "options": note.options if note else "",
            "will_produce": note.will_produce if note else "",
            "session_note": note.pk if note else None,
            "updated_at": serializers.DateTimeField().to_representation(minutes.updated_at),
        }


class MeetingActionItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=500)
    owner = serializers.IntegerField(help_text="A participant's id.")
    owner_name = serializers.CharField(read_only=True, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, item):
        return {
            "id": item.pk,
            "text": item.text,
            "owner": item.owner_id,
            "owner_name": getattr(item, "owner_name", ""),
            "due_on": item.due_on.isoformat() if item.due_on else None,
            "done_at": serializers.DateTimeField().to_representation(item.done_at) if item.done_at else None,
        }


class MeetingSourceSerializer(serializers.Serializer):
    """A source on a meeting's preparation list (a case session lists its case's sources)."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="A library item's title when empty."
    )
    url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    product = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A library item's id (shown to who may see it)."
    )
    added_by_name = serializers.CharField(read_only=True, allow_blank=True)
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, item):
        return {
            "id": item.pk,
            "title": item.title,
            "url": item.url,
            "note": item.note,
            "product": item.product_id if getattr(item, "product_url", "") else None,
            "added_by_name": getattr(item, "added_by_name", ""),
            "created_at": serializers.DateTimeField().to_representation(item.created_at),
        }


class MeetingDetailSerializer(MeetingSerializer):
    description = serializers.CharField(read_only=True)
    agenda = MeetingAgendaItemSerializer(many=True, read_only=True)
    participants = MeetingParticipantSerializer(many=True, read_only=True)
    minutes = MeetingMinutesSerializer(read_only=True, allow_null=True)
    action_items = MeetingActionItemSerializer(many=True, read_only=True)
    can = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="What the caller may do.")

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "description",
            "agenda",
            "participants",
            "minutes",
            "action_items",
            "can",
        ]
        read_only_fields = fields


class MeetingWriteSerializer(serializers.Serializer):
    """A meeting to schedule: of a community (`community`) or a case session (`case`), one of the two."""

    community = serializers.IntegerField(required=False, allow_null=True, default=None)
    case = serializers.IntegerField(required=False, allow_null=True, default=None)
    title = serializers.CharField(max_length=200)
    format = serializers.ChoiceField(
        choices=Format.choices, required=False, help_text="A case session's is case_session."
    )
    starts_at = WallClockField(help_text="Without an offset: on the organiser's clock in `timezone`.")
    ends_at = WallClockField()
    timezone = serializers.CharField(max_length=64, help_text="An IANA time-zone name, e.g. Asia/Tehran.")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    online_url = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    announced = serializers.BooleanField(required=False, default=True)
    agenda = MeetingAgendaItemSerializer(many=True, required=False)
    rrule = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="A community's series: an RFC 5545 rule with an end, e.g. FREQ=WEEKLY;INTERVAL=2;COUNT=6 "
        "(at most 52 meetings, all within two years).",
    )


class MeetingUpdateSerializer(serializers.Serializer):
    """What to change; fields left out stay. `agenda`, when given, replaces the agenda."""

    title = serializers.CharField(max_length=200, required=False)
    format = serializers.ChoiceField(choices=Format.choices, required=False)
    starts_at = WallClockField(required=False)
    ends_at = WallClockField(required=False)
    timezone = serializers.CharField(max_length=64, required=False)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    online_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    announced = serializers.BooleanField(required=False)
    agenda = MeetingAgendaItemSerializer(many=True, required=False)
    scope = serializers.ChoiceField(
        choices=["this", "following"],
        required=False,
        default="this",
        help_text="In a series: this meeting only, or this one and the following ones.",
    )


class MeetingFilterSerializer(serializers.Serializer):
    when = serializers.ChoiceField(
        choices=["upcoming", "past", "all"], required=False, default="all", help_text="By the meeting's end."
    )
    community = serializers.IntegerField(required=False, min_value=1)
    case = serializers.IntegerField(required=False, min_value=1)
    mine = serializers.BooleanField(required=False, default=False, help_text="Only those I take part in.")


class MeetingCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    scope = serializers.ChoiceField(choices=["this", "following"], required=False, default="this")


class MeetingRsvpSerializer(serializers.Serializer):
    rsvp = serializers.ChoiceField(choices=[Rsvp.YES, Rsvp.NO, Rsvp.MAYBE])


class MeetingInviteSerializer(serializers.Serializer):
    people = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=services.MAX_INVITES)


class MeetingAttendanceSerializer(serializers.Serializer):
    present = serializers.ListField(
        child=serializers.IntegerField(), max_length=5000, help_text="Ids of the participants who came."
    )


NOT_FOUND = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description="The community or case does not exist or may not be known to the caller.",
)


class MeetingFeedSerializer(serializers.Serializer):
    """The caller's calendar feed: whether they have one and since when; `url` only in the answer
    that made it (the key is kept hashed and never shown again)."""

    active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True, allow_null=True)
    url = serializers.URLField(read_only=True, allow_null=True)


def _people(ids) -> dict:
    from halqa.accounts.models import User

    return {user.pk: user for user in User.objects.filter(pk__in=sorted(set(ids)))}


@extend_schema(tags=["meetings"])
@extend_schema_view(
    list=extend_schema(parameters=[MeetingFilterSerializer], summary="Meetings you may see"),
    retrieve=extend_schema(responses=MeetingDetailSerializer),
    create=extend_schema(
        request=MeetingWriteSerializer,
        responses={201: MeetingDetailSerializer, 404: NOT_FOUND},
        summary="Schedule a meeting",
    ),
    partial_update=extend_schema(
        request=MeetingUpdateSerializer, responses=MeetingDetailSerializer, summary="Change a meeting"
    ),
)
class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings of communities and case sessions: agenda, RSVP, attendance, minutes, action items."""

    serializer_class = MeetingSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        meetings = queries.meetings_visible_to(user)
        if self.action != "list":
            return meetings
        # A plain dict: an empty `?case=` is refused as not a number, not read as "no filter".
        filters = MeetingFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        now = timezone.now()
        if data.get("community"):
            meetings = meetings.filter(community_id=data["community"])
        if data.get("case"):
            meetings = meetings.filter(case_id=data["case"])
        if data.get("mine"):
            from .models import Participant

            meetings = meetings.filter(pk__in=Participant.objects.filter(user=user).values("meeting_id"))
        if data["when"] == "upcoming":
            meetings = meetings.filter(ends_at__gte=now).order_by("starts_at", "id")
        elif data["when"] == "past":
            meetings = meetings.filter(ends_at__lt=now).order_by("-starts_at", "-id")
        else:
            meetings = meetings.order_by("starts_at", "id")
        return queries._with_counts(meetings, user)

    def _meeting(self) -> tuple[Meeting, object]:
        return meeting_access.get(self.request.user, self.kwargs["pk"], queries.meetings_visible_to(self.request.user))

    def _detail(self, meeting_pk: int, status_code: int = 200) -> Response:
        user = self.request.user
        meeting = queries._with_counts(queries.meetings_visible_to(user), user).get(pk=meeting_pk)
        can = meeting_access.allowed(user, meeting)
        shown = queries.meeting_page(meeting, user, can)
        body = MeetingSerializer(meeting, context=self.get_serializer_context()).data
        body.update(
            description=meeting.description,
            agenda=MeetingAgendaItemSerializer(shown["agenda"], many=True).data,
            participants=MeetingParticipantSerializer(shown["participants"], many=True).data,
            minutes=MeetingMinutesSerializer(shown["minutes"]).data if shown["minutes"] else None,
            action_items=MeetingActionItemSerializer(shown["action_items"], many=True).data,
            can=list(can),
        )
        return Response(body, status=status_code)

    def _act(self, service, serializer_class=None, **fields) -> Response:
        """One action on the meeting: the body checked by `serializer_class` (when there is one), the
        service called with it as the request's person, the meeting's detail answered."""
        meeting, _can = self._meeting()
        if serializer_class is not None:
            data = serializer_class(data=self.request.data)
            data.is_valid(raise_exception=True)
            fields = {**data.validated_data, **fields}
        service(meeting, actor=self.request.user, **fields)
        return self._detail(meeting.pk)

    def retrieve(self, request, pk=None):
        meeting, _can = self._meeting()
        return self._detail(meeting.pk)

    def create(self, request):
        data = MeetingWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        community_pk, case_pk = fields.pop("community"), fields.pop("case")
        if (community_pk is None) == (case_pk is None):
            raise exceptions.ValidationError({"community": [_("Give a community or a case, one of the two.")]})
        owner = {}
        if community_pk is not None:
            from halqa.communities.access import community_access

            owner["community"], _allowed = community_access.get(request.user, community_pk)
        else:
            from halqa.cases.access import case_access

            owner["case"], _allowed = case_access.get(request.user, case_pk)
        agenda = fields.pop("agenda", [])
        people = _people(item["owner"] for item in agenda if item.get("owner"))
        agenda = [{**item, "owner": people.get(item.get("owner"))} for item in agenda]
        meeting = services.create_meeting(actor=request.user, agenda=agenda, **owner, **fields)
        return self._detail(meeting.pk, status_code=201)

    def partial_update(self, request, pk=None):
        meeting, _can = self._meeting()
        data = MeetingUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agenda = fields.pop("agenda", None)
        if agenda is not None:
            people = _people(item["owner"] for item in agenda if item.get("owner"))
            agenda = [{**item, "owner": people.get(item.get("owner"))} for item in agenda]
        services.update_meeting(meeting, actor=request.user, agenda=agenda, **fields)
        return self._detail(meeting.pk)

    @extend_schema(request=MeetingCancelSerializer, responses=MeetingDetailSerializer, summary="Cancel the meeting")
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(services.cancel_meeting, MeetingCancelSerializer)

    @extend_schema(request=MeetingInviteSerializer, responses=MeetingDetailSerializer, summary="Invite people")
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        meeting, can = self._meeting()
        can.need(MANAGE)
        data = MeetingInviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = set(data.validated_data["people"])
        allowed = queries.may_be_invited_by(request.user, meeting).filter(pk__in=sorted(ids))
        people = list(allowed.distinct())
        already = set(meeting.participants.filter(user_id__in=sorted(ids)).values_list("user_id", flat=True))
        if len(people) + len(already) < len(ids):
            raise exceptions.ValidationError({"people": [_("You cannot invite some of these people.")]})
        if people:
            services.invite(meeting, actor=request.user, people=people)
        return self._detail(meeting.pk)

    @extend_schema(request=None, responses=MeetingDetailSerializer, summary="Sign up for an announced meeting")
    @action(detail=True, methods=["post"], url_path="sign-up")
    def sign_up(self, request, pk=None):
        return self._act(services.sign_up)

    @extend_schema(request=MeetingRsvpSerializer, responses=MeetingDetailSerializer, summary="Answer: yes, no or maybe")
    @action(detail=True, methods=["post"])
    def rsvp(self, request, pk=None):
        return self._act(services.respond, MeetingRsvpSerializer)

    @extend_schema(methods=["POST"], request=None, responses=MeetingDetailSerializer, summary="I am prepared")
    @extend_schema(
        methods=["DELETE"], request=None, responses=MeetingDetailSerializer, summary="Take back my prepared mark"
    )
    @action(detail=True, methods=["post", "delete"])
    def prepared(self, request, pk=None):
        return self._act(services.mark_prepared, prepared=request.method == "POST")

    @extend_schema(
        methods=["GET"], responses=MeetingSourceSerializer(many=True), summary="The meeting's preparation list"
    )
    @extend_schema(
        methods=["POST"],
        request=MeetingSourceSerializer,
        responses={201: MeetingSourceSerializer},
        summary="Add a source to a community meeting's preparation list",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def preparation(self, request, pk=None):
        meeting, can = self._meeting()
        if request.method == "GET":
            shown = queries.meeting_page(meeting, request.user, can)
            return Response(MeetingSourceSerializer(shown["preparation"], many=True).data)
        data = MeetingSourceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        product = None
        if fields["product"] is not None:
            from halqa.library.models import Product

            product = Product.objects.filter(pk=fields["product"]).first()
            if product is None:
                raise exceptions.ValidationError({"product": [_("Choose a library item you can see.")]})
        item = services.add_source(
            meeting, actor=request.user, title=fields["title"], url=fields["url"], note=fields["note"], product=product
        )
        item.added_by_name = request.user.display_name
        item.product_url = product.get_absolute_url() if product is not None else ""
        return Response(MeetingSourceSerializer(item).data, status=201)

    @extend_schema(request=None, responses={204: None}, summary="Remove a source from the preparation list")
    @action(detail=True, methods=["delete"], url_path=r"preparation/(?P<item_pk>[0-9]+)")
    def preparation_item(self, request, pk=None, item_pk=None):
        meeting, _can = self._meeting()
        item = get_object_or_404(PreparationItem, meeting=meeting, pk=item_pk)
        services.remove_source(item, actor=request.user)
        return Response(status=204)

    @extend_schema(request=MeetingAttendanceSerializer, responses=MeetingDetailSerializer, summary="Take attendance")
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        return self._act(services.take_attendance, MeetingAttendanceSerializer)

    @extend_schema(request=MeetingMinutesSerializer, responses=MeetingDetailSerializer, summary="Write the minutes")
    @action(detail=True, methods=["post"])
    def minutes(self, request, pk=None):
        return self._act(services.write_minutes, MeetingMinutesSerializer)

    @extend_schema(request=MeetingAgendaItemSerializer, responses=MeetingDetailSerializer, summary="Add an agenda item")
    @action(detail=True, methods=["post"])
    def agenda(self, request, pk=None):
        meeting, _can = self._meeting()
        data = MeetingAgendaItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        owner = _people([fields["owner"]]).get(fields["owner"]) if fields.get("owner") else None
        services.add_agenda_item(
            meeting, actor=request.user, title=fields["title"], owner=owner, minutes=fields["minutes"]
        )
        return self._detail(meeting.pk)

    @extend_schema(request=None, responses=MeetingDetailSerializer, summary="Remove an agenda item")
    @action(detail=True, methods=["delete"], url_path=r"agenda/(?P<item_pk>[0-9]+)")
    def agenda_item(self, request, pk=None, item_pk=None):
        meeting, _can = self._meeting()
        item = get_object_or_404(AgendaItem, meeting=meeting, pk=item_pk)
        services.remove_agenda_item(item, actor=request.user)
        return self._detail(meeting.pk)

    @extend_schema(
        methods=["GET"], responses=MeetingActionItemSerializer(many=True), summary="The meeting's action items"
    )
    @extend_schema(
        methods=["POST"],
        request=MeetingActionItemSerializer,
        responses={201: MeetingActionItemSerializer},
        summary="Give someone an action item",
    )
    @action(detail=True, methods=["get", "post"], url_path="action-items")
    def action_items(self, request, pk=None):
        meeting, can = self._meeting()
        if request.method == "GET":
            shown = queries.meeting_page(meeting, request.user, can)
            return Response(MeetingActionItemSerializer(shown["action_items"], many=True).data)
        data = MeetingActionItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        owner = _people([fields["owner"]]).get(fields["owner"])
        item = services.add_action_item(
            meeting, actor=request.user, text=fields["text"], owner=owner, due_on=fields["due_on"]
        )
        item.owner_name = owner.display_name
        return Response(MeetingActionItemSerializer(item).data, status=201)

    @extend_schema(
        methods=["POST"], request=None, responses=MeetingActionItemSerializer, summary="Mark an action item done"
    )
    @extend_schema(
        methods=["DELETE"], request=None, responses=MeetingActionItemSerializer, summary="Open an action item again"
    )
    @action(detail=True, methods=["post", "delete"], url_path=r"action-items/(?P<item_pk>[0-9]+)/done")
    def action_item_done(self, request, pk=None, item_pk=None):
        meeting, _can = self._meeting()
        item = get_object_or_404(ActionItem.objects.select_related("owner"), meeting=meeting, pk=item_pk)
        item = services.complete_action_item(item, actor=request.user, done=request.method == "POST")
        item.owner_name = item.owner.display_name  # the owner themself, or whoever manages the meeting
        return Response(MeetingActionItemSerializer(item).data)

    @extend_schema(methods=["GET"], request=None, responses=MeetingFeedSerializer, summary="Your calendar feed")
    @extend_schema(
        methods=["POST"],
        request=None,
        responses={201: MeetingFeedSerializer},
        summary="Make your calendar feed's address anew (the old one stops working)",
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, summary="Stop your calendar feed")
    @action(detail=False, methods=["get", "post", "delete"], url_path="feed", pagination_class=None)
    def feed(self, request):
        from django.urls import reverse

        from .models import CalendarFeed

        if request.method == "DELETE":
            services.stop_feed(actor=request.user, request=request)
            return Response(status=204)
        url = None
        if request.method == "POST":
            key = services.renew_feed(actor=request.user, request=request)
            url = request.build_absolute_uri(reverse("meetings:feed_ics", args=[key]))
        feed = CalendarFeed.objects.filter(user=request.user).first()
        body = {"active": feed is not None, "created_at": feed.created_at if feed else None, "url": url}
        return Response(MeetingFeedSerializer(body).data, status=201 if url else 200)
