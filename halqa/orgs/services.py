"""Every change to schools, networks, memberships and invitations (pages and API alike)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from halqa.accounts.models import User
from halqa.accounts.services import add_roles
from halqa.core import outbox
from halqa.core.models import DeliveryStatus, OutboundEmail
from halqa.events import record
from halqa.events.models import Verb
from halqa.events.trail import changes, snapshot

from .access import CHANGE, INVITE, network_access, school_access
from .models import POSITION_ROLE, Holiday, Invitation, Membership, Network, School, hash_token
from .tasks import INVITATION_EMAIL

SCHOOL_FIELDS = ("name", "city", "stage", "description", "website", "weekend")
NETWORK_FIELDS = ("name", "description")


@transaction.atomic
def update_school(school: School, *, actor: User, **fields) -> School:
    school_access.allowed(actor, school).need(CHANGE)
    before = snapshot(school, SCHOOL_FIELDS)
    for name, value in fields.items():
        if name not in SCHOOL_FIELDS:
            raise TypeError(f"{name} is not a school field")
        setattr(school, name, value)
    school.full_clean()
    school.save(update_fields=list(fields) or None)
    old, new = changes(before, snapshot(school, SCHOOL_FIELDS))
    record(Verb.SCHOOL_UPDATED, actor=actor, target=school, school=school, before=old, after=new)
    return school


@transaction.atomic
def add_holiday(school: School, *, actor: User, name: str, starts: dt.date, ends: dt.date | None = None) -> Holiday:
    """A school's leader enters a day (or days) off; plans made afterwards skip it."""
    school_access.allowed(actor, school).need(CHANGE)
    holiday = Holiday(school=school, name=(name or "").strip(), starts=starts, ends=ends or None, created_by=actor)
    if holiday.ends == holiday.starts:
        holiday.ends = None
    holiday.full_clean()
    holiday.save()
    record(
        Verb.SCHOOL_HOLIDAY_ADDED,
        actor=actor,
        target=school,
        school=school,
        after={"holiday": holiday.pk, "name": holiday.name, "starts": holiday.starts, "ends": holiday.ends},
    )
    return holiday


@transaction.atomic
def remove_holiday(holiday: Holiday, *, actor: User) -> None:
    school = holiday.school
    school_access.allowed(actor, school).need(CHANGE)
    before = {"holiday": holiday.pk, "name": holiday.name, "starts": holiday.starts, "ends": holiday.ends}
    holiday.delete()
    record(Verb.SCHOOL_HOLIDAY_REMOVED, actor=actor, target=school, school=school, before=before)


@transaction.atomic
def update_network(network: Network, *, actor: User, schools: list[School] | None = None, **fields) -> Network:
    network_access.allowed(actor, network).need(CHANGE)
    before = snapshot(network, NETWORK_FIELDS)
    if schools is not None:
        before["schools"] = sorted(network.schools.values_list("pk", flat=True))
    for name, value in fields.items():
        if name not in NETWORK_FIELDS:
            raise TypeError(f"{name} is not a network field")
        setattr(network, name, value)
    network.full_clean()
    network.save()
    if schools is not None:
        foreign = [s for s in schools if s.authority_id != network.authority_id]
        if foreign:
            raise ValidationError(
                {"schools": _("%(school)s belongs to another authority.") % {"school": foreign[0].name}}
            )
        network.schools.set(schools)
    after = snapshot(network, NETWORK_FIELDS)
    if schools is not None:
        after["schools"] = sorted(s.pk for s in schools)
    old, new = changes(before, after)
    record(Verb.NETWORK_UPDATED, actor=actor, target=network, before=old, after=new)
    return network


