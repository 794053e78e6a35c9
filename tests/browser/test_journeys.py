"""What people do on Halqa, in a real browser: languages, the people directory, invitations, profiles."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.xdist_group("browser")


def nav_link(page, index=0):
    return page.locator("nav.main-nav a").nth(index)


# --- Languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "language", "direction"),
    [
        ("teacher@halqa.test", "ar", "rtl"),
        ("anna@halqa.test", "ru", "ltr"),
        ("reza@halqa.test", "fa", "rtl"),
        ("david@halqa.test", "en", "ltr"),
    ],
)
def test_language_switcher_changes_language_and_direction(
    demo, live_server, page, sign_in, switch_language, screenshot, browser_tools, email, language, direction
):
    sign_in(page, live_server, email)
    # Start from another language than the target, so the switch is a real change of direction or script.
    other = "ar" if language == "en" else "en"
    switch_language(page, other)
    expect(page.locator("html")).to_have_attribute("lang", other)

    switch_language(page, language)

    assert page.locator(f"html[lang='{language}'][dir='{direction}']").count() == 1
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.url.rstrip("/") == live_server.url.rstrip("/"), (
        "the switcher should bring us back to the page we were on"
    )
    expect(page.locator("select#language-select")).to_have_value(language)
    home = nav_link(page, 0)
    expect(home).to_have_attribute("aria-current", "page")
    home_text = home.inner_text().strip()
    assert home_text == browser_tools.translated(language, "Home")
    assert browser_tools.scripts[language].search(home_text), f"the Home link reads {home_text!r} in {language}"
    # The choice is kept on the profile, too.
    demo.users[email].refresh_from_db()
    assert demo.users[email].preferred_language == language
    screenshot(page, f"home_{language}.png")


def test_language_switcher_works_without_javascript_submit(demo, live_server, new_context, sign_in, browser_tools):
    """The switcher's own submit button is the fallback for people without JavaScript."""
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, live_server, "david@halqa.test")
    page.select_option("select#language-select", "fa")
    with page.expect_navigation():
        page.click("form.lang-form button[type='submit']")
    assert page.locator("html[lang='fa'][dir='rtl']").count() == 1
    assert browser_tools.scripts["fa"].search(nav_link(page, 0).inner_text())


def test_arrow_keys_in_the_language_list_do_not_leave_the_page(demo, live_server, page, sign_in):
    """WCAG 3.2.2 (on input): moving through the languages with the arrow keys changes the choice at
    each step in some browsers; the page must not reload in another language at the first step. The
    keyboard user chooses, then presses the button beside the list."""
    sign_in(page, live_server, "david@halqa.test")
    page.focus("select#language-select")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)
    chosen = page.eval_on_selector("select#language-select", "s => s.value")
    assert chosen != "en", "the arrow keys did not move the choice"
    assert page.locator("html[lang='en']").count() == 1, "the page left at an arrow key"
    with page.expect_navigation():
        page.click("form.lang-form button[type='submit']")
    assert page.locator(f"html[lang='{chosen}']").count() == 1


def test_language_choice_is_remembered(
    demo, live_server, page, new_context, sign_in, sign_out, switch_language, screenshot
):
    sign_in(page, live_server, "david@halqa.test")
    assert page.locator("html[lang='en']").count() == 1
    switch_language(page, "fa")

    page.goto(f"{live_server.url}/people/")
    assert page.locator("html[lang='fa'][dir='rtl']").count() == 1, "another page forgot the language"

    sign_out(page)
    assert page.locator("html[lang='fa'][dir='rtl']").count() == 1, (
        "signed out, the language cookie should keep Persian"
    )

    sign_in(page, live_server, "david@halqa.test")
    assert page.locator("html[lang='fa'][dir='rtl']").count() == 1, "signing back in lost the language"
    screenshot(page, "remembered_fa.png")

    # A different browser (no cookie): the profile remembers it.
    elsewhere = new_context().new_page()
    sign_in(elsewhere, live_server, "david@halqa.test")
    assert elsewhere.locator("html[lang='fa'][dir='rtl']").count() == 1, "the profile did not keep the language"


# --- People directory ------------------------------------------------------------------------


def result_cards(page):
    return page.locator("#people-results .person-card")


def result_names(page):
    return sorted(name.strip() for name in page.locator("#people-results .person-card h3").all_inner_texts())


def is_htmx_request(response):
    return "/people/" in response.url and response.request.headers.get("hx-request") == "true"


