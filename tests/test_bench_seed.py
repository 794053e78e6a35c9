"""The benchmark's tooling does not rot: a tiny district seeds with the promised rows, and every key
page the benchmark loads answers the benchmark user. Speed is measured by `make bench`, never here."""

from __future__ import annotations

import json

import pytest
from django.db.models import Count, F, Q

from bench.common import BENCH_EMAIL, PAGES
from bench.seed import Scale, api_key, counts, measure_queries, page_urls, seed, sign_in
from halqa.accounts.models import User
from halqa.communities.models import Community, Membership
from halqa.discussions.models import Post

TINY = Scale(schools=2, people_per_school=20, communities_per_school=5, posts_per_community=15, cases_per_school=30)


@pytest.fixture
def district(db):
    return seed(TINY, log=lambda *args, **kwargs: None)


def test_tiny_district_has_the_promised_rows(district):
    found = counts()
    assert {key: found[key] for key in ("schools", "people", "communities", "posts", "cases")} == {
        "schools": 2,
        "people": 2 * 20 + 1 + 1,  # the schools, the district admin, one network's supervisor
        "communities": 10,
        "posts": 150,
        "cases": 60,
    }
    assert TINY.people == found["people"] and TINY.posts == found["posts"]
    facilitators = Community.objects.annotate(
        n=Count("memberships", filter=Q(memberships__role="facilitator"))
    ).values_list("n", flat=True)
    assert set(facilitators) == {1}


def test_conversations_are_well_formed(district):
    replies = Post.objects.filter(root__isnull=False)
    assert replies.count() == 150 * 4 // 5
    assert not replies.exclude(thread=F("root__thread")).exists()
    assert not replies.filter(root__root__isnull=False).exists()
    assert not replies.filter(created_at__gt=F("root__last_activity_at")).exists()
    assert not Post.objects.filter(parent__isnull=False).exclude(depth=F("parent__depth") + 1).exists()


def test_benchmark_user_is_a_teacher_member_of_four_communities(district):
    user = User.objects.get(pk=district["user_id"])
    assert user.email == BENCH_EMAIL and user.role_codes() == {"teacher"}
    mine = Membership.objects.filter(user=user, status="active")
    assert set(mine.values_list("community_id", flat=True)) == set(district["bench_communities"])
    assert set(mine.values_list("role", flat=True)) == {"member"}
    assert district["community"] in district["bench_communities"]


def test_every_key_page_answers_the_benchmark_user(district, client):
    user = User.objects.get(pk=district["user_id"])
    session_key, key = sign_in(user), api_key(user)
    sessions = {"teacher": session_key, "coordinator": sign_in(User.objects.get(pk=district["coordinator_id"]))}
    measured = measure_queries(page_urls(district), sessions, key)
    assert set(measured) == {page.key for page in PAGES}
    assert {page: result["status"] for page, result in measured.items()} == dict.fromkeys(measured, 200)
    assert all(result["queries"] > 0 for result in measured.values())

    # The session and the key are the benchmark user's, not an anonymous visitor's.
    response = client.get("/api/v1/me/", headers={"Authorization": f"Token {key}"})
    assert json.loads(response.content)["email"] == BENCH_EMAIL
    client.cookies["sessionid"] = session_key
    assert client.get(f"/communities/{district['community']}/").context["user"] == user


def test_cases_are_seeded_in_every_stage_with_the_coordinators_case_ready(district):
    from halqa.cases.access import case_access
    from halqa.cases.models import Case, Stage
    from halqa.orgs.models import Membership as SchoolMembership

    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    coordinator = User.objects.get(pk=district["coordinator_id"])
    case = Case.objects.get(pk=district["case"])
    assert SchoolMembership.objects.filter(user=coordinator, school=case.school, position="coordinator").exists()
    assert case.stage == "drafting" and case.members.count() == 5 and case.clarifications.count() == 2
    assert case.community_id in district["bench_communities"]
    assert "manage" in case_access.allowed(coordinator, case)
    assert case_access.rows(coordinator, "manage").count() == 30  # the queue: their school's cases
