"""Who may do what with schools, networks and invitations.

One vocabulary of django-rules predicates, used by the pages, the API, the templates
(`{% has_perm %}`) and the tests. Schools and networks are visible to every signed-in person;
changing them and inviting people belongs to the people who lead them.

| action                 | who may                                                      |
|------------------------|--------------------------------------------------------------|
| orgs.view_school       | any signed-in person                                         |
| orgs.change_school     | the school's principal or deputy, its authority's admins     |
| orgs.invite_to_school  | the school's principal or deputy, its authority's admins     |
| orgs.view_school_private_members | same as change_school (parents and students)       |
| orgs.view_network      | any signed-in person                                         |
| orgs.change_network    | the network's supervisor, its authority's admins             |
"""

import rules

from .models import LEADING_POSITIONS, Membership


@rules.predicate
def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


@rules.predicate
def is_school_leader(user, school) -> bool:
    if school is None or not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, school=school, position__in=LEADING_POSITIONS).exists()


@rules.predicate
def is_school_authority_admin(user, school) -> bool:
    if school is None or not user.is_authenticated:
        return False
    return school.authority.admins.filter(pk=user.pk).exists()


@rules.predicate
def is_network_supervisor(user, network) -> bool:
    return network is not None and user.is_authenticated and network.supervisor_id == user.pk


@rules.predicate
def is_network_authority_admin(user, network) -> bool:
    if network is None or not user.is_authenticated:
        return False
    return network.authority.admins.filter(pk=user.pk).exists()


@rules.predicate
def is_superuser(user) -> bool:
    return bool(user.is_authenticated and user.is_superuser)


can_lead_school = is_superuser | is_school_leader | is_school_authority_admin
can_change_network = is_superuser | is_network_supervisor | is_network_authority_admin

rules.add_perm("orgs.view_school", is_signed_in)
rules.add_perm("orgs.change_school", can_lead_school)
rules.add_perm("orgs.invite_to_school", can_lead_school)
rules.add_perm("orgs.view_school_private_members", can_lead_school)
rules.add_perm("orgs.view_network", is_signed_in)
rules.add_perm("orgs.change_network", can_change_network)
