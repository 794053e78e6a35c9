"""A case's solution becomes a library product, in Arabic and in Russian, through the pages.

The working group's lead turns the case's draft into a product and submits it; the coordinator
assigns an expert, who asks for changes; the lead revises and submits again; the expert approves;
the coordinator moves the case to review and publishes the product, which moves the case to the
requester's feedback; the task queue indexes it; a library search in the case's language finds it
by another form of a word; the PDF downloads; the requester answers the feedback. Screenshots of
the product page and of the search go to /tmp/halqa-library-screens/ (outside the repository).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

SCREENS = Path(tempfile.gettempdir()) / "halqa-library-screens"

PEOPLE = {
    # language: (requester, coordinator, the group's lead, the expert)
    "ar": ("huda@halqa.test", "principal.farabi@halqa.test", "nora@halqa.test", "expert@halqa.test"),
    "ru": ("pavel@halqa.test", "coordinator@halqa.test", "maria@halqa.test", "expert@halqa.test"),
}
CASE = {
    "ar": {
        "title": "الطلاب لا يسلّمون الواجبات المنزلية",
        "what_happened": "نصف طلاب الصف الثامن لا يسلّمون الواجب المنزلي في موعده.",
        "help_wanted": "كيف نجعل الواجب قصيرًا ومفيدًا؟",
    },
    "ru": {
        "title": "Ученики не сдают домашние задания",
        "what_happened": "Половина восьмого класса не сдаёт домашнее задание вовремя.",
        "help_wanted": "Как сделать задание коротким и полезным?",
    },
}
DRAFT = {
    "ar": ("واجب منزلي في عشر دقائق", "## الفكرة\n\nواجب قصير يراجعه المعلم في بداية الحصة التالية."),
    "ru": (
        "Домашнее задание на десять минут",
        "## Идея\n\nКороткое задание, которое учитель проверяет в начале урока.",
    ),
}
REVISION = {
    "ar": "\n\n## التقييم\n\nيصحّح الطلاب واجبات بعضهم في أزواج.",
    "ru": "\n\n## Проверка\n\nУченики проверяют задания друг друга в парах.",
}
# another form of a word of the product than the one written (plural, article and prefix, case)
SEARCH = {"ar": "والواجبات", "ru": "заданиями"}
CHANGES = {"ar": "أضيفوا طريقة التقييم.", "ru": "Добавьте, как проверять задания."}


def drafting_case(language: str):
    """The requester's case, sorted by the coordinator, its group's lead at work on a draft."""
    from django.utils import timezone

    from halqa.accounts.models import User
    from halqa.cases import services as cases
    from halqa.cases.models import Case, Stage
    from halqa.cases.records import save_draft

    requester, coordinator, lead, _expert = (User.objects.get(email=email) for email in PEOPLE[language])
    school = requester.memberships.order_by("pk").first().school
    case = cases.submit_case(actor=requester, school=school, language=language, **CASE[language])
    cases.triage(case, actor=coordinator)
    cases.add_to_group(case, actor=coordinator, person=lead, role="lead")
    for stage, extra in (
        (Stage.MATCHED, {}),
        (Stage.SCHEDULED, {"session_at": timezone.now() + dt.timedelta(days=2)}),
        (Stage.PREPARING, {}),
        (Stage.IN_SESSION, {}),
        (Stage.DRAFTING, {}),
    ):
        case = cases.move(Case.objects.get(pk=case.pk), actor=coordinator, to=stage, **extra)
    title, body = DRAFT[language]
    save_draft(case, actor=lead, title=title, body=body)
    return Case.objects.get(pk=case.pk)


def post(page, action: str) -> None:
    with page.expect_navigation():
        page.click(f"main form[action$='{action}'] button[type=submit]")
    assert page.locator(".message-error, .errorlist, .error").count() == 0, page.locator("main").inner_text()[:800]


def review(page, decision: str, comment: str = "") -> None:
    form = page.locator("main form[action$='/review/']")
    for select in form.locator("select").all():  # every criterion of the rubric: 4 of 5
        select.select_option(index=4 if decision == "approve" else 3)
    form.locator(f"input[name=decision][value={decision}]").check()
    if comment:
        form.locator("textarea[name=comment]").fill(comment)
    post(page, "/review/")


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_a_cases_solution_is_reviewed_published_found_and_answered(
    demo, live_server, new_context, sign_in, sign_out, switch_language, run_tasks, language
):
    from halqa.cases.models import Case, Stage
    from halqa.library.models import Product, Status, Use

    requester, coordinator, lead, expert = PEOPLE[language]
    case = drafting_case(language)
    case_url = f"{live_server.url}/cases/{case.pk}/"
    page = new_context().new_page()
    SCREENS.mkdir(exist_ok=True)

    # the group's lead turns the draft into a product and submits it for review
    sign_in(page, live_server, lead)
    switch_language(page, language)
    page.goto(case_url)
    post(page, f"/library/from-case/{case.pk}/")
    product = Product.objects.get(source_case=case)
    product_url = f"{live_server.url}/library/{product.pk}/"
    assert page.url == product_url
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
    post(page, "/submit/")
    sign_out(page)

    # the coordinator assigns the expert
    sign_in(page, live_server, coordinator)
    page.goto(product_url)
    expert_id = str(demo.users[expert].pk)
    page.select_option("main form[action$='/assign/'] select[name=reviewer]", expert_id)
    post(page, "/assign/")
    sign_out(page)

    # the expert asks for changes
    sign_in(page, live_server, expert)
    page.goto(product_url)
    review(page, "changes", CHANGES[language])
    assert Product.objects.get(pk=product.pk).status == Status.DRAFT
    sign_out(page)

    # the lead revises and submits again
    sign_in(page, live_server, lead)
    page.goto(product_url)
    assert CHANGES[language] in page.locator("main").inner_text()  # the expert's comment, for the authors
    with page.expect_navigation():
        page.click(f"main a[href$='/library/{product.pk}/edit/']")
    page.fill("#id_body", page.input_value("#id_body") + REVISION[language])
    page.fill("#id_note", CHANGES[language])
    with page.expect_navigation():
        page.click("main form.form-body button[type=submit]")
    assert page.url == product_url, page.locator("main").inner_text()[:800]
    post(page, "/submit/")
    sign_out(page)

    # the expert approves
    sign_in(page, live_server, expert)
    page.goto(product_url)
    review(page, "approve")
    sign_out(page)

    # the coordinator moves the case to review and publishes: the case goes on to feedback
    sign_in(page, live_server, coordinator)
    page.goto(case_url)
    page.select_option("#id_to", "in_review")
    post(page, "/move/")
    page.goto(product_url)
    post(page, "/publish/")
    assert Product.objects.get(pk=product.pk).status == Status.PUBLISHED
    assert Case.objects.get(pk=case.pk).stage == Stage.FEEDBACK
    sign_out(page)
    run_tasks()  # the task queue indexes the product (and renders its PDF)

    # a teacher of another school finds it in the library by another form of a word, and downloads it
    reader = "teacher@halqa.test" if language == "ru" else "anna@halqa.test"
    sign_in(page, live_server, reader)
    switch_language(page, language)
    page.goto(f"{live_server.url}/library/?q={SEARCH[language]}")
    result = page.locator(f"main a[href='/library/{product.pk}/']")
    assert result.count() == 1, page.locator("main").inner_text()[:800]
    assert page.locator("main mark").count() >= 1  # the matched words are highlighted
    page.screenshot(path=str(SCREENS / f"library_search_{language}.png"), full_page=True)
    with page.expect_navigation():
        result.click()
    assert REVISION[language].split("\n")[-1] in page.locator("article").inner_text()
    page.screenshot(path=str(SCREENS / f"product_{language}.png"), full_page=True)
    with page.expect_download() as download:
        page.click(f"main a[href$='/library/{product.pk}/pdf/']")
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    used = Use.objects.filter(product=product)
    assert used.filter(user=demo.users[reader]).count() == 1  # read, then downloaded: one person, once
    assert Product.objects.get(pk=product.pk).uses == used.count()
    assert not used.filter(user__email__in=[lead, expert]).exists()  # its author and reviewer do not count
    sign_out(page)

    # the requester answers: it helps, and they can use it
    sign_in(page, live_server, requester)
    page.goto(case_url)
    for field in ("#id_understood_0", "#id_has_resources_0", "#id_helpful_4", "#id_can_use_0"):
        page.check(field)
    post(page, "/feedback/")
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED
