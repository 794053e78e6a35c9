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

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from halqa.core.access import Allowed

from . import queries, rules, services
from .access import community_access
from .models import (
    Activity,
    Community,
    Decision,
    Goal,
    GoalUpdate,
    Membership,
)
from .serializers import (
    NO_CHARTER,
    AcceptSerializer,
    ActivitySerializer,
    AnswerInvitationSerializer,
    CharterRevisionSerializer,
    CharterSerializer,
    CharterWriteSerializer,
    CommunityCreateRequest,
    CommunityCreateSerializer,
    CommunityDetailSerializer,
    CommunityFilterSerializer,
    CommunitySerializer,
    CommunityUpdateSerializer,
    DecisionSerializer,
    DecisionVerificationSerializer,
    GoalDetailSerializer,
    GoalSerializer,
    InviteSerializer,
    JoinSerializer,
    MemberSerializer,
    MembershipSerializer,
    MyMembershipSerializer,
    ProgressSerializer,
    RoleChangeSerializer,
    SignSerializer,
    my_membership,
)

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
