"""Issue 11, "Scale": the coordinator's queue, the three boards, the case page (as a coordinator, a
member of its working group and its requester) and the API's list and board run the same number of
queries with 10,000 cases as with 10, and a board column never shows more than a page of cards.

The data is made once for the module (people and ten cases through the services, then 9,990 more
with `bulk_create`, with working groups, kinds, topics, clarifications and the event trail), inside
one transaction that is rolled back at the end; each test runs in a savepoint of it. The query
counts with ten cases are taken before the growth, in the same fixture.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from halqa.accounts.models import User
from halqa.cases import services
from halqa.cases.board import PER_COLUMN
from halqa.cases.models import Case, CaseMember, Clarification, DifficultyTypeRow, MemberRole, Stage, Topic
from halqa.communities.models import Role
from halqa.communities.tests.factories import CommunityFactory
from halqa.core.testing.queries import CEILING, count_queries
from halqa.core.testing.world import make_world
from halqa.events.models import Event, Verb

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("cases-scale")]

TOTAL = 10_000
API = "/api/v1/cases/"
STORY = {
    "what_happened": "Half the class stops writing in the last five minutes.",
    "help_wanted": "How do colleagues get every student to write something?",
    "language": "en",
}
FAST = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "API_THROTTLE_RATES": {},  # filled in below from the settings, at rates nothing reaches
}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _small_world():
    """The world's people, a community of the school (Cyrus facilitates, Eve a member, the student
    Sami a guest), ten cases through the services: one of them (`w.case`) assigned to the
    community, with a working group (Cyrus leading, the parent Parisa in it), questions, an answer
    and moves in its history."""
    w = make_world()
    w.community = CommunityFactory(
        school=w.school, facilitator=w.colleague, members={Role.MEMBER: [w.expert], Role.GUEST: [w.student]}
    )
    w.case = services.submit_case(
        actor=w.teacher, school=w.school, title="Exit tickets stay blank", types=["methodological"], **STORY
    )
    services.triage(
        w.case,
        actor=w.principal,
        community=w.community,
        assign=True,
        topics=list(Topic.objects.filter(school__isnull=True)[:2]),
    )
    services.ask(w.case, actor=w.principal, body="Which grade?")
    services.answer(w.case, actor=w.teacher, body="Grade 7.")
    services.add_to_group(w.case, actor=w.principal, person=w.colleague, role=MemberRole.LEAD)
    services.add_to_group(w.case, actor=w.principal, person=w.parent, role=MemberRole.MEMBER)
    services.move(w.case, actor=w.principal, to=Stage.MATCHED)
    for n in range(9):
        case = services.submit_case(
            actor=w.parent if n % 3 else w.teacher, school=w.school, title=f"Small case {n}", **STORY
        )
        if n % 2:
            services.triage(case, actor=w.principal, community=w.community, assign=True)
        if n % 4 == 0:
            services.add_to_group(case, actor=w.principal, person=w.colleague, role=MemberRole.LEAD)
    w.case.refresh_from_db()
    return w


def grow(w, total: int = TOTAL) -> None:
    """Cases up to `total`, in every stage, most of them the school's (half of those the
    community's), a tenth another school's; a working group for every third case with a lead from
    a pool of forty teachers, the parent in a few dozen groups; kinds, topics, a question for every
    fifth case, and a submitted and a moved event for each, as the services would have left them."""
    now = timezone.now()
    teachers = User.objects.bulk_create(
        User(email=f"scale.teacher{n}@example.org", display_name=f"Scale Teacher {n}", password="!") for n in range(40)
    )
    stages = itertools.cycle(Stage.values)
    topics = list(Topic.objects.filter(school__isnull=True).values_list("pk", flat=True))
    kinds = list(DifficultyTypeRow.objects.values_list("code", flat=True))
    missing = total - Case.objects.count()
    cases = Case.objects.bulk_create(
        (
            Case(
                school=w.other_school if i % 10 == 9 else w.school,
                community=w.community if i % 10 in (1, 3, 5, 7) else None,
                title=f"Grown case {i}",
                what_happened="What happened, told at length.",
                help_wanted="What help is wanted.",
                language=("en", "ar", "fa", "ru")[i % 4],
                requester=w.parent if i % 6 == 0 else w.teacher,
                requester_group="parent" if i % 6 == 0 else "early_career_teacher",
                audience="parent" if i % 6 == 0 else "teacher",
                anonymous=i % 12 == 0,
                urgency=("low", "normal", "high")[i % 3],
                subject=("math", "physics", "")[i % 3],
                stage=next(stages),
                stage_changed_at=now - dt.timedelta(days=i % 40),
                created_at=now - dt.timedelta(days=i % 400, minutes=i),
                due_dates={"drafting": "2020-01-01", "in_review": "2030-01-01"} if i % 7 == 0 else {},
            )
            for i in range(missing)
        ),
        batch_size=2000,
    )
    members = []
    for i, case in enumerate(cases):
        if i % 3 == 0:
            members.append(CaseMember(case=case, user=teachers[i % len(teachers)], role=MemberRole.LEAD))
        if i % 300 == 0:
            members.append(CaseMember(case=case, user=w.parent, role=MemberRole.MEMBER))
    CaseMember.objects.bulk_create(members, batch_size=2000)
    Case.types.through.objects.bulk_create(
        (Case.types.through(case=case, difficultytyperow_id=kinds[i % len(kinds)]) for i, case in enumerate(cases)),
        batch_size=2000,
    )
    Case.topics.through.objects.bulk_create(
        (
            Case.topics.through(case=case, topic_id=topic)
            for i, case in enumerate(cases)
            for topic in (topics[i % len(topics)], topics[(i + 5) % len(topics)])
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    Clarification.objects.bulk_create(
        (
            Clarification(case=case, author=w.principal, body="Which grade is it?")
            for i, case in enumerate(cases)
            if i % 5 == 0
        ),
        batch_size=2000,
    )
    kind = ContentType.objects.get_for_model(Case)
    events = []
    for case in cases:
        base = {"target_type": kind, "target_id": case.pk, "target_label": case.title, "school_id": case.school_id}
        events.append(
            Event(
                at=case.created_at, actor=case.requester, verb=Verb.CASE_SUBMITTED, after={"stage": "submitted"}, **base
            )
        )
        if case.stage != Stage.SUBMITTED:
            events.append(
                Event(
                    at=case.stage_changed_at,
                    actor=w.principal,
                    verb=Verb.CASE_MOVED,
                    before={"stage": "submitted"},
                    after={"stage": case.stage},
                    **base,
                )
            )
    Event.objects.bulk_create(events, batch_size=2000)


def _requests(w) -> dict:
    """Every page and endpoint measured, as (client, path, query)."""
    coordinator, facilitator, member, requester = (
        _signed_in(w.principal),
        _signed_in(w.colleague),
        _signed_in(w.parent),
        _signed_in(w.teacher),
    )
    case = reverse("cases:detail", args=[w.case.pk])
    return {
        "queue": (coordinator, reverse("cases:list"), {}),
        "coordinator board": (coordinator, reverse("cases:board"), {}),
        "community board": (facilitator, reverse("cases:community_board", args=[w.community.pk]), {}),
        "community board, filtered": (
            facilitator,
            reverse("cases:community_board", args=[w.community.pk]),
            {"type": "methodological"},
        ),
        "community board, a column's page": (
            facilitator,
            reverse("cases:community_board", args=[w.community.pk]),
            {"column": "submitted", "page": 1},
        ),
        "group board": (member, reverse("cases:group_board"), {}),
        "case page, coordinator": (coordinator, case, {}),
        "case page, group member": (member, case, {}),
        "case page, requester": (requester, case, {}),
        "API list": (coordinator, API, {}),
        "API list, requester": (requester, API, {}),
        "API board": (coordinator, f"{API}board/", {}),
        "API community board": (facilitator, f"{API}board/", {"community": w.community.pk}),
        "API group board": (member, f"{API}board/", {"groups": "true"}),
        "API case": (coordinator, f"{API}{w.case.pk}/", {}),
    }


def _count(client, path, query) -> tuple[int, object]:
    client.get(path, query)  # one-off work (the session, caches) is not counted
    queries, response = count_queries(lambda: client.get(path, query))
    assert response.status_code == 200, (path, response.status_code)
    return queries, response


@pytest.fixture(scope="module")
def scale(django_db_setup, django_db_blocker):
    from django.conf import settings

    fast = {**FAST, "API_THROTTLE_RATES": dict.fromkeys(settings.API_THROTTLE_RATES, "1000000000/day")}
    with django_db_blocker.unblock(), override_settings(**fast), transaction.atomic():
        w = _small_world()
        w.requests = _requests(w)
        w.before = {name: _count(*request)[0] for name, request in w.requests.items()}
        w.small = Case.objects.count()
        started = time.monotonic()
        grow(w)
        w.seconds = time.monotonic() - started
        yield w
        transaction.set_rollback(True)


def test_the_data_really_grew(scale):
    assert scale.small == 10
    assert Case.objects.count() == TOTAL
    assert Case.objects.filter(school=scale.school).count() >= 8 * TOTAL // 10
    assert Case.objects.filter(community=scale.community).count() >= 4 * TOTAL // 10
    assert CaseMember.objects.count() >= TOTAL // 3
    print(f"grew to {TOTAL:,} cases in {scale.seconds:.1f} s")


def test_every_page_and_endpoint_runs_as_many_queries_with_10000_cases_as_with_10(scale):
    after = {name: _count(*request)[0] for name, request in scale.requests.items()}
    over = {name: (scale.before[name], after[name]) for name in after if after[name] > scale.before[name]}
    assert not over, f"more queries with {TOTAL:,} cases than with 10 (before, after): {over}"
    high = {name: n for name, n in scale.before.items() if n > CEILING}
    assert not high, f"more than {CEILING} queries: {high}"
    print("queries (10 cases → 10,000):", {name: (scale.before[name], after[name]) for name in after})


CARD = re.compile(r'<li class="board-card')
COLUMN = re.compile(r'<section class="board-column[^"]*"[^>]*data-column="(\w+)"')


def _columns(page: str) -> dict[str, str]:
    """Each column's HTML by stage."""
    starts = [(m.start(), m.group(1)) for m in COLUMN.finditer(page)]
    ends = [start for start, _ in starts[1:]] + [page.find('class="card board-finals"')]
    return {stage: page[start:end] for (start, stage), end in zip(starts, ends, strict=True)}


