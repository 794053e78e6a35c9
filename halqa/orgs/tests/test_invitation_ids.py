"""An invitation id one may not manage answers 404, exactly like an id that does not exist.

Before, the page answered 403 for an invitation of one's own school and 404 elsewhere, which told
a teacher which ids existed and where. Now every lookup starts from `invitations_managed_by`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.orgs.models import Invitation, hash_token

pytestmark = pytest.mark.django_db

MISSING = 10**6


@pytest.fixture
def invitation(world):
    now = timezone.now()
    return Invitation.objects.create(
        email="new.teacher@example.org",
        school=world.school,
        position="teacher",
        token_hash=hash_token("secret-token"),
        invited_by=world.principal,
        created_at=now,
        expires_at=now + dt.timedelta(days=14),
    )


PAGE_ACTIONS = ["invitation_revoke", "invitation_resend"]


@pytest.mark.parametrize("action", PAGE_ACTIONS)
@pytest.mark.parametrize("who", ["teacher", "parent", "other_principal", "foreign_principal", "expert"])
def test_the_page_answers_404_for_an_invitation_one_may_not_manage(world, invitation, client, who, action):
    client.force_login(getattr(world, who))
    there = client.post(reverse(f"orgs:{action}", args=[world.school.pk, invitation.pk]))
    missing = client.post(reverse(f"orgs:{action}", args=[world.school.pk, MISSING]))
    assert there.status_code == missing.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


@pytest.mark.parametrize("who", ["teacher", "parent", "other_principal", "foreign_principal", "expert"])
def test_the_api_answers_404_for_an_invitation_one_may_not_manage(world, invitation, who):
    api = APIClient()
    api.force_login(getattr(world, who))
    for method, suffix in [("get", ""), ("post", "revoke/"), ("post", "resend/")]:
        there = getattr(api, method)(f"/api/v1/invitations/{invitation.pk}/{suffix}")
        missing = getattr(api, method)(f"/api/v1/invitations/{MISSING}/{suffix}")
        assert there.status_code == missing.status_code == 404, (method, suffix)
        assert there.json() == missing.json()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_the_schools_principal_withdraws_it_on_the_page(world, invitation, client):
    client.force_login(world.principal)
    response = client.post(reverse("orgs:invitation_revoke", args=[world.school.pk, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_the_district_admin_withdraws_it_in_the_api(world, invitation):
    api = APIClient()
    api.force_login(world.district_admin)
    assert api.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 200
    assert api.post(f"/api/v1/invitations/{invitation.pk}/revoke/").status_code == 200
    invitation.refresh_from_db()
    assert invitation.status == "revoked"


def test_an_invitation_under_another_schools_address_is_404_even_for_its_leader(world, invitation, client):
    client.force_login(world.principal)
    response = client.post(reverse("orgs:invitation_revoke", args=[world.other_school.pk, invitation.pk]))
    assert response.status_code == 404
