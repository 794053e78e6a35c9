"""The REST side of communities: the same queries, rules and services as the pages.

Every lookup starts from `communities_visible_to(user)`, so a community the caller may not know
exists answers 404. What the caller may do inside it comes from the access layer
(`access.community_access`, the same answer the pages and services use, computed once per
request); every change goes through `services`. A write the caller may not make is refused (403,
with the policy's one sentence for the action) before its input is read, so the answer to "may I?"
does not depend on what was sent.
"""

from __future__ import annotations

from functools import cached_property
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from halqa.accounts.models import User
from halqa.accounts.queries import people_visible_to
from halqa.core.access import Allowed
from halqa.orgs.models import Network, School

from . import queries, rules, services
from .access import START_REFUSALS, community_access
from .models import (
    Activity,
    ActivityFormat,
    ActivityStatus,
    Cadence,
    CharterRevision,
    Community,
    Decision,
    DecisionStatus,
    Format,
    Goal,
    GoalUpdate,
    Membership,
    Role,
    Status,
    Visibility,
)

# Text that must say something: not empty, not only spaces (the schema says so too). DRF's own
# sentence, already translated.
SAYS_SOMETHING = RegexValidator(r"\S", serializers.CharField.default_error_messages["blank"])


def text(max_length: int, **kwargs) -> serializers.CharField:
    """A required line of text."""
    return serializers.CharField(max_length=max_length, validators=[SAYS_SOMETHING], **kwargs)


def optional_text(max_length: int, **kwargs) -> serializers.CharField:
    kwargs.setdefault("required", False)
    return serializers.CharField(max_length=max_length, allow_blank=True, **kwargs)


