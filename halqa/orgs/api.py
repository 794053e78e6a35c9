"""The REST side of schools, networks and invitations: same queries and services as the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from halqa.core import outbox
from halqa.core.models import DeliveryStatus

from . import services
from .access import CHANGE, network_access, school_access
from .models import Authority, Holiday, Invitation, Network, Position, School
from .queries import (
    invitations_managed_by,
    networks_visible_to,
    schools_led_by,
    schools_visible_to,
    with_school_detail,
)
from .tasks import INVITATION_EMAIL


class AuthoritySerializer(serializers.ModelSerializer):
    class Meta:
        model = Authority
        fields = ["id", "name", "region"]


class SchoolSerializer(serializers.ModelSerializer):
    authority = AuthoritySerializer(read_only=True)
    networks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    staff_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = School
        fields = [
            "id",
            "name",
            "city",
            "stage",
            "description",
            "website",
            "weekend",
            "authority",
            "networks",
            "staff_count",
        ]
        read_only_fields = ["id", "authority", "networks", "staff_count"]

    def update(self, school, validated_data):
        return services.update_school(school, actor=self.context["request"].user, **validated_data)


class HolidaySerializer(serializers.ModelSerializer):
    """A day (or days, `ends` included) the school does not work; case plans skip it."""

    class Meta:
        model = Holiday
        fields = ["id", "name", "starts", "ends"]
        read_only_fields = ["id"]

    def validate(self, data):
        holiday = Holiday(**data)
        holiday.clean()
        return data


class NetworkSerializer(serializers.ModelSerializer):
    authority = AuthoritySerializer(read_only=True)
    supervisor = serializers.PrimaryKeyRelatedField(read_only=True)
    schools = serializers.PrimaryKeyRelatedField(many=True, queryset=School.objects.all(), required=False)

    class Meta:
        model = Network
        fields = ["id", "name", "description", "authority", "supervisor", "schools"]
        read_only_fields = ["id", "authority", "supervisor"]

    def update(self, network, validated_data):
        return services.update_network(network, actor=self.context["request"].user, **validated_data)


class SchoolField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("You cannot invite people to this school."),
        "incorrect_type": _("A school is given by its number."),
    }

    def get_queryset(self):
        return schools_led_by(self.context["request"].user)


class InvitationSerializer(serializers.ModelSerializer):
    school = SchoolField()
    position = serializers.ChoiceField(choices=Position.choices)
    status = serializers.CharField(read_only=True)
    invited_by = serializers.PrimaryKeyRelatedField(read_only=True)
    delivery_status = serializers.ChoiceField(
        choices=DeliveryStatus.choices,
        read_only=True,
        allow_null=True,
        help_text=_("What became of the newest invitation email: not delivered yet, sent, or could not be delivered."),
    )

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "school",
            "position",
            "message",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "delivery_status",
        ]
        read_only_fields = ["id", "status", "invited_by", "created_at", "expires_at", "accepted_at"]

    def create(self, validated_data):
        invitation = services.invite(actor=self.context["request"].user, **validated_data)
        return with_delivery_status(Invitation.objects.select_related("school")).get(pk=invitation.pk)


def with_delivery_status(invitations):
    return invitations.annotate(delivery_status=outbox.latest_status(INVITATION_EMAIL))


class MayChange(permissions.IsAuthenticated):
    """Reading is for every signed-in person; changing needs the view's rules permission on the object.

    Checked before the input is validated, so someone who may not change an object hears "no"
    whatever they send; the service checks again, for callers other than the API.
    """

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        allowed = view.policy.allowed(request.user, obj)
        if CHANGE in allowed:
            return True
        self.message = allowed.policy.refusal(CHANGE)
        return False


@extend_schema(tags=["organizations"])
class SchoolViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Schools: every signed-in person may read them; a school's leaders may change it."""

    serializer_class = SchoolSerializer
    http_method_names = ["get", "patch", "post", "delete", "head", "options"]
    permission_classes = [MayChange]
    policy = school_access

    def get_queryset(self):
        return with_school_detail(schools_visible_to(self.request.user))

    @extend_schema(methods=["GET"], responses=HolidaySerializer(many=True), summary="The school's holidays")
    @extend_schema(
        methods=["POST"], request=HolidaySerializer, responses={201: HolidaySerializer}, summary="Add a holiday"
    )
    @action(detail=True, methods=["get", "post"], serializer_class=HolidaySerializer)
    def holidays(self, request, pk=None):
        """Every signed-in person may read a school's holidays; its leaders add and remove them."""
        school = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(school.holidays.order_by("starts", "id"))
            return self.get_paginated_response(HolidaySerializer(page, many=True).data)
        data = HolidaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        holiday = services.add_holiday(school, actor=request.user, **data.validated_data)
        return Response(HolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, summary="Remove a holiday")
    @action(detail=True, methods=["delete"], url_path=r"holidays/(?P<holiday_pk>[0-9]+)")
    def holiday(self, request, pk=None, holiday_pk=None):
        school = self.get_object()
        holiday = school.holidays.filter(pk=holiday_pk).first()
        if holiday is None:
            raise exceptions.NotFound()
        services.remove_holiday(holiday, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["organizations"])
class NetworkViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Networks of schools: readable by all signed-in people; changed by their supervisor."""

    serializer_class = NetworkSerializer
    http_method_names = ["get", "patch", "head", "options"]
    permission_classes = [MayChange]
    policy = network_access

    def get_queryset(self):
        return networks_visible_to(self.request.user).prefetch_related("schools")


@extend_schema(tags=["organizations"])
class InvitationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Invitations to the schools the caller leads. Creating one emails the invitee."""

    serializer_class = InvitationSerializer

    def get_queryset(self):
        return with_delivery_status(invitations_managed_by(self.request.user))

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        invitation = services.revoke_invitation(self.get_object(), actor=request.user)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_200_OK)

    @extend_schema(request=None, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request, pk=None):
        """Email a pending invitation again with a fresh link (the old link stops working)."""
        invitation = services.resend_invitation(self.get_object(), actor=request.user)
        invitation = self.get_queryset().get(pk=invitation.pk)
        return Response(self.get_serializer(invitation).data, status=status.HTTP_200_OK)
