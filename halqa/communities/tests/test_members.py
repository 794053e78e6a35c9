"""Members: who is listed to whom, invitations and their answers, asking to join, roles, removing,
leaving, and the part each member takes on.

Pages, API and services side by side; the scene is `plc` (conftest.py) on the suite's `world`.
"""

from __future__ import annotations

import pytest

from halqa.communities import services
from halqa.communities.models import Membership, Role, Status
from halqa.communities.tests.conftest import EMAIL, membership, page_url, url
from halqa.communities.tests.factories import CommunityMembershipFactory

pytestmark = pytest.mark.django_db


# --- Who is listed ------------------------------------------------------------------------------


def test_members_do_not_see_guests_but_facilitators_do(world, plc, client):
    client.force_login(world.colleague)
    assert world.parent.display_name not in client.get(page_url("members", plc.community.pk)).content.decode()
    client.force_login(world.teacher)
    assert world.parent.display_name in client.get(page_url("members", plc.community.pk)).content.decode()


def test_members_see_the_member_list_without_emails(as_, plc):
    plc.colleague.expertise.create(name="Assessment design")
    response = as_("expert").get(url(plc.community, "members"))
    assert response.status_code == 200
    rows = {m["display_name"]: m for m in response.json()["results"]}
    assert set(rows) == {"Teacher Tala", "Colleague Cyrus", "Expert Eve"}
    cyrus = rows["Colleague Cyrus"]
    assert (cyrus["role"], cyrus["person"], cyrus["expertise"]) == ("member", plc.colleague.pk, ["Assessment design"])
    assert rows["Teacher Tala"]["is_young_teacher"] is True
    assert not EMAIL.search(str(response.json()))
    assert "email" not in cyrus
    one = as_("expert").get(url(plc.community, "members", membership(plc.community, plc.colleague).pk))
    assert one.status_code == 200 and one.json()["display_name"] == "Colleague Cyrus"


@pytest.mark.parametrize(
    "who,sees_guest", [("newcomer", False), ("colleague", False), ("teacher", True), ("principal", True)]
)
def test_parents_and_students_who_came_as_guests_are_listed_only_for_those_who_manage(as_, plc, who, sees_guest):
    listed = {m["display_name"] for m in as_(who).get(url(plc.community, "members")).json()["results"]}
    detail = {m["display_name"] for m in as_(who).get(url(plc.community)).json()["members"]}
    assert listed == detail
    assert ("Parent Parisa" in listed) is sees_guest
    assert {"Teacher Tala", "Colleague Cyrus", "Expert Eve"} <= listed


def test_a_guest_reads_the_member_list_with_herself_and_no_other_guest(as_, plc):
    student = CommunityMembershipFactory(community=plc.community, user=plc.student, role=Role.GUEST)
    api = as_("parent")
    response = api.get(url(plc.community, "members"))
    assert response.status_code == 200
    listed = [m["display_name"] for m in response.json()["results"]]
    assert listed == ["Teacher Tala", "Expert Eve", "Colleague Cyrus", "Parent Parisa"]
    assert api.get(url(plc.community, "members", membership(plc.community, plc.teacher).pk)).status_code == 200
    assert api.get(url(plc.community, "members", student.pk)).status_code == 404


def test_the_facilitator_sees_invitations_and_requests(as_, plc):
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.REQUESTED, message="May I?")
    CommunityMembershipFactory(
        community=plc.community, user=plc.other_teacher, status=Status.INVITED, invited_by=plc.teacher
    )
    response = as_("teacher").get(url(plc.community, "members", "pending"))
    assert response.status_code == 200
    rows = {m["display_name"]: m for m in response.json()["results"]}
    assert (rows["Newcomer Nima"]["status"], rows["Newcomer Nima"]["message"]) == ("requested", "May I?")
    assert rows["Other Olga"]["invited_by"]["display_name"] == "Teacher Tala"
    assert "Newcomer Nima" not in {
        m["display_name"] for m in as_("teacher").get(url(plc.community, "members")).json()["results"]
    }


@pytest.mark.parametrize("who", ["colleague", "expert", "parent"])
def test_members_cannot_see_pending_ones(as_, plc, who):
    assert as_(who).get(url(plc.community, "members", "pending")).status_code == 403


# --- Invitations --------------------------------------------------------------------------------