# --- Small shared pieces --------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer):
    """The community's home: a school or a network."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


def my_membership(community: Community) -> Membership | None:
    mine = getattr(community, "my_membership", None)
    return mine[0] if mine else None


@extend_schema_field(
    {"type": "string", "enum": list(Role.values), "nullable": True, "description": "Your role here, if you have one."}
)
class MyRoleField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, community):
        mine = my_membership(community)
        return mine.role if mine else None


@extend_schema_field(
    {
        "type": "string",
        "enum": list(Status.values),
        "nullable": True,
        "description": "Where you stand: invited, asked to join, member, or gone; null if never.",
    }
)
class MyStatusField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, community):
        mine = my_membership(community)
        return mine.status if mine else None


# --- Communities ------------------------------------------------------------------------------


class CommunitySerializer(serializers.ModelSerializer):
    """A community as the list shows it."""

    school = PlaceSerializer(read_only=True, allow_null=True)
    network = PlaceSerializer(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True)
    my_role = MyRoleField()
    my_status = MyStatusField()

    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "topic",
            "format",
            "visibility",
            "cadence",
            "cadence_note",
            "school",
            "network",
            "member_count",
            "my_role",
            "my_status",
            "created_at",
        ]
        read_only_fields = fields


class CharterSerializer(serializers.Serializer):
    """The current charter; every field is null while the community has none."""

    mission = serializers.CharField(allow_null=True)
    vision = serializers.CharField(allow_null=True)
    values = serializers.CharField(allow_null=True)
    norms = serializers.CharField(allow_null=True, help_text="One working agreement per line.")
    norm_list = serializers.ListField(child=serializers.CharField(), allow_null=True)
    note = serializers.CharField(allow_null=True)
    edited_by = PersonRefSerializer(allow_null=True)
    edited_at = serializers.DateTimeField(allow_null=True)


NO_CHARTER = SimpleNamespace(
    mission=None, vision=None, values=None, norms=None, norm_list=None, note=None, edited_by=None, edited_at=None
)


class CharterRevisionSerializer(serializers.ModelSerializer):
    edited_by = PersonRefSerializer(allow_null=True)

    class Meta:
        model = CharterRevision
        fields = ["id", "mission", "vision", "values", "norms", "note", "edited_by", "edited_at"]
        read_only_fields = fields


class CharterWriteSerializer(serializers.Serializer):
    """A new version of the charter. PUT gives all four texts; PATCH only those that change."""

    mission = optional_text(2000, required=True)
    vision = optional_text(2000, required=True)
    values = optional_text(2000, required=True)
    norms = optional_text(4000, required=True, help_text="One working agreement per line.")
    note = optional_text(300, help_text="What changed, for the history.")


class CharterInputSerializer(serializers.Serializer):
    """The first charter, given when the community is created."""

    mission = optional_text(2000)
    vision = optional_text(2000)
    values = optional_text(2000)
    norms = optional_text(4000, help_text="One working agreement per line.")


class MemberSerializer(serializers.ModelSerializer):
    """A member as the member list shows them: never an email address."""

    person = serializers.IntegerField(source="user_id", read_only=True)
    display_name = serializers.CharField(source="user.display_name", read_only=True)
    subjects = serializers.SerializerMethodField()
    expertise = serializers.SerializerMethodField()
    is_young_teacher = serializers.BooleanField(source="user.is_young_teacher", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "display_name",
            "role",
            "activity",
            "joined_at",
            "subjects",
            "expertise",
            "is_young_teacher",
        ]
        read_only_fields = fields

    def get_subjects(self, membership) -> list[str]:
        return sorted(s.code for s in membership.user.subjects.all())

    def get_expertise(self, membership) -> list[str]:
        return [t.name for t in membership.user.expertise.all()]


class MembershipSerializer(MemberSerializer):
    """A place in the community with where it stands: invited, asked to join, member, gone."""

    invited_by = PersonRefSerializer(allow_null=True, read_only=True)

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "status", "message", "invited_by", "created_at"]
        read_only_fields = fields


class GoalUpdateSerializer(serializers.ModelSerializer):
    by = PersonRefSerializer(allow_null=True)

    class Meta:
        model = GoalUpdate
        fields = ["id", "progress", "note", "by", "at"]
        read_only_fields = fields


class GoalSerializer(serializers.ModelSerializer):
    title = text(300)
    target = text(300, help_text="e.g. 80% of grade 8 students pass the common assessment")
    measure = text(300)

    class Meta:
        model = Goal
        fields = ["id", "title", "target", "measure", "due_date", "progress", "created_at"]
        read_only_fields = ["id", "progress", "created_at"]

    def create(self, validated_data):
        return services.add_goal(self.context["community"], actor=self.context["request"].user, **validated_data)

    def update(self, goal, validated_data):
        return services.update_goal(goal, actor=self.context["request"].user, **validated_data)


class GoalDetailSerializer(GoalSerializer):
    """A goal with its progress history, newest first."""

    updates = GoalUpdateSerializer(many=True, read_only=True)

    class Meta(GoalSerializer.Meta):
        fields = [*GoalSerializer.Meta.fields, "updates"]
        read_only_fields = [*GoalSerializer.Meta.read_only_fields, "updates"]


class ProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text="Per cent of the target reached.")
    note = optional_text(500)


class ResponsibleField(serializers.PrimaryKeyRelatedField):
    """Someone who takes care of an activity: an active member of the community."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": _("The responsible person must be a member of the community."),
    }

    def get_queryset(self):
        return queries.responsible_candidates(self.context["community"])


class ActivitySerializer(serializers.ModelSerializer):
    title = text(200)
    format = serializers.ChoiceField(choices=ActivityFormat.choices, required=False)
    status = serializers.ChoiceField(choices=ActivityStatus.choices, required=False)
    responsible = ResponsibleField(allow_null=True, required=False)
    responsible_name = serializers.CharField(source="responsible.display_name", read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "format", "starts_on", "ends_on", "responsible", "responsible_name", "status", "notes"]
        read_only_fields = ["id", "responsible_name"]

    def create(self, validated_data):
        return services.add_activity(self.context["community"], actor=self.context["request"].user, **validated_data)

    def update(self, activity, validated_data):
        return services.update_activity(activity, actor=self.context["request"].user, **validated_data)


class DecisionMemberSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)


class DecisionSerializer(serializers.ModelSerializer):
    """The official decision. Only a draft's number, topic, goals and period can be changed; the
    members and roles are taken from the community, and the signature is the signer's alone."""

    number = optional_text(40)
    topic = text(300)
    goals_text = text(4000)
    members = DecisionMemberSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=DecisionStatus.choices, read_only=True)
    drafted_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    signed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    supersedes = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    superseded_by = serializers.SerializerMethodField()
    fingerprint = serializers.SerializerMethodField(
        help_text=(
            "A draft's fingerprint of what signing it would sign now: the members and roles as they "
            "stand (which `members` shows for a draft) and the text. Send it back to sign; null once signed."
        )
    )

    class Meta:
        model = Decision
        fields = [
            "id",
            "number",
            "topic",
            "goals_text",
            "period_start",
            "period_end",
            "members",
            "status",
            "drafted_by",
            "created_at",
            "signed_by",
            "signed_by_name",
            "signed_by_title",
            "signed_at",
            "verification_code",
            "supersedes",
            "superseded_by",
            "fingerprint",
        ]
        read_only_fields = [
            "id",
            "members",
            "status",
            "drafted_by",
            "created_at",
            "signed_by",
            "signed_by_name",
            "signed_by_title",
            "signed_at",
            "verification_code",
            "supersedes",
            "superseded_by",
            "fingerprint",
        ]

    def to_representation(self, decision):
        data = super().to_representation(decision)
        if decision.status == DecisionStatus.DRAFT:
            # What signing would sign: the members as they stand, once per community and answer.
            current = self.context.setdefault("current_members", {})
            if decision.community_id not in current:
                current[decision.community_id] = services.members_snapshot(decision.community_id)
            members = current[decision.community_id]
            data["members"] = DecisionMemberSerializer(members, many=True).data
            data["fingerprint"] = services.decision_fingerprint(decision, members)
        return data

    def get_fingerprint(self, decision) -> str | None:
        return None  # filled in by to_representation for a draft

    def get_superseded_by(self, decision) -> int | None:
        newer = getattr(decision, "superseded_by", None)
        return newer.pk if newer else None

    def create(self, validated_data):
        return services.draft_decision(self.context["community"], actor=self.context["request"].user, **validated_data)

    def update(self, decision, validated_data):
        return services.update_decision(decision, actor=self.context["request"].user, **validated_data)


# What the detail answer takes from the overview rather than the community row, and the action one
# must be allowed to see it.
FROM_OVERVIEW = {
    "permissions": None,
    "charter": None,
    "members": rules.VIEW_MEMBERS,
    "goals": rules.VIEW_GOALS,
    "program": rules.VIEW_PROGRAM,
    "decisions": rules.VIEW_DECISIONS,
}


class CommunityDetailSerializer(CommunitySerializer):
    """A community with what the caller may see of it, and what they may do: the API's side of
    `queries.Overview`, which the community page shows too.

    `members`, `goals`, `program` and `decisions` are left out when the caller may not see them
    (a person invited to a members-only community sees only what answering needs). `members` and
    `member_count` hold only the people the caller may see listed (queries.members_visible_to)."""

    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(rules.ACTION_LABELS)),
        read_only=True,
        help_text="Everything you may do here (see docs/permissions.md).",
    )
    charter = CharterSerializer(read_only=True)
    # Not read-only, so that the schema marks them optional; this serializer only ever writes out.
    members = MemberSerializer(many=True, required=False)
    goals = GoalSerializer(many=True, required=False)
    program = ActivitySerializer(many=True, required=False)
    decisions = DecisionSerializer(many=True, required=False)

    class Meta(CommunitySerializer.Meta):
        fields = [*CommunitySerializer.Meta.fields, "updated_at", *FROM_OVERVIEW]
        read_only_fields = fields

    def to_representation(self, overview: queries.Overview) -> dict:
        data = {}
        for field in self._readable_fields:
            name = field.field_name
            if name not in FROM_OVERVIEW:
                value = field.get_attribute(overview.community)
                data[name] = None if value is None else field.to_representation(value)
            elif name == "permissions":
                data[name] = list(overview.can)
            elif name == "charter":
                data[name] = field.to_representation(overview.charter or NO_CHARTER)
            elif FROM_OVERVIEW[name] in overview.can:
                data[name] = field.to_representation(getattr(overview, name))
        return data


