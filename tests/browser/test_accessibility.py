"""axe-core (WCAG 2.x A and AA) on every main page, in every interface language, plus right-to-left layout checks.

One browser context per language: the login page signed out, then the pages a demo teacher sees,
then a school's invitations page as its principal.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("browser")

LANGUAGES = ["en", "ar", "fa", "ru"]
TEACHER = "teacher@halqa.test"
PRINCIPAL = "principal.farabi@halqa.test"
ADMIN = "admin@halqa.test"


def open_user_menu(page) -> None:
    page.click("details.user-menu summary")
    page.wait_for_selector(".user-menu-panel", state="visible")


def make_api_token(page) -> None:
    """Make an API token on the security page (giving the password again if asked): the page that shows
    the new key once is checked, and the security page lists the token in its table afterwards."""
    page.fill("#id_name", "Gradebook sync")
    with page.expect_navigation():
        page.click("#api-tokens form button[type='submit']")
    if page.locator("main form input[name='password']").count():
        from halqa.core.management.commands.load_demo import DEMO_PASSWORD

        page.fill("main form input[name='password']", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("main form button[type='submit']")
    page.wait_for_selector("#new-token")


class PageChecker:
    """Checks one page after another in one signed-in browser page and collects every problem."""

    def __init__(self, page, live_server, language, screenshot, tools):
        self.page = page
        self.live_server = live_server
        self.language = language
        self.screenshot = screenshot
        self.tools = tools
        self.rtl = language in tools.rtl
        self.pages = 0
        self.violations = 0
        self.problems: list[str] = []
        self.seen: set[tuple] = set()

    def check(self, path: str, slug: str, prepare=None) -> None:
        """Load `path`, run `prepare(page)` if given (e.g. open a menu), then check and photograph it."""
        page, language = self.page, self.language
        response = page.goto(f"{self.live_server.url}{path}")
        self.pages += 1
        where = f"[{language}] {path}"
        if response is None or response.status != 200:
            self.problems.append(f"{where}: HTTP {response.status if response else 'no response'}")
            return
        page.wait_for_load_state("load")
        if prepare is not None:
            prepare(page)

        lang = page.evaluate("document.documentElement.lang")
        direction = page.evaluate("document.documentElement.dir")
        if lang != language:
            self.problems.append(f"{where}: <html lang> is {lang!r}, expected {language!r}")
        expected_dir = "rtl" if self.rtl else "ltr"
        if direction != expected_dir:
            self.problems.append(f"{where}: <html dir> is {direction!r}, expected {expected_dir!r}")

        self.run_axe(where)
        self.screenshot(page, f"a11y_{language}_{slug}.png")
        # Right-to-left pages must mirror without spilling sideways; left-to-right ones are held to the same rule.
        for viewport in (self.tools.desktop, self.tools.mobile):
            page.set_viewport_size(viewport)
            self.check_layout(f"{where} at {viewport['width']}px")
            if viewport is self.tools.mobile:
                self.run_axe(f"{where} at {viewport['width']}px")  # tables scroll, menus wrap: a different page
            if page.locator("details.user-menu:not([open])").count():
                page.click("details.user-menu summary")
                self.check_layout(f"{where} at {viewport['width']}px, user menu open")
                page.click("details.user-menu summary")
        self.screenshot(page, f"a11y_{language}_{slug}_mobile.png")
        page.set_viewport_size(self.tools.desktop)

    def run_axe(self, where: str) -> None:
        for violation in self.tools.axe_violations(self.page):
            key = (self.page.url, violation["id"], repr([node["target"] for node in violation["nodes"]]))
            if key in self.seen:  # the same violation at another window size
                continue
            self.seen.add(key)
            self.violations += 1
            self.problems.append(f"{where}: {self.tools.describe_violation(violation)}")

    def check_layout(self, where: str) -> None:
        overflow = self.tools.horizontal_overflow(self.page)
        sticking_out = self.tools.sticking_out(self.page)
        if overflow > 1:
            self.problems.append(
                f"{where}: the page is {overflow}px wider than the window (horizontal scrolling); "
                f"sticking out: {', '.join(sticking_out) or 'nothing visible'}"
            )
        elif sticking_out:
            self.problems.append(f"{where}: cut off at the window's edge: {', '.join(sticking_out)}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_are_accessible(
    demo, live_server, new_context, sign_in, sign_out, screenshot, browser_tools, record_property, language
):
    from halqa.accounts.models import User
    from halqa.core.models import DeliveryStatus, OutboundEmail
    from halqa.orgs import services

    User.objects.filter(email__in=[TEACHER, PRINCIPAL, ADMIN]).update(preferred_language=language)
    # A pending invitation, so the invitations page shows its table too, and one whose email could not
    # be delivered, so it shows that and the "send again" button.
    services.invite(actor=demo.principal, school=demo.farabi, email="invited@example.org", position="teacher")
    bounced = services.invite(actor=demo.principal, school=demo.farabi, email="bounced@example.org", position="teacher")
    OutboundEmail.objects.filter(about_id=bounced.pk).update(status=DeliveryStatus.FAILED)

    context = new_context()
    context.add_cookies([{"name": "halqa_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    checker = PageChecker(page, live_server, language, screenshot, browser_tools)

    checker.check("/accounts/login/", "login")

    sign_in(page, live_server, TEACHER)
    teacher = demo.teacher
    for path, slug in [
        ("/", "home"),
        ("/people/", "people"),
        (f"/people/{teacher.pk}/", "own_profile"),
        ("/profile/edit/", "profile_edit"),
        ("/schools/", "schools"),
        (f"/schools/{demo.farabi.pk}/", "school"),
        ("/networks/", "networks"),
        (f"/networks/{demo.network.pk}/", "network"),
    ]:
        checker.check(path, slug)
    checker.check("/profile/security/", "api_token_created", prepare=make_api_token)
    # With the user menu open, so its panel is checked (contrast, overflow on a phone) as well.
    checker.check("/profile/security/", "security", prepare=open_user_menu)

    sign_out(page)
    sign_in(page, live_server, PRINCIPAL)
    checker.check(f"/schools/{demo.farabi.pk}/invitations/", "invitations")

    sign_out(page)
    sign_in(page, live_server, ADMIN)
    checker.check("/audit/", "audit")

    record_property("a11y_language", language)
    record_property("a11y_pages", checker.pages)
    record_property("a11y_violations", checker.violations)
    print(f"a11y [{language}]: {checker.pages} pages checked, {checker.violations} violations")
    assert not checker.problems, (
        f"{len(checker.problems)} accessibility/layout problems in {language!r}:\n  " + "\n  ".join(checker.problems)
    )
