"""The REST side of cases: the same access policy, queries and services as the pages.

A case the caller may not know exists answers 404; a move the caller may not make answers 403
with the reason, an illegal or incomplete one 400 with what is missing, and a move that lost a race
409 saying where the case now stands. An anonymous requester is never named in an answer to anyone
but the school's coordinators.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from halqa.accounts.choices import Grade, Subject
from halqa.accounts.queries import people_visible_to
from halqa.communities.serializers import PlaceSerializer  # one "Place" component in the schema
from halqa.discussions.api import NonEmptyFileField
from halqa.orgs.models import School

from . import board, matching, planning, queries, records, services
from .access import MANAGE, SEE_REQUESTER, case_access
from .board import OPEN_STAGES
from .models import (
    Audience,
    Case,
    CaseAttachment,
    DifficultyType,
    MemberRole,
    RequesterGroup,
    Risk,
    RiskStatus,
    Stage,
    Urgency,
)


def text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


class CaseSerializer(serializers.ModelSerializer):
    """A case as a list shows it. `requester` is null when the caller may not know who asked."""

    school = PlaceSerializer(read_only=True)
    community = PlaceSerializer(read_only=True, allow_null=True)
    types = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()
    requester = serializers.SerializerMethodField()
    stage_label = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id",
            "title",
            "stage",
            "stage_label",
            "requester_group",
            "audience",
            "channel",
            "urgency",
            "language",
            "subject",
            "grade",
            "types",
            "topics",
            "anonymous",
            "requester",
            "school",
            "community",
            "session_at",
            "created_at",
            "stage_changed_at",
        ]
        read_only_fields = fields

    def get_types(self, case) -> list[str]:
        return sorted(t.code for t in case.types.all())

    def get_topics(self, case) -> list[int]:
        return sorted(t.pk for t in case.topics.all())

    def get_stage_label(self, case) -> str:
        return str(Stage(case.stage).label)

    def get_requester(self, case) -> dict | None:
        """{"id", "display_name"} of who asked, or {"name"} for a paper request without an account;
        null when the caller may not know (an anonymous requester, to anyone but coordinators)."""
        user = self.context["request"].user
        if SEE_REQUESTER not in case_access.allowed(user, case):
            return None
        if case.requester is not None:
            return {"id": case.requester_id, "display_name": case.requester.display_name}
        return {"name": case.requester_name} if case.requester_name else None


class BufferSerializer(serializers.Serializer):
    """The case buffer's fever-chart reading today (critical chain)."""

    buffer_days = serializers.IntegerField(help_text="Working days pooled from the lean stage estimates.")
    late_days = serializers.IntegerField(help_text="Working days the current stage is past its due date.")
    consumed_percent = serializers.IntegerField(help_text="Share of the buffer used (over 100: used up).")
    done_percent = serializers.IntegerField(help_text="Share of the planned chain in the stages behind the case.")
    zone = serializers.ChoiceField(choices=["green", "yellow", "red"])
    label = serializers.CharField()


class CaseAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download it (the people who may see it).")

    class Meta:
        model = CaseAttachment
        fields = ["id", "name", "size", "content_type", "kind", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse("cases:attachment", args=[attachment.case_id, attachment.pk])


class CaseAttachmentUploadSerializer(serializers.Serializer):
    file = NonEmptyFileField(
        allow_empty_file=False,
        use_url=False,
        help_text="One file per request: pdf, png, jpg, gif, webp, txt, docx, xlsx, pptx, odt, ods, odp.",
    )
    kind = serializers.ChoiceField(
        choices=CaseAttachment.Kind.choices,
        required=False,
        default=CaseAttachment.Kind.ATTACHMENT,
        help_text="An attachment (up to five: the requester or a coordinator), or the scanned paper form "
        "(one, to a paper request: a coordinator).",
    )

    def validate(self, attrs):
        if len(self.initial_data.getlist("file")) > 1:
            raise serializers.ValidationError({"file": [_("Send one file per request.")]})
        return attrs


class CaseDetailSerializer(CaseSerializer):
    """A case with its whole story, its plan, and the moves the caller may make now."""

    attachments = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField(help_text="The stages you may move the case to now.")
    due_dates = serializers.SerializerMethodField(help_text="Each planned stage's due date, {stage: date}.")
    overdue = serializers.SerializerMethodField(help_text="Today is past the due date of the current stage.")
    buffer = serializers.SerializerMethodField(help_text="The buffer's status; null without a plan.")

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "what_happened",
            "what_tried",
            "help_wanted",
            "will_join",
            "decline_reason",
            "close_reason",
            "target_date",
            "due_dates",
            "buffer_days",
            "overdue",
            "buffer",
            "attachments",
            "moves",
        ]
        read_only_fields = fields

    @extend_schema_field(CaseAttachmentSerializer(many=True))
    def get_attachments(self, case) -> list[dict]:
        """The files of the request you may see (an anonymous requester's scanned form: coordinators)."""
        allowed = case_access.allowed(self.context["request"].user, case)
        return CaseAttachmentSerializer(queries.visible_attachments(case, allowed), many=True).data

    def get_moves(self, case) -> list[str]:
        return services.moves_for(self.context["request"].user, case)

    @extend_schema_field(serializers.DictField(child=serializers.DateField()))
    def get_due_dates(self, case) -> dict:
        return {stage: day.isoformat() for stage, day in planning.parse_due_dates(case.due_dates).items()}

    def get_overdue(self, case) -> bool:
        return planning.is_overdue(case.stage, case.due_dates, timezone.localdate())

    @extend_schema_field(BufferSerializer(allow_null=True))
    def get_buffer(self, case) -> dict | None:
        status = services.plan_status(case)
        return BufferSerializer(status).data if status else None


class IntakeSerializer(serializers.Serializer):
    """ "Ask for help": the story of a difficulty, in one of your schools."""

    school = serializers.IntegerField(help_text="Id of a school you belong to.")
    title = text(200)
    what_happened = text(8000, help_text="What happened: the story, as you would tell it.")
    what_tried = text(4000, required=False, allow_blank=True, help_text="What you tried already.")
    help_wanted = text(4000, help_text="What help you want.")
    language = serializers.ChoiceField(choices=[code for code, _name in Case._meta.get_field("language").choices])
    subject = serializers.ChoiceField(choices=Subject.choices, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    types = serializers.ListField(child=serializers.ChoiceField(choices=DifficultyType.choices), required=False)
    topics = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=20)
    requester_group = serializers.ChoiceField(
        choices=RequesterGroup.choices, required=False, help_text="Left out: taken from your profile."
    )
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    anonymous = serializers.BooleanField(required=False, default=False)
    will_join = serializers.BooleanField(required=False, default=False)


class MoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices, help_text="The stage to move the case to.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    session_at = serializers.DateTimeField(required=False, help_text="The session's date, to schedule it.")
    seen_stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="The stage you saw; if the case moved since, nothing changes and the answer is 409.",
    )


BOARD_KEY = r"^(?:(?:school|community):[1-9][0-9]{0,17}|groups)$"


class BoardMoveSerializer(MoveSerializer):
    board = serializers.RegexField(
        BOARD_KEY,
        max_length=40,
        required=False,
        help_text='Moved on this board ("school:<id>", "community:<id>" or "groups"): a column at its '
        "work-in-progress limit then takes the case only with `over_limit_reason`.",
    )
    over_limit_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why the case goes into a full column anyway (kept in the event's note).",
    )
    to = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="The stage to move the case to. Left out (or the case's own stage) with `before` or `after`: "
        "the card only changes its place inside its column.",
    )
    before = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Place the card just before this case of the same column of `board` (needs `board`).",
    )
    after = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Place the card just after this case of the same column of `board` (needs `board`).",
    )

    def validate(self, data):
        if "before" in data and "after" in data:
            raise serializers.ValidationError({"after": _("Say which card it goes before or after.")})
        placing = "before" in data or "after" in data
        if not placing and "to" not in data:
            # DRF's own sentence (and translation): a msgid of ours would replace Django's everywhere.
            raise serializers.ValidationError({"to": serializers.Field.default_error_messages["required"]})
        if placing and not data.get("board"):
            raise serializers.ValidationError({"board": _("Say on which board the card is placed.")})
        return data