class CommunityCreateSerializer(serializers.Serializer):
    """A new community, in one school or in one network. Its creator becomes its facilitator."""

    name = text(200)
    topic = text(300)
    format = serializers.ChoiceField(choices=Format.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    cadence = serializers.ChoiceField(choices=Cadence.choices, required=False)
    cadence_note = optional_text(200)
    school = serializers.IntegerField(required=False, allow_null=True, help_text="Id of the school it lives in.")
    network = serializers.IntegerField(
        required=False, allow_null=True, help_text="Id of the network it spans (instead of a school)."
    )
    charter = CharterInputSerializer(required=False)

    def create(self, validated_data):
        school_id = validated_data.pop("school", None)
        network_id = validated_data.pop("network", None)
        # An id that names nothing is refused as one that names a home the caller may not start in.
        school = School.objects.filter(pk=school_id).first() if school_id is not None else None
        network = Network.objects.filter(pk=network_id).first() if network_id is not None else None
        if school_id is not None and school is None:
            raise PermissionDenied(START_REFUSALS["school"])
        if network_id is not None and network is None:
            raise PermissionDenied(START_REFUSALS["network"])
        return services.create_community(
            actor=self.context["request"].user, school=school, network=network, **validated_data
        )


def _create_variant(name: str, home: str, help_text: str) -> type[serializers.Serializer]:
    """The create request as the schema shows it: exactly one of `school` and `network`."""
    fields = {
        field_name: field
        for field_name, field in CommunityCreateSerializer().get_fields().items()
        if field_name not in ("school", "network")
    }
    fields[home] = serializers.IntegerField(help_text=help_text)
    return type(name, (serializers.Serializer,), fields)


CommunityCreateRequest = PolymorphicProxySerializer(
    component_name="CommunityCreate",
    serializers=[
        _create_variant("CommunityInSchool", "school", "Id of the school it lives in."),
        _create_variant("CommunityInNetwork", "network", "Id of the network it spans."),
    ],
    resource_type_field_name=None,
)


class CommunityUpdateSerializer(serializers.Serializer):
    name = text(200, required=False)
    topic = text(300, required=False)
    format = serializers.ChoiceField(choices=Format.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    cadence = serializers.ChoiceField(choices=Cadence.choices, required=False)
    cadence_note = optional_text(200)


class CommunityFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Text in the name or the topic."
    )
    format = serializers.ChoiceField(choices=Format.choices, required=False, allow_blank=True)


class JoinSerializer(serializers.Serializer):
    message = optional_text(500, help_text="A word to the facilitators.")


class AnswerInvitationSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    activity = optional_text(300, help_text="What you take on, e.g. I prepare the data for our common assessment.")


class MyMembershipSerializer(serializers.Serializer):
    activity = optional_text(300, help_text="What you take on.")
    role = serializers.ChoiceField(
        choices=Role.choices, required=False, help_text="Members may move between member, expert and observer."
    )


class InviteSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(),
        error_messages={"does_not_exist": _("You cannot invite this person.")},
        help_text="Id of the person, from the people directory.",
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.MEMBER)
    message = optional_text(500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["person"].queryset = people_visible_to(request.user)


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class SignSerializer(serializers.Serializer):
    fingerprint = serializers.CharField(
        max_length=128,
        help_text=(
            "The draft's `fingerprint` as you read it. If the members or the text changed since, "
            "nothing is signed and the answer is 409: read the decision again."
        ),
    )


class AcceptSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="Keep the asked role if left out.")


class VerifiedMemberSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.SerializerMethodField()

    def get_role_label(self, member) -> str:
        return str(Role(member["role"]).label) if member.get("role") in Role.values else ""


class DecisionVerificationSerializer(serializers.Serializer):
    """What anyone holding a printed decision may check: that it is real, and still in force."""

    verification_code = serializers.CharField()
    number = serializers.CharField()
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (DecisionStatus.SIGNED, DecisionStatus.SUPERSEDED)],
        help_text="Signed and in force, or superseded by a newer decision.",
    )
    community = serializers.CharField(source="community.name")
    school = serializers.CharField(source="community.school.name", allow_null=True, default=None)
    network = serializers.CharField(source="community.network.name", allow_null=True, default=None)
    topic = serializers.CharField()
    goals_text = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    members = VerifiedMemberSerializer(many=True)
    signed_by_name = serializers.CharField()
    signed_by_title = serializers.CharField()
    signed_at = serializers.DateTimeField()
    superseded_by = serializers.SerializerMethodField()

    def get_superseded_by(self, decision) -> str | None:
        """The verification code of the decision that replaced this one."""
        newer = getattr(decision, "superseded_by", None)
        return newer.verification_code if newer else None


# --- Views ------------------------------------------------------------------------------------


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Someone changed this community at the same moment. Reload and try again.")
    default_code = "conflict"


CONFLICT = OpenApiResponse(
    response={"$ref": "#/components/schemas/Error"},
    description="Someone changed the same thing at the same moment (or since you read it); nothing was changed.",
)


class AnswersConflicts:
    """A service's `Conflict` (a concurrent change) becomes a 409 with its translated sentence."""

    def handle_exception(self, exc):
        if isinstance(exc, services.Conflict):
            exc = ConflictError(exc.message)
        return super().handle_exception(exc)


COMMUNITY_PK = OpenApiParameter("community_pk", int, OpenApiParameter.PATH, description="Id of the community.")


