"""Community pages: who may see and do what, bad input, and the official decision end to end."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from halqa.communities import services
from halqa.communities.models import (
    Activity,
    CharterRevision,
    Community,
    Decision,
    Goal,
    Membership,
    Role,
    Status,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def add(community, person, role=Role.MEMBER):
    return Membership.objects.create(
        community=community, user=person, role=role, status=Status.ACTIVE, joined_at=timezone.now()
    )


@pytest.fixture
def plc(world):
    """A school-visible PLC at world.school led by world.teacher, plus a members-only and a network one."""
    community = services.create_community(
        actor=world.teacher,
        school=world.school,
        name="Algebra PLC",
        topic="Exit tickets in grade 10",
        format="subject_plc",
        visibility="school",
        cadence="biweekly",
        charter={"mission": "Learn together", "norms": "Start on time\nEvidence first"},
    )
    add(community, world.colleague)
    add(community, world.expert, Role.EXPERT)
    add(community, world.parent, Role.GUEST)
    goal = Goal.objects.create(community=community, title="80% mastery", target="80%", measure="test", due_date=TODAY)
    activity = Activity.objects.create(community=community, title="Kick-off", starts_on=TODAY)
    private = services.create_community(
        actor=world.colleague, school=world.school, name="Quiet circle", topic="Routines", visibility="members"
    )
    network_plc = services.create_community(
        actor=world.supervisor,
        network=world.network,
        name="Network PLC",
        topic="Common assessment",
        visibility="public",
    )
    return SimpleNamespace(community=community, goal=goal, activity=activity, private=private, network=network_plc)


def sign(decision, actor):
    """Sign as the principal would: the decision as it stands now is what they saw."""
    return services.sign_decision(decision, actor=actor, fingerprint=services.decision_fingerprint(decision))


def url(name, *args):
    return reverse(f"communities:{name}", args=args)


# --- seeing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who,status",
    [
        ("teacher", 200),  # facilitator
        ("colleague", 200),  # member
        ("expert", 200),
        ("parent", 200),  # guest
        ("principal", 200),  # leader of the school
        ("district_admin", 200),
        ("other_teacher", 404),  # another school, school-only community
        ("foreign_teacher", 404),
        ("student", 200),  # belongs to the school: sees the page, cannot ask to join
        ("other_parent", 404),
    ],
)
def test_who_sees_a_school_community(world, plc, client, who, status):
    client.force_login(getattr(world, who))
    assert client.get(url("detail", plc.community.pk)).status_code == status


def test_anonymous_is_sent_to_sign_in(plc, client):
    response = client.get(url("detail", plc.community.pk))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    "who,status", [("colleague", 200), ("teacher", 404), ("principal", 200), ("other_teacher", 404)]
)
def test_members_only_community_is_invisible_to_non_members(world, plc, client, who, status):
    client.force_login(getattr(world, who))
    assert client.get(url("detail", plc.private.pk)).status_code == status
    listing = client.get(url("list")).content.decode()
    assert ("Quiet circle" in listing) == (status == 200)


def test_a_guest_sees_what_a_visitor_sees_and_no_other_guest(world, plc, client):
    """Joining never shows less than visiting: the parent, a guest, reads what a school-mate
    visitor reads (members, goals, decisions); other guests stay hidden from her."""
    add(plc.community, world.student, Role.GUEST)
    client.force_login(world.parent)
    page = client.get(url("detail", plc.community.pk)).content.decode()
    assert "Learn together" in page
    assert "80% mastery" in page
    assert world.colleague.display_name in page
    members = client.get(url("members", plc.community.pk)).content.decode()
    assert world.colleague.display_name in members and world.parent.display_name in members
    assert world.student.display_name not in members and world.student.display_name not in page
    assert client.get(url("decisions", plc.community.pk)).status_code == 200
    assert client.get(url("program", plc.community.pk)).status_code == 200


def test_members_do_not_see_guests_but_facilitators_do(world, plc, client):
    client.force_login(world.colleague)
    assert world.parent.display_name not in client.get(url("members", plc.community.pk)).content.decode()
    client.force_login(world.teacher)
    assert world.parent.display_name in client.get(url("members", plc.community.pk)).content.decode()


def test_list_shows_my_communities_and_ones_i_can_join(world, plc, client):
    client.force_login(world.colleague)
    page = client.get(url("list")).content.decode()
    assert "Algebra PLC" in page and "Network PLC" in page and "Quiet circle" in page


def test_list_requires_sign_in(client):
    assert client.get(url("list")).status_code == 302


def test_home_page_lists_my_communities(world, plc, client):
    client.force_login(world.colleague)
    assert "Algebra PLC" in client.get("/").content.decode()


# --- creating ----------------------------------------------------------------------------------


def test_teacher_creates_a_community_and_becomes_facilitator(world, client):
    client.force_login(world.colleague)
    assert client.get(url("new")).status_code == 200
    response = client.post(
        url("new"),
        {
            "home": f"school:{world.school.pk}",
            "name": "Reading circle",
            "topic": "Reading aloud",
            "format": "discussion_circle",
            "visibility": "school",
            "cadence": "monthly",
            "charter-mission": "Read more",
        },
    )
    community = Community.objects.get(name="Reading circle")
    assert response.status_code == 302
    assert community.memberships.get(user=world.colleague).role == Role.FACILITATOR
    assert community.charter_revisions.get().mission == "Read more"


@pytest.mark.parametrize("who", ["parent", "student"])
def test_parents_and_students_cannot_create_communities(world, client, who):
    client.force_login(getattr(world, who))
    assert client.get(url("new")).status_code == 403


def test_a_foreign_school_cannot_be_chosen(world, client):
    client.force_login(world.teacher)
    response = client.post(
        url("new"),
        {
            "home": f"school:{world.foreign_school.pk}",
            "name": "X",
            "topic": "Y",
            "format": "subject_plc",
            "visibility": "school",
            "cadence": "weekly",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Community.objects.filter(name="X").exists()


def test_supervisor_creates_a_network_community(world, client):
    client.force_login(world.supervisor)
    response = client.post(
        url("new"),
        {
            "home": f"network:{world.network.pk}",
            "name": "Across schools",
            "topic": "Data",
            "format": "network",
            "visibility": "public",
            "cadence": "monthly",
        },
    )
    assert response.status_code == 302
    assert Community.objects.get(name="Across schools").network == world.network


@pytest.mark.parametrize(
    "data,error",
    [
        ({"name": "", "topic": "t"}, "This field is required"),
        ({"name": "x" * 201, "topic": "t"}, "at most 200"),
        ({"name": "n", "topic": "t", "cadence": "yearly"}, "Select a valid choice"),
    ],
)
def test_bad_community_input_changes_nothing(world, client, data, error):
    client.force_login(world.teacher)
    before = Community.objects.count()
    form = {"home": f"school:{world.school.pk}", "format": "subject_plc", "visibility": "school", "cadence": "weekly"}
    response = client.post(url("new"), {**form, **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Community.objects.count() == before


def test_settings_page(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(url("edit", plc.community.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.get(url("edit", plc.community.pk)).status_code == 200
    data = {"name": "Algebra PLC 2", "topic": "t", "format": "grade_team", "visibility": "members", "cadence": "custom"}
    assert client.post(url("edit", plc.community.pk), data).status_code == 302
    plc.community.refresh_from_db()
    assert plc.community.name == "Algebra PLC 2"


# --- charter -----------------------------------------------------------------------------------


def test_charter_is_edited_by_facilitators_and_history_kept(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(url("charter", plc.community.pk)).status_code == 403
    assert client.post(url("charter", plc.community.pk), {"mission": "Hijack"}).status_code == 403
    client.force_login(world.teacher)
    assert client.get(url("charter", plc.community.pk)).status_code == 200
    response = client.post(
        url("charter", plc.community.pk),
        {"mission": "Learn together, with data", "norms": "Start on time", "note": "data"},
    )
    assert response.status_code == 302
    assert plc.community.charter_revisions.count() == 2
    assert plc.community.charter_revisions.first().mission == "Learn together, with data"
    history = client.get(url("charter_history", plc.community.pk)).content.decode()
    assert "Learn together, with data" in history and "Learn together</dd>" in history.replace("\n", "")


def test_unchanged_charter_is_refused(world, plc, client):
    client.force_login(world.teacher)
    response = client.post(
        url("charter", plc.community.pk), {"mission": "Learn together", "norms": "Start on time\nEvidence first"}
    )
    assert response.status_code == 400
    assert "Nothing changed" in response.content.decode()
    assert CharterRevision.objects.filter(community=plc.community).count() == 1


def test_charter_history_hidden_from_strangers(world, plc, client):
    client.force_login(world.other_teacher)
    assert client.get(url("charter_history", plc.community.pk)).status_code == 404


# --- goals -------------------------------------------------------------------------------------


def test_goals_managed_by_facilitators(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(url("goal_new", plc.community.pk)).status_code == 403
    assert client.get(url("goal_edit", plc.community.pk, plc.goal.pk)).status_code == 403
    assert client.post(url("goal_delete", plc.community.pk, plc.goal.pk)).status_code == 403
    client.force_login(world.teacher)
    data = {"title": "Observe twice", "target": "2 each", "measure": "log", "due_date": "2027-03-01"}
    assert client.post(url("goal_new", plc.community.pk), data).status_code == 302
    assert (
        client.post(url("goal_edit", plc.community.pk, plc.goal.pk), {**data, "title": "90% mastery"}).status_code
        == 302
    )
    plc.goal.refresh_from_db()
    assert plc.goal.title == "90% mastery"
    assert client.post(url("goal_delete", plc.community.pk, plc.goal.pk)).status_code == 302
    assert not Goal.objects.filter(pk=plc.goal.pk).exists()


def test_bad_goal_input(world, plc, client):
    client.force_login(world.teacher)
    response = client.post(
        url("goal_new", plc.community.pk), {"title": "x", "target": "", "measure": "m", "due_date": "soon"}
    )
    assert response.status_code == 400
    assert Goal.objects.filter(community=plc.community).count() == 1


@pytest.mark.parametrize("who,status", [("colleague", 302), ("expert", 403), ("other_teacher", 404)])
def test_progress_updates(world, plc, client, who, status):
    client.force_login(getattr(world, who))
    response = client.post(url("goal_progress", plc.community.pk, plc.goal.pk), {"progress": 40, "note": "Mid-term"})
    assert response.status_code == status
    plc.goal.refresh_from_db()
    assert plc.goal.progress == (40 if status == 302 else 0)


def test_progress_out_of_range_is_refused(world, plc, client):
    client.force_login(world.colleague)
    client.post(url("goal_progress", plc.community.pk, plc.goal.pk), {"progress": 101})
    plc.goal.refresh_from_db()
    assert plc.goal.progress == 0


# --- members -----------------------------------------------------------------------------------


def test_facilitator_invites_from_the_directory_and_the_person_accepts(
    world, plc, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    client.force_login(world.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("members", plc.community.pk), {"email": world.other_teacher.email, "role": "member"})
    assert response.status_code == 302
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [[world.other_teacher.email]]
    # inviting twice is refused with a reason
    again = client.post(url("members", plc.community.pk), {"email": world.other_teacher.email, "role": "member"})
    assert again.status_code == 400
    assert "already invited" in again.content.decode()
    client.force_login(world.other_teacher)
    assert client.get(url("detail", plc.community.pk)).status_code == 200  # invited: may see it to answer
    client.post(url("answer", plc.community.pk), {"answer": "accept", "activity": "I bring data"})
    membership = Membership.objects.get(community=plc.community, user=world.other_teacher)
    assert membership.status == Status.ACTIVE and membership.activity == "I bring data"


def test_invited_person_can_decline(world, plc, client):
    services.invite_member(plc.community, actor=world.teacher, person=world.other_teacher)
    client.force_login(world.other_teacher)
    client.post(url("answer", plc.community.pk), {"answer": "decline"})
    assert Membership.objects.get(community=plc.community, user=world.other_teacher).status == Status.DECLINED


def test_only_the_invited_person_answers(world, plc, client):
    client.force_login(world.colleague)
    assert client.post(url("answer", plc.community.pk), {"answer": "accept"}).status_code == 403


def test_unknown_email_is_explained(world, plc, client):
    client.force_login(world.teacher)
    response = client.post(url("members", plc.community.pk), {"email": "nobody@example.org", "role": "member"})
    assert response.status_code == 400
    assert "No one you can see" in response.content.decode()


def test_parents_can_only_be_guests(world, plc, client):
    client.force_login(world.teacher)
    response = client.post(url("members", plc.community.pk), {"email": world.parent.email, "role": "member"})
    assert response.status_code == 400


def test_members_cannot_invite(world, plc, client):
    client.force_login(world.colleague)
    response = client.post(url("members", plc.community.pk), {"email": world.other_teacher.email, "role": "member"})
    assert response.status_code == 403


def test_request_to_join_and_acceptance(world, plc, client):
    client.force_login(world.principal)  # a leader can see but is not a member
    client.force_login(world.other_teacher)
    assert client.post(url("join", plc.community.pk)).status_code == 404  # another school's community
    network_member = world.other_teacher
    client.force_login(network_member)
    assert client.post(url("join", plc.network.pk), {"message": "Count me in"}).status_code == 302
    request = Membership.objects.get(community=plc.network, user=network_member)
    assert request.status == Status.REQUESTED
    client.force_login(world.colleague)  # sees the public network community, not its requests to join
    assert client.post(url("member_accept", plc.network.pk, request.pk)).status_code == 404
    client.force_login(world.supervisor)
    assert client.post(url("member_accept", plc.network.pk, request.pk)).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.ACTIVE


def test_declining_a_request(world, plc, client):
    request = services.request_to_join(plc.network, actor=world.teacher)
    client.force_login(world.teacher)  # a request to join is known only to those who manage members
    assert client.post(url("member_decline", plc.network.pk, request.pk)).status_code == 404
    client.force_login(world.supervisor)
    assert client.post(url("member_decline", plc.network.pk, request.pk)).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.DECLINED


def test_students_cannot_ask_to_join(world, plc, client):
    client.force_login(world.student)
    assert client.post(url("join", plc.community.pk)).status_code == 403


def test_change_role_and_remove(world, plc, client):
    membership = plc.community.memberships.get(user=world.colleague)
    client.force_login(world.colleague)
    assert client.post(url("member_role", plc.community.pk, membership.pk), {"role": "facilitator"}).status_code == 403
    assert client.post(url("member_remove", plc.community.pk, membership.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.post(url("member_role", plc.community.pk, membership.pk), {"role": "observer"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.OBSERVER
    assert client.post(url("member_remove", plc.community.pk, membership.pk)).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Status.REMOVED


def test_the_last_facilitator_cannot_be_removed_or_leave(world, plc, client):
    mine = plc.community.memberships.get(user=world.teacher)
    client.force_login(world.teacher)
    response = client.post(url("member_remove", plc.community.pk, mine.pk), follow=True)
    assert "at least one facilitator" in response.content.decode()
    client.post(url("leave", plc.community.pk))
    client.post(url("member_role", plc.community.pk, mine.pk), {"role": "member"})
    mine.refresh_from_db()
    assert mine.status == Status.ACTIVE and mine.role == Role.FACILITATOR


def test_member_leaves_and_chooses_their_part(world, plc, client):
    client.force_login(world.colleague)
    assert (
        client.post(url("my_part", plc.community.pk), {"role": "expert", "activity": "I film a lesson"}).status_code
        == 302
    )
    membership = plc.community.memberships.get(user=world.colleague)
    assert (membership.role, membership.activity) == (Role.EXPERT, "I film a lesson")
    assert client.post(url("leave", plc.community.pk)).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Status.LEFT


def test_outsiders_cannot_leave_or_set_a_part(world, plc, client):
    client.force_login(world.principal)
    assert client.post(url("my_part", plc.community.pk), {"role": "member"}).status_code == 403
    assert client.post(url("leave", plc.community.pk)).status_code == 403


# --- work program ------------------------------------------------------------------------------


def test_work_program_kept_by_facilitators(world, plc, client):
    client.force_login(world.colleague)
    assert client.get(url("program", plc.community.pk)).status_code == 200
    assert (
        client.post(
            url("program", plc.community.pk),
            {"title": "x", "format": "meeting", "starts_on": "2026-12-01", "status": "planned"},
        ).status_code
        == 403
    )
    assert client.get(url("activity_edit", plc.community.pk, plc.activity.pk)).status_code == 403
    assert client.post(url("activity_delete", plc.community.pk, plc.activity.pk)).status_code == 403
    client.force_login(world.teacher)
    data = {
        "title": "Lesson study",
        "format": "lesson_study",
        "starts_on": "2026-12-01",
        "status": "planned",
        "responsible": world.colleague.pk,
    }
    assert client.post(url("program", plc.community.pk), data).status_code == 302
    assert (
        client.post(url("activity_edit", plc.community.pk, plc.activity.pk), {**data, "status": "done"}).status_code
        == 302
    )
    plc.activity.refresh_from_db()
    assert plc.activity.status == "done"
    assert client.post(url("activity_delete", plc.community.pk, plc.activity.pk)).status_code == 302


def test_bad_activity_input(world, plc, client):
    client.force_login(world.teacher)
    data = {"title": "x", "format": "meeting", "starts_on": "2026-12-10", "ends_on": "2026-12-01", "status": "planned"}
    response = client.post(url("program", plc.community.pk), data)
    assert response.status_code == 400
    assert "cannot be before" in response.content.decode()
    stranger = {**data, "ends_on": "", "responsible": world.other_teacher.pk}
    assert client.post(url("program", plc.community.pk), stranger).status_code == 400
    assert Activity.objects.filter(community=plc.community).count() == 1


def test_program_hidden_from_strangers(world, plc, client):
    client.force_login(world.foreign_teacher)
    assert client.get(url("program", plc.community.pk)).status_code == 404


# --- the official decision ---------------------------------------------------------------------


def draft(world, plc):
    return services.draft_decision(
        plc.community,
        actor=world.teacher,
        number="12/2026",
        topic="Algebra",
        goals_text="80% mastery",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2027, 6, 30),
    )


def test_facilitator_drafts_and_only_the_principal_signs(world, plc, client):
    client.force_login(world.teacher)
    data = {
        "number": "12/2026",
        "topic": "Algebra",
        "goals_text": "80%",
        "period_start": "2026-09-01",
        "period_end": "2027-06-30",
    }
    response = client.post(url("decisions", plc.community.pk), data)
    decision = Decision.objects.get(community=plc.community)
    assert response.status_code == 302
    assert {row["name"] for row in decision.members} == {"Teacher Tala", "Colleague Cyrus", "Expert Eve"}  # no guest
    for who in ["teacher", "colleague", "district_admin", "other_principal"]:
        client.force_login(getattr(world, who))
        status = client.post(url("decision_sign", plc.community.pk, decision.pk)).status_code
        assert status in (403, 404), who
    decision.refresh_from_db()
    assert decision.status == "draft"
    client.force_login(world.principal)
    seen = client.get(url("decision", plc.community.pk, decision.pk)).context["fingerprint"]
    assert client.post(url("decision_sign", plc.community.pk, decision.pk), {"fingerprint": seen}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == "signed" and decision.signed_by == world.principal and decision.verification_code


def test_signed_decision_cannot_be_signed_again_or_edited(world, plc, client):
    decision = sign(draft(world, plc), world.principal)
    client.force_login(world.principal)
    response = client.post(url("decision_sign", plc.community.pk, decision.pk), follow=True)
    assert "already signed" in response.content.decode()
    client.force_login(world.teacher)
    response = client.post(url("decision_edit", plc.community.pk, decision.pk), {"topic": "Changed"}, follow=True)
    assert "cannot be changed" in response.content.decode()
    assert client.post(url("decision_delete", plc.community.pk, decision.pk)).status_code == 302
    decision.refresh_from_db()
    assert decision.topic == "Algebra"


def test_a_new_signed_decision_supersedes_the_old(world, plc):
    first = sign(draft(world, plc), world.principal)
    second = sign(draft(world, plc), world.principal)
    first.refresh_from_db()
    assert first.status == "superseded" and second.supersedes == first


def test_draft_can_be_edited_and_deleted(world, plc, client):
    decision = draft(world, plc)
    client.force_login(world.colleague)
    assert client.get(url("decision_edit", plc.community.pk, decision.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.get(url("decision_edit", plc.community.pk, decision.pk)).status_code == 200
    data = {
        "number": "13",
        "topic": "Algebra II",
        "goals_text": "g",
        "period_start": "2026-09-01",
        "period_end": "2027-06-30",
    }
    assert client.post(url("decision_edit", plc.community.pk, decision.pk), data).status_code == 302
    bad = {**data, "period_end": "2026-01-01"}
    assert client.post(url("decision_edit", plc.community.pk, decision.pk), bad).status_code == 400
    decision.refresh_from_db()
    assert decision.topic == "Algebra II"
    client.force_login(world.colleague)
    assert client.post(url("decision_delete", plc.community.pk, decision.pk)).status_code == 403
    client.force_login(world.teacher)
    assert client.post(url("decision_delete", plc.community.pk, decision.pk)).status_code == 302
    assert not Decision.objects.filter(pk=decision.pk).exists()


def test_decision_pages_visibility(world, plc, client):
    decision = draft(world, plc)
    client.force_login(world.colleague)
    assert client.get(url("decisions", plc.community.pk)).status_code == 200
    assert client.get(url("decision", plc.community.pk, decision.pk)).status_code == 200
    assert client.post(url("decisions", plc.community.pk), {"topic": "x"}).status_code == 403
    client.force_login(world.foreign_teacher)
    assert client.get(url("decisions", plc.community.pk)).status_code == 404
    assert client.get(url("decision", plc.community.pk, decision.pk)).status_code == 404


def test_network_decision_is_signed_by_the_supervisor(world, plc):
    decision = services.draft_decision(
        plc.network,
        actor=world.supervisor,
        topic="t",
        goals_text="g",
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2027, 6, 30),
    )
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        sign(decision, world.principal)
    signed = sign(decision, world.supervisor)
    assert signed.signed_by_title.startswith("Supervisor")


def test_anyone_verifies_a_signed_decision_without_signing_in(world, plc, client):
    decision = sign(draft(world, plc), world.principal)
    assert client.get(reverse("verify")).status_code == 200
    response = client.get(reverse("verify"), {"code": decision.verification_code.lower()})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "genuine and in force" in body and "Principal Pia" in body and "Algebra PLC" in body
    assert world.parent.display_name not in body


def test_unknown_or_draft_code_is_not_verified(world, plc, client):
    draft(world, plc)
    response = client.get(reverse("verify_code", args=["AAAA-BBBB-CCCC"]))
    assert response.status_code == 404
    assert "No signed decision has this code" in response.content.decode()
    assert client.get(reverse("verify"), {"code": "x" * 50}).status_code == 400


def test_printable_decision_page(world, plc, client):
    decision = sign(draft(world, plc), world.principal)
    client.force_login(world.colleague)
    body = client.get(url("decision", plc.community.pk, decision.pk)).content.decode()
    assert decision.verification_code in body and "data-print" in body


# --- cost --------------------------------------------------------------------------------------


def test_community_page_and_list_do_not_grow_with_data(world, plc, client):
    from halqa.accounts.tests.factories import UserFactory
    from halqa.core.testing.queries import count_queries

    client.force_login(world.teacher)
    for path in (
        url("detail", plc.community.pk),
        url("list"),
        url("members", plc.community.pk),
        url("program", plc.community.pk),
    ):
        client.get(path)
    before = {
        p: count_queries(lambda p=p: client.get(p))[0]
        for p in (
            url("detail", plc.community.pk),
            url("list"),
            url("members", plc.community.pk),
            url("program", plc.community.pk),
        )
    }
    for n in range(30):
        person = UserFactory(roles=["teacher"], subjects=["math"])
        add(plc.community, person)
        Goal.objects.create(community=plc.community, title=f"g{n}", target="t", measure="m", due_date=TODAY)
        Activity.objects.create(community=plc.community, title=f"a{n}", starts_on=TODAY, responsible=person)
        services.record_progress(plc.goal, actor=world.teacher, progress=n)
        services.create_community(
            actor=world.teacher, school=world.school, name=f"PLC {n}", topic="t", visibility="public"
        )
    after = {p: count_queries(lambda p=p: client.get(p))[0] for p in before}
    assert after == before
