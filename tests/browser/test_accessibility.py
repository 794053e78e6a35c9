"""axe-core (WCAG 2.x A and AA) on every page of the URL table, in every interface language, plus
right-to-left layout checks.

Like the authorization gate (halqa/core/testing/authz.py), the pages are discovered from the URL
resolver, not listed by hand: every route of halqa/urls.py is either a page in PAGES (with the demo
objects that fill its URL and the demo people who see it) or left out in NOT_PAGES / POST_ONLY /
OTHER_NAMESPACES with the reason. A new route that is in none of them fails
test_every_route_is_a_checked_page_or_left_out by its name, so a new page cannot escape the gate.

One browser context per person and language (a visitor, a teacher, a principal, the administrator),
each signed in once; a page is checked as the first of its people who may see it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter
from django.urls.exceptions import Resolver404

pytestmark = pytest.mark.xdist_group("browser")

# Every interface language; HALQA_A11Y_LANGUAGES narrows the walk (.ci/run's PostgreSQL pass walks
# every page in Persian only: markup does not depend on the database, the SQLite pass walks all four).
ALL_LANGUAGES = ["en", "ar", "fa", "ru"]
LANGUAGES = [
    x for x in os.environ.get("HALQA_A11Y_LANGUAGES", ",".join(ALL_LANGUAGES)).split(",") if x in ALL_LANGUAGES
]
VISITOR = "visitor"  # not signed in
TEACHER = "teacher@halqa.test"
PRINCIPAL = "principal.farabi@halqa.test"
ADMIN = "admin@halqa.test"
SIGNED_IN = (TEACHER, PRINCIPAL, ADMIN)  # tried in this order: the page is checked as the first who sees it
# Every page is checked in every language at both window sizes. At a phone's width the stylesheet
# changes only the layout (its media queries hide, show or recolour nothing but for print), so of
# axe's rules only those that depend on the boxes run again there; the layout checks all run.
PHONE_RULES = ["scrollable-region-focusable"]  # a table wider than the phone must scroll by keyboard too
# Screenshots are for people to look at, not checks: one left-to-right and one right-to-left language.
SCREENSHOT_LANGUAGES = {"en", "ar"}


@dataclass(frozen=True)
class Page:
    """One route to check. `kwargs(ids)` fills its URL from the demo objects (see demo_ids); `people` is a
    list of checks, each a person or a tuple of people tried in turn until one of them sees the page;
    `open(page, live_server)` replaces the plain visit for a page that is only reached through a flow."""

    kwargs: Callable[[SimpleNamespace], dict] | None = None
    people: tuple = (SIGNED_IN,)
    open: Callable | None = None


def sign_in_with_second_factor_pending(page, live_server):
    """A visitor signs in as the teacher, who has a second factor by then: allauth asks for the code."""
    from halqa.core.management.commands.load_demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}{reverse('account_login')}")
    page.fill('main form input[name="login"]', TEACHER)
    page.fill('main form input[name="password"]', DEMO_PASSWORD)
    with page.expect_navigation() as navigation:
        page.click('main form button[type="submit"]')
    return navigation.value


# Every HTML page a person can open with GET, in the order they are checked.
PAGES: dict[str, Page] = {
    # Signed out
    "account_login": Page(people=(VISITOR,)),
    "home": Page(people=(VISITOR, SIGNED_IN)),  # the landing page, then the dashboard
    "account_inactive": Page(people=(VISITOR,)),
    "orgs:invitation": Page(lambda ids: {"token": ids.invitation_token}, people=(VISITOR,)),
    "account_signup": Page(people=(VISITOR,)),  # after the invitation link: the sign-up form itself
    "account_email_verification_sent": Page(people=(VISITOR,)),
    "account_confirm_email": Page(lambda ids: {"key": ids.email_key}, people=(VISITOR,)),
    "account_reset_password": Page(people=(VISITOR,)),
    "account_reset_password_done": Page(people=(VISITOR,)),
    "account_reset_password_from_key": Page(
        lambda ids: {"uidb36": ids.reset_uid, "key": ids.reset_key}, people=(VISITOR,)
    ),
    "account_reset_password_from_key_done": Page(people=(VISITOR,)),
    "mfa_authenticate": Page(people=(VISITOR,), open=sign_in_with_second_factor_pending),
    "verify": Page(people=(VISITOR,)),
    "verify_code": Page(lambda ids: {"code": ids.verification_code}, people=(VISITOR,)),
    # People and places
    "accounts:people": Page(),
    "accounts:person": Page(lambda ids: {"pk": ids.teacher}),
    "accounts:profile_edit": Page(),
    "accounts:security": Page(),
    "orgs:schools": Page(),
    "orgs:school": Page(lambda ids: {"pk": ids.school}),
    "orgs:school_edit": Page(lambda ids: {"pk": ids.school}),
    "orgs:school_invitations": Page(lambda ids: {"pk": ids.school}),
    "orgs:school_holidays": Page(lambda ids: {"pk": ids.school}),
    "orgs:networks": Page(),
    "orgs:network": Page(lambda ids: {"pk": ids.network}),
    "orgs:network_edit": Page(lambda ids: {"pk": ids.network}),
    # Communities
    "communities:list": Page(),
    "communities:new": Page(),
    "communities:detail": Page(lambda ids: {"pk": ids.community}),
    "communities:edit": Page(lambda ids: {"pk": ids.community}),
    "communities:charter": Page(lambda ids: {"pk": ids.community}),
    "communities:charter_history": Page(lambda ids: {"pk": ids.community}),
    "communities:planning": Page(lambda ids: {"pk": ids.community}),
    "communities:goal_new": Page(lambda ids: {"pk": ids.community}),
    "communities:goal_edit": Page(lambda ids: {"pk": ids.community, "goal_pk": ids.goal}),
    "communities:members": Page(lambda ids: {"pk": ids.community}),
    "communities:program": Page(lambda ids: {"pk": ids.community}),
    "communities:activity_edit": Page(lambda ids: {"pk": ids.community, "activity_pk": ids.activity}),
    "communities:decisions": Page(lambda ids: {"pk": ids.community}),
    "communities:decision": Page(lambda ids: {"pk": ids.community, "decision_pk": ids.signed_decision}),
    "communities:decision_edit": Page(lambda ids: {"pk": ids.community, "decision_pk": ids.draft_decision}),
    "discussions:reply": Page(lambda ids: {"pk": ids.post}),  # without htmx: a page of its own
    "discussions:edit": Page(lambda ids: {"pk": ids.own_post}),
    # Notifications
    # Cases
    "cases:list": Page(),
    "cases:new": Page(),
    "cases:transcribe": Page(),
    "cases:paper_form": Page(people=(VISITOR, SIGNED_IN)),  # a blank form anyone may print
    "cases:detail": Page(lambda ids: {"pk": ids.case}),
    "cases:board": Page(),  # the coordinator's board (the principal's school)
    "cases:group_board": Page(),
    "cases:community_board": Page(lambda ids: {"pk": ids.community}),
    "cases:school_board_limits": Page(lambda ids: {"pk": ids.school}),
    "cases:community_board_limits": Page(lambda ids: {"pk": ids.community}),
    # Meetings
    "meetings:list": Page(),
    "meetings:detail": Page(lambda ids: {"pk": ids.meeting}),  # a past one: minutes, attendance, actions
    "meetings:edit": Page(lambda ids: {"pk": ids.case_session}),  # the coordinator manages the session
    "meetings:new_for_community": Page(lambda ids: {"pk": ids.community}),
    "meetings:new_for_case": Page(lambda ids: {"pk": ids.case}),
    "meetings:feed": Page(),  # my calendar feed: its address, renew, stop
    # The library
    "library:list": Page(),
    "library:new": Page(),
    "library:product": Page(lambda ids: {"pk": ids.product}),  # published: rating, review summary
    "library:print": Page(lambda ids: {"pk": ids.product}),
    "library:compare": Page(lambda ids: {"pk": ids.product}),  # from a case: two revisions
    "library:edit": Page(lambda ids: {"pk": ids.draft_product}),  # the teacher's own draft
    "library:rubrics": Page(),  # the rubrics the principal (or the administrator) may edit
    "library:rubric_school": Page(lambda ids: {"pk": ids.school}),  # inherited: the default's criteria
    "library:rubric_authority": Page(lambda ids: {"pk": ids.authority}),  # the administrator's authority
    "library:rubric_default": Page(),  # the administrator (a superuser)
    "notifications:list": Page(),
    "notifications:settings": Page(),
    # The administrator's
    "events:audit": Page(),
    # Account and second factor (the teacher has one by then, the principal not)
    "account_email": Page(),
    "account_change_password": Page(),
    "account_reauthenticate": Page(),
    "account_logout": Page(),  # signed in, GET asks to confirm
    "mfa_index": Page(),
    "mfa_activate_totp": Page(),
    "mfa_reauthenticate": Page(),
    "mfa_deactivate_totp": Page(),
    "mfa_view_recovery_codes": Page(),
    "mfa_generate_recovery_codes": Page(),
}

# Routes that answer GET with something other than an HTML page, or with no page of their own.
NOT_PAGES = {
    "healthz": "JSON for monitoring probes",
    "accounts:profile": "redirects to the person's own page (accounts:person, checked)",
    "account_set_password": "only for an account without a usable password (none in the demo); "
    "allauth sends everyone else to account_change_password, checked",
    "account_confirm_login_code": "login by code is off: allauth sends every request back to sign-in",
    "mfa_download_recovery_codes": "a text file to download",
    "discussions:mentionable": "an htmx fragment (the people picker's results) inside the post form",
    "discussions:attachment": "a file to download",
    "cases:attachment": "a file to download",
    "meetings:ics": "a calendar file (text/calendar) to download",
    "library:file": "a product's file to download (an image shown inline)",
    "library:pdf": "a product's PDF to download (its 'being prepared' page is base.html with a heading and a link)",
    "meetings:feed_ics": "a person's calendar feed (text/calendar) for calendar apps, behind a secret key",
    "events:audit_csv": "a CSV export",
    "similar:case": "an htmx fragment (similar cases) loaded into the case page (cases:detail); without "
    "JavaScript its link opens base.html with a heading and the same list",
    "similar:product": "an htmx fragment (related products) loaded into the product page (library:product); "
    "without JavaScript the same as similar:case",
}

# Actions: they refuse GET (checked by test_every_route_is_a_checked_page_or_left_out); their buttons
# are on the page named here.
POST_ONLY = {
    "set_language": "the header of every page",
    "similar:intake": "cases:new (an htmx fragment: similar cases while the story is written)",
    "accounts:api_token_create": "accounts:security",
    "accounts:api_token_revoke": "accounts:security",
    "orgs:invitation_revoke": "orgs:school_invitations",
    "orgs:invitation_resend": "orgs:school_invitations",
    "orgs:holiday_delete": "orgs:school_holidays",
    "communities:goal_delete": "communities:goal_edit",
    "communities:goal_progress": "communities:detail",
    "communities:member_role": "communities:members",
    "communities:member_remove": "communities:members",
    "communities:member_accept": "communities:members",
    "communities:member_decline": "communities:members",
    "communities:join": "communities:detail",
    "communities:leave": "communities:detail",
    "communities:answer": "communities:detail",
    "communities:my_part": "communities:detail",
    "communities:activity_delete": "communities:activity_edit",
    "communities:decision_sign": "communities:decision",
    "communities:decision_delete": "communities:decision",
    "discussions:create": "communities:detail",
    "discussions:delete": "communities:detail",
    "cases:move": "cases:detail",
    "cases:clarify": "cases:detail",
    "cases:triage": "cases:detail",
    "cases:feedback": "cases:detail",
    "cases:add_member": "cases:detail",
    "cases:board_move": "cases:board",
    "cases:plan": "cases:detail",
    "cases:risk_add": "cases:detail",
    "cases:risk_handled": "cases:detail",
    "cases:preparation_add": "cases:detail",
    "cases:preparation_remove": "cases:detail",
    "cases:prepared": "cases:detail",
    "cases:session_note": "cases:detail",
    "cases:draft": "cases:detail",
    "meetings:cancel": "meetings:detail",
    "meetings:invite": "meetings:detail",
    "meetings:sign_up": "meetings:detail",
    "meetings:rsvp": "meetings:detail",
    "meetings:prepared": "meetings:detail",
    "meetings:source_add": "meetings:detail",
    "meetings:source_remove": "meetings:detail",
    "meetings:attendance": "meetings:detail",
    "meetings:minutes": "meetings:detail",
    "meetings:agenda_add": "meetings:detail",
    "meetings:agenda_remove": "meetings:detail",
    "meetings:action_add": "meetings:detail",
    "meetings:action_done": "meetings:detail",
    "library:from_case": "cases:detail",
    "library:submit": "library:product",
    "library:assign": "library:product",
    "library:author": "library:product",
    "library:review": "library:product",
    "library:publish": "library:product",
    "library:retract": "library:product",
    "library:rate": "library:product",
    "library:step_add": "library:product",
    "library:step_change": "library:product",
    "library:step_move": "library:product",
    "library:step_done": "library:product",
    "library:step_remove": "library:product",
    "library:file_add": "library:edit",
    "library:file_remove": "library:edit",
    "library:comment": "library:product",
    "library:comment_reply": "library:product",
    "library:comment_resolve": "library:product",
    "library:criterion_change": "library:rubric_school",
    "library:criterion_move": "library:rubric_school",
    "library:criterion_remove": "library:rubric_school",
    "notifications:read": "notifications:list",
    "notifications:read_all": "notifications:list",
}

# Whole namespaces that are not Halqa's pages.
OTHER_NAMESPACES = {
    "admin": "Django's admin: its own templates and styles, for site administrators only",
    "api": "the JSON API (tests/api/test_schema_fuzz.py fuzzes every operation); its documentation "
    "pages are Swagger UI and ReDoc, third-party pages",
}


def all_routes() -> list[SimpleNamespace]:
    """Every URL pattern: its name ("namespace:name", or "/route" if it has none), namespace, route and
    parameter converters."""

    def walk(patterns, prefix="", namespace="", converters=None):
        for pattern in patterns:
            route = str(pattern.pattern)
            if prefix and route.startswith("^"):
                route = route[1:]
            found = {**(converters or {}), **pattern.pattern.converters}
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, prefix + route, inner, found)
            else:
                name = ":".join(filter(None, [namespace, pattern.name])) if pattern.name else f"/{prefix}{route}"
                yield SimpleNamespace(name=name, namespace=namespace, route=prefix + route, converters=found)

    return list(walk(get_resolver().url_patterns))


def unclassified_routes() -> list[str]:
    """Routes that are neither a checked page nor left out with a reason, and entries that name no route."""
    routes = {route.name: route for route in all_routes() if route.namespace.split(":")[0] not in OTHER_NAMESPACES}
    listed = {**PAGES, **NOT_PAGES, **POST_ONLY}
    problems = [
        f"{name} (/{route.route}): add it to PAGES in {__file__}, or to NOT_PAGES or POST_ONLY with the reason"
        for name, route in routes.items()
        if name not in listed
    ]
    problems += [f"{name}: listed, but no route has this name" for name in listed if name not in routes]
    return problems


def test_every_route_is_a_checked_page_or_left_out(client, django_user_model):
    problems = unclassified_routes()
    assert not problems, "routes the accessibility gate does not know:\n  " + "\n  ".join(problems)
    # The actions really are actions: signed in, GET is refused before the view looks anything up.
    client.force_login(django_user_model.objects.create_user(email="someone@example.org", password="x"))
    routes = {route.name: route for route in all_routes()}
    wrong = []
    for name in POST_ONLY:
        kwargs = {key: 1 if isinstance(kind, IntConverter) else "x" for key, kind in routes[name].converters.items()}
        status = client.get(reverse(name, kwargs=kwargs)).status_code
        if status != 405:
            wrong.append(f"{name}: GET answered {status}")
    assert not wrong, "routes in POST_ONLY that do not refuse GET:\n  " + "\n  ".join(wrong)


# --- The browser pass ------------------------------------------------------------------------------


def demo_ids(demo) -> SimpleNamespace:
    """The demo objects the pages are opened on, plus what the demo world lacks: two open invitations
    (one whose email could not be delivered, so the invitations page shows "send again") and a draft
    decision (only a draft can be edited)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.account.utils import user_pk_to_url_str
    from django.utils import timezone

    from halqa.cases.models import Case
    from halqa.communities import services as communities
    from halqa.communities.models import Community, DecisionStatus
    from halqa.core.models import DeliveryStatus, OutboundEmail
    from halqa.discussions.models import Post
    from halqa.discussions.services import thread_for
    from halqa.library import services as library
    from halqa.library.models import Product
    from halqa.meetings.models import Meeting
    from halqa.orgs import services as orgs

    invited = orgs.invite(actor=demo.principal, school=demo.farabi, email="invited@example.org", position="teacher")
    bounced = orgs.invite(actor=demo.principal, school=demo.farabi, email="bounced@example.org", position="teacher")
    OutboundEmail.objects.filter(about_id=bounced.pk).update(status=DeliveryStatus.FAILED)

    community = Community.objects.get(name="مجتمع تعلم الرياضيات", school=demo.farabi)
    today = timezone.localdate()
    draft = communities.draft_decision(
        community,
        actor=demo.users["nora@halqa.test"],
        number=f"{today.year}/draft",
        topic=community.topic,
        goals_text="\n".join(community.goals.values_list("title", flat=True)),
        period_start=today,
        period_end=today + dt.timedelta(days=300),
    )
    posts = Post.objects.filter(thread=thread_for(community)).order_by("pk")
    return SimpleNamespace(
        invitation_token=orgs.issue_invitation_token(invited),
        email_key=EmailConfirmationHMAC(EmailAddress.objects.get(email=TEACHER)).key,
        reset_uid=user_pk_to_url_str(demo.teacher),
        reset_key=default_token_generator.make_token(demo.teacher),
        verification_code=community.decisions.get(status=DecisionStatus.SIGNED).verification_code,
        teacher=demo.teacher.pk,
        school=demo.farabi.pk,
        authority=demo.farabi.authority_id,
        network=demo.network.pk,
        community=community.pk,
        goal=community.goals.order_by("pk").first().pk,
        activity=community.activities.order_by("pk").first().pk,
        signed_decision=community.decisions.get(status=DecisionStatus.SIGNED).pk,
        draft_decision=draft.pk,
        post=posts.exclude(author=demo.teacher).first().pk,
        own_post=posts.filter(author=demo.teacher).first().pk,
        case=Case.objects.filter(requester=demo.teacher).order_by("pk").first().pk,
        meeting=Meeting.objects.get(title="قراءة بطاقات الخروج معًا").pk,
        case_session=Meeting.objects.filter(case__requester=demo.teacher).order_by("pk").first().pk,
        product=Product.objects.filter(status="published", revisions__number=2).order_by("pk").first().pk,
        draft_product=library.start(actor=demo.teacher, title="مسودة: أسئلة الخروج", language="ar").pk,
    )


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
    """Checks one page after another and collects every problem."""

    def __init__(self, live_server, language, screenshot, tools):
        self.live_server = live_server
        self.language = language
        self.screenshot = screenshot
        self.tools = tools
        self.rtl = language in tools.rtl
        self.pages = 0
        self.violations = 0
        self.problems: list[str] = []
        self.seen: set[tuple] = set()
        self.menus_checked: set[int] = set()

    def visit(self, page, path: str, name: str, flow=None) -> str | None:
        """Open `path` (or run `flow`); None if the page of route `name` is showing, else what came instead."""
        response = flow(page, self.live_server) if flow else page.goto(f"{self.live_server.url}{path}")
        if response is None:
            return "no response"
        if response.status != 200:
            return f"HTTP {response.status}"
        landed = urlsplit(page.url).path
        try:
            if resolve(landed).view_name == name:
                return None
        except Resolver404:
            pass
        return f"sent to {landed}"

    def check(self, page, where: str, slug: str, prepare=None) -> None:
        """Check the page showing now (after `prepare(page)`, e.g. opening a menu) and photograph it."""
        language = self.language
        self.pages += 1
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

        self.run_axe(page, where)
        photograph = language in SCREENSHOT_LANGUAGES
        if photograph:
            self.screenshot(page, f"a11y_{language}_{slug}.png")
        # Right-to-left pages must mirror without spilling sideways; left-to-right ones are held to the same rule.
        # The user menu is the same on every page: it is opened on the first page of each person.
        check_menu = id(page) not in self.menus_checked and page.locator("details.user-menu:not([open])").count()
        self.menus_checked.add(id(page))
        for viewport in (self.tools.desktop, self.tools.mobile):
            page.set_viewport_size(viewport)
            self.check_layout(page, f"{where} at {viewport['width']}px")
            if viewport is self.tools.mobile:
                self.run_axe(page, f"{where} at {viewport['width']}px", rules=PHONE_RULES)
            if check_menu:
                page.click("details.user-menu summary")
                self.check_layout(page, f"{where} at {viewport['width']}px, user menu open")
                page.click("details.user-menu summary")
            if viewport is self.tools.mobile and photograph:
                self.screenshot(page, f"a11y_{language}_{slug}_mobile.png")
        page.set_viewport_size(self.tools.desktop)

    def run_axe(self, page, where: str, rules=None) -> None:
        for violation in self.tools.axe_violations(page, rules):
            key = (page.url, violation["id"], repr([node["target"] for node in violation["nodes"]]))
            if key in self.seen:  # the same violation at another window size
                continue
            self.seen.add(key)
            self.violations += 1
            self.problems.append(f"{where}: {self.tools.describe_violation(violation)}")

    def check_layout(self, page, where: str) -> None:
        overflow = self.tools.horizontal_overflow(page)
        sticking_out = self.tools.sticking_out(page)
        if overflow > 1:
            self.problems.append(
                f"{where}: the page is {overflow}px wider than the window (horizontal scrolling); "
                f"sticking out: {', '.join(sticking_out) or 'nothing visible'}"
            )
        elif sticking_out:
            self.problems.append(f"{where}: cut off at the window's edge: {', '.join(sticking_out)}")


