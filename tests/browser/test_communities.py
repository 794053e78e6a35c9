"""A principal forms a community, invites members, signs the decision; a stranger verifies it."""

import re

import pytest

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]


def test_principal_forms_a_community_and_a_stranger_verifies_the_decision(
    demo, live_server, new_context, sign_in, sign_out, switch_language, screenshot
):
    page = new_context().new_page()
    sign_in(page, live_server, "principal.farabi@halqa.test")
    switch_language(page, "en")

    # create the community
    page.goto(f"{live_server.url}/communities/new/")
    page.fill("#id_name", "Grade 10 science team")
    page.fill("#id_topic", "Inquiry labs that students design themselves")
    page.select_option("#id_format", "grade_team")
    page.select_option("#id_visibility", "school")
    page.select_option("#id_cadence", "biweekly")
    page.fill("#id_charter-mission", "Students ask the questions; we help them test their answers.")
    page.fill("#id_charter-norms", "Evidence before opinions\nEveryone presents once a term")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("h1").inner_text() == "Grade 10 science team"
    community_url = page.url

    # add a measurable goal
    page.click("text=Add a goal")
    page.fill("#id_title", "Every student designs one experiment")
    page.fill("#id_target", "100% of grade 10")
    page.fill("#id_measure", "lab notebooks")
    page.fill("#id_due_date", "2027-05-31")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # invite two teachers from the directory
    page.goto(community_url + "members/")
    for email in ("omar@halqa.test", "teacher@halqa.test"):
        page.fill("#id_email", email)
        page.select_option("#id_role", "member")
        with page.expect_navigation():
            page.click("text=Send invitation")
        assert "was invited" in page.content()
    screenshot(page, "community_members_en.png")

    # Omar accepts and says what he takes on
    sign_out(page)
    sign_in(page, live_server, "omar@halqa.test")
    page.goto(community_url)
    page.fill("#id_activity", "I prepare the lab kits")
    with page.expect_navigation():
        page.click("button[value=accept]")
    assert "I prepare the lab kits" in page.content()
    sign_out(page)

    # the principal drafts and signs the decision
    sign_in(page, live_server, "principal.farabi@halqa.test")
    page.goto(community_url + "decisions/")
    page.fill("#id_number", "17/1448")
    page.fill("#id_period_start", "2026-09-01")
    page.fill("#id_period_end", "2027-06-30")
    with page.expect_navigation():
        page.click("text=Save draft")
    with page.expect_navigation():
        page.click("text=Sign the decision")
    code = page.locator(".seal .code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    screenshot(page, "decision_signed_en.png")
    page.emulate_media(media="print")
    screenshot(page, "decision_print_en.png")
    page.emulate_media(media="screen")

    # a stranger, not signed in, verifies it — in Arabic, right to left
    stranger = new_context().new_page()
    stranger.goto(f"{live_server.url}/verify/")
    switch_language(stranger, "ar")
    assert stranger.locator("html").get_attribute("dir") == "rtl"
    stranger.fill("#id_code", code.lower())
    with stranger.expect_navigation():
        stranger.click("main form button[type=submit]")
    body = stranger.content()
    assert "Grade 10 science team" in body
    assert "أ. محمد الشهري" in body  # the signing principal
    assert "عمر الزهراني" in body  # Omar, who accepted, is in the decision
    screenshot(stranger, "decision_verified_ar.png")
