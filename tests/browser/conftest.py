"""Headless-browser tests: one Chromium per session (per xdist worker), Halqa on pytest-django's live server.

Every test here gets the demo data (`manage.py load_demo`) in a fresh database and signs people in
through the real allauth form. Screenshots go to test-artifacts/screenshots/ (gitignored).

Run them alone with:  .venv/bin/python -m pytest tests/browser -n 0 -q
"""

from __future__ import annotations

import importlib
import io
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command

# Playwright's sync API runs an asyncio event loop in this thread; without this Django's ORM would
# refuse every query the tests make ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BROWSER_DIR = Path(__file__).resolve().parent
REPO_ROOT = BROWSER_DIR.parents[1]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NO_CHROMIUM = f"Chromium not found at {CHROMIUM}: browser tests skipped"

DEMO_PASSWORD = "halqa-demo-2026"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

# Characters of the script each interface language is written in.
SCRIPTS = {
    "ar": re.compile(r"[\u0600-\u06FF]"),
    "fa": re.compile(r"[\u0600-\u06FF]"),
    "ru": re.compile(r"[\u0400-\u04FF]"),
    "en": re.compile(r"[A-Za-z]"),
}
RTL_LANGUAGES = {"ar", "fa"}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
USED_DEMO_DATA = pytest.StashKey[bool]()


def _in_this_folder(item: pytest.Item) -> bool:
    return BROWSER_DIR in Path(str(item.path)).resolve().parents


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=NO_CHROMIUM)
    for item in items:
        if _in_this_folder(item):
            item.add_marker(skip)


def pytest_report_header(config):
    # Shown when this conftest is loaded at start-up (e.g. `pytest tests/browser`).
    if not CHROMIUM.exists():
        return NO_CHROMIUM
    return None


# Data migrations that fill vocabularies (idempotent), and the function that does it.
VOCABULARY_MIGRATIONS = [
    ("halqa.accounts.migrations.0002_vocabularies", "fill"),  # roles, subjects, grades
    ("halqa.cases.migrations.0002_vocabulary", "forwards"),  # difficulty types, topics
]


def _seed_vocabularies() -> None:
    """Vocabularies are rows filled by data migrations; a transactional test's flush empties them."""
    from django.apps import apps

    for module, function in VOCABULARY_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a browser test's database flush, put the vocabularies back for whatever runs next.

    Skipped after the very last test: by then the test database is being torn down.
    """
    yield
    if nextitem is None or not item.stash.get(USED_DEMO_DATA, False):
        return
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        _seed_vocabularies()


# --- Browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance():
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """One headless Chromium for the whole session (per xdist worker)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser):
    """Make browser contexts (separate cookie jars) that are closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", DESKTOP)
        options.setdefault("locale", "en-US")
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


# --- Data ------------------------------------------------------------------------------------


@pytest.fixture
def demo(request, live_server, transactional_db):
    """The demo data, loaded in this test's (flushed) database. Returns the people and places tests use."""
    from halqa.accounts.models import User
    from halqa.orgs.models import Network, School

    request.node.stash[USED_DEMO_DATA] = True
    _load_demo()
    users = {u.email: u for u in User.objects.filter(email__endswith="@halqa.test")}
    return SimpleNamespace(
        password=DEMO_PASSWORD,
        users=users,
        teacher=users["teacher@halqa.test"],
        anna=users["anna@halqa.test"],
        principal=users["principal.farabi@halqa.test"],
        admin=users["admin@halqa.test"],
        farabi=School.objects.get(name="مدرسة الفارابي الثانوية"),
        network=Network.objects.get(name="STEM Teachers Network"),
    )


# The database right after `load_demo`, per test process: the demo takes about 6 s to build and a
# few hundred milliseconds to put back, and some thirty browser tests start from it. Put back whole
# (SQLite's backup API; PostgreSQL's COPY of every table, then the sequences), so each test starts
# from the same rows as if it had loaded the demo itself. Files the demo writes stay in MEDIA_ROOT.
_DEMO_SNAPSHOT: dict[str, object] = {}


def _load_demo() -> None:
    from django.conf import settings
    from django.db import connection

    vendor = connection.vendor
    if settings.SIMILAR_MODEL or vendor not in ("sqlite", "postgresql"):
        # Vectors would be made while loading (and a snapshot would hold another model's state).
        _seed_vocabularies()
        call_command("load_demo", stdout=io.StringIO())
        return
    if vendor in _DEMO_SNAPSHOT:
        (_restore_sqlite if vendor == "sqlite" else _restore_postgresql)(_DEMO_SNAPSHOT[vendor])
        return
    _seed_vocabularies()
    call_command("load_demo", stdout=io.StringIO())
    _DEMO_SNAPSHOT[vendor] = _snapshot_sqlite() if vendor == "sqlite" else _snapshot_postgresql()


def _snapshot_sqlite():
    import sqlite3

    from django.db import connection

    connection.ensure_connection()
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    return copy


def _restore_sqlite(copy) -> None:
    from django.db import connection

    connection.ensure_connection()
    copy.backup(connection.connection)


def _tables(cursor) -> list[str]:
    from django.db import connection

    return [name for name in connection.introspection.table_names(cursor) if name != "django_migrations"]