class BoardQuerySerializer(serializers.Serializer):
    community = serializers.IntegerField(required=False, min_value=1, help_text="A community's board.")
    school = serializers.IntegerField(
        required=False, min_value=1, help_text="The board of a school you coordinate (the default: your first)."
    )
    groups = serializers.BooleanField(
        required=False, default=False, help_text="The board of the working groups you are in."
    )
    type = serializers.ChoiceField(choices=DifficultyType.choices, required=False)
    topic = serializers.IntegerField(required=False, min_value=1)
    group = serializers.ChoiceField(choices=RequesterGroup.choices, required=False, help_text="Who asked.")
    subject = serializers.ChoiceField(choices=Subject.choices, required=False)
    owner = serializers.IntegerField(required=False, min_value=1, help_text="Cases this person leads the group of.")
    column = serializers.ChoiceField(
        choices=[(s, Stage(s).label) for s in OPEN_STAGES], required=False, help_text="Page through this column."
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=100000, default=1)

    def validate(self, data):
        if sum(1 for name in ("community", "school") if name in data) + bool(data.get("groups")) > 1:
            raise serializers.ValidationError(_("Choose one board: a community, a school or your groups."))
        return data


class BoardOwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class BoardCardSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="case.pk")
    title = serializers.CharField(source="case.title")
    stage = serializers.CharField(source="case.stage")
    urgency = serializers.ChoiceField(source="case.urgency", choices=Urgency.choices)
    requester_group = serializers.ChoiceField(source="case.requester_group", choices=RequesterGroup.choices)
    age_days = serializers.IntegerField(help_text="Days since the case entered its stage.")
    owner = serializers.SerializerMethodField()
    due = serializers.DateField(allow_null=True, help_text="The due date of the case's stage, if planned.")
    overdue = serializers.BooleanField()
    moves = serializers.SerializerMethodField(help_text="The stages you may move the case to now.")

    @extend_schema_field(BoardOwnerSerializer(allow_null=True))
    def get_owner(self, card):
        """The working group's lead, when you may know them."""
        if card.owner is None:
            return None
        return {"id": card.owner.pk, "display_name": card.owner.display_name}

    def get_moves(self, card) -> list[str]:
        return [stage for stage, _label in card.moves]


class BoardColumnSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Cases in the column you see, filters applied.")
    total = serializers.IntegerField(help_text="Every case of the board in the column (what the limit counts).")
    limit = serializers.IntegerField(allow_null=True, help_text="The work-in-progress limit, if set.")
    at_limit = serializers.BooleanField()
    over_limit = serializers.BooleanField()
    page = serializers.IntegerField()
    has_more = serializers.BooleanField()
    cards = BoardCardSerializer(many=True)


class BoardFinalSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):
    board = serializers.CharField(help_text='"school:<id>", "community:<id>" or "groups".')
    title = serializers.CharField()
    columns = BoardColumnSerializer(many=True)
    finals = BoardFinalSerializer(many=True, help_text="The final stages, as counts.")


class CaseFilterSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices, required=False, allow_blank=True)
    group = serializers.ChoiceField(choices=RequesterGroup.choices, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=DifficultyType.choices, required=False, allow_blank=True)
    community = serializers.IntegerField(required=False, min_value=1)
    mine = serializers.BooleanField(required=False, default=False, help_text="Only the cases you asked.")
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words to search for in the title and story, in any of the four languages; best match first.",
    )


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    verb = serializers.CharField()
    actor = serializers.CharField(allow_null=True, help_text="Who did it; null for an anonymous requester.")
    before = serializers.DictField(allow_null=True)
    after = serializers.DictField(allow_null=True)


class ClarificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    is_question = serializers.BooleanField(read_only=True)
    author = serializers.SerializerMethodField()
    body = serializers.CharField(
        max_length=4000, help_text="A question (coordinators, the group) or an answer (the requester)."
    )
    created_at = serializers.DateTimeField(read_only=True)

    def get_author(self, item) -> str | None:
        """Who wrote it; null for an anonymous requester's answer."""
        return item.author.display_name if item.author else None


