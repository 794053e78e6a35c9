"""Grow communities tenfold, to show that a page's or an endpoint's query count does not grow with data.

`seed_communities_tenfold` first grows the organizations (`halqa.orgs.tests.seeding.seed_tenfold`:
people, schools, tags, invitations), then gives every community ten times the members, goals and
progress notes, activities, decisions and charter versions it has, and adds ten times as many
communities, each with a facilitator, where the world's people can see them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from types import SimpleNamespace

from django.utils import timezone

from halqa.accounts.choices import PRIVATE_ROLES
from halqa.accounts.models import User
from halqa.communities.models import (
    Activity,
    ActivityFormat,
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
    new_verification_code,
)
from halqa.core.testing.queries import CEILING, assert_query_bound
from halqa.orgs.tests.seeding import FACTOR, seed_tenfold

MEMBER_ROLES = (Role.MEMBER, Role.MEMBER, Role.EXPERT, Role.OBSERVER, Role.FACILITATOR, Role.GUEST)


def _grow(count: int, factor: int) -> int:
    return max(count, 1) * factor


def seed_communities_tenfold(world, communities: Iterable[Community], factor: int = FACTOR) -> SimpleNamespace:
    """Ten times the people and organizations, then ten times everything each community shows."""
    grown = seed_tenfold(world, factor)
    communities = [Community.objects.get(pk=c.pk) for c in communities]
    private = set(
        User.objects.filter(pk__in=[p.pk for p in grown.people], roles__code__in=PRIVATE_ROLES).values_list(
            "pk", flat=True
        )
    )
    people = itertools.cycle(grown.people)
    today = timezone.localdate()
    made = SimpleNamespace(memberships=[], goals=[], activities=[], decisions=[], communities=[])

    for community in communities:
        taken = set(community.memberships.values_list("user_id", flat=True))
        members = []
        for n in range(_grow(community.memberships.count(), factor)):
            person = next(people)
            while person.pk in taken:
                person = next(people)
            taken.add(person.pk)
            role = Role.GUEST if person.pk in private else MEMBER_ROLES[n % len(MEMBER_ROLES)]
            status = Status.ACTIVE if n % 5 else (Status.INVITED, Status.REQUESTED, Status.LEFT)[n % 3]
            members.append(
                Membership(
                    community=community,
                    user=person,
                    role=role,
                    status=status,
                    activity=f"Seeded activity {n}",
                    joined_at=timezone.now() if status == Status.ACTIVE else None,
                    invited_by=world.teacher,
                    message="Seeded for query bounds.",
                )
            )
        made.memberships += Membership.objects.bulk_create(members)
        active = [m.user for m in members if m.status == Status.ACTIVE]

        goals = Goal.objects.bulk_create(
            Goal(
                community=community,
                title=f"Seeded goal {n}",
                target="80% pass",
                measure="Common assessment",
                due_date=today + dt.timedelta(days=n),
                progress=n % 100,
            )
            for n in range(_grow(community.goals.count(), factor))
        )
        GoalUpdate.objects.bulk_create(
            GoalUpdate(goal=goal, progress=p, note="Seeded", by=active[p % len(active)] if active else None)
            for goal in goals[:factor]
            for p in range(0, 100, 100 // factor)
        )
        made.goals += goals

        made.activities += Activity.objects.bulk_create(
            Activity(
                community=community,
                title=f"Seeded activity {n}",
                format=ActivityFormat.values[n % len(ActivityFormat.values)],
                starts_on=today + dt.timedelta(days=n),
                ends_on=today + dt.timedelta(days=n + 1) if n % 2 else None,
                responsible=active[n % len(active)] if active and n % 3 else None,
            )
            for n in range(_grow(community.activities.count(), factor))
        )

        snapshot = [{"user": u.pk, "name": str(u), "role": Role.MEMBER} for u in active[: 2 * factor]]
        decisions = []
        for n in range(_grow(community.decisions.count(), factor)):
            signed = n % 2 == 0
            decisions.append(
                Decision(
                    community=community,
                    number=f"S-{community.pk}-{n}",
                    topic=community.topic,
                    goals_text="Seeded goals",
                    period_start=today,
                    period_end=today + dt.timedelta(days=300),
                    members=snapshot,
                    status=DecisionStatus.SUPERSEDED if signed else DecisionStatus.DRAFT,
                    signed_by_name="Seeded Signer" if signed else "",
                    signed_at=timezone.now() if signed else None,
                    verification_code=new_verification_code() if signed else None,
                )
            )
        made.decisions += Decision.objects.bulk_create(decisions)

        CharterRevision.objects.bulk_create(
            CharterRevision(community=community, mission=f"Seeded mission {n}", note="Seeded")
            for n in range(_grow(community.charter_revisions.count(), factor))
        )

    # Ten times the communities: in the world's schools and network, public, and members-only.
    homes = [{"school": world.school}, {"school": world.other_school}, {"network": world.network}]
    visibilities = [Visibility.SCHOOL, Visibility.PUBLIC, Visibility.MEMBERS]
    new_communities = Community.objects.bulk_create(
        Community(
            name=f"Seeded community {n:03d}",
            topic="Seeded topic",
            format=Format.values[n % len(Format.values)],
            visibility=visibilities[n % 3],
            **homes[n % 3],
        )
        for n in range(_grow(Community.objects.count(), factor))
    )
    facilitators = itertools.cycle(p for p in grown.people if p.pk not in private)
    Membership.objects.bulk_create(
        Membership(community=c, user=next(facilitators), role=Role.FACILITATOR, joined_at=timezone.now())
        for c in new_communities
    )
    made.communities = new_communities
    made.grown = grown
    return made


def assert_community_queries_do_not_grow(
    world,
    communities: Iterable[Community],
    request: Callable[[], object],
    *,
    check: Callable[[object], None] | None = None,
    check_after: Callable[[object], None] | None = None,
    ceiling: int = CEILING,
) -> tuple[int, int]:
    """Run `request`, seed ten times the data around `communities`, run it again: no more queries.

    As `halqa.orgs.tests.seeding.assert_queries_do_not_grow`, with the communities grown as well.
    """
    return assert_query_bound(
        request,
        grow=lambda: seed_communities_tenfold(world, communities),
        ceiling=ceiling,
        check=check,
        check_after=check_after,
    )
