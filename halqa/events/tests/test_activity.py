"""A community's recent activity comes from the event trail: sentences in the reader's language, and
never a name, a draft or a membership the reader may not see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from halqa.accounts.tests.factories import MembershipFactory, UserFactory
from halqa.communities import services
from halqa.communities.models import Role, Visibility
from halqa.communities.tests.factories import CommunityMembershipFactory
from halqa.events.queries import community_activity

pytestmark = pytest.mark.django_db
GOAL = {"title": "Fluency", "target": "All read 100 wpm", "measure": "Timed reading", "due_date": dt.date(2027, 6, 1)}


def allowed(user, community):
    """What `user` may do in `community`, from the access layer (or the rules before it)."""
    try:
        from halqa.communities.access import community_access
    except ImportError:  # pragma: no cover - before the access layer
        from halqa.communities.rules import permissions_for

        return permissions_for(user, community)
    return community_access.allowed(user, community)


def feed(community, viewer) -> list[str]:
    with translation.override("en"):
        return [strip_tags(item["text"]) for item in community_activity(community, viewer, allowed(viewer, community))]


def join(community, *, inviter, person, role=Role.MEMBER):
    invitation = services.invite_member(community, actor=inviter, person=person, role=role)
    return services.answer_invitation(invitation, actor=person, accept=True)


@pytest.fixture
def circle(world):
    """Tala's school-visible circle at Al-Farabi, built through the services: Cyrus joined as a
    member, the principal invited the parent Parisa as a guest; a charter edit, a goal and its
    progress; and a school-mate, Vera, who visits without belonging."""
    w = world
    w.community = services.create_community(
        actor=w.teacher, school=w.school, name="Reading circle", topic="Reading", visibility=Visibility.SCHOOL
    )
    join(w.community, inviter=w.teacher, person=w.colleague)
    join(w.community, inviter=w.principal, person=w.parent, role=Role.GUEST)
    services.update_charter(w.community, actor=w.teacher, mission="Read together")
    w.goal = services.add_goal(w.community, actor=w.teacher, **GOAL)
    services.record_progress(w.goal, actor=w.colleague, progress=40)
    w.visitor = UserFactory(display_name="Visiting Vera", roles=["teacher"])
    MembershipFactory(user=w.visitor, school=w.school, position="teacher")
    return w


def test_the_activity_tells_what_happened_in_sentences_newest_first(circle):
    assert feed(circle.community, circle.teacher) == [
        "Colleague Cyrus set the progress of “Fluency” to 40%",
        "Teacher Tala added the goal “Fluency”",
        "Teacher Tala edited the charter",
        "Parent Parisa joined as Guest",
        "Principal Pia invited Parent Parisa as Guest",
        "Colleague Cyrus joined as Member",
        "Teacher Tala invited Colleague Cyrus as Member",
        "Teacher Tala created the community",
    ]
    assert feed(circle.community, circle.visitor) == [  # invitations are for those who manage the members
        "Colleague Cyrus set the progress of “Fluency” to 40%",
        "Teacher Tala added the goal “Fluency”",
        "Teacher Tala edited the charter",
        "Colleague Cyrus joined as Member",
        "Teacher Tala created the community",
    ]


def test_a_guests_joining_is_hidden_from_a_school_mate_visitor_and_a_member_but_shown_to_the_facilitator(circle):
    assert "Parent Parisa joined as Guest" in feed(circle.community, circle.teacher)
    assert "Parent Parisa joined as Guest" in feed(circle.community, circle.principal)
    for viewer in (circle.visitor, circle.colleague):
        texts = feed(circle.community, viewer)
        assert "Colleague Cyrus joined as Member" in texts
        assert not any("Parisa" in text for text in texts)
    assert any("Parisa" in text for text in feed(circle.community, circle.parent))  # her own joining


def test_the_community_page_shows_the_activity_to_each_as_they_may_see_it(circle, client):
    url = reverse("communities:detail", args=[circle.community.pk])
    client.force_login(circle.visitor)
    page = client.get(url).content.decode()
    assert "<bdi>Colleague Cyrus</bdi> set the progress of “<bdi>Fluency</bdi>” to <bdi>40</bdi>%" in page
    assert "Parent Parisa" not in page
    client.force_login(circle.teacher)
    assert "<bdi>Parent Parisa</bdi> joined as <bdi>Guest</bdi>" in client.get(url).content.decode()


def test_names_and_titles_are_escaped_and_isolated(circle):
    services.add_goal(circle.community, actor=circle.teacher, **{**GOAL, "title": "<script>x</script>"})
    text = community_activity(circle.community, circle.teacher, allowed(circle.teacher, circle.community))[0]["text"]
    assert text == "<bdi>Teacher Tala</bdi> added the goal “<bdi>&lt;script&gt;x&lt;/script&gt;</bdi>”"


def test_nothing_for_those_who_may_not_see_the_members(circle):
    assert feed(circle.community, circle.other_teacher) == []  # another school: may not know it exists
    private = services.create_community(
        actor=circle.teacher, school=circle.school, name="Private", topic="x", visibility=Visibility.MEMBERS
    )
    assert feed(private, circle.teacher) == ["Teacher Tala created the community"]
    assert feed(private, circle.visitor) == []


def test_a_draft_shows_only_to_who_may_draft_and_the_signature_to_all(circle):
    decision = services.draft_decision(
        circle.community,
        actor=circle.teacher,
        number="D-1",
        topic="Reading",
        goals_text="Read",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2027, 6, 30),
    )
    assert "Teacher Tala drafted a decision" in feed(circle.community, circle.teacher)
    assert "Teacher Tala drafted a decision" in feed(circle.community, circle.principal)
    for viewer in (circle.colleague, circle.visitor):
        assert not any("decision" in text for text in feed(circle.community, viewer))
    signed = services.sign_decision(
        decision, actor=circle.principal, fingerprint=services.decision_fingerprint(decision)
    )
    assert f"Principal Pia signed decision {signed.verification_code}" in feed(circle.community, circle.visitor)


def test_departures_and_role_changes_follow_the_member_list(circle):
    cyrus = circle.community.memberships.get(user=circle.colleague)
    services.change_role(cyrus, actor=circle.teacher, role=Role.EXPERT)
    assert "Teacher Tala changed the role of Colleague Cyrus to Expert" in feed(circle.community, circle.visitor)
    services.leave(circle.community, actor=circle.colleague)
    assert "Colleague Cyrus left the community" in feed(circle.community, circle.teacher)  # who manages
    assert "Colleague Cyrus left the community" not in feed(circle.community, circle.visitor)


def test_what_a_hidden_member_did_does_not_name_them(circle):
    """A parent who was somehow made a plain member stays off the visitor's list, and off the feed."""
    CommunityMembershipFactory(community=circle.community, user=circle.other_parent, role=Role.MEMBER)
    services.record_progress(circle.goal, actor=circle.other_parent, progress=55)
    assert "Other Parent Oleg set the progress of “Fluency” to 55%" in feed(circle.community, circle.teacher)
    assert not any("Oleg" in text for text in feed(circle.community, circle.visitor))


def test_the_activity_is_one_query_however_long_the_history(circle, django_assert_max_num_queries):
    """One query for the events (the reader's standing, shared by the whole request, at most one more)."""
    can = allowed(circle.visitor, circle.community)
    with CaptureQueriesContext(connection) as short_history:
        community_activity(circle.community, circle.visitor, can)
    for value in range(1, 60):
        services.record_progress(circle.goal, actor=circle.colleague, progress=value)
    for n in range(10):
        person = UserFactory(display_name=f"Teacher {n}", roles=["teacher"])
        MembershipFactory(user=person, school=circle.school, position="teacher")
        join(circle.community, inviter=circle.teacher, person=person)
    with django_assert_max_num_queries(2), CaptureQueriesContext(connection) as long_history:
        items = community_activity(circle.community, circle.visitor, can, limit=8)
    assert len(long_history) <= len(short_history)
    assert len(items) == 8
    assert strip_tags(items[0]["text"]) == "Teacher 9 joined as Member"