class TriageSerializer(serializers.Serializer):
    types = serializers.ListField(child=serializers.ChoiceField(choices=DifficultyType.choices), required=False)
    topics = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=20)
    community = serializers.IntegerField(
        required=False, allow_null=True, help_text="Assign to this community (null: to none); left out: unchanged."
    )


class FeedbackSerializer(serializers.Serializer):
    understood = serializers.BooleanField()
    has_resources = serializers.BooleanField()
    helpful = serializers.IntegerField(min_value=1, max_value=5)
    can_use = serializers.BooleanField(help_text="False sends the case back to drafting with your comment.")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class GroupMemberSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="user_id")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.ChoiceField(choices=MemberRole.choices)


class AddMemberSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="Id of a person you may see in the directory.")
    role = serializers.ChoiceField(choices=MemberRole.choices, required=False, default=MemberRole.MEMBER)


class SuggestionSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    display_name = serializers.CharField(source="person.display_name")
    score = serializers.IntegerField()
    reasons = serializers.ListField(child=serializers.CharField())


class PlanSerializer(serializers.Serializer):
    target_date = serializers.DateField(help_text="When the requester should have a usable solution.")


class RiskSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Risk.Kind.choices, default=Risk.Kind.RISK)
    description = serializers.CharField(max_length=500)
    owner = serializers.IntegerField(
        source="owner_id",
        required=False,
        allow_null=True,
        min_value=1,
        help_text="Id of someone of the working group or a coordinator of the school.",
    )
    owner_name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=RiskStatus.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_owner_name(self, risk) -> str | None:
        return risk.owner.display_name if risk.owner_id else None


class RecordSerializer(serializers.Serializer):
    """A record of the case (stages 4–6) with its author as the caller may know them."""

    author = serializers.SerializerMethodField()

    def get_author(self, item) -> str | None:
        """Who wrote it ("Anonymous requester" for an anonymous requester, to all but coordinators)."""
        from .records import name_for

        person = getattr(item, "added_by", None) if hasattr(item, "added_by_id") else item.author
        context = self.context
        return name_for(context["allowed"], context["case"], person) or None if person else None


class PreparationItemSerializer(RecordSerializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200, help_text="The source: a book, an article, a video, a lesson.")
    url = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="An http(s) link, if it has one."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(read_only=True)


class PreparedSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="user_id")
    display_name = serializers.CharField(source="name")
    prepared_at = serializers.DateTimeField(allow_null=True)


class SessionNoteSerializer(RecordSerializer):
    id = serializers.IntegerField(read_only=True)
    held_at = serializers.DateTimeField(help_text="When the session took place (not more than a day ahead).")
    discussed = serializers.CharField(max_length=8000, help_text="What the group understood of the story.")
    experience = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    options = serializers.CharField(max_length=8000, required=False, allow_blank=True, default="")
    will_produce = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(read_only=True)


class DraftSerializer(RecordSerializer):
    id = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=50000)
    audience = serializers.ChoiceField(
        choices=Audience.choices, required=False, help_text="Left out: the case's audience."
    )
    change_note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="What changed since the last version (required from version 2 on).",
    )
    created_at = serializers.DateTimeField(read_only=True)


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone moved this case meanwhile. Look again and choose.")
    default_code = "conflict"


CONFLICT = OpenApiResponse(response={"$ref": "#/components/schemas/Error"}, description="Someone moved it meanwhile.")