def test_no_column_shows_more_than_a_page_of_cards_and_each_full_one_links_to_more(scale):
    for name in ("coordinator board", "community board"):
        client, path, query = scale.requests[name]
        page = client.get(path, query).content.decode()
        columns = _columns(page)
        assert len(columns) == len(Stage.values) - 3  # the open stages; the final ones are counts
        for stage, html in columns.items():
            assert len(CARD.findall(html)) == PER_COLUMN, (name, stage)  # every column holds hundreds
            assert f"column={stage}&amp;page=2" in html and 'rel="next"' in html, (name, stage)


def test_a_columns_next_pages_show_the_next_cards_and_the_api_pages_too(scale):
    client, path, _query = scale.requests["community board"]
    first = client.get(path).content.decode()
    second = client.get(path, {"column": "drafting", "page": 2}).content.decode()
    first_titles = set(re.findall(r"<bdi>(Grown case \d+|[^<]+)</bdi></a>", _columns(first)["drafting"]))
    second_titles = set(re.findall(r"<bdi>(Grown case \d+|[^<]+)</bdi></a>", _columns(second)["drafting"]))
    assert len(second_titles) == PER_COLUMN and not first_titles & second_titles
    assert len(CARD.findall(_columns(second)["drafting"])) == PER_COLUMN
    assert "column=drafting&amp;page=1" in second and "column=drafting&amp;page=3" in second

    api, _path, _q = scale.requests["API community board"]
    body = api.get(f"{API}board/", {"community": scale.community.pk, "column": "drafting", "page": 3}).json()
    for column in body["columns"]:
        assert len(column["cards"]) == PER_COLUMN and column["has_more"] is True
        assert column["count"] > 10 * PER_COLUMN
    drafting = next(c for c in body["columns"] if c["stage"] == "drafting")
    assert drafting["page"] == 3
    assert not {card["title"] for card in drafting["cards"]} & (first_titles | second_titles)
