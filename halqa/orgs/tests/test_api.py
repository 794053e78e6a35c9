"""The organizations API: schools, networks and invitations, with the same rules as the pages.

Also the OpenAPI schema and its documentation page.
"""

import re

import pytest
from django.core import mail
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from halqa.accounts.tests.factories import MembershipFactory, UserFactory, api_key
from halqa.orgs import services
from halqa.orgs.models import Invitation, Network, School
from halqa.orgs.tests.seeding import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

SCHOOLS = "/api/v1/schools/"
NETWORKS = "/api/v1/networks/"
INVITATIONS = "/api/v1/invitations/"
EMAIL = re.compile(r"[\w.+-]+@example\.org")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def people(world):
    world.deputy = UserFactory(display_name="Deputy Darya", roles=["principal"])
    MembershipFactory(user=world.deputy, school=world.school, position="deputy")
    world.superuser = UserFactory(display_name="Root Rana", is_superuser=True, is_staff=True)
    world.foreign_admin = UserFactory(display_name="Foreign Admin Farid", roles=["district_admin"])
    world.foreign_school.authority.admins.add(world.foreign_admin)
    return world


@pytest.fixture
def as_(api, people):
    def sign_in(who):
        api.force_login(getattr(people, who) if isinstance(who, str) else who)
        return api

    return sign_in


def school_url(school) -> str:
    return f"{SCHOOLS}{school.pk}/"


def network_url(network) -> str:
    return f"{NETWORKS}{network.pk}/"


def school_fields(school) -> dict:
    school = School.objects.get(pk=school.pk)
    return {f: getattr(school, f) for f in ("name", "city", "stage", "description", "website", "authority_id")}


def network_state(network) -> dict:
    network = Network.objects.get(pk=network.pk)
    return {
        "name": network.name,
        "description": network.description,
        "schools": sorted(network.schools.values_list("pk", flat=True)),
        "supervisor": network.supervisor_id,
    }


def ok(response):
    assert response.status_code == 200


# --- anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SCHOOLS, NETWORKS, INVITATIONS, "/api/v1/schools/1/", "/api/v1/networks/1/"])
def test_anonymous_callers_get_403(world, api, path):
    response = api.get(path)
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_anonymous_callers_cannot_change_or_invite(world, api):
    before = school_fields(world.school)
    assert api.patch(school_url(world.school), {"name": "x"}, format="json").status_code == 403
    assert (
        api.post(INVITATIONS, {"email": "a@example.org", "school": world.school.pk, "position": "teacher"}).status_code
        == 403
    )
    assert school_fields(world.school) == before
    assert Invitation.objects.count() == 0


# --- schools ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "parent", "student", "foreign_teacher", "expert"])
def test_every_signed_in_person_reads_schools(as_, people, who):
    api = as_(who)
    data = api.get(SCHOOLS).json()
    assert data["count"] == 3
    assert [s["name"] for s in data["results"]] == ["Al-Farabi School", "Hafez School", "School No. 17"]
    school = api.get(school_url(people.school)).json()
    assert school["authority"] == {"id": people.authority.pk, "name": "North", "region": ""}
    assert school["networks"] == [people.network.pk]
    assert school["staff_count"] == 4  # principal, deputy, two teachers; not the parent or the student


def test_unknown_school_is_404(as_):
    api = as_("principal")
    assert api.get(f"{SCHOOLS}999999/").status_code == 404
    assert api.patch(f"{SCHOOLS}999999/", {"name": "x"}, format="json").status_code == 404