# Each language is its own xdist group, so the two processes share the four walks (each process
# starts its own Chromium once).
@pytest.mark.parametrize("language", [pytest.param(x, marks=pytest.mark.xdist_group(f"a11y-{x}")) for x in LANGUAGES])
def test_every_page_is_accessible(
    demo, live_server, new_context, sign_in, screenshot, browser_tools, record_property, language
):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from halqa.accounts.models import User

    unknown = unclassified_routes()
    assert not unknown, "routes the accessibility gate does not know:\n  " + "\n  ".join(unknown)
    User.objects.filter(email__in=SIGNED_IN).update(preferred_language=language)
    ids = demo_ids(demo)

    def new_page():
        context = new_context()
        context.add_cookies([{"name": "halqa_language", "value": language, "url": live_server.url}])
        return context.new_page()

    pages = {VISITOR: new_page()}
    for person in SIGNED_IN:
        pages[person] = new_page()
        sign_in(pages[person], live_server, person)
    # The teacher turns on a second factor (after signing in), so its pages have something to show.
    TOTP.activate(demo.teacher, generate_totp_secret())
    RecoveryCodes.activate(demo.teacher)

    checker = PageChecker(live_server, language, screenshot, browser_tools)
    for name, spec in PAGES.items():
        path = reverse(name, kwargs=spec.kwargs(ids) if spec.kwargs else None)
        for people in spec.people:
            tried = []
            for person in people if isinstance(people, tuple) else (people,):
                page = new_page() if spec.open is not None else pages[person]
                missed = checker.visit(page, path, name, flow=spec.open)
                if missed is None:
                    slug = name.replace(":", "_") + ("_visitor" if person == VISITOR and len(spec.people) > 1 else "")
                    checker.check(page, f"[{language}] {name} {path} as {person}", slug)
                    break
                tried.append(f"{person}: {missed}")
            else:
                checker.problems.append(f"[{language}] {name} {path}: nobody sees it ({'; '.join(tried)})")

    # Two states a plain visit does not reach: the page that shows a new API token once, and the
    # security page with the user menu open (so its panel is checked by axe as well).
    security = f"{live_server.url}{reverse('accounts:security')}"
    pages[PRINCIPAL].goto(security)
    checker.check(pages[PRINCIPAL], f"[{language}] new API token", "api_token_created", prepare=make_api_token)
    pages[TEACHER].goto(security)
    checker.check(pages[TEACHER], f"[{language}] user menu open", "user_menu", prepare=open_user_menu)

    record_property("a11y_language", language)
    record_property("a11y_pages", checker.pages)
    record_property("a11y_violations", checker.violations)
    record_property("a11y_left_out", len(NOT_PAGES) + len(POST_ONLY))
    print(f"a11y [{language}]: {checker.pages} pages checked, {checker.violations} violations")
    assert not checker.problems, (
        f"{len(checker.problems)} accessibility/layout problems in {language!r}:\n  " + "\n  ".join(checker.problems)
    )