@extend_schema(tags=["cases"])
@extend_schema_view(
    list=extend_schema(parameters=[CaseFilterSerializer], summary="Cases you may see"),
    create=extend_schema(request=IntakeSerializer, responses={201: CaseDetailSerializer}, summary="Ask for help"),
    retrieve=extend_schema(responses=CaseDetailSerializer),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases: difficulties brought as stories, through the request-to-solution cycle."""

    serializer_class = CaseSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            filters = CaseFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            return queries.case_list(user, **filters.validated_data)
        return queries.cases_visible_to(user)

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    def handle_exception(self, exc):
        if isinstance(exc, services.Conflict):
            exc = ConflictError(exc.message)
        return super().handle_exception(exc)

    def create(self, request):
        data = IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        school = School.objects.filter(pk=fields.pop("school")).first()
        if school is None:
            raise PermissionDenied(_("You can ask for help only in a school you belong to."))
        topics = fields.pop("topics", [])  # ids; the service refuses any it does not know
        case = services.submit_case(actor=request.user, school=school, topics=topics, **fields)
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=201)

    @extend_schema(
        request=BoardMoveSerializer,
        responses={200: CaseDetailSerializer, 409: CONFLICT},
        summary="Move the case, or its card inside its column",
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        case = self.get_object()
        data = BoardMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        key = fields.pop("board", None)
        reason = fields.pop("over_limit_reason", "")
        place = {name: fields.pop(name) for name in ("before", "after") if name in fields}
        if place and fields.get("to", case.stage) == case.stage:
            on = board.board_from_key(request.user, key)
            services.place_on_board(case, actor=request.user, board=on, seen_stage=fields.get("seen_stage"), **place)
        elif key:
            on = board.board_from_key(request.user, key)
            with transaction.atomic():  # moved and placed, or neither
                moved = services.move_on_board(case, actor=request.user, board=on, over_limit_reason=reason, **fields)
                if place:
                    services.place_on_board(moved, actor=request.user, board=on, **place)
        else:
            services.move(case, actor=request.user, **fields)
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(
        parameters=[BoardQuerySerializer],
        responses=BoardSerializer,
        summary="A kanban board: columns of cards, counts and limits",
    )
    @action(detail=False, methods=["get"])
    def board(self, request):
        query = BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        if "community" in params:
            shown = board.community_board(request.user, params["community"])
        elif params.get("groups"):
            shown = board.groups_board(request.user)
        else:
            shown = board.school_board(request.user, params.get("school"))
        filters = {name: params[name] for name in ("type", "topic", "group", "subject", "owner") if name in params}
        view = board.build(
            request.user, shown, filters=filters, column=params.get("column", ""), page=params.get("page", 1)
        )
        body = {
            "board": shown.key,
            "title": shown.title,
            "columns": [
                {
                    "stage": c.stage,
                    "label": c.label,
                    "count": c.count,
                    "total": c.total,
                    "limit": c.limit,
                    "at_limit": c.at_limit,
                    "over_limit": c.over_limit,
                    "page": c.page,
                    "has_more": c.has_more,
                    "cards": c.cards,
                }
                for c in view.columns
            ],
            "finals": [{"stage": s, "label": label, "count": n} for s, label, n in view.finals],
        }
        return Response(BoardSerializer(body).data)

    @extend_schema(methods=["GET"], responses=ClarificationSerializer(many=True), summary="Questions and answers")
    @extend_schema(
        methods=["POST"],
        request=ClarificationSerializer,
        responses={201: ClarificationSerializer},
        summary="Ask, or answer",
    )
    @action(detail=True, methods=["get", "post"])
    def clarifications(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(case.clarifications.select_related("author"))
            return self.get_paginated_response(ClarificationSerializer(page, many=True).data)
        data = ClarificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if case.requester_id == request.user.pk and "coordinator" not in case_access.roles(request.user, case):
            item = services.answer(case, actor=request.user, body=data.validated_data["body"])
        else:
            item = services.ask(case, actor=request.user, body=data.validated_data["body"])
        return Response(ClarificationSerializer(item).data, status=201)

    @extend_schema(request=TriageSerializer, responses=CaseDetailSerializer, summary="Sort the case and assign it")
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        case = self.get_object()
        case_access.allowed(request.user, case).need(MANAGE)
        data = TriageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        services.triage(
            case,
            actor=request.user,
            types=fields.get("types"),
            topics=fields.get("topics"),
            community=fields.get("community"),
            assign="community" in fields,
        )
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(request=FeedbackSerializer, responses={201: CaseDetailSerializer}, summary="Say whether it helps")
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        case = self.get_object()
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.give_feedback(case, actor=request.user, **data.validated_data)
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=201)

    @extend_schema(methods=["GET"], responses=GroupMemberSerializer(many=True), summary="The working group")
    @extend_schema(
        methods=["POST"],
        request=AddMemberSerializer,
        responses={201: GroupMemberSerializer},
        summary="Add someone to the working group",
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(queries.group_members(case, request.user))
            return self.get_paginated_response(GroupMemberSerializer(page, many=True).data)
        case_access.allowed(request.user, case).need(MANAGE)
        data = AddMemberSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = people_visible_to(request.user).filter(pk=data.validated_data["person"]).first()
        if person is None:
            raise serializers.ValidationError({"person": [_("You cannot add this person.")]})
        services.add_to_group(case, actor=request.user, person=person, role=data.validated_data["role"])
        member = case.members.select_related("user").get(user=person)
        return Response(GroupMemberSerializer(member).data, status=201)

    @extend_schema(responses=SuggestionSerializer(many=True), summary="Who could help, ranked, with the reasons")
    @action(detail=True, methods=["get"])
    def suggestions(self, request, pk=None):
        case = self.get_object()
        case_access.allowed(request.user, case).need(MANAGE)
        return Response(SuggestionSerializer(matching.suggest(case, request.user), many=True).data)

    @extend_schema(request=PlanSerializer, responses=CaseDetailSerializer, summary="Plan back from a target date")
    @action(detail=True, methods=["post"])
    def plan(self, request, pk=None):
        """Set the target date: each stage ahead gets a due date over the school's working days,
        and the time the lean estimates save is pooled in the case's buffer."""
        case = self.get_object()
        if not services.may_plan(request.user, case):
            raise PermissionDenied(_("Only the coordinators and the working group plan this case."))
        data = PlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.plan(case, actor=request.user, target_date=data.validated_data["target_date"])
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], responses=RiskSerializer(many=True), summary="Risks and resources")
    @extend_schema(
        methods=["POST"], request=RiskSerializer, responses={201: RiskSerializer}, summary="Name a risk or a resource"
    )
    @action(detail=True, methods=["get", "post"])
    def risks(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(case.risks.select_related("owner"))
            return self.get_paginated_response(RiskSerializer(page, many=True).data)
        if not services.may_plan(request.user, case):
            raise PermissionDenied(_("Only the coordinators and the working group keep the risks of this case."))
        data = RiskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        owner = None
        if fields.get("owner_id"):
            owner = services.risk_owners(case).filter(pk=fields["owner_id"]).first()
            if owner is None:
                raise serializers.ValidationError(
                    {"owner": [_("Choose someone of the working group or a coordinator.")]}
                )
        risk = services.add_risk(
            case, actor=request.user, kind=fields["kind"], description=fields["description"], owner=owner
        )
        return Response(RiskSerializer(risk).data, status=201)

    @extend_schema(request=None, responses=RiskSerializer, summary="Mark a risk or a resource handled")
    @action(detail=True, methods=["post"], url_path=r"risks/(?P<risk_pk>[0-9]+)/handled")
    def risk_handled(self, request, pk=None, risk_pk=None):
        case = self.get_object()
        risk = case.risks.filter(pk=risk_pk).first()
        if risk is None:
            raise exceptions.NotFound()
        risk = services.handle_risk(risk, actor=request.user)
        return Response(RiskSerializer(risk).data)

    # --- The records of stages 4–6 -------------------------------------------------------------

    def _records(self, request, serializer, rows):
        case = self.get_object()
        page = self.paginate_queryset(rows(case))
        context = {"case": case, "allowed": case_access.allowed(request.user, case)}
        return self.get_paginated_response(serializer(page, many=True, context=context).data)

    def _record(self, request, case, serializer, item, status_code=201):
        context = {"case": case, "allowed": case_access.allowed(request.user, case)}
        return Response(serializer(item, context=context).data, status=status_code)

    @extend_schema(methods=["GET"], responses=PreparationItemSerializer(many=True), summary="The preparation list")
    @extend_schema(
        methods=["POST"],
        request=PreparationItemSerializer,
        responses={201: PreparationItemSerializer},
        summary="Add a source to the preparation list",
    )
    @action(detail=True, methods=["get", "post"])
    def preparation(self, request, pk=None):
        if request.method == "GET":
            return self._records(request, PreparationItemSerializer, records.preparation)
        case = self.get_object()
        data = PreparationItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        item = services.add_preparation_item(
            case, actor=request.user, title=fields["title"], url=fields["url"], note=fields["note"]
        )
        return self._record(request, case, PreparationItemSerializer, item)

    @extend_schema(request=None, responses={204: None}, summary="Remove a source from the preparation list")
    @action(detail=True, methods=["delete"], url_path=r"preparation/(?P<item_pk>[0-9]+)")
    def preparation_item(self, request, pk=None, item_pk=None):
        case = self.get_object()
        item = case.preparation.filter(pk=item_pk).first()
        if item is None:
            raise exceptions.NotFound()
        services.remove_preparation_item(item, actor=request.user)
        return Response(status=204)

    @extend_schema(
        methods=["GET"],
        responses=PreparedSerializer(many=True),
        summary="Who of the working group is prepared (the group and the coordinators)",
    )
    @extend_schema(methods=["POST"], request=None, responses=PreparedSerializer, summary="I am prepared")
    @extend_schema(methods=["DELETE"], request=None, responses=PreparedSerializer, summary="Take back my prepared mark")
    @action(detail=True, methods=["get", "post", "delete"])
    def prepared(self, request, pk=None):
        from .access import CONTRIBUTE

        case = self.get_object()
        allowed = case_access.allowed(request.user, case)
        if request.method == "GET":
            allowed.need(CONTRIBUTE)
            members = list(records.prepared_members(case))
            for member in members:
                member.name = records.name_for(allowed, case, member.user)
            return Response(PreparedSerializer(members, many=True).data)
        member = services.mark_prepared(case, actor=request.user, prepared=request.method == "POST")
        member.name = records.name_for(allowed, case, request.user)
        return Response(PreparedSerializer(member).data)

    @extend_schema(methods=["GET"], responses=SessionNoteSerializer(many=True), summary="Session notes, newest first")
    @extend_schema(
        methods=["POST"],
        request=SessionNoteSerializer,
        responses={201: SessionNoteSerializer},
        summary="Write the notes of a session",
    )
    @action(detail=True, methods=["get", "post"], url_path="session-notes")
    def session_notes(self, request, pk=None):
        if request.method == "GET":
            return self._records(request, SessionNoteSerializer, records.session_notes)
        case = self.get_object()
        data = SessionNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.add_session_note(case, actor=request.user, **data.validated_data)
        return self._record(request, case, SessionNoteSerializer, note)

    @extend_schema(methods=["GET"], responses=DraftSerializer(many=True), summary="The draft's versions, newest first")
    @extend_schema(
        methods=["POST"],
        request=DraftSerializer,
        responses={201: DraftSerializer},
        summary="Save a new version of the draft solution",
    )
    @action(detail=True, methods=["get", "post"])
    def drafts(self, request, pk=None):
        if request.method == "GET":
            return self._records(request, DraftSerializer, records.drafts)
        case = self.get_object()
        data = DraftSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = services.save_draft(case, actor=request.user, **data.validated_data)
        return self._record(request, case, DraftSerializer, draft)

    @extend_schema(
        request={"multipart/form-data": CaseAttachmentUploadSerializer},
        responses={201: CaseAttachmentSerializer},
        summary="Add a file to the request",
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        """While the request is new or being clarified, its requester or a coordinator adds a file; a
        coordinator adds the scan of a paper form with `kind` = `paper_form`."""
        case = self.get_object()
        data = CaseAttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            added = services.add_attachments(
                case, actor=request.user, files=[data.validated_data["file"]], kind=data.validated_data["kind"]
            )
        except ValidationError as error:  # the service speaks of "files"; this endpoint takes one "file"
            problems = error.message_dict if hasattr(error, "error_dict") else {"file": error.messages}
            raise serializers.ValidationError(
                {"kind" if name == "kind" else "file": messages for name, messages in problems.items()}
            ) from error
        return Response(CaseAttachmentSerializer(added[0]).data, status=201)

    @extend_schema(responses=EventSerializer(many=True), summary="The case's history")
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        case = self.get_object()
        page = self.paginate_queryset(queries.case_events(case))
        rows = [
            {
                "at": event.at,
                "verb": event.verb,
                "actor": event.actor.display_name if event.actor else (event.actor_label or None),
                "before": event.before,
                "after": event.after,
            }
            for event in page
        ]
        return self.get_paginated_response(EventSerializer(rows, many=True).data)