@pytest.mark.parametrize("who", ["principal", "deputy", "district_admin", "superuser"])
def test_leaders_patch_the_school(as_, people, who):
    response = as_(who).patch(
        school_url(people.school),
        {"name": "Al-Farabi Model School", "stage": "secondary", "website": "https://farabi.example.org/"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "Al-Farabi Model School"
    saved = school_fields(people.school)
    assert (saved["name"], saved["stage"], saved["website"]) == (
        "Al-Farabi Model School",
        "secondary",
        "https://farabi.example.org/",
    )
    assert saved["city"] == "Tabriz"  # untouched


@pytest.mark.parametrize(
    "who",
    [
        "teacher",
        "colleague",
        "other_principal",
        "foreign_principal",
        "parent",
        "student",
        "supervisor",
        "foreign_admin",
    ],
)
def test_others_may_not_patch_the_school(as_, people, who):
    before = school_fields(people.school)
    api = as_(who)
    response = api.patch(school_url(people.school), {"name": "Taken over"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the school's leaders can change it."}
    # Not even a hint about what would be valid: the answer is the same for bad input.
    assert api.patch(school_url(people.school), {"name": ""}, format="json").status_code == 403
    assert school_fields(people.school) == before


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "n" * 201}, "name", "no more than 200 characters"),
        ({"name": None}, "name", "This field may not be null."),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"stage": "university"}, "stage", '"university" is not a valid choice.'),
        ({"description": "d" * 2001}, "description", "no more than 2000 characters"),
        ({"city": ["Tabriz"]}, "city", "Not a valid string."),
    ],
)
def test_bad_school_patch_gets_field_errors_and_changes_nothing(as_, people, data, field, message):
    before = school_fields(people.school)
    response = as_("principal").patch(school_url(people.school), {"city": "Changed", **data}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert school_fields(people.school) == before


def test_read_only_school_fields_are_ignored(as_, people):
    before = school_fields(people.school)
    response = as_("principal").patch(
        school_url(people.school), {"authority": people.foreign_school.authority_id, "staff_count": 99}, format="json"
    )
    assert response.status_code == 200
    assert school_fields(people.school) == before


@pytest.mark.parametrize("method,path", [("put", "detail"), ("delete", "detail"), ("post", "list")])
def test_schools_cannot_be_replaced_deleted_or_created(as_, people, method, path):
    target = school_url(people.school) if path == "detail" else SCHOOLS
    response = getattr(as_("superuser"), method)(target, {"name": "X", "stage": "all"}, format="json")
    assert response.status_code == 405
    assert School.objects.count() == 3


# --- networks --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "parent", "foreign_principal"])
def test_every_signed_in_person_reads_networks(as_, people, who):
    api = as_(who)
    data = api.get(NETWORKS).json()
    assert [n["id"] for n in data["results"]] == [people.network.pk]
    network = api.get(network_url(people.network)).json()
    assert sorted(network["schools"]) == sorted([people.school.pk, people.other_school.pk])
    assert network["supervisor"] == people.supervisor.pk
    assert EMAIL.findall(str(network)) == []


@pytest.mark.parametrize("who", ["supervisor", "district_admin", "superuser"])
def test_supervisor_and_admin_patch_the_network(as_, people, who):
    response = as_(who).patch(
        network_url(people.network), {"name": "Science Network", "schools": [people.school.pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert network_state(people.network)["name"] == "Science Network"
    assert network_state(people.network)["schools"] == [people.school.pk]


@pytest.mark.parametrize("who", ["principal", "teacher", "parent", "foreign_admin", "foreign_principal"])
def test_others_may_not_patch_the_network(as_, people, who):
    before = network_state(people.network)
    api = as_(who)
    response = api.patch(network_url(people.network), {"name": "Mine now"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the network's supervisor can change it."}
    assert api.patch(network_url(people.network), {"schools": ["x"]}, format="json").status_code == 403
    assert network_state(people.network) == before


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": ""}, "name", "This field may not be blank."),
        ({"name": "n" * 201}, "name", "no more than 200 characters"),
        ({"schools": "foreign"}, "schools", "School No. 17 belongs to another authority."),
        ({"schools": [999999]}, "schools", 'Invalid pk "999999" - object does not exist.'),
        ({"schools": ["abc"]}, "schools", "Incorrect type."),
        ({"schools": 3}, "schools", 'Expected a list of items but got type "int".'),
    ],
)
def test_bad_network_patch_gets_field_errors_and_changes_nothing(as_, people, data, field, message):
    if data.get("schools") == "foreign":
        data = {"schools": [people.school.pk, people.foreign_school.pk]}
    before = network_state(people.network)
    response = as_("supervisor").patch(network_url(people.network), {"description": "Changed", **data}, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert network_state(people.network) == before


def test_networks_cannot_be_created_or_deleted(as_, people):
    api = as_("superuser")
    assert api.post(NETWORKS, {"name": "New"}, format="json").status_code == 405
    assert api.delete(network_url(people.network)).status_code == 405
    assert api.put(network_url(people.network), {"name": "New"}, format="json").status_code == 405
    assert Network.objects.count() == 1


# --- invitations -----------------------------------------------------------------------------


def invite_payload(to_school, /, **change) -> dict:
    return {"email": "New.Teacher@Example.org", "school": to_school.pk, "position": "teacher", **change}


def test_creating_an_invitation_sends_the_email_through_the_queue(
    as_, people, smtp_server, run_tasks, django_capture_on_commit_callbacks
):
    api = as_("principal")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(INVITATIONS, invite_payload(people.school, message="Welcome!"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["email"] == "new.teacher@example.org"
    assert data["status"] == "pending"
    assert data["invited_by"] == people.principal.pk
    assert "token" not in str(data).lower()
    assert smtp_server.messages == []
    assert mail.outbox == []

    run_tasks()

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["to"] == ["new.teacher@example.org"]
    assert people.school.name in message["message"]["Subject"]
    body = message["message"].get_body(preferencelist=("plain",)).get_content()
    assert "Welcome!" in body
    assert re.search(r"https?://\S+/invitations/\S+/", body)


def test_a_token_caller_can_invite(people, api, smtp_server, run_tasks, django_capture_on_commit_callbacks):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(people.district_admin)}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(INVITATIONS, invite_payload(people.other_school), format="json")
    assert response.status_code == 201
    run_tasks()
    assert [m["to"] for m in smtp_server.messages] == [["new.teacher@example.org"]]


@pytest.mark.parametrize("who", ["principal", "teacher", "other_principal", "district_admin"])
def test_inviting_to_a_foreign_school_is_refused(as_, people, who, django_capture_on_commit_callbacks):
    client = as_(who)  # signing in records an event, whose listeners run after commit: not part of this
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(INVITATIONS, invite_payload(people.foreign_school), format="json")
    assert response.status_code == 400
    assert response.json() == {"school": ["You cannot invite people to this school."]}
    assert Invitation.objects.count() == 0
    assert callbacks == []


def test_api_errors_of_our_own_are_translated(people, api):
    """Token callers get errors in their Accept-Language, including Halqa's own messages."""
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key(people.principal)}")
    refused = api.post(INVITATIONS, invite_payload(people.foreign_school), format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    assert refused.json()["school"] == ["Вы не можете приглашать людей в эту школу."]
    forbidden = api.patch(network_url(people.network), {"name": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert forbidden.status_code == 403
    assert re.search("[а-яА-Я]{4,}", forbidden.json()["detail"])
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("who", ["teacher", "colleague", "parent", "student", "supervisor", "other_principal"])
def test_only_the_schools_leaders_may_invite_to_it(as_, people, who):
    response = as_(who).post(INVITATIONS, invite_payload(people.school), format="json")
    assert response.status_code == 400
    assert response.json() == {"school": ["You cannot invite people to this school."]}
    assert Invitation.objects.count() == 0


def test_inviting_twice_is_refused(as_, people):
    api = as_("principal")
    assert api.post(INVITATIONS, invite_payload(people.school), format="json").status_code == 201
    again = api.post(INVITATIONS, invite_payload(people.school, email="NEW.teacher@example.org"), format="json")
    assert again.status_code == 400
    assert again.json() == {"email": ["new.teacher@example.org already has an open invitation to this school."]}
    assert Invitation.objects.count() == 1


def test_inviting_an_existing_member_is_refused(as_, people):
    response = as_("principal").post(
        INVITATIONS, invite_payload(people.school, email=people.teacher.email), format="json"
    )
    assert response.status_code == 400
    assert "already a member of this school" in response.json()["email"][0]
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "This field may not be blank."),
        ({"email": None}, "email", "This field may not be null."),
        ({"email": "a" * 250 + "@example.org"}, "email", "no more than 254 characters"),
        ({"position": "wizard"}, "position", '"wizard" is not a valid choice.'),
        ({"position": ""}, "position", '"" is not a valid choice.'),
        ({"school": "abc"}, "school", "A school is given by its number."),
        ({"school": 999999}, "school", "You cannot invite people to this school."),
        ({"school": None}, "school", "This field may not be null."),
        ({"message": "m" * 1001}, "message", "no more than 1000 characters"),
    ],
)
def test_bad_invitation_input_is_refused(as_, people, change, field, message):
    response = as_("principal").post(INVITATIONS, invite_payload(people.school, **change), format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert Invitation.objects.count() == 0


@pytest.mark.parametrize("missing", ["email", "school", "position"])
def test_missing_invitation_fields_are_refused(as_, people, missing):
    payload = invite_payload(people.school)
    del payload[missing]
    response = as_("principal").post(INVITATIONS, payload, format="json")
    assert response.status_code == 400
    assert response.json()[missing] == ["This field is required."]


@pytest.fixture
def invitations(people):
    return {
        "school": services.invite(
            actor=people.principal, school=people.school, email="a@example.org", position="teacher"
        ),
        "other_school": services.invite(
            actor=people.other_principal, school=people.other_school, email="b@example.org", position="teacher"
        ),
        "foreign_school": services.invite(
            actor=people.foreign_principal, school=people.foreign_school, email="c@example.org", position="parent"
        ),
    }


@pytest.mark.parametrize(
    "who,expected",
    [
        ("principal", {"a@example.org"}),
        ("deputy", {"a@example.org"}),
        ("other_principal", {"b@example.org"}),
        ("district_admin", {"a@example.org", "b@example.org"}),
        ("foreign_principal", {"c@example.org"}),
        ("superuser", {"a@example.org", "b@example.org", "c@example.org"}),
        ("teacher", set()),
        ("parent", set()),
        ("supervisor", set()),
    ],
)
def test_invitations_are_listed_only_to_the_leaders_of_their_school(as_, invitations, who, expected):
    data = as_(who).get(INVITATIONS).json()
    assert {i["email"] for i in data["results"]} == expected


@pytest.mark.parametrize("who", ["teacher", "other_principal", "foreign_principal", "parent"])
def test_anothers_invitation_is_404(as_, invitations, who):
    api = as_(who)
    invitation = invitations["school"]
    assert api.get(f"{INVITATIONS}{invitation.pk}/").status_code == 404
    assert api.post(f"{INVITATIONS}{invitation.pk}/revoke/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_revoking_an_invitation(as_, invitations):
    api = as_("principal")
    invitation = invitations["school"]
    response = api.post(f"{INVITATIONS}{invitation.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    again = api.post(f"{INVITATIONS}{invitation.pk}/revoke/")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["Only a pending invitation can be withdrawn."]}


def test_the_district_admin_revokes_any_invitation_of_the_authority(as_, invitations):
    response = as_("district_admin").post(f"{INVITATIONS}{invitations['other_school'].pk}/revoke/")
    assert response.status_code == 200


def test_revoke_needs_post(as_, invitations):
    api = as_("principal")
    assert api.get(f"{INVITATIONS}{invitations['school'].pk}/revoke/").status_code == 405


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_invitations_cannot_be_changed_or_deleted(as_, invitations, method):
    invitation = invitations["school"]
    response = getattr(as_("principal"), method)(f"{INVITATIONS}{invitation.pk}/", {"email": "x@example.org"})
    assert response.status_code == 405
    invitation.refresh_from_db()
    assert invitation.email == "a@example.org"


# --- schema and docs -------------------------------------------------------------------------


def test_the_openapi_schema_is_valid(world, api):
    api.force_login(world.teacher)
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    paths = set(schema["paths"])
    assert {
        "/api/v1/me/",
        "/api/v1/people/",
        "/api/v1/people/{id}/",
        "/api/v1/schools/",
        "/api/v1/schools/{id}/",
        "/api/v1/networks/",
        "/api/v1/networks/{id}/",
        "/api/v1/invitations/",
        "/api/v1/invitations/{id}/",
        "/api/v1/invitations/{id}/revoke/",
    } <= paths
    assert set(schema["paths"]["/api/v1/me/"]) == {"get", "patch"}
    assert "put" not in schema["paths"]["/api/v1/schools/{id}/"]
    people_parameters = {p["name"] for p in schema["paths"]["/api/v1/people/"]["get"]["parameters"]}
    assert {"q", "subject", "role", "expertise", "school", "page"} <= people_parameters
    profile = schema["components"]["schemas"]["Profile"]["properties"]
    assert profile["subjects"]["type"] == "array"
    assert profile["email"]["readOnly"] is True


def test_the_schema_documents_token_authentication(world, api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_api_docs_render_for_a_signed_in_person(world, api):
    api.force_login(world.teacher)
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    script = api.get("/api/v1/docs/", {"script": ""})
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


# --- query bounds ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "principal"])
def test_school_api_query_count_does_not_grow_with_data(as_, people, who):
    api = as_(who)

    def full(response):
        assert len(response.json()["results"]) == 25

    assert_queries_do_not_grow(people, lambda: api.get(SCHOOLS), check=ok, check_after=full)


def test_school_detail_api_query_count_does_not_grow_with_data(as_, people):
    api = as_("principal")
    assert_queries_do_not_grow(people, lambda: api.get(school_url(people.school)), check=ok)


def test_network_api_query_count_does_not_grow_with_data(as_, people):
    api = as_("teacher")

    def more(response):
        assert response.json()["count"] == 11

    assert_queries_do_not_grow(people, lambda: api.get(NETWORKS), check=ok, check_after=more)


@pytest.mark.parametrize("who", ["principal", "district_admin", "superuser"])
def test_invitation_api_query_count_does_not_grow_with_data(as_, invitations, people, who):
    api = as_(who)

    def more(response):
        assert response.json()["count"] > 10

    assert_queries_do_not_grow(people, lambda: api.get(INVITATIONS), check=ok, check_after=more)


def test_api_root_lists_resources_for_people_only(world, client):
    assert client.get("/api/v1/").status_code == 403
    client.force_login(world.teacher)
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "communities" in response.json()


def test_principal_reads_one_invitation_others_cannot(world, client):
    from halqa.orgs import services

    invitation = services.invite(
        actor=world.principal, school=world.school, email="one@example.org", position="teacher"
    )
    client.force_login(world.principal)
    response = client.get(f"/api/v1/invitations/{invitation.pk}/")
    assert response.status_code == 200
    assert response.json()["email"] == "one@example.org"
    client.force_login(world.teacher)
    assert client.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 404


def test_there_is_one_api_reference_page(client):
    """Swagger UI works under the site's Content-Security-Policy; ReDoc needs inline styles the policy
    refuses (it rendered an empty page), so it is not offered."""
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/redoc/").status_code == 404
