"""Fixtures shared by the whole suite: people in every role, a real SMTP server, the task worker."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from halqa.core.testing.mail import MailBox, free_port
from halqa.core.testing.world import make_world

# --- The authorization gate (halqa/core/testing/authz.py) -------------------------------------


def pytest_configure(config):
    from django.conf import settings

    recorder = "halqa.core.testing.authz.RouteRecorderMiddleware"
    if recorder not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, recorder]
    if not hasattr(config, "workerinput"):  # the controlling process: a fresh folder for this run
        folder = Path(tempfile.mkdtemp(prefix="halqa-authz-"))
        os.environ["HALQA_AUTHZ_DIR"] = str(folder)
        config._halqa_authz_dir = folder


def full_run(config) -> bool:
    """The gate only judges a run of the whole suite, not a file or a -k selection."""
    if os.environ.get("HALQA_AUTHZ_GATE") == "0":
        return False
    return (
        config.args_source == pytest.Config.ArgsSource.TESTPATHS
        and not config.option.keyword
        and not config.option.markexpr
        and not config.option.lf
    )


def pytest_sessionfinish(session, exitstatus):
    from halqa.core.testing import authz

    config = session.config
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    authz.Recorder.dump(authz.folder_from_env(), worker)
    if hasattr(config, "workerinput"):
        return
    folder = config._halqa_authz_dir
    covered, missing = authz.verdict(authz.load(folder))
    shutil.rmtree(folder, ignore_errors=True)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    total = len(covered) + len(missing)
    if not full_run(config):
        return
    reporter.write_sep("-", "authorization gate")
    lines = [f"authz: {len(covered)} of {total} routes covered"]
    lines += [f"  missing: {item}" for item in missing]
    for line in lines:
        reporter.write_line(line, red=bool(missing), green=not missing)
    if missing and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    """Figures the gates report from the workers (through each report's user_properties)."""
    reports = [
        report
        for key in ("passed", "failed", "error")
        for report in terminalreporter.stats.get(key, [])
        if getattr(report, "when", "") == "call"
    ]
    pages = violations = left_out = 0
    languages = set()
    for report in reports:
        props = dict(getattr(report, "user_properties", []) or [])
        if "a11y_pages" in props:
            pages = max(pages, props["a11y_pages"])
            violations += props["a11y_violations"]
            left_out = props.get("a11y_left_out", 0)
            languages.add(props["a11y_language"])
    if any("tests/browser/" in report.nodeid for report in reports):
        terminalreporter.write_line(f"Browser screenshots: {Path(__file__).parent / 'test-artifacts' / 'screenshots'}")
    if languages:
        terminalreporter.write_line(
            f"a11y: {pages} pages × {len(languages)} languages (every HTML page of the URL table; "
            f"{left_out} routes left out with a reason), {violations} violations"
        )
    root = Path(__file__).parent
    shards = [
        dict(report.user_properties)["fuzz"]
        for report in reports
        if "test_schema_fuzz" in report.nodeid and "fuzz" in dict(getattr(report, "user_properties", []) or [])
    ]
    if shards:
        for line in fuzz_summary(shards):
            terminalreporter.write_line(line)
    if any("test_i18n" in report.nodeid for report in reports):
        import polib

        counts = []
        for language in ("ar", "fa", "ru"):
            po = polib.pofile(str(root / "halqa" / "locale" / language / "LC_MESSAGES" / "django.po"))
            counts.append(f"{language} {len(po.translated_entries())}/{len([e for e in po if not e.obsolete])}")
        terminalreporter.write_line("i18n: " + ", ".join(counts) + " translated")


def fuzz_summary(shards: list[dict]) -> list[str]:
    """The API fuzz gate's shards (tests/api/test_schema_fuzz.py) added up."""
    answers = Counter()
    for shard in shards:
        answers.update(shard["answers"])
    total = {key: sum(shard[key] for shard in shards) for key in ("operations", "examples", "nul", "lone_surrogate")}
    lines = [
        f"fuzz: {total['operations']} operations × {shards[0]['roles']} roles, {total['examples']} examples "
        f"({', '.join(f'{count} {status}' for status, count in sorted(answers.items()))}), {total['nul']} with NUL, "
        f"{total['lone_surrogate']} with lone surrogates, {sum(shard['failures'] for shard in shards)} failures"
        + (f" ({len(shards)} of the shards ran)" if len(shards) < shards[0].get("shards", len(shards)) else "")
    ]
    small = [label for shard in shards for label in shard["small"]]
    if small:
        lines.append(f"fuzz: fewer than {shards[0]['wanted']} examples, every possible input tried: {', '.join(small)}")
    return lines


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many accounts; a slow hash is a property of production, not of the tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def each_test_starts_in_the_default_language_and_zone():
    """Django keeps the active language and time zone per thread, and a request as a Persian
    teacher leaves them behind: a later test in the same process that reads a sentence made outside
    a request (a service's error, a notification) would read it in Persian."""
    from django.conf import settings as django_settings
    from django.utils import timezone, translation

    translation.activate(django_settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def api_throttles_out_of_the_way(settings):
    """The suite and the API fuzzer send far more requests than a person; the throttles still run, at
    rates nothing reaches (halqa/api/tests/test_limits.py tests the real ones)."""
    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, "1000000000/day")


@pytest.fixture(autouse=True)
def similar_model_off(settings):
    """Every case or product a test saves and whose tasks it runs would be embedded, loading the
    embedding model in every test process (it doubled some files' time): off by default, so
    similar cases answer from full text; the tests of halqa/similar (their conftest) and the browser
    test of similar cases turn it on."""
    settings.SIMILAR_MODEL = ""


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on localhost; Django sends mail to it over the network."""
    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield box
    controller.stop()


@pytest.fixture
def run_tasks(monkeypatch):
    """Work off the database task queue the way `manage.py db_worker` does, then return.

    The real worker recycles database connections between tasks; inside a test that would close
    the connection holding the test's transaction (PostgreSQL notices), so here it keeps it.
    """
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run():
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "*", verbosity=0)

    return run


@pytest.fixture
def world(db):
    """Two authorities' worth of people: every role, two schools in one authority and one in another.

    Returns a namespace: authority, school, other_school, foreign_school, network, and people by role.
    """
    return make_world()


@pytest.fixture
def login(client):
    def as_(user):
        client.force_login(user)
        return client

    return as_


# --- Vocabularies after a transactional test --------------------------------------------------

# Rows that data migrations fill (roles, subjects, grades; case difficulty types and topics). A
# transactional test ends by flushing every table, so they are put back for whatever runs next in
# the same process.
VOCABULARY_MIGRATIONS = [
    ("halqa.accounts.migrations.0002_vocabularies", "fill"),
    ("halqa.cases.migrations.0002_vocabulary", "forwards"),
]


def _transactional(item) -> bool:
    if "transactional_db" in getattr(item, "fixturenames", ()):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    if nextitem is None or not _transactional(item):
        return
    import importlib

    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        for module, function in VOCABULARY_MIGRATIONS:
            getattr(importlib.import_module(module), function)(apps, None)
