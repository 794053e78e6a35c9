"""The access layer (halqa/core/access.py): every registered policy's two answers agree, action names
are checked, and answers are computed once per request but never outlive a change.

The agreement test finds the policies in the registry, so a new area (cases, meetings, the library)
is covered as soon as it registers its policy.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from halqa.accounts.models import User
from halqa.communities import rules
from halqa.communities.access import community_access
from halqa.communities.models import Community, Role
from halqa.core import access
from halqa.core.access import UnknownAction

pytestmark = pytest.mark.django_db


def assert_lists_and_actions_agree(people) -> int:
    """For every policy, person and action: the rows the policy lists are exactly the objects on
    which `allowed` grants the action, and the objects one may know exist are those with at least
    one action. Returns how many (person, object) pairs were compared."""
    compared = 0
    with access.scope():  # one standing per person, as in a request
        for policy in access.policies():
            objects = list(policy.model._default_manager.all())
            for person in people:
                granted = {obj.pk: policy.allowed(person, obj).names for obj in objects}
                compared += len(granted)
                visible = set(policy.visible(person).values_list("pk", flat=True))
                assert visible == {pk for pk, names in granted.items() if names}, (policy, person)
                for action in sorted(policy.actions):
                    listed = set(policy.rows(person, action).values_list("pk", flat=True))
                    expected = {pk for pk, names in granted.items() if action in names}
                    assert listed == expected, (type(policy).__name__, str(person), action, listed ^ expected)
    return compared


def test_every_policy_is_registered():
    names = {type(policy).__name__ for policy in access.policies()}
    assert {"CommunityAccess", "SchoolAccess", "NetworkAccess", "InvitationAccess"} <= names


def test_lists_and_actions_agree_for_the_demo_cast():
    call_command("load_demo", stdout=io.StringIO())
    people = [*User.objects.all(), AnonymousUser()]
    assert len(people) > 10
    assert assert_lists_and_actions_agree(people) > 100


def test_lists_and_actions_agree_on_tenfold_data(world):
    """Communities of every visibility in a school and in a network, places in every status, then
    ten times all of it."""
    from halqa.communities.models import Status, Visibility
    from halqa.communities.tests.factories import (
        CommunityFactory,
        CommunityMembershipFactory,
        NetworkCommunityFactory,
    )
    from halqa.communities.tests.seeding import seed_communities_tenfold

    w = world
    communities = []
    for visibility in Visibility.values:
        communities.append(
            CommunityFactory(
                school=w.school,
                visibility=visibility,
                facilitator=w.teacher,
                members={Role.GUEST: [w.parent, w.student], Role.OBSERVER: [w.other_teacher]},
            )
        )
        communities.append(NetworkCommunityFactory(network=w.network, visibility=visibility, facilitator=w.supervisor))
    for community, person, status in [
        (communities[0], w.colleague, Status.INVITED),
        (communities[1], w.colleague, Status.REQUESTED),
        (communities[2], w.colleague, Status.LEFT),
        (communities[3], w.other_teacher, Status.REMOVED),
        (communities[4], w.other_parent, Status.DECLINED),
        (communities[5], w.expert, Status.INVITED),
    ]:
        CommunityMembershipFactory(community=community, user=person, status=status)
    seed_communities_tenfold(world, communities)
    people = [*User.objects.all(), AnonymousUser()]
    assert Community.objects.count() >= 10 and len(people) >= 50
    assert_lists_and_actions_agree(people)


# --- Action names are checked ------------------------------------------------------------------


def test_an_unknown_action_is_an_error_not_a_no(world):
    community = _community(world)
    allowed = community_access.allowed(world.teacher, community)
    assert allowed.edit_charter and "edit_charter" in allowed and allowed["post"]
    for ask in (
        lambda: "edit_chartr" in allowed,
        lambda: allowed.edit_chartr,
        lambda: allowed["edit_chartr"],
        lambda: community_access.rows(world.teacher, "edit_chartr"),
        lambda: allowed.need("edit_chartr"),
    ):
        with pytest.raises(UnknownAction):
            ask()


def test_a_template_asking_an_unknown_action_fails_to_render(world):
    allowed = community_access.allowed(world.teacher, _community(world))
    assert Template("{% if can.edit_charter %}yes{% endif %}").render(Context({"can": allowed})) == "yes"
    with pytest.raises(UnknownAction):
        Template("{% if can.edit_chartr %}yes{% endif %}").render(Context({"can": allowed}))


ASKED = re.compile(r"\bcan\.(\w+)")
# `{% if "x" in can %}` and `{% if not can.x %}`: the template language turns an error inside an
# operator into False, which would hide a typo; templates ask `{% if can.x %}` only.
SWALLOWED = re.compile(r"""(['"]\w+['"]\s+in\s+can\b|\bnot\s+can\.)""")


def test_every_action_a_template_asks_exists():
    """A typo in a template would hide a button for everyone: every `can.<name>` in every template
    names an action of some policy, in the one form that raises on an unknown name."""
    known = set().union(*(policy.actions for policy in access.policies()))
    root = Path(settings.BASE_DIR) / "halqa" / "templates"
    asked = 0
    for path in root.rglob("*.html"):
        text = path.read_text()
        assert not SWALLOWED.search(text), f"{path}: write {{% if can.<action> %}}"
        for name in ASKED.findall(text):
            asked += 1
            assert name in known, f"{path}: can.{name} is not an action"
    assert asked > 20


def test_need_answers_404_to_who_may_not_know_and_403_with_the_reason_to_who_may_see(world):
    from django.core.exceptions import PermissionDenied

    community = _community(world)
    with pytest.raises(Http404):
        community_access.allowed(world.foreign_teacher, community).need(rules.EDIT_CHARTER)
    with pytest.raises(PermissionDenied) as refused:
        community_access.allowed(world.colleague, community).need(rules.EDIT_CHARTER)
    assert str(refused.value) == "Only facilitators can change the community and its charter."


# --- Once per request, never stale ------------------------------------------------------------


def test_answers_are_computed_once_per_scope_and_forgotten_after_a_change(world):
    from halqa.communities import services

    community = _community(world)
    with access.scope():
        with CaptureQueriesContext(connection) as first:
            community_access.allowed(world.colleague, community)
        with CaptureQueriesContext(connection) as again:
            for _ in range(5):
                community_access.allowed(world.colleague, community)
                community_access.rows(world.colleague, rules.VIEW)  # a lazy queryset: no query
        assert len(first) >= 1 and len(again) == 0
        assert not community_access.allowed(world.colleague, community).edit_charter
        membership = community.memberships.get(user=world.colleague)
        services.change_role(membership, actor=world.teacher, role=Role.FACILITATOR)
        assert community_access.allowed(world.colleague, community).edit_charter  # asked afresh


def test_nothing_is_cached_outside_a_request(world):
    community = _community(world)
    with CaptureQueriesContext(connection) as asked:
        community_access.allowed(world.colleague, community)
        community_access.allowed(world.colleague, community)
    assert len(asked) >= 2


def _community(world) -> Community:
    from halqa.communities.tests.factories import CommunityFactory

    return CommunityFactory(school=world.school, facilitator=world.teacher, members={Role.MEMBER: [world.colleague]})