def _snapshot_postgresql() -> list[tuple[str, bytes]]:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own, for COPY
        snapshot = []
        for table in _tables(cursor):
            with raw.copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                snapshot.append((table, b"".join(bytes(block) for block in copy)))
        return snapshot


def _restore_postgresql(snapshot: list[tuple[str, bytes]]) -> None:
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        # Foreign keys are DEFERRABLE INITIALLY DEFERRED (Django's): any order within one transaction.
        cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table, _data in snapshot) + " RESTART IDENTITY CASCADE")
        for table, data in snapshot:
            if data:
                with raw.copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                    copy.write(data)
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(statement)


# --- Helpers ---------------------------------------------------------------------------------


def _sign_in(page, live_server, email, password=DEMO_PASSWORD):
    """Sign in through allauth's form at /accounts/login/ and wait until we have left it."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('main form input[name="login"]', email)
    page.fill('main form input[name="password"]', password)
    with page.expect_navigation():
        page.click('main form button[type="submit"]')
    assert "/accounts/login/" not in page.url, f"signing in as {email} failed: still on {page.url}"
    assert page.locator("details.user-menu").count() == 1, f"no user menu after signing in as {email}"


def _sign_out(page):
    if page.locator("details.user-menu[open]").count() == 0:
        page.click("details.user-menu summary")
    with page.expect_navigation():
        page.click(".user-menu-panel form button[type='submit']")
    assert page.locator("details.user-menu").count() == 0, "still signed in after signing out"


def _switch_language(page, code):
    """Choose a language in the header's switcher; the select submits its form by itself (halqa.js)."""
    with page.expect_navigation():
        page.select_option("select#language-select", code)
    page.wait_for_selector(f"html[lang='{code}']")


def _screenshot(page, name, full_page=True):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _translated(language, message):
    """`message` in `language` from the same catalogs the live server uses (it runs in this process)."""
    from django.utils import translation

    with translation.override(language):
        return translation.gettext(message)


_STICKING_OUT_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const positioned = (el) => getComputedStyle(el).position !== "static";
  const scrolls = (el) => getComputedStyle(el).overflowX !== "visible";
  // Is `el` clipped by (scrolled inside) an ancestor, so it cannot stick out of the page?
  const clipped = (el) => {
    const position = getComputedStyle(el).position;
    if (position === "fixed") return false;
    let needsPositioned = position === "absolute";
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (!needsPositioned && scrolls(p)) return true;
      if (needsPositioned && positioned(p)) {
        if (scrolls(p)) return true;
        needsPositioned = getComputedStyle(p).position === "absolute";
        if (getComputedStyle(p).position === "fixed") return false;
      }
    }
    return false;
  };
  const sticking = [...document.body.querySelectorAll("*")].filter((el) => {
    if (!el.checkVisibility({ visibilityProperty: true })) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 1 || box.left < -1) && !clipped(el);
  });
  // Only the innermost ones: an ancestor sticks out because of them.
  const innermost = sticking.filter((el) => !sticking.some((other) => other !== el && el.contains(other)));
  return innermost.slice(0, 5).map((el) => {
    const box = el.getBoundingClientRect();
    return `${describe(el)} (x ${Math.round(box.left)}..${Math.round(box.right)} of ${width})`;
  });
}
"""


def _horizontal_overflow(page):
    """How many CSS pixels the page is wider than the window (0 or less when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _sticking_out(page):
    """Visible elements that stick out of the window sideways (innermost first), as short descriptions.

    This also catches what scrollWidth cannot: content pushed off the start edge (left in English,
    right in Arabic), where no scrolling can reach it.
    """
    return page.evaluate(_STICKING_OUT_JS)


_axe = None


def _axe_violations(page, rules=None):
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now (a list of axe's dicts).

    `rules` (a list of axe rule ids) runs only those instead. axe-core is injected once per document:
    checking a page again, e.g. at another window size, reuses it."""
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe.axe_script)
    options = AXE_OPTIONS if rules is None else {**AXE_OPTIONS, "runOnly": {"type": "rule", "values": rules}}
    return page.evaluate("options => axe.run(document, options)", options)["violations"]


def _describe_violation(violation):
    """One readable line: rule id, impact, what it means, and the CSS selectors of every element."""
    targets = "; ".join(
        " ".join(map(str, node["target"])) if isinstance(node["target"], list) else str(node["target"])
        for node in violation["nodes"]
    )
    return f"{violation['id']} ({violation.get('impact') or 'n/a'}): {violation['help']} — targets: {targets}"


@pytest.fixture
def sign_in():
    """sign_in(page, live_server, email): sign in with the demo password through the login form."""
    return _sign_in


@pytest.fixture
def sign_out():
    return _sign_out


@pytest.fixture
def switch_language():
    return _switch_language


@pytest.fixture
def screenshot():
    """screenshot(page, "name.png"): a full-page screenshot in test-artifacts/screenshots/."""
    return _screenshot


@pytest.fixture
def browser_tools():
    """Everything else tests share, in one namespace."""
    return SimpleNamespace(
        translated=_translated,
        horizontal_overflow=_horizontal_overflow,
        sticking_out=_sticking_out,
        axe_violations=_axe_violations,
        describe_violation=_describe_violation,
        scripts=SCRIPTS,
        rtl=RTL_LANGUAGES,
        desktop=DESKTOP,
        mobile=MOBILE,
        screenshot_dir=SCREENSHOT_DIR,
    )