@extend_schema(tags=["communities"])
@extend_schema_view(
    list=extend_schema(
        parameters=[CommunityFilterSerializer],
        responses={
            200: CommunitySerializer(many=True),
            400: OpenApiResponse(
                response={"$ref": "#/components/schemas/ValidationError"}, description="A filter is not valid."
            ),
        },
        summary="Communities you may see",
    ),
    create=extend_schema(request=CommunityCreateRequest, responses={201: CommunityDetailSerializer}),
    retrieve=extend_schema(responses=CommunityDetailSerializer),
    partial_update=extend_schema(request=CommunityUpdateSerializer, responses=CommunityDetailSerializer),
)
class CommunityViewSet(AnswersConflicts, viewsets.GenericViewSet):
    """Professional learning communities: only those the caller may know exist (others answer 404)."""

    serializer_class = CommunitySerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            filters = CommunityFilterSerializer(data=self.request.query_params)
            filters.is_valid(raise_exception=True)
            return queries.community_list(
                user, text=filters.validated_data.get("q", ""), format=filters.validated_data.get("format", "")
            )
        return queries.with_counts(queries.communities_visible_to(user), user).prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(user=user) if user.is_authenticated else Membership.objects.none(),
                to_attr="my_membership",
            )
        )

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CommunitySerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(self.detail_data(self.get_object()))

    def create(self, request):
        serializer = CommunityCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        community = serializer.save()
        return Response(self.detail_data(self.get_queryset().get(pk=community.pk)), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        community = self.get_object()
        self.allowed(community).need(rules.EDIT_CHARTER)
        serializer = CommunityUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_community(community, actor=request.user, **serializer.validated_data)
        return Response(self.detail_data(self.get_object()))

    def allowed(self, community: Community) -> Allowed:
        return community_access.allowed(self.request.user, community)

    def detail_data(self, community: Community) -> dict:
        """The detail answer, from the same `queries.Overview` as the community page: a fixed number
        of queries however many members, goals and decisions."""
        overview = queries.Overview(self.request.user, community, self.allowed(community), my_membership(community))
        return CommunityDetailSerializer(overview, context=self.get_serializer_context()).data

    # --- The charter --------------------------------------------------------------------------

    @extend_schema(methods=["GET"], responses=CharterSerializer, summary="The current charter")
    @extend_schema(
        methods=["PUT", "PATCH"],
        request=CharterWriteSerializer,
        responses=CharterSerializer,
        summary="Save a new version of the charter",
    )
    @action(detail=True, methods=["get", "put", "patch"])
    def charter(self, request, pk=None):
        community = self.get_object()
        allowed = self.allowed(community)
        allowed.need(rules.VIEW)
        if request.method == "GET":
            return Response(CharterSerializer(queries.current_charter(community) or NO_CHARTER).data)
        allowed.need(rules.EDIT_CHARTER)
        serializer = CharterWriteSerializer(data=request.data, partial=request.method == "PATCH")
        serializer.is_valid(raise_exception=True)
        services.update_charter(community, actor=request.user, **serializer.validated_data)
        return Response(CharterSerializer(queries.current_charter(community)).data)

    @extend_schema(responses=CharterRevisionSerializer(many=True), summary="Earlier versions of the charter")
    @action(detail=True, methods=["get"], url_path="charter/history", url_name="charter-history")
    def charter_history(self, request, pk=None):
        community = self.get_object()
        self.allowed(community).need(rules.VIEW)
        page = self.paginate_queryset(community.charter_revisions.select_related("edited_by"))
        return self.get_paginated_response(CharterRevisionSerializer(page, many=True).data)

    # --- One's own place in the community -----------------------------------------------------

    @extend_schema(request=JoinSerializer, responses={201: MembershipSerializer, 409: CONFLICT}, summary="Ask to join")
    @action(detail=True, methods=["post"])
    def join(self, request, pk=None):
        community = self.get_object()
        self.allowed(community).need(rules.REQUEST_TO_JOIN)
        serializer = JoinSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.request_to_join(community, actor=request.user, **serializer.validated_data)
        return Response(membership_data(membership), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: MembershipSerializer, 409: CONFLICT}, summary="Leave the community")
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        membership = services.leave(self.get_object(), actor=request.user)
        return Response(membership_data(membership))

    @extend_schema(
        request=AnswerInvitationSerializer,
        responses={200: MembershipSerializer, 409: CONFLICT},
        summary="Answer your invitation",
    )
    @action(detail=True, methods=["post"], url_path="answer-invitation", url_name="answer-invitation")
    def answer_invitation(self, request, pk=None):
        community = self.get_object()
        serializer = AnswerInvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = my_membership(community)
        if invitation is None:
            raise serializers.ValidationError({"non_field_errors": [_("You have no invitation to this community.")]})
        membership = services.answer_invitation(invitation, actor=request.user, **serializer.validated_data)
        return Response(membership_data(membership))

    @extend_schema(
        request=MyMembershipSerializer,
        responses={200: MembershipSerializer, 409: CONFLICT},
        summary="Your activity and role",
    )
    @action(detail=True, methods=["patch"])
    def me(self, request, pk=None):
        community = self.get_object()
        serializer = MyMembershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mine = my_membership(community)
        activity = serializer.validated_data.get("activity", mine.activity if mine else "")
        membership = services.set_activity(
            community, actor=request.user, activity=activity, role=serializer.validated_data.get("role")
        )
        return Response(membership_data(membership))


# What a member's line shows of the person (subjects, expertise, whether a young teacher).
PERSON_CARD = ("user__subjects", "user__expertise", "user__roles")


def membership_data(membership: Membership) -> dict:
    membership = (
        Membership.objects.select_related("user", "invited_by").prefetch_related(*PERSON_CARD).get(pk=membership.pk)
    )
    return MembershipSerializer(membership).data