def test_people_directory_search_and_filter(
    demo, live_server, page, sign_in, switch_language, screenshot, browser_tools
):
    from halqa.accounts.models import User

    sign_in(page, live_server, "teacher@halqa.test")  # an Arabic-speaking teacher: right to left
    page.goto(f"{live_server.url}/people/")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    everyone = result_cards(page).count()
    assert everyone > 5
    # Set a marker on the window: a full page load would wipe it.
    page.evaluate("window.__noFullReload = true")

    with page.expect_response(is_htmx_request):
        page.locator("#q").press_sequentially("David", delay=40)
    expect(result_cards(page)).to_have_count(1)
    assert result_names(page) == ["David Chen"]
    assert page.evaluate("window.__noFullReload === true"), "the search reloaded the whole page"
    assert "q=David" in page.url, "the search should be in the address bar (hx-push-url)"

    with page.expect_response(is_htmx_request):
        page.locator("#q").fill("")
    expect(result_cards(page)).to_have_count(everyone)

    with page.expect_response(is_htmx_request):
        page.select_option("#subject", "physics")
    physics = sorted(
        User.objects.filter(subjects__code="physics", is_active=True).values_list("display_name", flat=True)
    )
    assert len(physics) >= 2
    expect(result_cards(page)).to_have_count(len(physics))
    assert result_names(page) == physics
    physics_label = browser_tools.translated("ar", "Physics")
    for card in result_cards(page).all():
        expect(card.locator(".chip-brand", has_text=physics_label)).to_have_count(1)
    assert page.evaluate("window.__noFullReload === true"), "the subject filter reloaded the whole page"
    screenshot(page, "people_rtl.png")

    # Left to right: the same filter in English, then typing narrows it further.
    switch_language(page, "en")
    page.goto(f"{live_server.url}/people/")
    assert page.evaluate("document.documentElement.dir") == "ltr"
    with page.expect_response(is_htmx_request):
        page.select_option("#subject", "math")
    math = sorted(User.objects.filter(subjects__code="math", is_active=True).values_list("display_name", flat=True))
    expect(result_cards(page)).to_have_count(len(math))
    assert result_names(page) == math
    screenshot(page, "people_ltr.png")
    with page.expect_response(is_htmx_request):
        page.locator("#q").press_sequentially("Дмитрий", delay=40)
    expect(result_cards(page)).to_have_count(1)
    assert result_names(page) == ["Дмитрий Соколов"]

    with page.expect_response(is_htmx_request):
        page.locator("#q").fill("nobody-is-called-this")
    expect(result_cards(page)).to_have_count(0)
    expect(page.locator("#people-results .empty")).to_be_visible()


# --- Invitations -----------------------------------------------------------------------------


def test_principal_invites_a_teacher(demo, live_server, page, sign_in, screenshot, browser_tools):
    from halqa.orgs.models import Invitation

    sign_in(page, live_server, "principal.farabi@halqa.test")
    language = page.evaluate("document.documentElement.lang")
    page.goto(f"{live_server.url}/schools/{demo.farabi.pk}/invitations/")
    form = page.locator("section[aria-labelledby='new-h'] form")
    form.locator("input[name='email']").fill("New.Teacher@Example.org")
    form.locator("select[name='position']").select_option("teacher")
    form.locator("textarea[name='message']").fill("مرحبا بك في مجتمع التعلم المهني للرياضيات.")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()

    assert page.url.endswith(f"/schools/{demo.farabi.pk}/invitations/"), page.url
    expect(page.locator(".messages .message-success")).to_contain_text("new.teacher@example.org")
    row = page.locator("table tbody tr", has_text="new.teacher@example.org")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(browser_tools.translated(language, "Teacher"))
    expect(row.locator(".chip").first).to_have_text(browser_tools.translated(language, "Pending"))
    # No worker runs here, so the email waits in the outbox and the principal is told so.
    expect(row.locator(".chip").nth(1)).to_have_text(browser_tools.translated(language, "Not delivered yet"))
    withdraw = row.locator("form button.button-danger")
    expect(withdraw).to_be_visible()  # it can be withdrawn

    invitation = Invitation.objects.get(email="new.teacher@example.org")
    assert invitation.status == "pending"
    assert invitation.school == demo.farabi
    assert invitation.invited_by == demo.principal
    screenshot(page, "invitations.png")

    # Withdrawn, the row stays, without its button; on a phone the table scrolls and must still be usable.
    with page.expect_navigation():
        withdraw.click()
    expect(row.locator(".chip")).to_have_text(browser_tools.translated(language, "Revoked"))
    expect(row.locator("button")).to_have_count(0)
    assert Invitation.objects.get(email="new.teacher@example.org").status == "revoked"
    problems = [browser_tools.describe_violation(v) for v in browser_tools.axe_violations(page)]
    assert not problems, "\n".join(problems)
    page.set_viewport_size(browser_tools.mobile)
    problems = [browser_tools.describe_violation(v) for v in browser_tools.axe_violations(page)]
    assert not problems, "\n".join(problems)
    assert browser_tools.horizontal_overflow(page) <= 1
    screenshot(page, "invitations_withdrawn_mobile.png")