def new_token() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def invite(*, actor: User, school: School, email: str, position: str, message: str = "") -> Invitation:
    """Invite `email` to `school`; the email goes out through the outbox after commit.

    The invitation's link is made by the worker when it builds the email (see orgs.tasks): no one
    else ever holds it. An open invitation whose email could not be delivered makes way for the
    new one, like an expired one.
    """
    school_access.allowed(actor, school).need(INVITE)
    email = email.strip().lower()
    if Membership.objects.filter(user__email__iexact=email, school=school, position=position).exists():
        raise ValidationError(
            {"email": _("%(email)s is already a member of this school in that position.") % {"email": email}}
        )
    open_invitations = Invitation.objects.select_for_update().filter(
        email__iexact=email, school=school, accepted_at__isnull=True, revoked_at__isnull=True
    )
    now = timezone.now()
    undeliverable = set(
        open_invitations.annotate(delivery=outbox.latest_status(INVITATION_EMAIL))
        .filter(delivery=DeliveryStatus.FAILED)
        .values_list("pk", flat=True)
    )
    if any(inv.expires_at > now and inv.pk not in undeliverable for inv in open_invitations):
        raise ValidationError(
            {"email": _("%(email)s already has an open invitation to this school.") % {"email": email}}
        )
    open_invitations.update(revoked_at=now)  # expired or undeliverable ones make way for the new one
    try:
        invitation = Invitation.objects.create(
            email=email,
            school=school,
            position=position,
            message=message,
            language=get_language() or settings.LANGUAGE_CODE,
            token_hash=unusable_token_hash(),
            invited_by=actor,
            created_at=now,
            expires_at=now + dt.timedelta(days=settings.INVITATION_DAYS_VALID),
        )
    except IntegrityError as exc:  # a concurrent request invited the same person a moment ago
        raise ValidationError(
            {"email": _("%(email)s already has an open invitation to this school.") % {"email": email}}
        ) from exc
    outbox.queue_email(INVITATION_EMAIL, invitation.email, about_id=invitation.pk, language=invitation.language)
    record(
        Verb.SCHOOL_INVITATION_SENT,
        actor=actor,
        target=invitation,
        school=school,
        after={"email": email, "position": position, "expires_at": invitation.expires_at},
        target_label=email,
    )
    return invitation


@transaction.atomic
def resend_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    """Email a pending invitation again with a fresh link; the old link stops working at once."""
    school_access.allowed(actor, invitation.school).need(INVITE)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != "pending":
        raise ValidationError(_("Only a pending invitation can be sent again."))
    on_its_way = OutboundEmail.objects.filter(
        kind=INVITATION_EMAIL, about_id=locked.pk, status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    )
    if on_its_way.exists():
        raise ValidationError(
            _("The invitation to %(email)s is being sent right now. Wait a minute before sending it again.")
            % {"email": locked.email}
        )
    outbox.cancel_unfinished(INVITATION_EMAIL, locked.pk)
    now = timezone.now()
    before = {"expires_at": locked.expires_at}
    locked.token_hash = unusable_token_hash()
    locked.expires_at = now + dt.timedelta(days=settings.INVITATION_DAYS_VALID)
    locked.save(update_fields=["token_hash", "expires_at"])
    outbox.queue_email(INVITATION_EMAIL, locked.email, about_id=locked.pk, language=locked.language)
    record(
        Verb.SCHOOL_INVITATION_RESENT,
        actor=actor,
        target=locked,
        school=locked.school_id,
        before=before,
        after={"expires_at": locked.expires_at},
        target_label=locked.email,
    )
    return locked


def unusable_token_hash() -> str:
    """The hash of a token nobody is given: the invitation has no working link until the worker makes one."""
    return hash_token(new_token())


def issue_invitation_token(invitation: Invitation) -> str:
    """Make the invitation's link token now, store only its hash, and return it (for the email alone).

    Any earlier link of this invitation stops working.
    """
    token = new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    invitation.token_hash = hash_token(token)
    return token


def find_open_invitation(token: str | None) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.pending().select_related("school", "invited_by").filter(token_hash=hash_token(token)).first()
    )


def invitation_for_token(token: str) -> Invitation | None:
    """Any invitation with this token, open or not, so the page can say why it cannot be used."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("school", "invited_by").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation cannot be used, as a sentence for the person holding the link."""
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link.")
    status = invitation.status
    if status == "accepted":
        return _("This invitation has already been used. Sign in instead.")
    if status == "revoked":
        return _("This invitation was withdrawn. Ask the school for a new one.")
    if status == "expired":
        return _("This invitation has expired. Ask the school for a new one.")
    return None


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user: User) -> Membership:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(locked)
    if problem:
        raise ValidationError(problem)
    if locked.email.lower() != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": locked.email}
        )
    membership, _created = Membership.objects.get_or_create(user=user, school=locked.school, position=locked.position)
    role = POSITION_ROLE.get(locked.position)
    if role:
        add_roles(user, [role])
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by"])
    record(
        Verb.SCHOOL_INVITATION_ACCEPTED,
        actor=user,
        target=locked,
        school=locked.school_id,
        before={"status": "pending"},
        after={"status": "accepted", "position": locked.position, "membership": membership.pk},
        target_label=locked.email,
    )
    return membership


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    school_access.allowed(actor, invitation.school).need(
        INVITE, _("Only the school's leaders can withdraw its invitations.")
    )
    if invitation.status != "pending":
        raise ValidationError(_("Only a pending invitation can be withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        Verb.SCHOOL_INVITATION_REVOKED,
        actor=actor,
        target=invitation,
        school=invitation.school_id,
        before={"status": "pending"},
        after={"status": "revoked"},
        target_label=invitation.email,
    )
    return invitation
