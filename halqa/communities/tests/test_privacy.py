"""Nothing private leaks from a community: one visible-members set behind every list, count,
detail, mention and feed, and a role table in which joining never shows less than visiting."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from halqa.accounts.tests.factories import UserFactory
from halqa.communities import queries, rules, services
from halqa.communities.access import community_access
from halqa.communities.discussion import CommunityDiscussionPolicy
from halqa.communities.models import Community, Membership, Role, Status, Visibility
from halqa.communities.tests.factories import (
    ActivityFactory,
    CommunityFactory,
    CommunityMembershipFactory,
    NetworkCommunityFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/communities/"


@pytest.fixture
def circle(world):
    """A school-visible community at Al-Farabi: Tala facilitates, Cyrus is a member, the parent
    Parisa and the student Sami are guests; a members-only one and a network one besides."""
    w = world
    w.community = CommunityFactory(
        school=w.school,
        name="Reading circle",
        facilitator=w.teacher,
        members={Role.MEMBER: [w.colleague], Role.GUEST: [w.parent, w.student]},
    )
    w.parent_guest = Membership.objects.get(community=w.community, user=w.parent)
    w.student_guest = Membership.objects.get(community=w.community, user=w.student)
    w.private = CommunityFactory(
        school=w.school, visibility=Visibility.MEMBERS, facilitator=w.colleague, members={Role.GUEST: [w.student]}
    )
    w.networked = NetworkCommunityFactory(network=w.network, facilitator=w.supervisor, members={Role.GUEST: [w.parent]})
    w.public = CommunityFactory(school=w.foreign_school, visibility=Visibility.PUBLIC, facilitator=w.foreign_teacher)
    return w


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def member_url(community, membership_pk) -> str:
    return f"{API}{community.pk}/members/{membership_pk}/"


# --- The leak of issue 9: a guest's membership by id --------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "other_teacher", "principal_of_nothing"])
def test_a_guests_membership_is_404_to_those_the_list_hides_it_from(circle, who):
    """Ids are sequential: walking them must not find the parent or the student the list hides."""
    viewer = UserFactory(display_name="Visiting Vera", roles=["teacher"]) if who == "principal_of_nothing" else None
    if viewer is not None:
        from halqa.accounts.tests.factories import MembershipFactory

        MembershipFactory(user=viewer, school=circle.school, position="teacher")  # a school-mate visitor
    viewer = viewer or getattr(circle, who)
    client = api_as(viewer)
    # Every membership there is (this test's; ids keep counting across tests on PostgreSQL, so
    # walking from 1 made thousands of requests), one before and one past the end.
    first, last = Membership.objects.order_by("pk").first().pk, Membership.objects.order_by("-pk").first().pk
    seen = set()
    for pk in range(max(1, first - 1), last + 2):
        response = client.get(member_url(circle.community, pk))
        assert response.status_code in (200, 403, 404)
        if response.status_code == 200:
            seen.add(response.json()["display_name"])
    assert "Parent Parisa" not in seen and "Student Sami" not in seen
    if who != "other_teacher":  # another school's teacher may not see this community at all
        assert seen == {"Teacher Tala", "Colleague Cyrus"}


def test_the_list_the_detail_and_the_count_agree_for_everyone(circle):
    people = [circle.teacher, circle.colleague, circle.parent, circle.student, circle.principal, circle.district_admin]
    for person in people:
        client = api_as(person)
        listed = {m["id"] for m in client.get(f"{API}{circle.community.pk}/members/").json()["results"]}
        detail = client.get(f"{API}{circle.community.pk}/").json()
        assert {m["id"] for m in detail["members"]} == listed
        assert detail["member_count"] == len(listed)
        in_list = {c["id"]: c["member_count"] for c in client.get(API).json()["results"]}
        assert in_list[circle.community.pk] == len(listed)
        for membership in Membership.objects.filter(community=circle.community, status=Status.ACTIVE):
            status = client.get(member_url(circle.community, membership.pk)).status_code
            assert (status == 200) is (membership.pk in listed), (person, membership)


def test_the_count_counts_only_the_people_listed(circle):
    as_colleague = {c["id"]: c["member_count"] for c in api_as(circle.colleague).get(API).json()["results"]}
    as_facilitator = {c["id"]: c["member_count"] for c in api_as(circle.teacher).get(API).json()["results"]}
    assert as_colleague[circle.community.pk] == 2  # Tala and Cyrus; not the two guests
    assert as_facilitator[circle.community.pk] == 4


def test_the_community_pages_list_and_count_the_same_people(circle, client):
    client.force_login(circle.colleague)
    detail = client.get(reverse("communities:detail", args=[circle.community.pk]))
    members = client.get(reverse("communities:members", args=[circle.community.pk]))
    listing = client.get(reverse("communities:list"))
    for response in (detail, members, listing):
        page = response.content.decode()
        assert "Parent Parisa" not in page and "Student Sami" not in page
    assert detail.context["overview"].member_count == 2
    assert [c.member_count for c in listing.context["page"] if c.pk == circle.community.pk] == [2]


def test_acting_on_a_hidden_membership_answers_404_like_a_missing_one(circle, client):
    client.force_login(circle.colleague)
    for name in ("member_remove", "member_role", "member_accept", "member_decline"):
        hidden = client.post(reverse(f"communities:{name}", args=[circle.community.pk, circle.parent_guest.pk]))
        missing = client.post(reverse(f"communities:{name}", args=[circle.community.pk, 10**6]))
        assert hidden.status_code == missing.status_code == 404


def test_nobody_mentions_a_guest_since_every_reader_would_see_the_name(circle):
    policy = CommunityDiscussionPolicy()
    assert circle.parent not in policy.mentionable(circle.colleague, circle.community)
    assert circle.parent not in policy.mentionable(circle.teacher, circle.community)  # even who manages
    assert set(policy.mentionable(circle.parent, circle.community)) == {circle.teacher, circle.colleague}


def test_the_activity_feed_shows_no_hidden_guest(circle):
    from halqa.events import Verb, record
    from halqa.events.queries import community_activity

    for membership in circle.community.memberships.select_related("user"):
        record(
            Verb.INVITATION_ACCEPTED,
            actor=membership.user,
            target=membership,
            target_label=str(membership.user),  # as the services label a membership's events
            community=circle.community,
            after={"role": membership.role, "status": membership.status},
        )
    feed = community_activity(
        circle.community, circle.colleague, community_access.allowed(circle.colleague, circle.community)
    )
    assert {item["kind"] for item in feed} == {Verb.INVITATION_ACCEPTED}
    assert {item["who"] for item in feed} == {str(circle.teacher), str(circle.colleague)}


def test_a_parent_who_is_somehow_a_member_stays_hidden_from_those_who_may_not_see_her(circle):
    CommunityMembershipFactory(community=circle.public, user=circle.other_parent, role=Role.MEMBER)
    listed = {m.user for m in queries.community_members(circle.colleague, circle.public)}
    assert circle.other_parent not in listed
    assert circle.other_parent in {m.user for m in queries.community_members(circle.other_principal, circle.public)}


def test_a_guest_cannot_be_named_responsible_for_an_activity(circle):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.add_activity(
            circle.community,
            actor=circle.teacher,
            title="Parents' evening",
            starts_on="2030-01-01",
            responsible=circle.parent,
        )
    activity = ActivityFactory(community=circle.community)
    with pytest.raises(ValidationError):
        services.update_activity(activity, actor=circle.teacher, responsible=circle.student)


# --- The role table ------------------------------------------------------------------------------


def test_joining_never_shows_less_than_visiting_in_the_table():
    for role, actions in rules.ROLE_ACTIONS.items():
        assert actions >= rules.VISITOR_READS, f"a {role} reads less than a visitor"
    assert rules.VISITOR_READS <= rules.LEADER_ACTIONS


def test_joining_never_shows_less_than_visiting_for_every_person(circle):
    """Invite each person of the world as a guest to each community they could visit: what they
    may read afterwards includes everything they read before."""
    for community in Community.objects.all():
        for person in [circle.parent, circle.student, circle.other_parent, circle.teacher, circle.foreign_teacher]:
            if Membership.objects.filter(community=community, user=person).exists():
                continue
            before = community_access.allowed(person, community).names - {rules.REQUEST_TO_JOIN}
            membership = CommunityMembershipFactory(community=community, user=person, role=Role.GUEST)
            after = community_access.allowed(person, community).names
            assert before <= after, (person, community, before - after)
            membership.delete()


@pytest.mark.parametrize("action", sorted(rules.ACTION_LABELS))
def test_the_query_and_the_table_give_the_same_answer(circle, action, django_user_model):
    """`community_access.rows` is the table as SQL; it must agree with `community_access.allowed`."""
    CommunityMembershipFactory(community=circle.private, user=circle.expert, status=Status.INVITED)
    CommunityMembershipFactory(community=circle.public, user=circle.other_teacher, status=Status.REQUESTED)
    CommunityMembershipFactory(community=circle.community, user=circle.other_parent, status=Status.LEFT)
    admin = UserFactory(display_name="Admin Ada", is_superuser=True)
    for person in [*django_user_model.objects.all(), admin]:
        expected = {c.pk for c in Community.objects.all() if action in community_access.allowed(person, c).names}
        assert set(queries.communities_where(person, action).values_list("pk", flat=True)) == expected, (
            person,
            action,
        )
