"""A coordinator works the kanban board, in Arabic (right to left) and in Russian.

A card is dragged to the next column (SortableJS, the server's answer keeps it there); a column at
its work-in-progress limit asks for a reason in a dialog before it takes one more; another card is
moved with the keyboard through its "Move to" select and button (the no-JavaScript path), and the
full column asks for the reason on a page of its own; a card someone moved meanwhile is put back
with the message. Screenshots of each step in test-artifacts/screenshots.
"""

import pytest

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

PEOPLE = {
    # language: (coordinator, a teacher of their school who asks)
    "ar": ("principal.farabi@halqa.test", "teacher@halqa.test"),
    "ru": ("coordinator@halqa.test", "anna@halqa.test"),
}
TITLES = {
    "ar": (
        "الواجبات المنزلية لا يقرؤها أحد",
        "العمل الجماعي يتحول إلى ثرثرة",
        "الكسور في الصف التاسع",
        "أولياء الأمور لا يحضرون",
    ),
    "ru": (
        "Домашние задания никто не читает",
        "Групповая работа превращается в болтовню",
        "Дроби в 9 классе",
        "Родители не приходят на собрания",
    ),
}
STORY = {"what_happened": "…", "help_wanted": "…"}


def card(page, case):
    return page.locator(f"#card-{case.pk}")


def drag(page, case, stage):
    """Take the card by its first line of details (not its link or its form) and drop it at the end
    of the column, below its last card."""
    target = column(page, stage)
    box = target.bounding_box()
    card(page, case).locator(".board-card-meta").first.drag_to(
        target, target_position={"x": box["width"] / 2, "y": box["height"] - 6}
    )


def column(page, stage):
    return page.locator(f"ul.board-cards[data-stage='{stage}']")


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_a_coordinator_drags_and_moves_cards_with_the_keyboard(
    demo, live_server, new_context, sign_in, switch_language, screenshot, language
):
    from halqa.accounts.models import User
    from halqa.cases import services
    from halqa.cases.models import BoardLimit, Case, Stage

    coordinator_email, teacher_email = PEOPLE[language]
    coordinator = User.objects.get(email=coordinator_email)
    teacher = User.objects.get(email=teacher_email)
    school = services.schools_for_intake(teacher).first()
    dragged, with_reason, by_keyboard, raced = (
        services.submit_case(actor=teacher, school=school, title=title, language=language, **STORY)
        for title in TITLES[language]
    )
    already = Case.objects.filter(school=school, stage=Stage.CLARIFYING).count()  # the demo's own
    BoardLimit.objects.create(school=school, stage=Stage.CLARIFYING, limit=already + 1)

    page = new_context(viewport={"width": 1280, "height": 1400}).new_page()  # both columns in view while dragging
    sign_in(page, live_server, coordinator_email)
    switch_language(page, language)
    page.goto(f"{live_server.url}/cases/board/?school={school.pk}")
    expected_dir = "rtl" if language == "ar" else "ltr"
    assert page.evaluate("document.documentElement.dir") == expected_dir
    status = page.locator("#board-status")

    # 1. Drag a card from "submitted" to "clarifying": the server agrees, the column is now full.
    drag(page, dragged, "clarifying")
    status.wait_for(state="visible")
    assert column(page, "clarifying").locator(f"#card-{dragged.pk}").count() == 1
    assert "message-success" in status.get_attribute("class")
    assert page.locator("[data-column='clarifying'] [data-warning]").is_visible()
    dragged.refresh_from_db()
    assert dragged.stage == Stage.CLARIFYING
    # The card now offers the moves from its new stage, and knows the stage it was seen in.
    assert page.locator(f"#move-{dragged.pk} option[value=matched]").count() == 1
    assert page.locator(f"#card-{dragged.pk} .board-move input[name=seen_stage]").input_value() == "clarifying"
    assert page.locator(f"#card-{dragged.pk} .board-order input[name=seen_stage]").input_value() == "clarifying"
    screenshot(page, f"board_{language}_dragged.png")

    # 2. One more into the full column: the board asks why, and takes it with the reason.
    drag(page, with_reason, "clarifying")
    dialog = page.locator("#board-reason")
    dialog.wait_for(state="visible")
    page.fill("#board-reason-text", "The requester's exam is next week.")
    screenshot(page, f"board_{language}_reason_dialog.png", full_page=False)
    page.click("#board-reason button[value=move]")
    page.wait_for_function(
        "() => document.querySelector('#board-status').classList.contains('message-success')"
        f" && document.querySelector('#card-{with_reason.pk}').dataset.stage === 'clarifying'"
    )
    with_reason.refresh_from_db()
    assert with_reason.stage == Stage.CLARIFYING
    assert page.locator("[data-column='clarifying'] [data-count]").inner_text() == str(already + 2)

    # 3. The keyboard: focus the card's "Move to", keep "clarifying", Tab to its button, Enter.
    page.focus(f"#move-{by_keyboard.pk}")
    assert page.locator(f"#move-{by_keyboard.pk}").input_value() == "clarifying"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The column is full: without the script the reason is asked on a page of its own.
    assert page.locator("#id_over_limit_reason").count() == 1
    screenshot(page, f"board_{language}_reason_page.png")
    page.focus("#id_over_limit_reason")
    page.keyboard.type("Asked twice by the family.")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert column(page, "clarifying").locator(f"#card-{by_keyboard.pk}").count() == 1
    assert page.locator(".messages .message-success").count() == 1
    by_keyboard.refresh_from_db()
    assert by_keyboard.stage == Stage.CLARIFYING
    assert page.locator("[data-column='clarifying'] [data-warning]").is_visible()
    screenshot(page, f"board_{language}_keyboard.png")

    # 4. Someone else moves a card while it is on this screen: the drag is refused and undone.
    services.move(raced, actor=coordinator, to=Stage.DECLINED, note="Passed to the counsellor.")
    drag(page, raced, "matched")
    page.wait_for_function("() => document.querySelector('#board-status').classList.contains('message-error')")
    assert column(page, "submitted").locator(f"#card-{raced.pk}").count() == 1
    assert column(page, "matched").locator(f"#card-{raced.pk}").count() == 0
    assert Case.objects.get(pk=raced.pk).stage == Stage.DECLINED
    screenshot(page, f"board_{language}_race.png")

    # 5. The order inside a column: "Move up" by keyboard (no JavaScript needed), then a card
    # dragged to the top of its column; both kept by the server.
    from halqa.cases.board import build, school_board

    def shown_order():
        return [
            int(pk)
            for pk in column(page, "submitted")
            .locator(":scope > .board-card")
            .evaluate_all("cards => cards.map(card => card.dataset.case)")
        ]

    def server_order():
        view = build(coordinator, school_board(coordinator, school.pk))
        return [c.case.pk for c in next(col for col in view.columns if col.stage == "submitted").cards]

    for n, title in enumerate(TITLES[language][:3]):
        services.submit_case(actor=teacher, school=school, title=f"{title} ({n + 2})", language=language, **STORY)
    page.reload()
    before = shown_order()
    assert len(before) >= 3 and before == server_order()
    second = before[1]
    page.focus(f"#card-{second} form.board-order button[name=before]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert shown_order()[:2] == [second, before[0]] == server_order()[:2]
    assert page.locator(".messages .message-success").count() == 1
    screenshot(page, f"board_{language}_move_up.png")

    last = shown_order()[-1]
    top = column(page, "submitted").locator(":scope > .board-card").first
    card(page, Case.objects.get(pk=last)).locator(".board-card-meta").first.drag_to(
        top, target_position={"x": top.bounding_box()["width"] / 2, "y": 4}
    )
    page.wait_for_function(
        "() => document.querySelector('#board-status').classList.contains('message-success')"
        " && !document.querySelector('#board-status').hidden"
    )
    assert shown_order()[0] == last
    assert server_order()[0] == last
    # Its "Move up" is gone (nothing above it now); the card now last has no "Move down".
    assert not page.locator(f"#card-{last} form.board-order button[name=before]").is_visible()
    now_last = shown_order()[-1]
    assert not page.locator(f"#card-{now_last} form.board-order button[name=after]").is_visible()
    screenshot(page, f"board_{language}_reordered.png")
