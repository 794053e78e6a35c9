"""factory_boy factories for communities: rows as the services would leave them, made directly.

Tests that are about a service call the service; these only set the scene.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from halqa.accounts.tests.factories import NetworkFactory, SchoolFactory, UserFactory
from halqa.communities.models import (
    Activity,
    CharterRevision,
    Community,
    Decision,
    DecisionStatus,
    Format,
    Goal,
    Membership,
    Role,
    Status,
    Visibility,
    new_verification_code,
)


class CommunityFactory(factory.django.DjangoModelFactory):
    """A school community. `facilitator=person` (or `members={role: [people]}`) adds active members."""

    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    topic = factory.Sequence(lambda n: f"Topic {n}")
    format = Format.SUBJECT_PLC
    school = factory.SubFactory(SchoolFactory)
    network = None
    visibility = Visibility.SCHOOL

    @factory.post_generation
    def facilitator(self, create, extracted, **kwargs):
        if create and extracted:
            CommunityMembershipFactory(community=self, user=extracted, role=Role.FACILITATOR)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            for role, people in extracted.items():
                for person in people:
                    CommunityMembershipFactory(community=self, user=person, role=role)


class NetworkCommunityFactory(CommunityFactory):
    school = None
    network = factory.SubFactory(NetworkFactory)
    format = Format.NETWORK


class CommunityMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    status = Status.ACTIVE
    joined_at = factory.LazyFunction(timezone.now)


class CharterRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CharterRevision

    community = factory.SubFactory(CommunityFactory)
    mission = "Every student in grade 8 reaches the standard in mathematics."
    vision = "A school where teachers learn from each other's classrooms."
    values = "Evidence over opinion; openness; shared responsibility."
    norms = "We start on time.\nWe bring student work.\nWhat is said here stays here."
    note = "First version"


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Goal {n}")
    target = "80% of grade 8 students pass the common assessment"
    measure = "Common assessment in May"
    due_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=120))


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class DecisionFactory(factory.django.DjangoModelFactory):
    """A draft; `SignedDecisionFactory` for one that a principal has signed."""

    class Meta:
        model = Decision

    community = factory.SubFactory(CommunityFactory)
    number = factory.Sequence(lambda n: f"D-{n:03d}")
    topic = factory.SelfAttribute("community.topic")
    goals_text = "Raise the pass rate of the grade 8 common assessment to 80%."
    period_start = factory.LazyFunction(timezone.localdate)
    period_end = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=300))
    members = factory.LazyAttribute(
        lambda d: [
            {"user": m.user_id, "name": str(m.user), "role": m.role}
            for m in d.community.memberships.filter(status=Status.ACTIVE).exclude(role=Role.GUEST)
        ]
    )


class SignedDecisionFactory(DecisionFactory):
    status = DecisionStatus.SIGNED
    signed_by_name = "Principal Pia"
    signed_by_title = "Principal"
    signed_at = factory.LazyFunction(timezone.now)
    verification_code = factory.LazyFunction(new_verification_code)
