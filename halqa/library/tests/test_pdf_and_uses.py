"""A product's PDF (WeasyPrint, in its language and direction, cached per content, long ones made by
the task queue) for whoever may see the product and nobody else; and "most used": each person who
read, downloaded, printed or added a published product to a meeting's reading list counts once."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from halqa.library import pdf, services
from halqa.library.models import Product, Status, Use
from halqa.library.queries import library
from halqa.library.tests.test_library import APPROVE, api_as, approved
from halqa.library.tests.test_library import lib as lib  # the fixture
from halqa.library.tests.test_library import settle as settle  # the fixture
from halqa.search.analyzer import ZWNJ

pytestmark = pytest.mark.django_db

API = "/api/v1/products/"

SAMPLES = {
    "ar": ("بطاقة الخروج في ثلاث دقائق", "سؤال واحد قصير في الدقيقة الثلاثين، لا في آخر الحصة."),
    "fa": ("راهنمای والدین برای دفتر الکترونیکی", "نمره‌ها، غیبت‌ها و پیام معلم را در دفتر الکترونیکی ببینیم."),
    "ru": ("Внимание после большой перемены", "Три минуты «Сделай сейчас» на доске вместо замечаний."),
    "en": ("Exit tickets in three minutes", "One short question at minute thirty, not at the bell."),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def published(w, *, language="en", title="Exit tickets", body="Steps.", reviewer=None, **fields) -> Product:
    product = services.start(actor=w.colleague, title=title, body=body, language=language, school=w.school, **fields)
    services.submit(product, actor=w.colleague)
    reviewer = reviewer or w.expert
    services.assign(product, actor=w.principal, reviewer=reviewer)
    services.review(product, actor=reviewer, scores=APPROVE, decision="approve")
    return services.publish(product, actor=w.principal)


def read(response) -> tuple[str, set[str]]:
    """The PDF's text and its fonts' names."""
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return "\n".join(page.extract_text() for page in reader.pages), fonts


def plain(text: str) -> str:
    return " ".join(text.replace(ZWNJ, "").split())


@pytest.mark.parametrize("language", ["ar", "fa", "ru", "en"])
def test_the_pdf_is_in_the_products_language_with_joined_letters(lib, login, language):
    w = lib
    title, body = SAMPLES[language]
    product = published(w, language=language, title=title, body=f"## {title}\n\n{body}")
    response = login(w.other_teacher).get(reverse("library:pdf", args=[product.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text, fonts = read(response)
    assert plain(title) in plain(text)
    assert plain(body).rstrip(".") in plain(text)  # (a sentence's last stop may be read at its other end)
    if language in ("ar", "fa"):  # shaped by HarfBuzz with the Arabic Noto face, in logical order
        assert any(font.startswith("Noto-Naskh-Arabic") for font in fonts), fonts
        assert "الترخيص" in text or "مجوز" in text  # "Licence" in the product's language
    else:
        assert not any("Arabic" in font for font in fonts), fonts
        assert any(font.startswith("Noto-Serif") for font in fonts), fonts


def test_the_pdf_html_runs_right_to_left_for_arabic_and_persian(lib):
    w = lib
    for language, direction in (("ar", "rtl"), ("fa", "rtl"), ("ru", "ltr"), ("en", "ltr")):
        product = services.start(actor=w.colleague, title=SAMPLES[language][0], language=language)
        html = pdf.document(product).html
        assert f'<html lang="{language}" dir="{direction}">' in html
        assert "justify" not in html


def test_who_may_download_a_pdf(lib, login, client, settings):
    w = lib
    draft = services.from_case(w.case, actor=w.colleague)
    url = reverse("library:pdf", args=[draft.pk])
    for person in (w.colleague, w.parent, w.principal):  # authors and stewards see the draft
        assert login(person).get(url).status_code == 200, person
    for person in (w.teacher, w.other_teacher, w.foreign_teacher, w.student, w.expert):
        assert login(person).get(url).status_code == 404, person
    client.logout()
    assert client.get(url).status_code == 302
    settings.LIBRARY_PUBLIC = True
    assert client.get(url).status_code == 404  # a draft stays unknown to visitors
    services.submit(draft, actor=w.colleague)
    services.assign(draft, actor=w.principal, reviewer=w.expert)
    assert login(w.expert).get(url).status_code == 200  # the assigned reviewer
    services.review(draft, actor=w.expert, scores=APPROVE, decision="approve")
    services.publish(draft, actor=w.principal)
    client.logout()
    assert client.get(url).status_code == 200  # published, and the library is public
    settings.LIBRARY_PUBLIC = False
    assert client.get(url).status_code == 302
    assert login(w.foreign_teacher).get(url).status_code == 200
    assert login(w.foreign_teacher).get(reverse("library:pdf", args=[99999999])).status_code == 404


def test_a_retracted_products_pdf_has_no_text(lib, login):
    w = lib
    product = published(w, title="Old advice", body="Shout louder at the class.")
    services.retract(product, actor=w.principal, reason="It does not work.")
    text, _fonts = read(login(w.other_teacher).get(reverse("library:pdf", args=[product.pk])))
    assert "Old advice" in text and "It does not work." in text
    assert "Shout" not in text


def test_a_pdf_is_rendered_once_per_content_and_again_after_a_change(lib, login, monkeypatch, media):
    w = lib
    product = services.start(actor=w.colleague, title="Plan", body="First.", language="en", school=w.school)
    calls = []
    real = pdf.render
    monkeypatch.setattr(pdf, "render", lambda html, *rest: calls.append(html) or real(html, *rest))
    client = login(w.colleague)
    url = reverse("library:pdf", args=[product.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    assert len(calls) == 1
    services.revise(product, actor=w.colleague, body="Second.", note="Better")
    text, _fonts = read(client.get(url))
    assert "Second." in text and len(calls) == 2
    files = list((media / "library" / "pdf" / str(product.pk)).iterdir())
    assert len(files) == 1  # the older file is gone


def test_a_long_text_is_made_by_the_task_queue_and_the_page_says_so(
    lib, login, monkeypatch, settle, django_capture_on_commit_callbacks
):
    w = lib
    monkeypatch.setattr(pdf, "ON_DEMAND_CHARS", 500)
    with django_capture_on_commit_callbacks(execute=False):  # publishing queues it: not run here
        product = published(w, title="Long", body="A long paragraph of advice. " * 100)
    url = reverse("library:pdf", args=[product.pk])
    rendered = []
    monkeypatch.setattr(pdf, "render", lambda html, *rest: rendered.append(1) or b"%PDF-1.7 test")
    response = settle(lambda: login(w.other_teacher).get(url))
    assert response.status_code == 202 and response["Retry-After"]
    assert b"being prepared" in response.content and rendered == [1]  # the queued task made it
    response = login(w.other_teacher).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert rendered == [1]


def test_publishing_queues_the_pdf(lib, settle, media):
    w = lib
    product = settle(lambda: published(w, title="Queued", body="Text."))
    assert pdf.ready(pdf.document(Product.objects.get(pk=product.pk)))


# --- most used ----------------------------------------------------------------------------------


def test_each_person_counts_once_and_authors_and_visitors_not_at_all(lib, login, client, settings):
    w = lib
    product = published(w, title="Used", body="Text.")
    page = reverse("library:product", args=[product.pk])
    for _ in range(3):
        assert login(w.other_teacher).get(page).status_code == 200
    assert login(w.other_teacher).get(reverse("library:pdf", args=[product.pk])).status_code == 200
    assert login(w.teacher).get(reverse("library:print", args=[product.pk])).status_code == 200
    assert login(w.colleague).get(page).status_code == 200  # an author
    assert login(w.expert).get(page).status_code == 200  # its reviewer
    client.logout()
    settings.LIBRARY_PUBLIC = True
    assert client.get(page).status_code == 200  # a visitor: nobody to count once
    product.refresh_from_db()
    assert product.uses == 2
    assert dict(Use.objects.values_list("user", "how")) == {w.other_teacher.pk: "read", w.teacher.pk: "print"}
    draft = services.start(actor=w.teacher, title="Mine", language="en")
    assert services.record_use(draft, actor=w.principal, how="read") is False  # not published
    assert Product.objects.get(pk=draft.pk).uses == 0


def test_record_use_refuses_an_unknown_kind_of_use(lib):
    from django.core.exceptions import ValidationError

    w = lib
    product = published(w, title="Used", body="Text.")
    with pytest.raises(ValidationError):
        services.record_use(product, actor=w.teacher, how="bogus")
    assert not Use.objects.exists()


def test_a_meeting_source_is_a_use(lib):
    from halqa.meetings import services as meetings
    from halqa.meetings.tests.test_services import when

    w = lib
    product = published(w, title="Used", body="Text.", reviewer=w.principal)  # the expert only reads it
    meeting = meetings.create_meeting(actor=w.colleague, community=w.community, title="Read it", place="Room", **when())
    meetings.sign_up(meeting, actor=w.expert)
    meetings.add_source(meeting, actor=w.expert, product=product)
    assert Use.objects.get().how == "source" and Product.objects.get(pk=product.pk).uses == 1


def test_most_used_first_on_the_page_and_in_the_api_with_a_stable_tiebreak(lib, login):
    w = lib
    first, second, third = (published(w, title=f"Product {n}", body="Text.") for n in range(3))
    for person in (w.teacher, w.other_teacher, w.foreign_teacher):
        services.record_use(second, actor=person, how="read")
    services.record_use(first, actor=w.teacher, how="pdf")
    services.record_use(third, actor=w.teacher, how="pdf")
    expected = [second.pk, third.pk, first.pk]  # 3 uses; then 1 and 1: the newest first
    found, _snippets = library(w.student, sort="used")
    assert [p.pk for p in found] == expected
    page = login(w.student).get(reverse("library:list"), {"sort": "used"})
    content = page.content.decode()
    assert [content.index(f"Product {n}") for n in (1, 2, 0)] == sorted(content.index(f"Product {n}") for n in range(3))
    assert "used by 3 people" in content
    answer = api_as(w.student).get(API, {"sort": "used"})
    assert [row["id"] for row in answer.json()["results"]] == expected
    assert answer.json()["results"][0]["uses"] == 3
    assert api_as(w.student).get(API, {"sort": "most"}).status_code == 400
    assert login(w.student).get(reverse("library:list"), {"sort": "most"}).status_code == 200  # ignored


def test_the_product_page_counts_with_bounded_queries(lib):
    from django.test import Client

    from halqa.core.testing.queries import assert_query_bound

    w = lib
    product = approved(w)
    services.publish(product, actor=w.principal)
    clients = []
    for person in (w.teacher, w.foreign_teacher, w.other_principal):  # each one's first use
        clients.append(Client())
        clients[-1].force_login(person)
    url = reverse("library:product", args=[product.pk])
    assert_query_bound(
        lambda: clients.pop().get(url),
        grow=lambda: [services.record_use(product, actor=p, how="read") for p in (w.supervisor, w.parent)],
        check=lambda r: r.status_code == 200,
    )
    assert Product.objects.get(pk=product.pk).status == Status.PUBLISHED
