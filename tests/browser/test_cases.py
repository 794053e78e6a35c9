"""A parent's request, from the form to the closing feedback, in Arabic and in Russian.

The parent asks for help; the coordinator asks a clarifying question, the parent answers; the
coordinator sorts the case, adds the person matching proposes first and walks the case to the
solution; the parent says "I cannot use it" with the reason; the group revises; the parent closes
it. Screenshots of each step in test-artifacts/screenshots.
"""

import pytest

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PEOPLE = {
    # language: (parent, coordinator)
    "ar": ("parent.farabi@halqa.test", "principal.farabi@halqa.test"),
    "ru": ("parent.school17@halqa.test", "coordinator@halqa.test"),
}
STORY = {
    "ar": (
        "ابنتي لا تفهم فائدة مادة التقنية",
        "تقول إن الحصص تكرار لما تعرفه، ولا تريد الذهاب.",
        "كيف أشرح لها فائدة المادة؟",
    ),
    "ru": (
        "Дочь не понимает, зачем нужна технология",
        "Говорит, что на уроках одно и то же, и не хочет идти.",
        "Как объяснить ей смысл предмета?",
    ),
}


def submit(page, selector_action: str) -> None:
    with page.expect_navigation():
        page.click(f"main form[action$='{selector_action}'] button[type=submit]")


def move_to(page, stage: str, note: str = "", session: str = "") -> None:
    page.select_option("#id_to", stage)
    if note:
        page.fill("#id_note", note)
    if session:
        page.fill("#id_session_at", session)
    submit(page, "/move/")
    assert page.locator(".message-error").count() == 0, page.locator("main").inner_text()[:500]


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_a_parents_request_goes_round_the_cycle(
    demo, live_server, new_context, sign_in, sign_out, switch_language, screenshot, language
):
    parent, coordinator = PEOPLE[language]
    title, happened, wanted = STORY[language]
    page = new_context().new_page()

    # the parent asks for help, in their own words
    sign_in(page, live_server, parent)
    switch_language(page, language)
    page.goto(f"{live_server.url}/cases/new/")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
    page.fill("#id_title", title)
    page.fill("#id_what_happened", happened)
    page.fill("#id_help_wanted", wanted)
    page.check("#id_types_3")  # motivational
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    case_url = page.url
    assert title in page.locator("h1").inner_text()
    screenshot(page, f"case_submitted_{language}.png")
    sign_out(page)

    # the coordinator asks; the parent answers
    sign_in(page, live_server, coordinator)
    switch_language(page, language)
    page.goto(case_url)
    page.fill("#id_body", "?" if language == "ar" else "В каком она классе?")
    submit(page, "/clarify/")
    sign_out(page)
    sign_in(page, live_server, parent)
    page.goto(case_url)
    page.fill("#id_body", "الصف الثامن" if language == "ar" else "В восьмом.")
    submit(page, "/clarify/")
    sign_out(page)

    # the coordinator sorts it, forms the group from the suggestions and walks it to the solution
    sign_in(page, live_server, coordinator)
    page.goto(case_url)
    page.check("#id_types_2")  # organizational
    submit(page, "/triage/")
    suggested = page.locator("main form[action$='/group/'] button[type=submit]").first
    with page.expect_navigation():
        suggested.click()
    screenshot(page, f"case_group_formed_{language}.png")
    move_to(page, "matched")
    move_to(page, "scheduled", session="2030-01-15T15:00")
    for stage in ("preparing", "in_session", "drafting"):
        move_to(page, stage)
    page.fill("#id_draft-title", "Homework at home" if language == "ar" else "Домашнее задание дома")
    page.fill("#id_draft-body", "1. ...\n2. ...")
    submit(page, "/drafts/")  # review needs a draft of the solution
    assert page.locator(".message-error").count() == 0, page.locator("main").inner_text()[:500]
    for stage in ("in_review", "published", "feedback"):
        move_to(page, stage)
    sign_out(page)

    # the parent cannot use it, and says why
    sign_in(page, live_server, parent)
    page.goto(case_url)
    page.check("#id_understood_0")  # yes
    page.check("#id_has_resources_1")  # no
    page.check("#id_helpful_1")  # 2
    page.check("#id_can_use_1")  # no
    reason = "لا يوجد لدينا حاسوب في البيت" if language == "ar" else "У нас дома нет компьютера."
    page.fill("#id_comment", reason)
    submit(page, "/feedback/")
    assert reason in page.content()
    screenshot(page, f"case_cannot_use_{language}.png")
    sign_out(page)

    # the group revises; the parent can use it now
    sign_in(page, live_server, coordinator)
    page.goto(case_url)
    page.fill("#id_draft-change_note", "Without a computer" if language == "ar" else "Без компьютера")
    submit(page, "/drafts/")  # the revision answers "I cannot use it"
    assert page.locator(".message-error").count() == 0, page.locator("main").inner_text()[:500]
    for stage in ("in_review", "published", "feedback"):
        move_to(page, stage)
    sign_out(page)
    sign_in(page, live_server, parent)
    page.goto(case_url)
    for field in ("#id_understood_0", "#id_has_resources_0", "#id_helpful_4", "#id_can_use_0"):
        page.check(field)
    submit(page, "/feedback/")
    assert page.locator("#move-h").count() == 0  # closed: nothing moves any more
    screenshot(page, f"case_closed_{language}.png")