class InCommunity(permissions.IsAuthenticated):
    """Signed in, the community visible (else 404), and the access layer allows what the view does
    (else 403 with the policy's sentence for the action)."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        view.allowed.need(view.needed())
        return True


class CommunityPartViewSet(AnswersConflicts, viewsets.GenericViewSet):
    """Base for what lives inside a community: goals, members, the work program, decisions."""

    permission_classes = [InCommunity]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    read_action = rules.VIEW
    # view action → the community action it needs (reads need `read_action`)
    write_actions: dict[str, str] = {}

    @cached_property
    def community(self) -> Community:
        return get_object_or_404(queries.communities_visible_to(self.request.user), pk=self.kwargs["community_pk"])

    @cached_property
    def allowed(self) -> Allowed:
        return community_access.allowed(self.request.user, self.community)

    def needed(self) -> str:
        return self.write_actions.get(self.action, self.read_action)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "community_pk" in self.kwargs:
            context["community"] = self.community
        return context

    def fake(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


PART_SCHEMA = extend_schema(tags=["communities"], parameters=[COMMUNITY_PK])


@PART_SCHEMA
class GoalViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    CommunityPartViewSet,
):
    """The community's shared, measurable goals."""

    serializer_class = GoalSerializer
    read_action = rules.VIEW_GOALS
    write_actions = {
        "create": rules.MANAGE_GOALS,
        "partial_update": rules.MANAGE_GOALS,
        "destroy": rules.MANAGE_GOALS,
        "progress": rules.UPDATE_PROGRESS,
    }

    def get_queryset(self):
        if self.fake():
            return Goal.objects.none()
        goals = queries.goals(self.community)
        if self.action != "list":
            goals = goals.prefetch_related(Prefetch("updates", queryset=GoalUpdate.objects.select_related("by")))
        return goals

    def get_serializer_class(self):
        return GoalSerializer if self.action == "list" else GoalDetailSerializer

    def perform_destroy(self, goal):
        services.delete_goal(goal, actor=self.request.user)

    @extend_schema(request=ProgressSerializer, responses=GoalDetailSerializer, summary="Record progress")
    @action(detail=True, methods=["post"])
    def progress(self, request, community_pk=None, pk=None):
        goal = self.get_object()
        serializer = ProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.record_progress(goal, actor=request.user, **serializer.validated_data)
        return Response(GoalDetailSerializer(self.get_object()).data)


@PART_SCHEMA
@extend_schema_view(
    create=extend_schema(
        request=InviteSerializer, responses={201: MembershipSerializer, 409: CONFLICT}, summary="Invite someone"
    ),
    partial_update=extend_schema(
        request=RoleChangeSerializer, responses={200: MembershipSerializer, 409: CONFLICT}, summary="Change a role"
    ),
    destroy=extend_schema(responses={204: None, 409: CONFLICT}, summary="Remove someone, or take back an invitation"),
)
class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CommunityPartViewSet,
):
    """Members of the community. Invitations and requests to join are for those who manage members."""

    serializer_class = MemberSerializer
    read_action = rules.VIEW_MEMBERS
    write_actions = {
        "pending": rules.MANAGE_MEMBERS,
        "create": rules.MANAGE_MEMBERS,
        "partial_update": rules.MANAGE_MEMBERS,
        "destroy": rules.MANAGE_MEMBERS,
        "accept": rules.MANAGE_MEMBERS,
        "decline": rules.MANAGE_MEMBERS,
    }

    def get_queryset(self):
        if self.fake():
            return Membership.objects.none()
        if self.action == "list":
            return queries.community_members(self.request.user, self.community, self.allowed)
        if self.action == "pending":
            return queries.pending_members(self.community).prefetch_related(*PERSON_CARD)
        # One id, whatever is done with it: the same set as the list (plus what managers handle).
        return queries.manageable_members(self.request.user, self.community, self.allowed).prefetch_related(
            *PERSON_CARD
        )

    def get_serializer_class(self):
        return MemberSerializer if self.action in ("list", "retrieve") else MembershipSerializer

    @extend_schema(responses=MembershipSerializer(many=True), summary="Invitations and requests to join")
    @action(detail=False, methods=["get"])
    def pending(self, request, community_pk=None):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MembershipSerializer(page, many=True).data)

    def create(self, request, community_pk=None):
        serializer = InviteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        membership = services.invite_member(self.community, actor=request.user, **serializer.validated_data)
        return Response(membership_data(membership), status=status.HTTP_201_CREATED)

    def partial_update(self, request, community_pk=None, pk=None):
        membership = self.get_object()
        serializer = RoleChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "role" in serializer.validated_data:  # PATCH: what is left out stays as it is
            membership = services.change_role(membership, actor=request.user, role=serializer.validated_data["role"])
        return Response(membership_data(membership))

    def destroy(self, request, community_pk=None, pk=None):
        services.remove_member(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=AcceptSerializer,
        responses={200: MembershipSerializer, 409: CONFLICT},
        summary="Accept a request to join",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, community_pk=None, pk=None):
        membership = self.get_object()
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.accept_request(membership, actor=request.user, role=serializer.validated_data.get("role"))
        return Response(membership_data(membership))

    @extend_schema(
        request=None, responses={200: MembershipSerializer, 409: CONFLICT}, summary="Decline a request to join"
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, community_pk=None, pk=None):
        membership = services.decline_request(self.get_object(), actor=request.user)
        return Response(membership_data(membership))


