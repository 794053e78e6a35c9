"""The REST side of people and profiles: same queries, same services as the pages."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, viewsets

from halqa.orgs.models import Position

from . import services
from .choices import Calendar, Grade, Role, Subject, time_zone_choices
from .models import ApiToken, User
from .queries import api_tokens_visible_to, people_visible_to, search_people, with_profile_data
from .views import directory_filters


class SchoolPlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="school.id")
    name = serializers.CharField(source="school.name")
    position = serializers.ChoiceField(choices=Position.choices)


class PersonSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    subjects = serializers.SerializerMethodField()
    grades = serializers.SerializerMethodField()
    expertise = serializers.SerializerMethodField()
    schools = SchoolPlaceSerializer(source="memberships", many=True, read_only=True)
    is_young_teacher = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "display_name",
            "roles",
            "subjects",
            "grades",
            "years_experience",
            "is_young_teacher",
            "expertise",
            "bio",
            "schools",
        ]
        read_only_fields = fields

    def get_roles(self, person) -> list[str]:
        return sorted(r.code for r in person.roles.all())

    def get_subjects(self, person) -> list[str]:
        return sorted(s.code for s in person.subjects.all())

    def get_grades(self, person) -> list[str]:
        return sorted(g.code for g in person.grades.all())

    def get_expertise(self, person) -> list[str]:
        return [t.name for t in person.expertise.all()]


class RelatedCodesField(serializers.ListField):
    """Written as a list of strings; read from a many-to-many, one attribute of each row.

    `sort` orders the output (codes); without it the rows keep their model's ordering (tags).
    """

    def __init__(self, *, attribute: str = "code", sort: bool = True, **kwargs):
        self.attribute = attribute
        self.sort = sort
        super().__init__(**kwargs)

    def to_representation(self, data):
        if hasattr(data, "all"):
            data = [getattr(row, self.attribute) for row in data.all()]
            if self.sort:
                data = sorted(data)
        return super().to_representation(data)


class ProfileSerializer(PersonSerializer):
    """One's own profile: everything on the person card, plus settings, writable."""

    display_name = serializers.CharField(max_length=120)
    bio = serializers.CharField(max_length=1000, allow_blank=True, required=False)
    subjects = RelatedCodesField(
        child=serializers.ChoiceField(choices=Subject.choices), required=False, max_length=len(Subject.choices)
    )
    grades = RelatedCodesField(
        child=serializers.ChoiceField(choices=Grade.choices), required=False, max_length=len(Grade.choices)
    )
    expertise = RelatedCodesField(
        attribute="name",
        sort=False,
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=services.MAX_EXPERTISE_TAGS,
    )
    years_experience = serializers.IntegerField(min_value=0, max_value=60, allow_null=True, required=False)
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    time_zone = serializers.ChoiceField(choices=time_zone_choices(), required=False)
    calendar = serializers.ChoiceField(choices=Calendar.choices, required=False)
    roles = serializers.SerializerMethodField()

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "email", "preferred_language", "time_zone", "calendar"]
        read_only_fields = ["id", "email", "roles", "schools", "is_young_teacher"]

    def validate_display_name(self, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise serializers.ValidationError(_("Please enter a name."))
        return value

    def validate_expertise(self, value: list[str]) -> list[str]:
        return services.clean_expertise(",".join(value))

    def update(self, person, validated_data):
        return services.update_profile(person, **validated_data)


@extend_schema(tags=["people"])
class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in person's own profile."""

    serializer_class = ProfileSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return get_object_or_404(with_profile_data(User.objects.all()), pk=self.request.user.pk)


@extend_schema(tags=["people"])
@extend_schema_view(
    # The directory's filters; a single person is found by id alone.
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Text in the name or bio"),
            OpenApiParameter("subject", str, enum=Subject.values),
            OpenApiParameter("role", str, enum=Role.values),
            OpenApiParameter("expertise", str, description="Part of an expertise tag"),
            OpenApiParameter("school", int, description="Id of a school the person belongs to"),
        ]
    ),
    # Typed here: the queryset depends on who asks, so the schema generator cannot derive it.
    retrieve=extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)]),
)
class PeopleViewSet(viewsets.ReadOnlyModelViewSet):
    """The people directory: only the people the caller may see (others answer 404)."""

    serializer_class = PersonSerializer

    def get_queryset(self):
        people = people_visible_to(self.request.user)
        if self.action == "list":
            people = search_people(people, viewer=self.request.user, **directory_filters(self.request.query_params))
        return with_profile_data(people, self.request.user)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the key, which is shown once when it is made."""

    expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "created_at", "expires_at", "last_used_at", "expired"]
        read_only_fields = fields


@extend_schema(tags=["tokens"])
@extend_schema_view(
    retrieve=extend_schema(parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)]),
    destroy=extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        description="Revoke the token: it stops working at once and leaves the list.",
    ),
)
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's own API tokens, to list and revoke (other people's answer 404).

    Tokens are made on the account's security page, which asks for the password again when the
    sign-in is not recent; the API does not make them, so a leaked token cannot mint another.
    """

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return api_tokens_visible_to(self.request.user)

    def perform_destroy(self, instance):
        services.revoke_api_token(instance, actor=self.request.user)
