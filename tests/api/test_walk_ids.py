"""Walk every id of every API resource as each demo role: nothing private comes back.

The operations come from the API's own OpenAPI schema (/api/v1/schema/), not from a list written
here, so a new endpoint is walked the day it is added. For every GET operation, as each role
(anonymous included), the test asks:

* every detail path for every id from 1 to the largest id of its model (and, when nested in a
  community, under every community), and every action path (charter, history, pending, posts…);
* every list with every filter value the schema names (`?role=parent`, `?school=<id>`, the format
  of a community…), and a text search for each private person's name.

and asserts that no answer contains

* the identity (name or email) of a parent or a student the caller may not know, or
* the content of a members-only or school-only community of which the caller may not know
  the inside (its name and topic for members-only ones; its goals, program, decisions and
  discussion for both).

"May know" is written out below from docs/permissions.md, apart from the code under test: one is
oneself; the leaders of a person's school and its authority's admins see its parents and students;
those who manage a community's members see its guests and pending people; the readers of a
discussion see who wrote in it (a guest who posts speaks to the group); invitations are seen by the
leaders of their school.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.test import Client
from django.urls import resolve
from django.utils import timezone

from halqa.accounts.services import add_roles
from halqa.accounts.tests.factories import MembershipFactory, UserFactory
from halqa.communities.models import Community, Role, Status, Visibility
from halqa.communities.tests.factories import (
    ActivityFactory,
    CharterRevisionFactory,
    CommunityFactory,
    CommunityMembershipFactory,
    DecisionFactory,
    GoalFactory,
    NetworkCommunityFactory,
    SignedDecisionFactory,
)
from halqa.orgs.models import Invitation, hash_token

pytestmark = [pytest.mark.django_db]

SCHEMA_URL = "/api/v1/schema/"
# Who walks: nobody; a facilitator with guests; a member; the principal of another school; a parent
# and a student who are guests; a teacher of another authority; a network's supervisor.
ROLES = (
    "anonymous",
    "teacher",
    "colleague",
    "other_principal",
    "parent",
    "student",
    "foreign_teacher",
    "supervisor",
)
LEADING = ("principal", "deputy")


# --- The scene -------------------------------------------------------------------------------------


@pytest.fixture
def scene(world):
    """The world, plus communities of every visibility with parents and students as guests, pending
    people, goals, programs, decisions, a discussion in which a guest writes, and invitations."""
    w = world
    w.foreign_parent = UserFactory(display_name="Foreign Parent Farid", roles=["parent"])
    MembershipFactory(user=w.foreign_parent, school=w.foreign_school, position="parent")
    w.foreign_student = UserFactory(display_name="Foreign Student Sara", roles=["student"])
    MembershipFactory(user=w.foreign_student, school=w.foreign_school, position="student")
    # A teacher of another school who is a parent at Al-Farabi: a teacher to all, a parent to few.
    MembershipFactory(user=w.other_teacher, school=w.school, position="parent")
    add_roles(w.other_teacher, ["parent"])

    def community(tag, **kwargs):
        made = (NetworkCommunityFactory if "network" in kwargs else CommunityFactory)(
            name=f"{tag} name", topic=f"{tag} topic", **kwargs
        )
        CharterRevisionFactory(community=made, mission=f"{tag} mission")
        GoalFactory(community=made, title=f"{tag} goal")
        ActivityFactory(community=made, title=f"{tag} activity", responsible=made.memberships.first().user)
        DecisionFactory(community=made, number=f"{tag}-draft", goals_text=f"{tag} decision goals")
        SignedDecisionFactory(community=made, number=f"{tag}-signed", goals_text=f"{tag} signed goals")
        return made

    w.at_school = community(
        "SCHOOLONLY",
        school=w.school,
        visibility=Visibility.SCHOOL,
        facilitator=w.teacher,
        members={Role.MEMBER: [w.colleague], Role.EXPERT: [w.expert], Role.GUEST: [w.parent, w.student]},
    )
    w.members_only = community(
        "MEMBERSONLY",
        school=w.school,
        visibility=Visibility.MEMBERS,
        facilitator=w.colleague,
        members={Role.GUEST: [w.student]},
    )
    w.foreign_private = community(
        "FOREIGNPRIVATE",
        school=w.foreign_school,
        visibility=Visibility.MEMBERS,
        facilitator=w.foreign_teacher,
        members={Role.GUEST: [w.foreign_parent]},
    )
    w.public = community(
        "PUBLICCIRCLE",
        school=w.foreign_school,
        visibility=Visibility.PUBLIC,
        facilitator=w.foreign_principal,
        members={Role.GUEST: [w.foreign_student], Role.MEMBER: [w.foreign_teacher]},
    )
    w.networked = community(
        "NETWORKED",
        network=w.network,
        visibility=Visibility.SCHOOL,
        facilitator=w.supervisor,
        members={Role.MEMBER: [w.other_teacher], Role.GUEST: [w.other_parent]},
    )
    # Pending people: a parent invited, a teacher asking to join.
    CommunityMembershipFactory(community=w.public, user=w.foreign_parent, role=Role.GUEST, status=Status.INVITED)
    CommunityMembershipFactory(community=w.at_school, user=w.other_parent, role=Role.GUEST, status=Status.INVITED)
    CommunityMembershipFactory(community=w.public, user=w.teacher, status=Status.REQUESTED)
    # A discussion in which a guest writes, and a members-only one.
    from halqa.discussions import services as discussions

    discussions.add_post(w.parent, discussions.thread_for(w.at_school), "A parent's question about homework.")
    discussions.add_post(w.teacher, discussions.thread_for(w.at_school), "SCHOOLONLY post by the facilitator.")
    discussions.add_post(w.colleague, discussions.thread_for(w.members_only), "MEMBERSONLY post.")
    discussions.add_post(w.foreign_teacher, discussions.thread_for(w.foreign_private), "FOREIGNPRIVATE post.")
    # Invitations to schools, some to private people's addresses.
    now = timezone.now()
    for school, email, position in [
        (w.school, "invited.parent@example.org", "parent"),
        (w.foreign_school, "invited.student@example.org", "student"),
        (w.other_school, "new.teacher@example.org", "teacher"),
    ]:
        Invitation.objects.create(
            email=email,
            school=school,
            position=position,
            token_hash=hash_token(email),
            invited_by=w.principal,
            created_at=now,
            expires_at=now + dt.timedelta(days=14),
        )
    return w


# --- What each person may know, written from docs/permissions.md -------------------------------------


@dataclass
class Secret:
    text: str
    known_to: set[int] = field(default_factory=set)  # user ids; superusers know everything


def school_leaders(school_id: int) -> set[int]:
    from halqa.orgs.models import Membership, School

    leaders = set(
        Membership.objects.filter(school_id=school_id, position__in=LEADING).values_list("user_id", flat=True)
    )
    return leaders | set(School.objects.get(pk=school_id).authority.admins.values_list("pk", flat=True))


def home_leaders(community: Community) -> set[int]:
    if community.school_id:
        return school_leaders(community.school_id)
    network = community.network
    return {network.supervisor_id} | set(network.authority.admins.values_list("pk", flat=True))


def home_people(community: Community) -> set[int]:
    from halqa.orgs.models import Membership

    schools = (
        [community.school_id] if community.school_id else list(community.network.schools.values_list("pk", flat=True))
    )
    return set(Membership.objects.filter(school_id__in=schools).values_list("user_id", flat=True))


def managers(community: Community) -> set[int]:
    facilitators = community.memberships.filter(role=Role.FACILITATOR, status=Status.ACTIVE)
    return set(facilitators.values_list("user_id", flat=True)) | home_leaders(community)


def secrets_of_the_scene() -> list[Secret]:
    from halqa.accounts.models import User
    from halqa.discussions.models import Post
    from halqa.orgs.models import Membership

    secrets = []
    # Parents and students (people with no other role): their name and email.
    private = User.objects.exclude(roles__code__in=["teacher", "expert", "coordinator", "principal", "supervisor"])
    private = private.filter(roles__code__in=["parent", "student"]).distinct()
    for person in private:
        known = {person.pk}
        for school_id in Membership.objects.filter(user=person).values_list("school_id", flat=True):
            known |= school_leaders(school_id)
        for membership in person.community_memberships.select_related("community"):
            known |= managers(membership.community)
        for post in Post.objects.filter(author=person).select_related("thread"):
            community = Community.objects.get(pk=post.thread.host_id)
            readers = community.memberships.filter(status=Status.ACTIVE).values_list("user_id", flat=True)
            known |= set(readers) | home_leaders(community)
        secrets += [Secret(person.display_name, known), Secret(person.email, known)]
    # Who is a parent or a student where: an invitation's address is known to its school's leaders.
    for invitation in Invitation.objects.all():
        secrets.append(Secret(invitation.email, school_leaders(invitation.school_id)))
    # The inside of communities that are not public.
    for community in Community.objects.exclude(visibility=Visibility.PUBLIC):
        tag = community.name.removesuffix(" name")
        active = set(community.memberships.filter(status=Status.ACTIVE).values_list("user_id", flat=True))
        invited = set(community.memberships.filter(status=Status.INVITED).values_list("user_id", flat=True))
        inside = active | home_leaders(community)
        if community.visibility == Visibility.SCHOOL:
            inside |= home_people(community)
        else:  # members only: even its name and topic
            secrets += [Secret(f"{tag} name", inside | invited), Secret(f"{tag} topic", inside | invited)]
            secrets.append(Secret(f"{tag} mission", inside | invited))
        for what in ("goal", "activity", "decision goals", "signed goals", "post"):
            secrets.append(Secret(f"{tag} {what}", inside))
    return secrets


# --- Walking the schema -------------------------------------------------------------------------------


def get_operations(client: Client) -> list[tuple[str, dict]]:
    schema = client.get(SCHEMA_URL, HTTP_ACCEPT="application/json").json()
    return [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]


# Parameters that name a person by another word.
PEOPLE_PARAMETERS = {"owner": "user", "person": "user", "requester": "user", "member": "user"}
# The walk is every id of every model behind a parameter; more than this means a parameter fell back
# to "every id of every table", which on PostgreSQL (sequences do not restart between tests) is tens
# of thousands of requests: name its model instead.
MOST_URLS = 5000


def model_for(param: str, path: str):
    """The model behind a path parameter: `community_pk` → Community; `{id}` → the model named by
    the segment before it (`threads` → Thread, `activities` → Activity), else the model of the view
    the path resolves to (its queryset's, else its serializer's: `members` → community membership)."""
    by_name = {m._meta.model_name: m for m in apps.get_models() if m.__module__.startswith("halqa.")}
    if param != "id":
        name = param.removesuffix("_pk")
        return by_name.get(PEOPLE_PARAMETERS.get(name, name))
    segment = path.split("/{id}")[0].rstrip("/").split("/")[-1]
    for name in (segment.removesuffix("ies") + "y", segment.removesuffix("s")):
        if name in by_name:
            return by_name[name]
    view_class = getattr(resolve(re.sub(r"\{[^}]+\}", "1", path)).func, "cls", None)
    if getattr(view_class, "queryset", None) is not None:
        return view_class.queryset.model
    meta = getattr(getattr(view_class, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


def id_span(model) -> tuple[int, int]:
    from django.db.models import Max, Min

    if model is None:
        return (1, 0)
    span = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
    return (span["low"] or 1, span["high"] or 0)


def max_id(model) -> int:
    return id_span(model)[1]


def ids_for(param: str, path: str) -> range:
    """Every id from just below the smallest to just above the largest of the model behind the
    parameter (on SQLite that is 1 to the largest; PostgreSQL's sequences do not restart between
    tests, so its ids start higher), or of all our tables when the model is unknown."""
    model = model_for(param, path)
    if model is None:
        ours = [m for m in apps.get_models() if m.__module__.startswith("halqa.")]
        spans = [id_span(m) for m in ours if m._meta.pk.get_internal_type().endswith("AutoField")]
        low, high = min(low for low, high in spans if high), max(high for _low, high in spans)
    else:
        low, high = id_span(model)
    return range(max(1, low - 1), high + 2)


def nested_ids(path: str, parents: dict) -> list[int]:
    """The ids to walk under one parent: those of its own rows, those of one other parent's rows
    (the first community, or the second when this is the first), and one past the largest."""
    model = model_for("id", path)
    (parent_name, parent_id), *_ = parents.items()
    field_name = parent_name.removesuffix("_pk")
    if model is None or not hasattr(model, f"{field_name}_id"):
        return list(ids_for("id", path))
    parent_ids = sorted(model.objects.values_list(f"{field_name}_id", flat=True).distinct())
    other = next((p for p in parent_ids if p != parent_id), None)
    rows = model.objects.filter(**{f"{field_name}_id__in": [parent_id, other]}).values_list("pk", flat=True)
    return [*sorted(rows), max_id(model) + 1]


def urls_to_walk(operations, secrets_text: list[str]) -> list[str]:
    urls = []
    for path, operation in operations:
        params = [p for p in operation.get("parameters", []) if p.get("in") == "path"]
        names = [p["name"] for p in params]
        if any(p["schema"].get("type") == "string" for p in params):
            # A verification code is a capability, not an id: whoever holds the printed decision may
            # read it. Walking means guessing here, and guesses must find nothing.
            urls += [re.sub(r"\{[^}]+\}", guess, path) for guess in ("AAAA-BBBB-CCCC", "1", "ABCD-EFGH-JKLM")]
            continue
        combos = [{}]
        for name in names:
            if name == "id" and len(names) > 1:
                # Nested: each id under its own parent and under one other, not under every parent.
                combos = [dict(combo, id=value) for combo in combos for value in nested_ids(path, combo)]
            else:
                combos = [dict(combo, **{name: value}) for combo in combos for value in ids_for(name, path)]
        for combo in combos:
            url = path
            for name, value in combo.items():
                url = url.replace("{" + name + "}", str(value))
            urls.append(url)
        if not names:  # a list: every filter value the schema names, and searches for private names
            for query in operation.get("parameters", []):
                if query.get("in") != "query" or query["name"] == "page":
                    continue
                schema = query.get("schema", {})
                if "enum" in schema:
                    values = schema["enum"]
                elif schema.get("type") == "integer":
                    values = list(ids_for(query["name"] + "_pk", path))
                else:
                    values = secrets_text
                urls += [f"{path}?{query['name']}={value}" for value in values]
    return urls


def private_memberships_listed(role: str, viewer, url: str, response) -> list[str]:
    """A people list filtered by a private role (`?role=parent`) or a school (`?school=`) must list
    only people whose parent or student membership (there) the viewer may know."""
    from halqa.orgs.models import Membership

    query = dict(part.split("=", 1) for part in url.partition("?")[2].split("&") if "=" in part)
    data = response.json()
    if not isinstance(data, dict) or "results" not in data or not ({"role", "school"} & set(query)):
        return []
    led = set()
    if viewer is not None:
        led = set(Membership.objects.filter(user=viewer, position__in=LEADING).values_list("school_id", flat=True))
        led |= set(Membership.objects.filter(school__authority__admins=viewer).values_list("school_id", flat=True))
    found = []
    for row in data["results"]:
        if "display_name" not in row or (viewer is not None and row.get("id") == viewer.pk):
            continue
        memberships = Membership.objects.filter(user_id=row["id"])
        private_role = query.get("role") in ("parent", "student")
        if private_role and not memberships.filter(position=query["role"], school_id__in=led).exists():
            found.append(f"{role} GET {url}: lists {row['display_name']} as a {query['role']}")
        if query.get("school", "").isdecimal():
            there = memberships.filter(school_id=int(query["school"]))
            staff_there = there.exclude(position__in=("parent", "student")).exists()
            if not staff_there and not (there.exists() and int(query["school"]) in led):
                found.append(f"{role} GET {url}: lists {row['display_name']} in the school")
    return found


def test_walking_every_id_as_every_role_finds_nothing_private(scene, monkeypatch):
    # Thousands of requests from one address in a minute: the API's throttles would answer 429 and
    # hide the answers this test reads. (test_throttling covers them.)
    monkeypatch.setattr("rest_framework.views.APIView.get_throttles", lambda view: [])
    anonymous = Client()
    operations = get_operations(anonymous)
    assert len(operations) > 15, "the schema should list the API's read operations"
    secrets = secrets_of_the_scene()
    names = [s.text for s in secrets if s.text.endswith(("Parisa", "Sami", "Oleg", "Farid", "Sara"))]
    urls = urls_to_walk(operations, names)
    assert any("/members/{" not in u and "/members/" in u for u in urls)
    assert len(urls) < MOST_URLS, f"{len(urls)} URLs to walk: a parameter's model is unknown (see model_for)"
    leaks = []
    answered = 0
    for role in ROLES:
        client = Client()
        viewer = None
        if role != "anonymous":
            viewer = getattr(scene, role)
            client.force_login(viewer)
        for url in urls:
            response = client.get(url, HTTP_ACCEPT="application/json")
            assert response.status_code < 500 and response.status_code != 429, (role, url, response.status_code)
            if response.status_code != 200:
                continue
            answered += 1
            body = response.content.decode()
            leaks += private_memberships_listed(role, viewer, url, response)
            for secret in secrets:
                if secret.text in body and (viewer is None or viewer.pk not in secret.known_to):
                    leaks.append(f"{role} GET {url}: {secret.text!r}")
    assert not leaks, "private data came back:\n" + "\n".join(sorted(set(leaks))[:40])
    assert answered > 500, "the walk should get answers, not only refusals"
