"""The paper request form, printed: on screen and as the printer sees it, in the four languages,
and the demo's box request whose scan only the coordinator sees. Screenshots and the printed PDF in
test-artifacts/screenshots."""

import re

import pytest

pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.django_db(transaction=True)]

BOX_CASE = "Не понимаю, зачем нужен урок технологии"


@pytest.mark.parametrize("language", ["ar", "fa", "ru", "en"])
def test_the_paper_form_prints_on_a4(live_server, new_context, screenshot, browser_tools, language):
    """A visitor without an account prints the blank form (no data needed)."""
    page = new_context().new_page()
    page.goto(f"{live_server.url}/cases/paper-form/?lang={language}")
    assert page.evaluate("document.documentElement.dir") == ("rtl" if language in browser_tools.rtl else "ltr")
    heading = page.locator("#paper-h").inner_text()
    assert heading == browser_tools.translated(language, "Ask for help")
    assert browser_tools.scripts[language].search(page.locator(".paper-form").inner_text())
    problems = [browser_tools.describe_violation(v) for v in browser_tools.axe_violations(page)]
    assert not problems, problems
    assert browser_tools.horizontal_overflow(page) <= 1
    screenshot(page, f"paper_form_{language}.png")

    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden() and page.locator(".paper-tools").is_hidden()
    assert page.locator(".paper-form").is_visible()
    screenshot(page, f"paper_form_{language}_print.png")
    pdf = page.pdf(format="A4", print_background=False)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2, f"the printed form takes {pages} A4 pages"
    (browser_tools.screenshot_dir / f"paper_form_{language}.pdf").write_bytes(pdf)


def test_the_box_request_shows_its_scan_to_the_coordinator_alone(demo, live_server, new_context, sign_in):
    from halqa.cases.models import Case, CaseMember

    case = Case.objects.get(title=BOX_CASE)
    scan = case.attachments.get(kind="paper_form")
    member = demo.users["maria@halqa.test"]
    CaseMember.objects.get_or_create(case=case, user=member)

    coordinator = new_context().new_page()
    sign_in(coordinator, live_server, "coordinator@halqa.test")
    coordinator.goto(f"{live_server.url}{case.get_absolute_url()}")
    link = coordinator.locator(f"a[href='/cases/{case.pk}/files/{scan.pk}/']")
    assert link.count() == 1
    with coordinator.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == scan.name

    group = new_context().new_page()
    sign_in(group, live_server, "maria@halqa.test")
    group.goto(f"{live_server.url}{case.get_absolute_url()}")
    assert group.locator(f"a[href='/cases/{case.pk}/files/{scan.pk}/']").count() == 0
    assert group.goto(f"{live_server.url}/cases/{case.pk}/files/{scan.pk}/").status == 404
