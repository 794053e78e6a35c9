"""Searching cases: the same ranked answers on SQLite and PostgreSQL (this file runs on both),
snippets escaped and highlighted, bad queries answered without an error, indexing through the task
queue, and nothing outside what the caller may see ever returned or counted."""

from __future__ import annotations

import hypothesis
import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import strategies as st
from rest_framework.test import APIClient

from halqa.cases import services as cases
from halqa.cases.models import Case
from halqa.cases.queries import cases_visible_to
from halqa.core.testing.queries import assert_query_bound
from halqa.search import services
from halqa.search.models import SearchDocument

pytestmark = pytest.mark.django_db
API = "/api/v1/cases/"


def ask(user, school, title, story, language, **extra) -> Case:
    case = cases.submit_case(
        actor=user,
        school=school,
        title=title,
        what_happened=story,
        help_wanted=extra.pop("help_wanted", "Any advice helps."),
        language=language,
        **extra,
    )
    services.index("case", case.pk)
    return case


@pytest.fixture
def library(world):
    w = world
    w.ru = ask(w.teacher, w.school, "Молодой учитель и шумный класс", "Учителям трудно удержать внимание.", "ru")
    w.ru_title = ask(w.teacher, w.school, "Учителя просят помощи", "Класс не слушает учителя, учителю трудно.", "ru")
    w.ar = ask(w.teacher, w.school, "المُعَلِّمُونَ الجدد", "يحتاج المعلم إلى دعم في إدارة الصف", "ar")
    w.fa = ask(w.teacher, w.school, "کتاب‌های درسی", "دانش‌آموزان کتابها را نمی‌خوانند و می‌خواهم کمک کنم", "fa")
    w.en = ask(w.teacher, w.school, "Teaching fractions", "Teachers say <script>alert(1)</script> fractions", "en")
    w.hidden = ask(w.foreign_teacher, w.foreign_school, "Учитель в другой школе", "Учителям нужна помощь.", "ru")
    return w


def ids(hits):
    return [hit.object_id for hit in hits]


def everything():
    return {"case": Case.objects.all()}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("учителям", ["ru_title", "hidden", "ru"]),  # shorter story first at equal counts
        ("учитель помощь", ["ru_title", "hidden"]),  # both words in the title first
        ("معلم", ["ar"]),
        ("المعلمين", ["ar"]),
        ("كتاب", ["fa"]),
        ("میخواهم کتاب", ["fa"]),
        ("teachers", ["en"]),
        ("teach", ["en"]),
        ("nothing-like-this", []),
    ],
)
def test_ranked_answers_are_the_same_on_both_databases(library, query, expected):
    """The expected order is written out, so SQLite and PostgreSQL must both give it."""
    assert ids(services.search(query, within=everything())) == [getattr(library, name).pk for name in expected]


def test_every_form_of_the_word_finds_the_case(library):
    for query in ("учитель", "учителя", "УЧИТЕЛЕЙ"):
        assert library.ru.pk in ids(services.search(query, within=everything()))
    for query in ("المعلمون", "مُعَلِّم", "والمعلم"):
        assert ids(services.search(query, within=everything())) == [library.ar.pk]
    for query in ("کتاب", "کتاب‌ها", "كتابهاي", "میخواهم", "می‌خواهم"):
        assert library.fa.pk in ids(services.search(query, within=everything())), query


def test_search_only_answers_within_what_the_caller_passes(library):
    mine = cases_visible_to(library.teacher)
    found = ids(services.search("учителям", within={"case": mine}))
    assert library.hidden.pk not in found and library.ru.pk in found
    assert services.search("учителям", within={"case": Case.objects.none()}) == []
    assert services.search_ids("учителям", kind="case", within=Case.objects.none()) == []


def test_snippets_escape_html_and_mark_the_matched_words(library):
    [hit] = services.search("teachers", within=everything())
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert hit.snippet.startswith("<mark>Teachers</mark> say &lt;script&gt;")
    [hit] = services.search("fraction", within=everything())
    assert hit.title == "Teaching <mark>fractions</mark>"
    [hit] = services.search("معلم", within=everything())
    assert "<mark>المعلم</mark>" in hit.snippet
    assert "<mark>المُعَلِّمُونَ</mark>" in hit.title


def test_a_long_text_gives_a_window_around_the_first_match(world):
    story = " ".join(["filler"] * 300 + ["the", "fraction", "wall"] + ["filler"] * 300)
    case = ask(world.teacher, world.school, "Long story", story, "en")
    [hit] = services.search("fractions", within={"case": Case.objects.filter(pk=case.pk)})
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert "<mark>fraction</mark> wall" in hit.snippet and len(hit.snippet) < 400


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\x00",
        "teach\x00ing",
        '"',
        "(",
        "OR",
        "AND NOT",
        "NEAR(",
        "*",
        "'; DROP TABLE search_fts; --",
        "x" * 100_000,
        " ".join(f"word{n}" for n in range(1000)),
        "the of and",
        "\ud800",
        "👩‍🏫 ✓",
    ],
)
def test_odd_queries_answer_without_an_error(library, query):
    hits = services.search(query, within=everything())
    assert isinstance(hits, list)
    assert SearchDocument.objects.count() == 6


def test_quotes_and_operators_are_words_not_syntax(library):
    assert ids(services.search('"teaching" OR', within=everything())) == [library.en.pk]
    assert ids(services.search("teaching NOT fractions", within=everything())) == [library.en.pk]  # a stop word


