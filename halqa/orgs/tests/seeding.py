"""Grow the `world` fixture tenfold, to show that a page's query count does not grow with data.

A query bound is only worth something when it is measured twice: once on the world as the
fixtures make it, once after every list the page shows has become ten times longer. The helpers
here do the growing (`seed_tenfold`) and the counting (`count_queries`, `assert_queries_do_not_grow`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from halqa.accounts.choices import Grade, Role, Subject
from halqa.accounts.models import ExpertiseTag, GradeRow, RoleRow, SubjectRow, User
from halqa.core.testing.queries import CEILING, assert_query_bound, count_queries  # noqa: F401
from halqa.orgs.models import Invitation, Membership, Network, Position, School, hash_token

FACTOR = 10

# Who the extra people are, in turn: mostly teachers, with every other role mixed in.
ROLE_CYCLE = (
    (Role.TEACHER, Position.TEACHER),
    (Role.TEACHER, Position.SUPERVISING_TEACHER),
    (Role.EXPERT, Position.COUNSELOR),
    (Role.COORDINATOR, Position.COORDINATOR),
    (Role.PRINCIPAL, Position.DEPUTY),
    (Role.PARENT, Position.PARENT),
    (Role.STUDENT, Position.STUDENT),
    (Role.TEACHER, Position.TEACHER),
    (Role.SUPERVISOR, None),
    (Role.DISTRICT_ADMIN, None),
)


def _count(model) -> int:
    return model.objects.count()


def seed_tenfold(world, factor: int = FACTOR, *, invitations: bool = True) -> SimpleNamespace:
    """Add `factor` times the people, schools, networks, memberships, tags (and invitations) there are.

    The new people belong to the world's own schools as well as to new ones, so every list the
    world's people look at (their school's members, the directory, the home page) grows too.
    Returns what was made, for the assertions that check the page really shows more.
    """
    people_before = _count(User)
    schools_before = _count(School)
    networks_before = _count(Network)

    authorities = [world.authority, world.foreign_school.authority]
    new_schools = School.objects.bulk_create(
        School(
            authority=authorities[n % 2],
            name=f"Seeded School {n:03d}",
            city="Isfahan" if n % 2 else "Kazan",
            stage="primary" if n % 3 else "secondary",
        )
        for n in range(schools_before * factor)
    )
    new_networks = Network.objects.bulk_create(
        Network(
            authority=authorities[n % 2],
            name=f"Seeded Network {n:03d}",
            supervisor=world.supervisor if n % 2 == 0 else None,
        )
        for n in range(max(networks_before, 1) * factor)
    )
    NetworkSchool = Network.schools.through
    same_authority = {a.pk: [s for s in new_schools if s.authority_id == a.pk] for a in authorities}
    NetworkSchool.objects.bulk_create(
        NetworkSchool(network_id=network.pk, school_id=school.pk)
        for network in new_networks
        for school in same_authority[network.authority_id][: factor // 2 or 1]
    )
    # The world's network gets ten times as many schools as well.
    NetworkSchool.objects.bulk_create(
        NetworkSchool(network_id=world.network.pk, school_id=school.pk)
        for school in same_authority[world.authority.pk][: world.network.schools.count() * factor]
    )

    tags = ExpertiseTag.objects.bulk_create(
        ExpertiseTag(name=f"Seeded topic {n:03d}", key=ExpertiseTag.key_for(f"Seeded topic {n:03d}"))
        for n in range(max(ExpertiseTag.objects.count(), 4) * factor)
    )

    password = make_password("seeded-people-cannot-sign-in-42")
    new_people = User.objects.bulk_create(
        User(
            email=f"seeded{n:04d}@example.org",
            display_name=f"Seeded Person {n:04d}",
            password=password,
            years_experience=n % 40,
            bio="Seeded for query bounds.",
        )
        for n in range(people_before * factor)
    )

    roles = {row.code: row for row in RoleRow.objects.all()}
    subjects = list(SubjectRow.objects.filter(code__in=Subject.values))
    grades = list(GradeRow.objects.filter(code__in=Grade.values))
    world_schools = [world.school, world.other_school, world.foreign_school]
    UserRoles = User.roles.through
    UserSubjects = User.subjects.through
    UserGrades = User.grades.through
    UserTags = User.expertise.through
    role_rows, subject_rows, grade_rows, tag_rows, memberships = [], [], [], [], []
    schools_cycle = itertools.cycle(world_schools + new_schools)
    for n, person in enumerate(new_people):
        role, position = ROLE_CYCLE[n % len(ROLE_CYCLE)]
        role_rows.append(UserRoles(user_id=person.pk, rolerow_id=roles[role].pk))
        if role in (Role.TEACHER, Role.EXPERT, Role.COORDINATOR):
            for subject in (subjects[n % len(subjects)], subjects[(n + 7) % len(subjects)]):
                subject_rows.append(UserSubjects(user_id=person.pk, subjectrow_id=subject.pk))
            for grade in grades[n % 5 : n % 5 + 3]:
                grade_rows.append(UserGrades(user_id=person.pk, graderow_id=grade.pk))
            for tag in (tags[n % len(tags)], tags[(n + 3) % len(tags)], tags[(n + 11) % len(tags)]):
                tag_rows.append(UserTags(user_id=person.pk, expertisetag_id=tag.pk))
        if position is not None:
            # Every person joins one of the world's schools and one other school.
            memberships.append(Membership(user=person, school=world_schools[n % 3], position=position))
            memberships.append(Membership(user=person, school=next(schools_cycle), position=position))
        if role == Role.DISTRICT_ADMIN:
            authorities[n % 2].admins.add(person)
    UserRoles.objects.bulk_create(role_rows)
    UserSubjects.objects.bulk_create(subject_rows)
    UserGrades.objects.bulk_create(grade_rows)
    UserTags.objects.bulk_create(tag_rows)
    Membership.objects.bulk_create(memberships, ignore_conflicts=True)

    # The world's own people get ten times the tags and memberships they show on their cards.
    for person in (world.teacher, world.colleague, world.principal):
        person.expertise.add(*tags[: 2 * factor])
        for school in new_schools[:factor]:
            Membership.objects.get_or_create(user=person, school=school, position=Position.TEACHER)

    new_invitations = []
    if invitations:
        new_invitations = Invitation.objects.bulk_create(
            Invitation(
                email=f"invitee{n:04d}@example.org",
                school=world_schools[n % 3],
                position=Position.TEACHER,
                token_hash=hash_token(f"seeded-token-{n}"),
                invited_by=world.principal,
                expires_at=timezone.now() + dt.timedelta(days=14),
            )
            for n in range(max(Invitation.objects.count(), 3) * factor)
        )

    return SimpleNamespace(
        people=new_people,
        schools=new_schools,
        networks=new_networks,
        tags=tags,
        invitations=new_invitations,
    )


def assert_queries_do_not_grow(
    world,
    request: Callable[[], object],
    *,
    check: Callable[[object], None] | None = None,
    check_after: Callable[[object], None] | None = None,
    ceiling: int = CEILING,
) -> tuple[int, int]:
    """Run `request` on the world, seed ten times the data, run it again: no more queries the second time.

    `request` is run once first so that one-off work (session load, caches) is not counted;
    `check` looks at each response (for example its status), `check_after` at the second one
    (for example that the page really lists more). Returns both counts for the curious.
    """
    return assert_query_bound(
        request, grow=lambda: seed_tenfold(world), ceiling=ceiling, check=check, check_after=check_after
    )
