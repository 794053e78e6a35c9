"""What the community API reads and writes: serializers over the models and `queries.Overview`.

Serializers validate input and shape answers; every write they make goes through `services`, and
every permission question goes to the access layer (never to a serializer).
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema_field,
)
from rest_framework import serializers

from halqa.accounts.models import User
from halqa.accounts.queries import people_visible_to
from halqa.orgs.models import Network, School

from . import queries, rules, services
from .access import START_REFUSALS
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