def test_a_saved_case_is_indexed_by_the_task_queue(world, run_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = cases.submit_case(
            actor=world.teacher,
            school=world.school,
            title="Oral fluency",
            what_happened="Students read aloud haltingly.",
            help_wanted="Ideas?",
            language="en",
        )
    assert not SearchDocument.objects.filter(object_id=case.pk).exists()  # not before the worker runs
    run_tasks()
    assert ids(services.search("reading", within=everything())) == [case.pk]
    with django_capture_on_commit_callbacks(execute=True):
        Case.objects.filter(pk=case.pk).first().delete()
    run_tasks()
    assert not SearchDocument.objects.filter(object_id=case.pk).exists()


def test_a_save_that_does_not_touch_the_story_schedules_nothing(world, django_capture_on_commit_callbacks):
    case = ask(world.teacher, world.school, "Title", "Story", "en")
    with django_capture_on_commit_callbacks() as callbacks:
        case.board_position = 3
        case.save(update_fields=["board_position"])
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        case.title = "New title"
        case.save(update_fields=["title", "updated_at"])
    assert len(callbacks) == 1


def test_reindex_command_rebuilds_and_drops_vanished(library):
    SearchDocument.objects.all().delete()
    SearchDocument.objects.create(kind="case", object_id=10**9, title="gone", title_tokens="gone")
    call_command("reindex", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SearchDocument.objects.count() == 6
    assert ids(services.search("teachers", within=everything())) == [library.en.pk]


def test_the_backend_is_the_databases_own(library):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", ['"учител"'])
            assert cursor.fetchone()[0] == 3
        else:
            cursor.execute(
                "SELECT count(*) FROM search_searchdocument WHERE vector @@ to_tsquery('simple', %s)", ["учител"]
            )
            assert cursor.fetchone()[0] == 3


# --- The cases list and API ---


def api_as(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_api_q_searches_only_the_callers_visible_cases(library):
    seen = api_as(library.teacher).get(API, {"q": "учителям"})
    assert seen.status_code == 200
    body = seen.json()
    found = [row["id"] for row in body["results"]]
    assert found == [library.ru_title.pk, library.ru.pk]
    assert body["count"] == 2  # the foreign school's case is neither returned nor counted
    theirs = api_as(library.foreign_teacher).get(API, {"q": "учителям"}).json()
    assert [row["id"] for row in theirs["results"]] == [library.hidden.pk] and theirs["count"] == 1


def test_api_q_combines_with_the_other_filters_and_refuses_a_long_query(library):
    assert api_as(library.teacher).get(API, {"q": "учителям", "mine": "true"}).json()["count"] == 2
    assert api_as(library.teacher).get(API, {"q": "the"}).json()["count"] == 0
    refused = api_as(library.teacher).get(API, {"q": "x" * 201})
    assert refused.status_code == 400 and "q" in refused.json()


def test_the_case_list_page_has_a_search_box_that_filters(library, login):
    page = login(library.teacher).get("/cases/", {"q": "المعلمين"})
    assert page.status_code == 200
    text = page.content.decode().split('id="all-h"')[1]  # the results, not "your requests" above them
    assert 'name="q"' in text
    assert library.ar.title in text and library.en.title not in text


def test_the_search_list_stays_within_a_fixed_number_of_queries(library):
    client = api_as(library.teacher)

    def grow():
        for n in range(10):
            ask(library.teacher, library.school, f"Учитель {n}", "Учителям нужна помощь.", "ru")

    assert_query_bound(
        lambda: client.get(API, {"q": "учитель"}),
        grow=grow,
        check=lambda response: response.status_code == 200,
        check_after=lambda response: response.json()["count"] == 13,
        ceiling=20,
    )


@hypothesis.settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
@hypothesis.given(query=st.text(max_size=60) | st.text(alphabet='учитель المعلم کتاب\u200c"*()-^:NEAR OR', max_size=40))
def test_any_text_is_a_query_that_answers(library, query):
    hits = services.search(query, within=everything())
    assert all(hit.kind == "case" for hit in hits)


def test_odd_queries_through_the_api(library):
    client = api_as(library.teacher)
    for query in ('"', "(", "NEAR(учитель", "*", "x" * 200, "учитель OR", "-учитель"):
        answer = client.get(API, {"q": query})
        assert answer.status_code == 200, query
    assert client.get(API, {"q": "учитель\x00"}).status_code == 400  # NUL is refused before any view


def test_the_case_list_shows_the_story_around_the_words_found(library, login):
    page = login(library.teacher).get("/cases/", {"q": "<b>", "type": ""})
    assert page.status_code == 200
    page = login(library.teacher).get("/cases/", {"q": "alert"}).content.decode().split('id="all-h"')[1]
    assert '<span class="search-snippet small" dir="auto">' in page
    assert "<mark>alert</mark>(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_people_who_may_not_see_a_case_never_find_it(library):
    def found(person):
        answer = api_as(person).get(API, {"q": "учителям"}).json()
        return [row["id"] for row in answer["results"]], answer["count"]

    for person in (library.parent, library.student, library.other_teacher, library.colleague):
        assert found(person) == ([], 0)  # the same words, but none of these cases is theirs to see
    assert found(library.principal) == ([library.ru_title.pk, library.ru.pk], 2)
    assert found(library.foreign_principal) == ([library.hidden.pk], 1)
    assert APIClient().get(API, {"q": "учителям"}).status_code in (401, 403)