@PART_SCHEMA
class ActivityViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    CommunityPartViewSet,
):
    """The work program: what the community does, when, and who takes care of it."""

    serializer_class = ActivitySerializer
    read_action = rules.VIEW_PROGRAM
    write_actions = {
        "create": rules.MANAGE_PROGRAM,
        "partial_update": rules.MANAGE_PROGRAM,
        "destroy": rules.MANAGE_PROGRAM,
    }

    def get_queryset(self):
        if self.fake():
            return Activity.objects.none()
        return queries.program(self.community)

    def perform_destroy(self, activity):
        services.delete_activity(activity, actor=self.request.user)


@PART_SCHEMA
@extend_schema_view(destroy=extend_schema(summary="Delete a draft"))
class DecisionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    CommunityPartViewSet,
):
    """Official decisions that assign the team: drafted by facilitators or leaders, signed by the
    school's principal (or the network's supervisor), unchangeable once signed."""

    serializer_class = DecisionSerializer
    read_action = rules.VIEW_DECISIONS
    write_actions = {
        "create": rules.DRAFT_DECISION,
        "partial_update": rules.DRAFT_DECISION,
        "destroy": rules.DRAFT_DECISION,
    }

    def get_queryset(self):
        if self.fake():
            return Decision.objects.none()
        return queries.decisions(self.community)

    def perform_destroy(self, decision):
        services.delete_draft(decision, actor=self.request.user)

    @extend_schema(
        request=SignSerializer,
        responses={200: DecisionSerializer, 409: CONFLICT},
        summary="Sign the decision you read",
    )
    @action(detail=True, methods=["post"])
    def sign(self, request, community_pk=None, pk=None):
        decision = self.get_object()
        self.allowed.need(rules.SIGN_DECISION)
        serializer = SignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = services.sign_decision(
            decision, actor=request.user, fingerprint=serializer.validated_data["fingerprint"]
        )
        return Response(DecisionSerializer(queries.decisions(self.community).get(pk=decision.pk)).data)


@extend_schema(
    tags=["communities"],
    responses={
        200: DecisionVerificationSerializer,
        404: OpenApiResponse(description="No signed decision has this code."),
    },
    summary="Check a signed decision by its verification code",
)
class VerifyDecisionView(generics.RetrieveAPIView):
    """Public: anyone holding a printed decision may check it, without an account."""

    permission_classes = [permissions.AllowAny]
    serializer_class = DecisionVerificationSerializer

    def get_object(self):
        decision = services.find_signed_decision(self.kwargs["code"])
        if decision is None:
            raise Http404
        return decision
