"""The REST side of notifications: one's own list, marking read, and the channel per kind.

Only the caller's own notifications exist here: another person's id answers 404 (the policy's rows
are the caller's rows). The same queries and services as the pages.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from . import queries, services
from .access import MARK_READ, notification_access
from .forms import channels_for_kind
from .models import Kind
from .tasks import plain


class NotificationSerializer(serializers.Serializer):
    """A notification as its reader reads it (an `queries.Item`)."""

    id = serializers.IntegerField(source="notification.pk", read_only=True)
    kind = serializers.ChoiceField(choices=Kind.choices, source="notification.kind", read_only=True)
    text = serializers.SerializerMethodField(help_text="What happened, in the caller's language.")
    link = serializers.CharField(read_only=True, help_text="The path of the page it is about.")
    created_at = serializers.DateTimeField(source="notification.created_at", read_only=True)
    read_at = serializers.DateTimeField(source="notification.read_at", read_only=True, allow_null=True)

    def get_text(self, item) -> str:
        return plain(item.sentence)


class PreferencesSerializer(serializers.Serializer):
    """The channel of every kind of notification: `immediately` (here and by email now), `digest`
    (here now, by email in the daily digest) or `off`. On PUT, kinds left out keep their channel."""

    def get_fields(self):
        return {
            kind: serializers.ChoiceField(choices=channels_for_kind(kind), required=False, help_text=str(label))
            for kind, label in Kind.choices
        }

    def validate(self, attrs):
        unknown = sorted(str(key) for key in self.initial_data if key not in Kind.values)
        if unknown:
            raise ValidationError({key: [_("Unknown kind of notification.")] for key in unknown})
        return attrs


READ_ALL = inline_serializer("NotificationsMarkedRead", {"marked": serializers.IntegerField()})


@extend_schema(tags=["notifications"])
@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        parameters=[OpenApiParameter("unread", str, enum=["true", "false"], description="Only the unread ones")],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications (nobody else's: those answer 404)."""

    serializer_class = NotificationSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return queries.notifications_of(self.request.user)

    def list(self, request, *args, **kwargs):
        unread = request.query_params.get("unread")
        if unread not in (None, "true", "false"):
            raise ValidationError({"unread": [_("Use “true” or “false”.")]})
        rows = queries.notifications_of(request.user, unread=unread == "true")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(NotificationSerializer(queries.items(page, request.user), many=True).data)

    @extend_schema(
        request=None,
        responses=NotificationSerializer,
        summary="Mark one notification read",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification, can = notification_access.get(request.user, pk, self.get_queryset())
        can.need(MARK_READ)
        services.mark_read(notification, reader=request.user)
        return Response(NotificationSerializer(queries.items([notification], request.user)[0]).data)

    @extend_schema(request=None, responses=READ_ALL, summary="Mark all your notifications read")
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        return Response({"marked": services.mark_all_read(request.user)})

    @extend_schema(methods=["GET"], request=None, responses=PreferencesSerializer, summary="Your channel for each kind")
    @extend_schema(
        methods=["PUT"],
        request=PreferencesSerializer,
        responses=PreferencesSerializer,
        summary="Choose the channel of some kinds",
    )
    @action(detail=False, methods=["get", "put"], pagination_class=None)
    def preferences(self, request):
        if request.method == "PUT":
            serializer = PreferencesSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            return Response(services.set_preferences(request.user, serializer.validated_data))
        return Response(services.channels_of(request.user))