def test_facilitator_invites_from_the_directory_and_the_person_accepts(
    world, plc, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    client.force_login(world.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page_url("members", plc.community.pk), {"email": world.other_teacher.email, "role": "member"}
        )
    assert response.status_code == 302
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [[world.other_teacher.email]]
    # inviting twice is refused with a reason
    again = client.post(page_url("members", plc.community.pk), {"email": world.other_teacher.email, "role": "member"})
    assert again.status_code == 400
    assert "already invited" in again.content.decode()
    client.force_login(world.other_teacher)
    assert client.get(page_url("detail", plc.community.pk)).status_code == 200  # invited: may see it to answer
    client.post(page_url("answer", plc.community.pk), {"answer": "accept", "activity": "I bring data"})
    membership = Membership.objects.get(community=plc.community, user=world.other_teacher)
    assert membership.status == Status.ACTIVE and membership.activity == "I bring data"


def test_invited_person_can_decline(world, plc, client):
    services.invite_member(plc.community, actor=world.teacher, person=world.other_teacher)
    client.force_login(world.other_teacher)
    client.post(page_url("answer", plc.community.pk), {"answer": "decline"})
    assert Membership.objects.get(community=plc.community, user=world.other_teacher).status == Status.DECLINED


def test_only_the_invited_person_answers(world, plc, client):
    client.force_login(world.colleague)
    assert client.post(page_url("answer", plc.community.pk), {"answer": "accept"}).status_code == 403


def test_unknown_email_is_explained(world, plc, client):
    client.force_login(world.teacher)
    response = client.post(page_url("members", plc.community.pk), {"email": "nobody@example.org", "role": "member"})
    assert response.status_code == 400
    assert "No one you can see" in response.content.decode()


def test_parents_can_only_be_guests(world, plc, client):
    client.force_login(world.teacher)
    # the student: of the school, not yet in the community (the parent is in it already, as a guest)
    response = client.post(page_url("members", plc.community.pk), {"email": world.student.email, "role": "member"})
    assert response.status_code == 400


def test_members_cannot_invite(world, plc, client):
    client.force_login(world.colleague)
    response = client.post(
        page_url("members", plc.community.pk), {"email": world.other_teacher.email, "role": "member"}
    )
    assert response.status_code == 403


def test_an_invitation_is_emailed_through_the_queue(
    as_, plc, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    plc.other_teacher.email = "olga@example.org"
    plc.other_teacher.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_("teacher").post(
            url(plc.community, "members"),
            {"person": plc.other_teacher.pk, "role": "expert", "message": "Join us for the assessment work."},
            format="json",
        )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["role"], data["display_name"]) == ("invited", "expert", "Other Olga")
    assert smtp_server.messages == []  # not sent inside the request: queued
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [["olga@example.org"]]
    assert "Grade 8 Mathematics PLC" in smtp_server.messages[0]["message"]["Subject"] + str(
        smtp_server.messages[0]["message"].get_body(("plain",)).get_content()
    )


def test_inviting_twice_is_refused_with_the_reason(as_, plc):
    api = as_("teacher")
    first = api.post(url(plc.community, "members"), {"person": plc.other_teacher.pk}, format="json")
    assert first.status_code == 201
    again = api.post(url(plc.community, "members"), {"person": plc.other_teacher.pk}, format="json")
    assert again.status_code == 400
    assert again.json() == {"person": ["Other Olga is already invited to or a member of this community."]}
    member = api.post(url(plc.community, "members"), {"person": plc.colleague.pk}, format="json")
    assert member.status_code == 400
    assert Membership.objects.filter(community=plc.community, user=plc.other_teacher).count() == 1


@pytest.mark.parametrize(
    "person,data,field,message",
    [
        ("parent_of_other_school", {}, "person", "You cannot invite this person."),  # private: not hers to see
        ("student", {"role": "member"}, "role", "Parents and students take part as guests."),
        (None, {"person": 999999}, "person", "You cannot invite this person."),
        (None, {"person": "Olga"}, "person", "Incorrect type. Expected pk value, received str."),
        (None, {}, "person", "This field is required."),
        ("other_teacher", {"role": "chair"}, "role", '"chair" is not a valid choice.'),
        ("other_teacher", {"message": "m" * 501}, "message", "no more than 500 characters"),
    ],
)
def test_bad_invitations_are_refused(as_, plc, person, data, field, message):
    people = {"parent_of_other_school": plc.other_parent, "student": plc.student, "other_teacher": plc.other_teacher}
    body = {**({"person": people[person].pk} if person else {}), **data}
    before = Membership.objects.count()
    response = as_("principal").post(url(plc.community, "members"), body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Membership.objects.count() == before


def test_the_principal_invites_a_student_as_a_guest(as_, plc):
    response = as_("principal").post(
        url(plc.community, "members"), {"person": plc.student.pk, "role": "guest"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["role"] == "guest"


def test_the_invited_person_accepts_with_an_activity(as_, plc):
    CommunityMembershipFactory(
        community=plc.private, user=plc.newcomer, status=Status.INVITED, invited_by=plc.colleague
    )
    response = as_("newcomer").post(
        url(plc.private, "answer-invitation"), {"accept": True, "activity": "I take the minutes."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["activity"]) == ("active", "I take the minutes.")
    again = as_("newcomer").post(url(plc.private, "answer-invitation"), {"accept": False}, format="json")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["This invitation has already been answered."]}


def test_the_invited_person_declines(as_, plc):
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.INVITED)
    response = as_("newcomer").post(url(plc.community, "answer-invitation"), {"accept": False}, format="json")
    assert response.status_code == 200
    assert membership(plc.community, plc.newcomer).status == Status.DECLINED


@pytest.mark.parametrize(
    "data,field",
    [({}, "accept"), ({"accept": "perhaps"}, "accept"), ({"accept": True, "activity": "a" * 301}, "activity")],
)
def test_bad_answers_are_refused(as_, plc, data, field):
    invitation = CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.INVITED)
    response = as_("newcomer").post(url(plc.community, "answer-invitation"), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Membership.objects.get(pk=invitation.pk).status == Status.INVITED


def test_without_an_invitation_there_is_nothing_to_answer(as_, plc):
    response = as_("newcomer").post(url(plc.community, "answer-invitation"), {"accept": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["You have no invitation to this community."]}
    # The invitation is the invited person's alone to answer.
    CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.INVITED)
    response = as_("teacher").post(url(plc.community, "answer-invitation"), {"accept": True}, format="json")
    assert response.status_code == 400
    assert membership(plc.community, plc.newcomer).status == Status.INVITED


# --- Asking to join -----------------------------------------------------------------------------


def test_request_to_join_and_acceptance(world, plc, client):
    client.force_login(world.principal)  # a leader can see but is not a member
    client.force_login(world.other_teacher)
    assert client.post(page_url("join", plc.community.pk)).status_code == 404  # another school's community
    network_member = plc.newcomer  # a teacher of one of the network's schools, in none of its communities
    client.force_login(network_member)
    assert client.post(page_url("join", plc.in_network.pk), {"message": "Count me in"}).status_code == 302
    request = Membership.objects.get(community=plc.in_network, user=network_member)
    assert request.status == Status.REQUESTED
    client.force_login(world.colleague)  # sees the network community, not its requests to join
    assert client.post(page_url("member_accept", plc.in_network.pk, request.pk)).status_code == 404
    client.force_login(world.supervisor)
    assert client.post(page_url("member_accept", plc.in_network.pk, request.pk)).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.ACTIVE


def test_declining_a_request_on_the_page(world, plc, client):
    request = services.request_to_join(plc.in_network, actor=world.teacher)
    client.force_login(world.teacher)  # a request to join is known only to those who manage members
    assert client.post(page_url("member_decline", plc.in_network.pk, request.pk)).status_code == 404
    client.force_login(world.supervisor)
    assert client.post(page_url("member_decline", plc.in_network.pk, request.pk)).status_code == 302
    request.refresh_from_db()
    assert request.status == Status.DECLINED


def test_students_cannot_ask_to_join(world, plc, client):
    client.force_login(world.student)
    assert client.post(page_url("join", plc.community.pk)).status_code == 403


def test_asking_to_join_then_being_accepted(as_, plc):
    response = as_("newcomer").post(url(plc.community, "join"), {"message": "I teach grade 8 too."}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["message"]) == ("requested", "I teach grade 8 too.")
    again = as_("newcomer").post(url(plc.community, "join"), {}, format="json")
    assert again.status_code == 403
    assert again.json() == {"detail": "You cannot ask to join this community."}
    request = membership(plc.community, plc.newcomer)
    response = as_("teacher").post(
        url(plc.community, "members", request.pk, "accept"), {"role": "observer"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["role"]) == ("active", "observer")
    response = as_("teacher").post(url(plc.community, "members", request.pk, "accept"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["This request has already been answered."]}


def test_declining_a_request(as_, plc):
    request = CommunityMembershipFactory(community=plc.community, user=plc.newcomer, status=Status.REQUESTED)
    response = as_("principal").post(url(plc.community, "members", request.pk, "decline"))
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    # A declined request is no longer a pending one.
    assert as_("principal").post(url(plc.community, "members", request.pk, "decline")).status_code == 404


def test_accepting_an_active_member_is_refused(as_, plc):
    cyrus = membership(plc.community, plc.colleague)
    response = as_("teacher").post(url(plc.community, "members", cyrus.pk, "accept"), {}, format="json")
    assert response.status_code == 400
    response = as_("teacher").post(url(plc.community, "members", cyrus.pk, "accept"), {"role": "pope"}, format="json")
    assert response.status_code == 400 and "role" in response.json()


@pytest.mark.parametrize(
    "who,status",
    [("student", 403), ("colleague", 403), ("principal", 403), ("other_teacher", 404)],
)
def test_who_cannot_ask_to_join(as_, plc, who, status):
    response = as_(who).post(url(plc.community, "join"), {"message": "Please"}, format="json")
    assert response.status_code == status
    assert not Membership.objects.filter(community=plc.community, status=Status.REQUESTED).exists()


def test_a_join_message_that_is_too_long_is_refused(as_, plc):
    response = as_("newcomer").post(url(plc.community, "join"), {"message": "m" * 501}, format="json")
    assert response.status_code == 400
    assert not Membership.objects.filter(community=plc.community, user=plc.newcomer).exists()


# --- Roles and removal --------------------------------------------------------------------------


def test_change_role_and_remove(world, plc, client):
    membership = plc.community.memberships.get(user=world.colleague)
    client.force_login(world.colleague)
    assert (
        client.post(page_url("member_role", plc.community.pk, membership.pk), {"role": "facilitator"}).status_code
        == 403
    )
    assert client.post(page_url("member_remove", plc.community.pk, membership.pk)).status_code == 403
    client.force_login(world.teacher)
    assert (
        client.post(page_url("member_role", plc.community.pk, membership.pk), {"role": "observer"}).status_code == 302
    )
    membership.refresh_from_db()
    assert membership.role == Role.OBSERVER
    assert client.post(page_url("member_remove", plc.community.pk, membership.pk)).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Status.REMOVED


def test_the_last_facilitator_cannot_be_removed_or_leave(world, plc, client):
    mine = plc.community.memberships.get(user=world.teacher)
    client.force_login(world.teacher)
    response = client.post(page_url("member_remove", plc.community.pk, mine.pk), follow=True)
    assert "at least one facilitator" in response.content.decode()
    client.post(page_url("leave", plc.community.pk))
    client.post(page_url("member_role", plc.community.pk, mine.pk), {"role": "member"})
    mine.refresh_from_db()
    assert mine.status == Status.ACTIVE and mine.role == Role.FACILITATOR


@pytest.mark.parametrize("who", ["colleague", "expert", "parent", "newcomer"])
def test_a_member_cannot_manage_members(as_, plc, who):
    api = as_(who)
    target = membership(plc.community, plc.colleague if who != "colleague" else plc.expert)
    refusals = [
        (
            api.post(url(plc.community, "members"), {"person": plc.other_teacher.pk}, format="json"),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.patch(url(plc.community, "members", target.pk), {"role": "facilitator"}, format="json"),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.delete(url(plc.community, "members", target.pk)),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.post(url(plc.community, "members", target.pk, "accept")),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
        (
            api.post(url(plc.community, "members", target.pk, "decline")),
            "Only facilitators can invite, accept and remove members and change their roles.",
        ),
    ]
    for response, message in refusals:
        assert response.status_code == 403
        assert response.json() == {"detail": message}
    target.refresh_from_db()
    assert (target.status, target.role) == (Status.ACTIVE, Role.MEMBER if who != "colleague" else Role.EXPERT)
    assert not Membership.objects.filter(user=plc.other_teacher, community=plc.community).exists()


def test_the_facilitator_changes_a_role_and_removes_a_member(as_, plc):
    api = as_("teacher")
    cyrus = membership(plc.community, plc.colleague)
    response = api.patch(url(plc.community, "members", cyrus.pk), {"role": "facilitator"}, format="json")
    assert response.status_code == 200
    assert response.json()["role"] == "facilitator"
    eve = membership(plc.community, plc.expert)
    assert api.delete(url(plc.community, "members", eve.pk)).status_code == 204
    eve.refresh_from_db()
    assert eve.status == Status.REMOVED
    # Gone from the list, and no longer a resource of the community.
    assert api.get(url(plc.community, "members", eve.pk)).status_code == 404


def test_the_last_facilitator_can_be_neither_demoted_nor_removed(as_, plc):
    api = as_("principal")
    tala = membership(plc.community, plc.teacher)
    reason = ["A community needs at least one facilitator. Make someone else a facilitator first."]
    response = api.patch(url(plc.community, "members", tala.pk), {"role": "member"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": reason}
    response = api.delete(url(plc.community, "members", tala.pk))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": reason}
    tala.refresh_from_db()
    assert (tala.role, tala.status) == (Role.FACILITATOR, Status.ACTIVE)


def test_an_empty_patch_changes_nothing(as_, plc):
    cyrus = membership(plc.community, plc.colleague)
    assert as_("teacher").patch(url(plc.community, "members", cyrus.pk), {}, format="json").status_code == 200
    assert Membership.objects.get(pk=cyrus.pk).role == Role.MEMBER


@pytest.mark.parametrize("data,field", [({"role": "boss"}, "role"), ({"role": ["member"]}, "role")])
def test_bad_role_changes_are_refused(as_, plc, data, field):
    cyrus = membership(plc.community, plc.colleague)
    response = as_("teacher").patch(url(plc.community, "members", cyrus.pk), data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Membership.objects.get(pk=cyrus.pk).role == Role.MEMBER


def test_a_parent_guest_cannot_be_made_a_member(as_, plc):
    parisa = membership(plc.community, plc.parent)
    response = as_("teacher").patch(url(plc.community, "members", parisa.pk), {"role": "member"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": ["Parents and students take part as guests."]}


# --- Leaving and one's own part -----------------------------------------------------------------


def test_member_leaves_and_chooses_their_part(world, plc, client):
    client.force_login(world.colleague)
    assert (
        client.post(
            page_url("my_part", plc.community.pk), {"role": "expert", "activity": "I film a lesson"}
        ).status_code
        == 302
    )
    membership = plc.community.memberships.get(user=world.colleague)
    assert (membership.role, membership.activity) == (Role.EXPERT, "I film a lesson")
    assert client.post(page_url("leave", plc.community.pk)).status_code == 302
    membership.refresh_from_db()
    assert membership.status == Status.LEFT


def test_outsiders_cannot_leave_or_set_a_part(world, plc, client):
    client.force_login(world.principal)
    assert client.post(page_url("my_part", plc.community.pk), {"role": "member"}).status_code == 403
    assert client.post(page_url("leave", plc.community.pk)).status_code == 403


def test_a_member_leaves(as_, plc):
    response = as_("colleague").post(url(plc.community, "leave"))
    assert response.status_code == 200
    assert response.json()["status"] == "left"
    assert as_("colleague").get(url(plc.community)).json()["my_status"] == "left"


def test_the_last_facilitator_cannot_leave_and_strangers_have_nothing_to_leave(as_, plc):
    response = as_("teacher").post(url(plc.community, "leave"))
    assert response.status_code == 400
    assert "at least one facilitator" in response.json()["non_field_errors"][0]
    response = as_("principal").post(url(plc.community, "leave"))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["You are not a member of this community."]}
    assert membership(plc.community, plc.teacher).status == Status.ACTIVE


def test_a_member_chooses_an_activity_and_a_role(as_, plc):
    api = as_("colleague")
    response = api.patch(url(plc.community, "me"), {"activity": "I prepare the data.", "role": "expert"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["activity"], response.json()["role"]) == ("I prepare the data.", "expert")
    response = api.patch(url(plc.community, "me"), {"role": "observer"}, format="json")
    assert (response.json()["activity"], response.json()["role"]) == ("I prepare the data.", "observer")


@pytest.mark.parametrize(
    "who,data,field,message",
    [
        ("colleague", {"role": "facilitator"}, "role", "Ask a facilitator to change this role."),
        ("teacher", {"role": "member"}, "role", "Ask a facilitator to change this role."),
        ("parent", {"role": "member"}, "role", "Ask a facilitator to change this role."),  # a guest stays a guest
        ("colleague", {"activity": "a" * 301}, "activity", "no more than 300 characters"),
        ("colleague", {"role": "king"}, "role", "is not a valid choice"),
        ("newcomer", {"activity": "Lurking"}, "non_field_errors", "You are not a member of this community."),
    ],
)
def test_bad_changes_to_ones_own_place_are_refused(as_, plc, who, data, field, message):
    person = getattr(plc, who)
    before = list(Membership.objects.filter(user=person).values_list("role", "activity"))
    response = as_(who).patch(url(plc.community, "me"), data, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert list(Membership.objects.filter(user=person).values_list("role", "activity")) == before


def test_a_teacher_who_came_as_a_guest_cannot_promote_herself(as_, plc):
    CommunityMembershipFactory(community=plc.private, user=plc.newcomer, role=Role.GUEST)
    response = as_("newcomer").patch(url(plc.private, "me"), {"role": "member"}, format="json")
    assert response.status_code == 400
    assert membership(plc.private, plc.newcomer).role == Role.GUEST
    members = as_("newcomer").get(url(plc.private)).json()["members"]
    assert [m["display_name"] for m in members] == ["Colleague Cyrus", "Newcomer Nima"]
