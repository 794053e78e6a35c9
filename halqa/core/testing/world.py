"""The people and places most tests start from (conftest's `world` fixture; a fixture of a wider
scope calls `make_world()` itself)."""

from __future__ import annotations

from halqa.accounts.tests.factories import (
    AuthorityFactory,
    MembershipFactory,
    NetworkFactory,
    SchoolFactory,
    UserFactory,
)


def make_world():
    """The `world` fixture's people and places, for a fixture of a wider scope to build once."""
    from types import SimpleNamespace

    authority = AuthorityFactory(name="North")
    foreign_authority = AuthorityFactory(name="South")
    school = SchoolFactory(authority=authority, name="Al-Farabi School")
    other_school = SchoolFactory(authority=authority, name="Hafez School")
    foreign_school = SchoolFactory(authority=foreign_authority, name="School No. 17")

    def person(name, roles, school=None, position=None, **extra):
        user = UserFactory(display_name=name, roles=roles, **extra)
        if school is not None:
            MembershipFactory(user=user, school=school, position=position)
        return user

    w = SimpleNamespace(authority=authority, school=school, other_school=other_school, foreign_school=foreign_school)
    w.principal = person("Principal Pia", ["principal"], school, "principal")
    w.teacher = person("Teacher Tala", ["teacher"], school, "teacher", years_experience=2)
    w.colleague = person("Colleague Cyrus", ["teacher"], school, "teacher", years_experience=12)
    w.other_teacher = person("Other Olga", ["teacher"], other_school, "teacher")
    w.other_principal = person("Other Principal Omid", ["principal"], other_school, "principal")
    w.foreign_teacher = person("Foreign Fatima", ["teacher"], foreign_school, "teacher")
    w.foreign_principal = person("Foreign Principal Felix", ["principal"], foreign_school, "principal")
    w.parent = person("Parent Parisa", ["parent"], school, "parent")
    w.student = person("Student Sami", ["student"], school, "student")
    w.other_parent = person("Other Parent Oleg", ["parent"], other_school, "parent")
    w.expert = person("Expert Eve", ["expert"])
    w.supervisor = person("Supervisor Saeed", ["supervisor"])
    w.district_admin = person("District Dina", ["district_admin"])
    authority.admins.add(w.district_admin)
    w.network = NetworkFactory(authority=authority, supervisor=w.supervisor, schools=[school, other_school])
    return w
