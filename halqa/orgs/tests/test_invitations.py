"""Invitations: sent through the task queue to a real SMTP server, accepted once, then dead."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from halqa.accounts.models import User
from halqa.orgs import services
from halqa.orgs.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def invite_with_link(**details):
    """Invite, then make the link the worker would put in the email (the service never returns one)."""
    invitation = services.invite(**details)
    return invitation, services.issue_invitation_token(invitation)


def link_in(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/invitations/\S+/", body).group(0)


def test_invitation_travels_through_queue_to_smtp_and_signup_joins_the_school(
    world, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    client.force_login(world.principal)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orgs:school_invitations", args=[world.school.pk]),
            {"email": "New.Teacher@Example.org", "position": "teacher", "message": "Welcome aboard"},
        )
    assert response.status_code == 302
    assert smtp_server.messages == []  # nothing is sent inside the request: the worker sends it

    run_tasks()

    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["to"] == ["new.teacher@example.org"]
    assert world.school.name in mail["message"]["Subject"]
    link = link_in(mail["message"])
    path = link.split("://", 1)[1].split("/", 1)[1]

    client.logout()
    landing = client.get("/" + path)
    assert landing.status_code == 200
    assert world.school.name in landing.content.decode()

    signup = client.post(
        reverse("account_signup"),
        {
            "email": "new.teacher@example.org",
            "display_name": "Nasrin New",
            "password1": "a-very-good-passphrase-9",
            "password2": "a-very-good-passphrase-9",
        },
    )
    assert signup.status_code == 302, signup.content.decode()[:2000]
    user = User.objects.get(email="new.teacher@example.org")
    assert user.display_name == "Nasrin New"
    assert Membership.objects.filter(user=user, school=world.school, position="teacher").exists()
    assert user.has_role("teacher")
    invitation = Invitation.objects.get(email="new.teacher@example.org")
    assert invitation.accepted_by == user

    # the same link cannot be used twice
    client.logout()
    again = client.get("/" + path)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_invitation_email_is_in_the_inviters_language(
    world, client, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    world.principal.preferred_language = "ru"
    world.principal.save()
    client.force_login(world.principal)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("orgs:school_invitations", args=[world.school.pk]),
            {"email": "ivan@example.org", "position": "teacher"},
        )
    run_tasks()
    body = smtp_server.messages[0]["message"].get_body(preferencelist=("plain",)).get_content()
    assert "Halqa" in body
    assert re.search("[а-яА-Я]", body), body


def test_signup_is_closed_without_an_invitation(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    assert "signup_closed" in response.templates[0].name or "by invitation" in response.content.decode()
    before = User.objects.count()
    client.post(
        reverse("account_signup"),
        {
            "email": "x@example.org",
            "display_name": "X",
            "password1": "a-very-good-passphrase-9",
            "password2": "a-very-good-passphrase-9",
        },
    )
    assert User.objects.count() == before


def test_signup_must_use_the_invited_address(world, client):
    invitation, token = invite_with_link(
        actor=world.principal, school=world.school, email="right@example.org", position="teacher"
    )
    client.get(reverse("orgs:invitation", args=[token]))
    response = client.post(
        reverse("account_signup"),
        {
            "email": "wrong@example.org",
            "display_name": "W",
            "password1": "a-very-good-passphrase-9",
            "password2": "a-very-good-passphrase-9",
        },
    )
    assert response.status_code == 200
    assert "right@example.org" in response.content.decode()
    assert not User.objects.filter(email="wrong@example.org").exists()


def test_expired_invitation_is_refused_with_a_reason(world, client):
    invitation, token = invite_with_link(
        actor=world.principal, school=world.school, email="late@example.org", position="teacher"
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(reverse("orgs:invitation", args=[token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    client.force_login(world.colleague)
    assert client.post(reverse("orgs:invitation", args=[token])).status_code == 410


def test_unknown_token_is_404(client):
    response = client.get(reverse("orgs:invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_existing_user_accepts_while_signed_in(world, client):
    invitation, token = invite_with_link(
        actor=world.other_principal, school=world.other_school, email=world.teacher.email, position="teacher"
    )
    client.force_login(world.teacher)
    response = client.post(reverse("orgs:invitation", args=[token]))
    assert response.status_code == 302
    assert Membership.objects.filter(user=world.teacher, school=world.other_school).exists()


def test_someone_else_cannot_accept_an_invitation(world, client):
    invitation, token = invite_with_link(
        actor=world.principal, school=world.school, email="someone@example.org", position="teacher"
    )
    client.force_login(world.colleague)
    response = client.post(reverse("orgs:invitation", args=[token]))
    assert response.status_code == 400
    assert "someone@example.org" in response.content.decode()
    assert (
        not Membership.objects.filter(user=world.colleague, school=world.school, position="teacher")
        .exclude(pk__in=Membership.objects.filter(user=world.colleague).values("pk"))
        .exists()
    )
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_inviting_twice_is_refused_and_changes_nothing(world):
    services.invite(actor=world.principal, school=world.school, email="twice@example.org", position="teacher")
    with pytest.raises(ValidationError) as error:
        services.invite(actor=world.principal, school=world.school, email="TWICE@example.org", position="teacher")
    assert "already has an open invitation" in str(error.value)
    assert Invitation.objects.filter(email="twice@example.org").count() == 1


def test_reinviting_after_expiry_replaces_the_old_invitation(world):
    first = services.invite(actor=world.principal, school=world.school, email="again@example.org", position="teacher")
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    second = services.invite(actor=world.principal, school=world.school, email="again@example.org", position="teacher")
    first.refresh_from_db()
    assert first.status == "revoked"
    assert second.status == "pending"


def test_inviting_an_existing_member_is_refused(world):
    with pytest.raises(ValidationError):
        services.invite(actor=world.principal, school=world.school, email=world.teacher.email, position="teacher")


@pytest.mark.parametrize("who", ["teacher", "other_principal", "foreign_principal", "parent", "student", "supervisor"])
def test_only_school_leaders_can_invite(world, who):
    with pytest.raises(PermissionDenied):
        services.invite(actor=getattr(world, who), school=world.school, email="nope@example.org", position="teacher")


def test_district_admin_can_invite_to_any_school_of_the_authority(world):
    invitation = services.invite(
        actor=world.district_admin, school=world.other_school, email="d@example.org", position="teacher"
    )
    assert invitation.pk


@pytest.mark.parametrize(
    "who,status", [("teacher", 403), ("foreign_principal", 403), ("parent", 403), ("principal", 200)]
)
def test_invitation_page_permissions(world, client, who, status):
    client.force_login(getattr(world, who))
    assert client.get(reverse("orgs:school_invitations", args=[world.school.pk])).status_code == status


def test_invitation_page_sends_anonymous_to_login(world, client):
    response = client.get(reverse("orgs:school_invitations", args=[world.school.pk]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(
    "data,error",
    [
        ({"email": "", "position": "teacher"}, "This field is required"),
        ({"email": "not-an-email", "position": "teacher"}, "valid email"),
        ({"email": "a@example.org", "position": "wizard"}, "Select a valid choice"),
        ({"email": "a@example.org", "position": "teacher", "message": "x" * 1001}, "at most 1000"),
    ],
)
def test_bad_invitation_input_gets_a_clear_error_and_changes_nothing(world, client, data, error):
    client.force_login(world.principal)
    response = client.post(reverse("orgs:school_invitations", args=[world.school.pk]), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Invitation.objects.count() == 0


def test_bad_invitation_input_is_translated(world, client):
    world.principal.preferred_language = "ru"
    world.principal.save()
    client.force_login(world.principal)
    response = client.post(
        reverse("orgs:school_invitations", args=[world.school.pk]), {"email": "", "position": "teacher"}
    )
    assert response.status_code == 400
    assert "Обязательное поле" in response.content.decode()


def test_revoking_an_invitation(world, client):
    invitation, token = invite_with_link(
        actor=world.principal, school=world.school, email="r@example.org", position="teacher"
    )
    client.force_login(world.other_principal)  # an invitation one may not manage is not found (see test_invitation_ids)
    assert client.post(reverse("orgs:invitation_revoke", args=[world.school.pk, invitation.pk])).status_code == 404
    client.force_login(world.principal)
    assert client.post(reverse("orgs:invitation_revoke", args=[world.school.pk, invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert client.get(reverse("orgs:invitation", args=[token])).status_code == 410
