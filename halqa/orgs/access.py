"""Who a person is in the schools, networks and authorities, once; and who may do what with them.

`standing(user)` is the one place that knows who leads a school (its principal and deputy, and the
admins of its authority), who signs for it (the principal alone), who supervises a network, and
which schools and networks a person belongs to. Every access policy (schools and networks here,
communities, later cases, meetings and the library) asks it instead of running its own queries;
it costs one query, once per request.

| action (schools)        | who may                                                    |
|-------------------------|------------------------------------------------------------|
| view                    | any signed-in person                                       |
| change                  | the school's principal or deputy, its authority's admins  |
| invite                  | the same                                                   |
| view_private_members    | the same (who is a parent or a student there)              |

| action (networks)       | who may                                                    |
|-------------------------|------------------------------------------------------------|
| view                    | any signed-in person                                       |
| change                  | the network's supervisor, its authority's admins           |

| action (invitations)    | who may                                                    |
|-------------------------|------------------------------------------------------------|
| view, manage            | the leaders of its school (anyone else: 404)               |
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, F, IntegerField, Q, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from halqa.accounts.models import User
from halqa.core import access

from .models import LEADING_POSITIONS, Authority, Invitation, Membership, Network, Position, School

# Positions of a school's staff: they may start a community in it. Parents and students may not.
STAFF_POSITIONS = frozenset(p for p in Position.values if p not in (Position.PARENT, Position.STUDENT))


@dataclass(frozen=True)
class Standing:
    """A person's place in the organisation tree, as ids; every answer below is pure Python."""

    user_id: int | None
    superuser: bool = False
    positions: tuple[tuple[int, str], ...] = ()  # (school id, position), one per school membership
    admin_of: frozenset[int] = frozenset()  # authority ids
    supervises: frozenset[int] = frozenset()  # network ids
    networks: frozenset[int] = frozenset()  # networks one of the person's schools is part of
    role_codes: frozenset[str] = frozenset()

    # --- Ids, for filters ----------------------------------------------------------------------

    @property
    def schools(self) -> frozenset[int]:
        return frozenset(school for school, _ in self.positions)

    @property
    def led_schools(self) -> frozenset[int]:
        """Schools the person leads by position (principal, deputy); authority admins lead more."""
        return frozenset(school for school, position in self.positions if position in LEADING_POSITIONS)

    @property
    def principal_of(self) -> frozenset[int]:
        return frozenset(school for school, position in self.positions if position == Position.PRINCIPAL)

    @property
    def staff_of(self) -> frozenset[int]:
        return frozenset(school for school, position in self.positions if position in STAFF_POSITIONS)

    # --- Questions about one school or network -------------------------------------------------

    def belongs_to(self, school_id: int) -> bool:
        return school_id in self.schools

    def leads_school(self, school: School) -> bool:
        """Principal or deputy of the school, admin of its authority, or staff of the deployment."""
        return self.superuser or school.pk in self.led_schools or school.authority_id in self.admin_of

    def signs_for_school(self, school_id: int) -> bool:
        """Only the principal signs for a school (not a deputy, not an authority admin)."""
        return school_id in self.principal_of

    def leads_network(self, network: Network) -> bool:
        return self.superuser or network.pk in self.supervises or network.authority_id in self.admin_of

    def signs_for_network(self, network_id: int) -> bool:
        return network_id in self.supervises

    def in_network(self, network_id: int) -> bool:
        """One of the person's schools is part of the network."""
        return network_id in self.networks

    def is_staff_of(self, school: School) -> bool:
        return self.superuser or school.pk in self.staff_of or school.authority_id in self.admin_of

    @property
    def only_private_roles(self) -> bool:
        """A parent or a student and nothing else."""
        from halqa.accounts.choices import PRIVATE_ROLES

        return bool(self.role_codes) and self.role_codes <= set(PRIVATE_ROLES)

    # --- The same questions as filters ---------------------------------------------------------

    def led_schools_q(self, prefix: str = "") -> Q:
        """Schools the person leads, on a model reaching a school by `prefix` (e.g. "school__")."""
        return Q(**{f"{prefix}pk__in": self.led_schools}) | Q(**{f"{prefix}authority_id__in": self.admin_of})

    def led_networks_q(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}pk__in": self.supervises}) | Q(**{f"{prefix}authority_id__in": self.admin_of})


ANONYMOUS = Standing(user_id=None)


def _facts(user) -> QuerySet:
    """Everything a standing is made of, as (kind, id, text) rows of one UNION ALL query: school
    memberships, administered authorities, supervised networks, networks of one's schools, roles."""
    kind = lambda code: Value(code, output_field=CharField())  # noqa: E731
    no_id, no_text = Value(0, output_field=IntegerField()), Value("", output_field=CharField())
    my_schools = Membership.objects.filter(user=user).values("school_id")
    parts = [
        Membership.objects.filter(user=user).annotate(k=kind("position"), i=F("school_id"), t=F("position")),
        Authority.admins.through.objects.filter(user_id=user.pk).annotate(
            k=kind("admin"), i=F("authority_id"), t=no_text
        ),
        Network.objects.filter(supervisor_id=user.pk).annotate(k=kind("supervises"), i=F("pk"), t=no_text),
        Network.schools.through.objects.filter(school_id__in=my_schools).annotate(
            k=kind("network"), i=F("network_id"), t=no_text
        ),
        User.roles.through.objects.filter(user_id=user.pk).annotate(k=kind("role"), i=no_id, t=F("rolerow_id")),
    ]
    rows = [part.order_by().values_list("k", "i", "t") for part in parts]
    return rows[0].union(*rows[1:], all=True)


def _compute(user) -> Standing:
    positions, admin_of, supervises, networks, roles = [], set(), set(), set(), set()
    for kind, key, text in _facts(user):
        if kind == "position":
            positions.append((key, text))
        elif kind == "admin":
            admin_of.add(key)
        elif kind == "supervises":
            supervises.add(key)
        elif kind == "network":
            networks.add(key)
        else:
            roles.add(text)
    return Standing(
        user_id=user.pk,
        superuser=user.is_superuser,
        positions=tuple(sorted(positions)),
        admin_of=frozenset(admin_of),
        supervises=frozenset(supervises),
        networks=frozenset(networks),
        role_codes=frozenset(roles),
    )


def standing(user) -> Standing:
    """`user`'s standing, computed once per request (and afresh after any change)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return access.cached(("standing", user.pk), lambda: _compute(user))


# --- Schools and networks --------------------------------------------------------------------

VIEW = "view"
CHANGE = "change"
INVITE = "invite"
VIEW_PRIVATE_MEMBERS = "view_private_members"
MANAGE = "manage"  # withdraw, send again


class SchoolAccess(access.Policy):
    model = School
    actions = frozenset({VIEW, CHANGE, INVITE, VIEW_PRIVATE_MEMBERS})
    read_action = VIEW
    refusals = {
        CHANGE: _("Only the school's leaders can change it."),
        INVITE: _("Only the school's leaders can invite people to it."),
    }

    def grants(self, person, school: School) -> frozenset[str]:
        if not (person.is_authenticated and person.is_active):
            return frozenset()
        if standing(person).leads_school(school):
            return self.actions
        return frozenset({VIEW})

    def where(self, person, action: str) -> QuerySet[School]:
        if not person.is_active:
            return School.objects.none()
        if action == VIEW or person.is_superuser:
            return School.objects.all()
        return School.objects.filter(standing(person).led_schools_q())


class NetworkAccess(access.Policy):
    model = Network
    actions = frozenset({VIEW, CHANGE})
    read_action = VIEW
    refusals = {CHANGE: _("Only the network's supervisor can change it.")}

    def grants(self, person, network: Network) -> frozenset[str]:
        if not (person.is_authenticated and person.is_active):
            return frozenset()
        if standing(person).leads_network(network):
            return self.actions
        return frozenset({VIEW})

    def where(self, person, action: str) -> QuerySet[Network]:
        if not person.is_active:
            return Network.objects.none()
        if action == VIEW or person.is_superuser:
            return Network.objects.all()
        return Network.objects.filter(standing(person).led_networks_q())


class InvitationAccess(access.Policy):
    """An invitation is known only to those who lead its school: anyone else, whatever the action,
    is answered as if it did not exist (404), so nobody learns which invitations a school sent."""

    model = Invitation
    actions = frozenset({VIEW, MANAGE})
    read_action = VIEW
    refusals = {MANAGE: _("Only the school's leaders can invite people to it.")}

    def grants(self, person, invitation: Invitation) -> frozenset[str]:
        if person.is_authenticated and person.is_active and standing(person).leads_school(invitation.school):
            return self.actions
        return frozenset()

    def where(self, person, action: str) -> QuerySet[Invitation]:
        if not person.is_active:
            return Invitation.objects.none()
        if person.is_superuser:
            return Invitation.objects.all()
        return Invitation.objects.filter(standing(person).led_schools_q("school__"))


school_access = access.register(SchoolAccess())
network_access = access.register(NetworkAccess())
invitation_access = access.register(InvitationAccess())