def test_invitation_form_shows_errors(demo, live_server, page, sign_in):
    from halqa.orgs.models import Invitation

    sign_in(page, live_server, "principal.farabi@halqa.test")
    page.goto(f"{live_server.url}/schools/{demo.farabi.pk}/invitations/")
    form = page.locator("section[aria-labelledby='new-h'] form")
    form.locator("input[name='email']").fill("not an email")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    expect(page.locator("#id_email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("section[aria-labelledby='new-h'] .errorlist")).to_be_visible()
    assert not Invitation.objects.exists()


# --- Profile editor --------------------------------------------------------------------------


def profile_field(page, index):
    """The <dd> of the profile page's "Teaching" list: 0 subjects, 1 grades, 2 years, 3 expertise."""
    return page.locator("section[aria-labelledby='teaching'] dd").nth(index)


def test_profile_editor_saves_and_rejects(demo, live_server, page, sign_in, screenshot, browser_tools):
    teacher = demo.teacher
    sign_in(page, live_server, teacher.email)
    language = page.evaluate("document.documentElement.lang")
    page.goto(f"{live_server.url}/profile/edit/")
    form = page.locator("main form.form-body")
    form.locator("input[name='subjects'][value='math']").uncheck()
    form.locator("input[name='subjects'][value='physics']").check()
    form.locator("input[name='subjects'][value='science']").check()
    form.locator("input[name='years_experience']").fill("5")
    form.locator("input[name='expertise']").fill("lesson study, formative assessment")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()

    assert page.url.endswith(f"/people/{teacher.pk}/"), page.url
    expect(page.locator(".messages .message-success")).to_be_visible()
    subjects = profile_field(page, 0)
    expect(subjects.locator(".chip")).to_have_count(2)
    expect(subjects).to_contain_text(browser_tools.translated(language, "Physics"))
    expect(subjects).to_contain_text(browser_tools.translated(language, "Science"))
    expect(subjects).not_to_contain_text(browser_tools.translated(language, "Mathematics"))
    expect(profile_field(page, 2)).to_have_text("5")
    expertise = sorted(t.strip().lower() for t in profile_field(page, 3).locator(".chip").all_inner_texts())
    assert expertise == ["formative assessment", "lesson study"]
    # Five years is no longer early career.
    expect(page.locator("main h1 + .chips .chip-accent")).to_have_count(0)
    screenshot(page, "profile_saved.png")

    teacher.refresh_from_db()
    assert teacher.years_experience == 5
    assert sorted(s.code for s in teacher.subjects.all()) == ["physics", "science"]

    # Impossible input: nothing is saved, the error says what is wrong, next to the field.
    page.goto(f"{live_server.url}/profile/edit/")
    form = page.locator("main form.form-body")
    form.locator("input[name='years_experience']").fill("99")
    form.locator("input[name='expertise']").fill("should not be saved")
    form.locator("input[name='subjects'][value='history']").check()
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/profile/edit/")) as posted:
        form.locator("button[type='submit']").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    assert page.url.endswith("/profile/edit/")
    expect(page.locator("main [role='alert']")).to_be_visible()
    years = page.locator("#id_years_experience")
    expect(years).to_have_attribute("aria-invalid", "true")
    expect(years).to_have_value("99")
    expected_error = browser_tools.translated(
        language, "Ensure this value is less than or equal to %(limit_value)s."
    ) % {"limit_value": 60}
    error = page.locator("#id_years_experience_error")
    expect(error).to_have_text(expected_error)
    described_by = years.get_attribute("aria-describedby") or ""
    assert "id_years_experience_error" in described_by.split(), "the error is not tied to the field"
    problems = [browser_tools.describe_violation(v) for v in browser_tools.axe_violations(page)]
    assert not problems, "the form with errors fails WCAG checks:\n" + "\n".join(problems)
    screenshot(page, "profile_error.png")

    teacher.refresh_from_db()
    assert teacher.years_experience == 5
    assert sorted(t.name for t in teacher.expertise.all()) == ["formative assessment", "lesson study"]
    assert sorted(s.code for s in teacher.subjects.all()) == ["physics", "science"]
    page.goto(f"{live_server.url}/people/{teacher.pk}/")
    expect(profile_field(page, 2)).to_have_text("5")
