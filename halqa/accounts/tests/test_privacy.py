"""Being a parent or a student somewhere is private, even for someone who is also a teacher."""

import pytest
from django.urls import reverse

from halqa.accounts.services import add_roles
from halqa.accounts.tests.factories import MembershipFactory as Member

pytestmark = pytest.mark.django_db


@pytest.fixture
def teaching_parent(world):
    """A teacher at the other school whose child is at world.school."""
    person = world.other_teacher
    add_roles(person, ["parent"])
    Member(user=person, school=world.school, position="parent")
    return person


@pytest.mark.parametrize(
    "who,sees", [("colleague", False), ("foreign_teacher", False), ("principal", True), ("district_admin", True)]
)
def test_parenthood_is_shown_only_to_the_childs_school_leaders(world, teaching_parent, client, who, sees):
    client.force_login(getattr(world, who))
    page = client.get(reverse("accounts:person", args=[teaching_parent.pk])).content.decode()
    assert ("Parent" in page) == sees
    api = client.get(f"/api/v1/people/{teaching_parent.pk}/").json()
    assert ("parent" in api["roles"]) is False  # roles in the directory never include private ones
    assert any(s["position"] == "parent" for s in api["schools"]) == sees
    school_page = client.get(reverse("orgs:school", args=[world.school.pk])).content.decode()
    assert (teaching_parent.display_name in school_page) == sees


def test_the_person_sees_their_own_parenthood(world, teaching_parent, client):
    client.force_login(teaching_parent)
    page = client.get(reverse("accounts:person", args=[teaching_parent.pk])).content.decode()
    assert "Parent" in page
